package cluster

import (
	"context"
	"encoding/json"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/metadata"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

// FieldManager is the server-side apply field manager of every write.
const FieldManager = "tugboat"

// Applied reports whether a managedFields entry is Tugboat's own by apply:
// FieldManager's, from a server-side apply.
func Applied(e metav1.ManagedFieldsEntry) bool {
	return e.Manager == FieldManager && e.Operation == metav1.ManagedFieldsOperationApply
}

// ApplyOptions modify one server-side apply.
type ApplyOptions struct {
	// DryRun asks the API server to validate, default and merge without
	// persisting.
	DryRun bool
	// Force takes fields over from other managers instead of failing on a
	// conflict.
	Force bool
}

// resource returns the client for o's kind and namespace.
func (c *Cluster) resource(gvk schema.GroupVersionKind, namespace string) (dynamic.ResourceInterface, *meta.RESTMapping, error) {
	m, err := c.Mapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, nil, err
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return c.Dynamic.Resource(m.Resource).Namespace(namespace), m, nil
	}
	return c.Dynamic.Resource(m.Resource), m, nil
}

// Apply server-side-applies o as FieldManager, with strict field
// validation, and returns the object as the API server has (or, in a dry
// run, would have) it.
func (c *Cluster) Apply(ctx context.Context, o *object.Object, opts ApplyOptions) (*unstructured.Unstructured, error) {
	ri, _, err := c.resource(o.GroupVersionKind(), o.GetNamespace())
	if err != nil {
		return nil, err
	}
	data, po, err := applyPatch(o, opts)
	if err != nil {
		return nil, err
	}
	return ri.Patch(ctx, o.GetName(), types.ApplyPatchType, data, po)
}

// ApplyMetadata is Apply for callers that need only the metadata of the
// result (UID, managedFields): the API server then encodes just that, in
// protobuf, which costs it far less than the whole object in JSON.
func (c *Cluster) ApplyMetadata(ctx context.Context, o *object.Object, opts ApplyOptions) (*metav1.PartialObjectMetadata, error) {
	ri, err := c.metadataResource(o.GroupVersionKind(), o.GetNamespace())
	if err != nil {
		return nil, err
	}
	data, po, err := applyPatch(o, opts)
	if err != nil {
		return nil, err
	}
	return ri.Patch(ctx, o.GetName(), types.ApplyPatchType, data, po)
}

// applyPatch encodes o as an apply patch by FieldManager, with strict
// field validation.
func applyPatch(o *object.Object, opts ApplyOptions) ([]byte, metav1.PatchOptions, error) {
	data, err := json.Marshal(o.Object)
	if err != nil {
		return nil, metav1.PatchOptions{}, fmt.Errorf("%s: encode: %w", o, err)
	}
	po := metav1.PatchOptions{FieldManager: FieldManager, Force: &opts.Force, FieldValidation: "Strict"}
	if opts.DryRun {
		po.DryRun = []string{metav1.DryRunAll}
	}
	return data, po, nil
}

// Create creates o, failing if it exists: the one write that cannot
// overwrite another's.
func (c *Cluster) Create(ctx context.Context, o *object.Object) (*unstructured.Unstructured, error) {
	ri, _, err := c.resource(o.GroupVersionKind(), o.GetNamespace())
	if err != nil {
		return nil, err
	}
	return ri.Create(ctx, o.Unstructured, metav1.CreateOptions{FieldManager: FieldManager, FieldValidation: "Strict"})
}

// Get reads an object; (nil, nil) if it does not exist.
func (c *Cluster) Get(ctx context.Context, gvk schema.GroupVersionKind, namespace, name string) (*unstructured.Unstructured, error) {
	ri, _, err := c.resource(gvk, namespace)
	if err != nil {
		return nil, err
	}
	u, err := ri.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return u, err
}

// Delete deletes an object in the background (dependents follow through
// garbage collection); a missing object is not an error. uid, when set,
// makes sure the object deleted is the one that was looked at.
func (c *Cluster) Delete(ctx context.Context, gvk schema.GroupVersionKind, namespace, name string, uid types.UID) error {
	ri, _, err := c.resource(gvk, namespace)
	if err != nil {
		return err
	}
	policy := metav1.DeletePropagationBackground
	opts := metav1.DeleteOptions{PropagationPolicy: &policy}
	if uid != "" {
		opts.Preconditions = &metav1.Preconditions{UID: &uid}
	}
	err = ri.Delete(ctx, name, opts)
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// ListMetadata lists the metadata (labels, annotations, managedFields) of
// the objects of a kind that match selector, in namespace ("" = all
// namespaces or cluster-scoped): one request, no object bodies.
func (c *Cluster) ListMetadata(ctx context.Context, gvk schema.GroupVersionKind, namespace, selector string) ([]metav1.PartialObjectMetadata, error) {
	ri, err := c.metadataResource(gvk, namespace)
	if err != nil {
		return nil, err
	}
	list, err := ri.List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", gvk.GroupKind(), err)
	}
	return list.Items, nil
}

// metadataResource is the metadata client of a kind, in namespace when
// the kind is namespaced and namespace is set.
func (c *Cluster) metadataResource(gvk schema.GroupVersionKind, namespace string) (metadata.ResourceInterface, error) {
	m, err := c.Mapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, err
	}
	mc, err := c.metadataClient()
	if err != nil {
		return nil, err
	}
	if namespace != "" && m.Scope.Name() == meta.RESTScopeNameNamespace {
		return mc.Resource(m.Resource).Namespace(namespace), nil
	}
	return mc.Resource(m.Resource), nil
}

func (c *Cluster) metadataClient() (metadata.Interface, error) {
	c.metaOnce.Do(func() { c.meta, c.metaErr = metadata.NewForConfig(c.Config) })
	if c.metaErr != nil {
		return nil, fmt.Errorf("cluster %s: metadata client: %w", c.Name, c.metaErr)
	}
	return c.meta, nil
}
