package plan

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

// liveView is what the app owns in the cluster, read with one metadata
// LIST per kind filtered by the app's label: no object bodies, no request
// per object.
type liveView struct {
	objects map[object.ID]*metav1.PartialObjectMetadata
	// missingKinds are kinds the cluster does not serve (yet): their CRD
	// may be in the desired set.
	missingKinds map[schema.GroupKind]bool
}

func readLive(ctx context.Context, c Reader, app string, kinds map[schema.GroupKind]string) (*liveView, error) {
	v := &liveView{objects: map[object.ID]*metav1.PartialObjectMetadata{}, missingKinds: map[schema.GroupKind]bool{}}
	selector := object.LabelApp + "=" + app
	for gk, version := range kinds {
		items, err := c.ListMetadata(ctx, gk.WithVersion(version), "", selector)
		if meta.IsNoMatchError(err) {
			v.missingKinds[gk] = true
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read what %s owns: %w", app, err)
		}
		for i := range items {
			m := &items[i]
			v.objects[object.ID{Group: gk.Group, Kind: gk.Kind, Namespace: m.Namespace, Name: m.Name}] = m
		}
	}
	return v, nil
}

// unowned finds which of ids exist in the cluster without the app's label:
// objects of another app, or of no app. Where several share a kind and
// namespace, one unfiltered metadata LIST answers for all of them;
// otherwise one GET each.
func unowned(ctx context.Context, c Reader, objs []*object.Object) (map[object.ID]*metav1.PartialObjectMetadata, error) {
	groups := lookupGroups(objs)
	found := map[object.ID]*metav1.PartialObjectMetadata{}
	for g, members := range groups {
		if err := lookupGroup(ctx, c, g.gvk, g.ns, members, found); err != nil {
			return nil, err
		}
	}
	return found, nil
}

const listThreshold = 8

// group is what one LIST can look up: a kind in a namespace.
type group struct {
	gvk schema.GroupVersionKind
	ns  string
}

// lookupGroups sorts objs by what one LIST can look up.
func lookupGroups(objs []*object.Object) map[group][]*object.Object {
	groups := map[group][]*object.Object{}
	for _, o := range objs {
		g := group{o.GroupVersionKind(), o.GetNamespace()}
		groups[g] = append(groups[g], o)
	}
	return groups
}

// metadataOf is the metadata of a live object the planner decides on.
func metadataOf(u *unstructured.Unstructured) *metav1.PartialObjectMetadata {
	return &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{
		Name: u.GetName(), Namespace: u.GetNamespace(), Labels: u.GetLabels(), Annotations: u.GetAnnotations(), UID: u.GetUID(),
	}}
}

func lookupGroup(ctx context.Context, c Reader, gvk schema.GroupVersionKind, ns string, members []*object.Object, found map[object.ID]*metav1.PartialObjectMetadata) error {
	if len(members) >= listThreshold {
		items, err := c.ListMetadata(ctx, gvk, ns, "")
		if err != nil {
			return err
		}
		for i := range items {
			found[object.ID{Group: gvk.Group, Kind: gvk.Kind, Namespace: items[i].Namespace, Name: items[i].Name}] = &items[i]
		}
		return nil
	}
	for _, o := range members {
		u, err := c.Get(ctx, gvk, o.GetNamespace(), o.GetName())
		if err != nil {
			return fmt.Errorf("%s: %w", o, err)
		}
		if u != nil {
			found[o.ID()] = metadataOf(u)
		}
	}
	return nil
}
