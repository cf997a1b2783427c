package plan

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/object"
)

// Reader is all the planner asks of a cluster: reads, and dry-runs that
// write nothing. A direct client (*cluster.Cluster) satisfies it; so can a
// watch-fed view that answers the reads from its cache, as DESIGN.md's
// controller will, and the planner's table tests use fixtures.
type Reader interface {
	// ListMetadata lists the metadata of a kind's objects that match
	// selector in namespace ("" for all); a kind the cluster does not
	// serve is a meta no-match error.
	ListMetadata(ctx context.Context, gvk schema.GroupVersionKind, namespace, selector string) ([]metav1.PartialObjectMetadata, error)
	// Get reads one object; (nil, nil) if it does not exist.
	Get(ctx context.Context, gvk schema.GroupVersionKind, namespace, name string) (*unstructured.Unstructured, error)
	// Apply and ApplyMetadata are server-side applies; the planner calls
	// them with DryRun set, only.
	Apply(ctx context.Context, o *object.Object, opts cluster.ApplyOptions) (*unstructured.Unstructured, error)
	ApplyMetadata(ctx context.Context, o *object.Object, opts cluster.ApplyOptions) (*metav1.PartialObjectMetadata, error)
	// Scope tells namespaced kinds from cluster-scoped ones.
	Scope() object.ScopeFunc
	// VersionError explains a kind served, but not in gvk's version; nil
	// otherwise.
	VersionError(gvk schema.GroupVersionKind) error
}

var _ Reader = (*cluster.Cluster)(nil)

// OwnerWatch is what a Reader fed by a watch of every object Tugboat
// manages in the cluster can also answer without a request: which app
// owns an object. The controller's view is one; a direct client is not.
type OwnerWatch interface {
	// OwnerOf returns the app whose label the object carries ("" when no
	// object Tugboat manages has that kind, namespace and name), and
	// whether the watch could tell (false: not watched, or not synced).
	OwnerOf(gvk schema.GroupVersionKind, namespace, name string) (app string, known bool)
}
