package install

import (
	"context"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// TestFinalizerPolicy installs the Application CRD and the finalizer
// policy of deploy/install in a real API server and creates Applications:
// the API server adds tugboat.dev/prune to one that prunes, in the create
// response, after the finalizers it carries and never twice; it leaves one
// with spec.sync.prune false alone; and a server-side apply, as tug apply
// creates Applications, does not own the finalizer, so the next apply
// keeps it.
func TestFinalizerPolicy(t *testing.T) {
	env := testenv.NewCluster(t, testenv.ClusterOptions{Name: "finalizer-policy"})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := env.InstallCRDs(ctx, "../../deploy/crds/tugboat.dev_applications.yaml"); err != nil {
		t.Fatal(err)
	}
	dyn := dynamic.NewForConfigOrDie(env.Config)
	applyPolicy(ctx, t, dyn)
	// Bounded: the CRD is new, so the API server refuses matched
	// Applications for some seconds (see WaitPolicy).
	start := time.Now()
	waitCtx, waitCancel := context.WithTimeout(ctx, 20*time.Second)
	defer waitCancel()
	if err := WaitPolicy(waitCtx, dyn, "default"); err != nil {
		t.Fatal(err)
	}
	t.Logf("the policy took effect %v after it was created", time.Since(start).Round(time.Millisecond))

	apps := dyn.Resource(applications).Namespace("default")
	tests := []struct {
		name       string
		sync       map[string]any
		finalizers []string
		want       []string
	}{
		{name: "no-sync", want: []string{pruneFinalizer}},
		{name: "prune-false", sync: map[string]any{"prune": false}},
		{name: "prune-true", sync: map[string]any{"prune": true}, want: []string{pruneFinalizer}},
		{name: "sync-without-prune", sync: map[string]any{"wait": true}, want: []string{pruneFinalizer}},
		{name: "another-finalizer", finalizers: []string{"example.com/keep"}, want: []string{"example.com/keep", pruneFinalizer}},
		{name: "ours-already", finalizers: []string{pruneFinalizer}, want: []string{pruneFinalizer}},
		{name: "ours-first", finalizers: []string{pruneFinalizer, "example.com/keep"}, want: []string{pruneFinalizer, "example.com/keep"}},
		{name: "prune-false-another", sync: map[string]any{"prune": false}, finalizers: []string{"example.com/keep"}, want: []string{"example.com/keep"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := apps.Create(ctx, application(tt.name, tt.sync, tt.finalizers), metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if fins := got.GetFinalizers(); !slices.Equal(fins, tt.want) {
				t.Errorf("created with finalizers %q, want %q", fins, tt.want)
			}
		})
	}

	t.Run("server-side apply", func(t *testing.T) {
		app := application("applied", nil, nil)
		for _, path := range []string{"apps/web", "apps/web2"} {
			if err := unstructured.SetNestedField(app.Object, path, "spec", "path"); err != nil {
				t.Fatal(err)
			}
			body, err := app.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			got, err := apps.Patch(ctx, app.GetName(), types.ApplyPatchType, body, metav1.PatchOptions{FieldManager: "tugboat"})
			if err != nil {
				t.Fatal(err)
			}
			if fins := got.GetFinalizers(); !slices.Equal(fins, []string{pruneFinalizer}) {
				t.Errorf("path %s applied: finalizers %q, want [%s]", path, fins, pruneFinalizer)
			}
		}
	})
}

// applyPolicy applies the finalizer policy's objects of the installation
// (those a cluster serving nothing would leave out), as tug install does.
func applyPolicy(ctx context.Context, t *testing.T, dyn dynamic.Interface) {
	t.Helper()
	all, err := Objects("registry.example.com/tug@sha256:0123")
	if err != nil {
		t.Fatal(err)
	}
	_, policy := WithoutUnserved(all, nil)
	resources := map[string]string{
		"MutatingAdmissionPolicy":        "mutatingadmissionpolicies",
		"MutatingAdmissionPolicyBinding": "mutatingadmissionpolicybindings",
	}
	for _, o := range policy {
		gvr := schema.GroupVersionResource{Group: "admissionregistration.k8s.io", Version: "v1", Resource: resources[o.GetKind()]}
		body, err := o.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dyn.Resource(gvr).Patch(ctx, o.GetName(), types.ApplyPatchType, body, metav1.PatchOptions{FieldManager: "test"}); err != nil {
			t.Fatalf("apply %s: %v", o.ID(), err)
		}
	}
}

// application is a minimal valid Application with spec.sync (if given)
// and finalizers.
func application(name string, sync map[string]any, finalizers []string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "tugboat.dev/v1alpha1", "kind": "Application",
		"metadata": map[string]any{"name": name},
		"spec":     map[string]any{"path": "apps/web"},
	}}
	if sync != nil {
		u.Object["spec"].(map[string]any)["sync"] = sync
	}
	u.SetFinalizers(finalizers)
	return u
}
