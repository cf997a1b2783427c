package plan

import (
	"context"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/inventory"
	"github.com/tugboat-gitops/tugboat/internal/object"
)

// pruneChanges lists what the app owned and no longer declares, in reverse
// apply order. Only objects still labelled as the app's are pruned (the
// live view is filtered by that label); those annotated
// tugboat.dev/prune: disabled are skipped.
func (p *planner) pruneChanges(ctx context.Context, desired []*object.Object) ([]changeset.Change, error) {
	want := make(map[object.ID]bool, len(desired))
	for _, o := range desired {
		want[o.ID()] = true
	}
	var gone []*object.Object
	byObject := map[*object.Object]changeset.Change{}
	for _, e := range p.t.Inventory.Entries {
		if want[e.ID()] {
			continue
		}
		m, ok := p.live.objects[e.ID()]
		if !ok {
			var err error
			if m, err = p.confirmGone(ctx, e); err != nil {
				return nil, err
			}
			if m == nil {
				continue
			}
		}
		c := changeset.Change{ID: e.ID(), Action: changeset.Prune, Version: e.Version, UID: m.UID}
		if m.Annotations[object.AnnotationPrune] == "disabled" {
			c.Action, c.Reason = changeset.Skip, object.AnnotationPrune+": disabled"
		}
		// A stand-in carrying what ordering needs: kind, scope, wave.
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(e.GVK())
		u.SetNamespace(e.Namespace)
		u.SetName(e.Name)
		u.SetAnnotations(map[string]string{object.AnnotationWave: m.Annotations[object.AnnotationWave]})
		if u.GetAnnotations()[object.AnnotationWave] == "" {
			u.SetAnnotations(nil)
		}
		o := object.New(u, "inventory")
		gone = append(gone, o)
		byObject[o] = c
	}
	steps, err := object.Steps(gone, p.t.Cluster.Scope())
	if err != nil {
		// A bad wave annotation on a live object: prune in inventory order.
		steps = []object.Step{{Objects: gone}}
	}
	var out []changeset.Change
	for _, s := range slices.Backward(steps) {
		for _, o := range slices.Backward(s.Objects) {
			out = append(out, byObject[o])
		}
	}
	return out, nil
}

// confirmGone reads a recorded object the live view lacks: a view fed by
// a watch may not have seen an object applied a moment ago, and an
// object missed here would be dropped from the inventory unpruned. It
// returns the object's metadata if it is still the app's, else nil.
func (p *planner) confirmGone(ctx context.Context, e inventory.Entry) (*metav1.PartialObjectMetadata, error) {
	if p.live.missingKinds[e.GVK().GroupKind()] {
		return nil, nil
	}
	u, err := p.t.Cluster.Get(ctx, e.GVK(), e.Namespace, e.Name)
	if meta.IsNoMatchError(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s before pruning it: %w", e.ID(), err)
	}
	if u == nil || u.GetLabels()[object.LabelApp] != p.t.App {
		return nil, nil
	}
	return metadataOf(u), nil
}
