package controller

import (
	"context"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/inventory"
	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/plan"
)

// view is the destination cluster as the planner reads it in the
// controller: what an app owns comes from the drift watch's informers,
// so a check with nothing new lists nothing. Every other read, and every
// kind not watched yet, goes to the API server. A view may lag behind an
// apply by moments; the planner is made for that (an object it lacks is
// dry-run and found, a recorded one is read before it is dropped), so a
// lag costs reads, never a wrong write or a missed prune.
type view struct {
	*cluster.Cluster
	drift       *driftWatch
	inventories *inventoryCache
}

var (
	_ plan.Reader      = view{}
	_ plan.OwnerWatch  = view{}
	_ inventory.Client = view{}
)

// ListMetadata answers "what does app own of this kind" from the watch.
func (v view) ListMetadata(ctx context.Context, gvk schema.GroupVersionKind, namespace, selector string) ([]metav1.PartialObjectMetadata, error) {
	if app, ok := strings.CutPrefix(selector, object.LabelApp+"="); ok && namespace == "" && !strings.ContainsAny(app, ",=!() ") {
		if m, err := v.Mapping(gvk.GroupKind(), gvk.Version); err == nil {
			if items, ok := v.drift.owned(m.Resource, app); ok {
				return items, nil
			}
		}
	}
	return v.Cluster.ListMetadata(ctx, gvk, namespace, selector)
}

// OwnerOf answers from the drift watch, which sees every object of a
// watched kind that carries Tugboat's label, whatever app owns it.
func (v view) OwnerOf(gvk schema.GroupVersionKind, namespace, name string) (string, bool) {
	m, err := v.Mapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return "", false
	}
	return v.drift.ownerOf(m.Resource, namespace, name)
}

// Get answers an inventory record from the cache when it may; any other
// object from the API server.
func (v view) Get(ctx context.Context, gvk schema.GroupVersionKind, namespace, name string) (*unstructured.Unstructured, error) {
	if inventory.IsRecord(gvk, namespace, name) {
		if u, ok := v.inventories.get(name); ok {
			if u == nil {
				return nil, nil // absent, as the Reader says it
			}
			return u, nil
		}
	}
	return v.Cluster.Get(ctx, gvk, namespace, name)
}

// Apply and Create note the version of the inventory records they write,
// so that the cache serves nothing older.
func (v view) Apply(ctx context.Context, o *object.Object, opts cluster.ApplyOptions) (*unstructured.Unstructured, error) {
	u, err := v.Cluster.Apply(ctx, o, opts)
	if err == nil && !opts.DryRun && inventory.IsRecord(o.GroupVersionKind(), o.GetNamespace(), o.GetName()) {
		v.inventories.written(o.GetName(), u)
	}
	return u, err
}

func (v view) Create(ctx context.Context, o *object.Object) (*unstructured.Unstructured, error) {
	u, err := v.Cluster.Create(ctx, o)
	if err == nil && inventory.IsRecord(o.GroupVersionKind(), o.GetNamespace(), o.GetName()) {
		v.inventories.written(o.GetName(), u)
	}
	return u, err
}

func (v view) Delete(ctx context.Context, gvk schema.GroupVersionKind, namespace, name string, uid types.UID) error {
	err := v.Cluster.Delete(ctx, gvk, namespace, name, uid)
	if err == nil && inventory.IsRecord(gvk, namespace, name) {
		v.inventories.written(name, nil)
	}
	return err
}
