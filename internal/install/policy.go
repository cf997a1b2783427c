package install

import (
	"context"
	"fmt"
	"slices"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/object"
)

// FinalizerPolicy is the MutatingAdmissionPolicy (and the name of its
// binding) of deploy/install/finalizer-policy.yaml: it has the API server
// add the prune finalizer to a new Application, which the controller
// would otherwise patch in.
const FinalizerPolicy = "tugboat-prune-finalizer"

// pruneFinalizer is the finalizer the policy adds, the controller's.
const pruneFinalizer = v1alpha1.PruneFinalizer

// optionalKinds are the kinds of the installation a cluster may not serve:
// the finalizer policy's, served from Kubernetes 1.36. The installation
// does without them; every other kind is required.
var optionalKinds = []schema.GroupVersionKind{
	{Group: "admissionregistration.k8s.io", Version: "v1", Kind: "MutatingAdmissionPolicy"},
	{Group: "admissionregistration.k8s.io", Version: "v1", Kind: "MutatingAdmissionPolicyBinding"},
}

// WithoutUnserved returns objs less the objects of an optional kind that
// served does not list, and those it left out. served holds the API
// versions and kinds of the cluster in Helm's form ("apps/v1" and
// "apps/v1/Deployment"), as cluster.Capabilities returns them.
func WithoutUnserved(objs []*object.Object, served []string) (kept, dropped []*object.Object) {
	listed := make(map[string]bool, len(served))
	for _, s := range served {
		listed[s] = true
	}
	unserved := map[schema.GroupVersionKind]bool{}
	for _, gvk := range optionalKinds {
		if !listed[gvk.GroupVersion().String()+"/"+gvk.Kind] {
			unserved[gvk] = true
		}
	}
	for _, o := range objs {
		if unserved[o.GroupVersionKind()] {
			dropped = append(dropped, o)
		} else {
			kept = append(kept, o)
		}
	}
	return kept, dropped
}

// applications is the resource of the Applications the policy mutates.
var applications = schema.GroupVersionResource{Group: "tugboat.dev", Version: "v1alpha1", Resource: "applications"}

// WaitPolicy waits until the API server admits a new Application with the
// prune finalizer added, which a dry-run create in namespace shows without
// creating anything. After the Application CRD is first created, the API
// server refuses an Application the policy matches (503, "Resource kind
// ... not found") until its policy plugin has read the CRD's schema, some
// seconds later; tug install waits that out so that what follows it can
// create Applications. On ctx's end it returns the last refusal, or says
// that the finalizer was not added.
func WaitPolicy(ctx context.Context, dyn dynamic.Interface, namespace string) error {
	probe := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": applications.GroupVersion().String(), "kind": "Application",
		"metadata": map[string]any{"name": FinalizerPolicy + "-probe", "namespace": namespace},
		"spec":     map[string]any{"path": "."},
	}}
	var last error
	err := wait.PollUntilContextCancel(ctx, 250*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		got, err := dyn.Resource(applications).Namespace(namespace).Create(ctx, probe,
			metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		switch {
		case err != nil:
			last = err
		case !slices.Contains(got.GetFinalizers(), pruneFinalizer):
			last = fmt.Errorf("a new Application gets no %s finalizer", pruneFinalizer)
		default:
			return true, nil
		}
		return false, nil
	})
	if err != nil && last != nil {
		return fmt.Errorf("install: finalizer policy %s not in effect: %w", FinalizerPolicy, last)
	}
	if err != nil {
		return fmt.Errorf("install: finalizer policy %s: %w", FinalizerPolicy, err)
	}
	return nil
}
