package controller

import (
	"context"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/tugboat-gitops/tugboat/internal/cluster"
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
	drift *driftWatch
}

var _ plan.Reader = view{}

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
