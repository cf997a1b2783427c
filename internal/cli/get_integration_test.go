package cli

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// TestGetApps lists Applications as a table, with their Ready condition,
// revision and failure, in one namespace or all.
func TestGetApps(t *testing.T) {
	env := testenv.NewCluster(t, testenv.ClusterOptions{Name: "cli-get"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	apps := installApplicationCRD(ctx, t, env).Namespace("default")
	for name, ready := range map[string]string{"web": "True", "api": "False"} {
		u := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "tugboat.dev/v1alpha1", "kind": "Application",
			"metadata": map[string]any{"name": name, "namespace": "default"},
			"spec":     map[string]any{"repo": "https://git.example.com/envs.git", "path": "apps/" + name},
		}}
		created, err := apps.Create(ctx, u, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		created.Object["status"] = map[string]any{
			"lastAppliedRevision": "main@sha1:abc",
			"conditions": []any{map[string]any{"type": "Ready", "status": ready, "reason": map[string]string{"True": "Applied", "False": "RenderFailed"}[ready],
				"message": "apps/api/x.yaml: bad", "lastTransitionTime": "2026-12-02T00:00:00Z"}},
		}
		if _, err := apps.UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	checkRun(t, []string{"get", "apps", "--kubeconfig", env.Kubeconfig}, ExitOK, "",
		[]string{"NAME", "web", "True", "main@sha1:abc", "api", "False", "RenderFailed: apps/api/x.yaml: bad"})
	checkRun(t, []string{"get", "apps", "web", "-A", "--kubeconfig", env.Kubeconfig}, ExitOK, "", []string{"NAMESPACE", "default", "web"})
	checkRun(t, []string{"get", "apps", "-o", "json", "--kubeconfig", env.Kubeconfig}, ExitOK, "", []string{`"items"`, `"lastAppliedRevision": "main@sha1:abc"`})
}

// installApplicationCRD applies deploy/crds to env and waits until
// Applications are served.
func installApplicationCRD(ctx context.Context, t *testing.T, env *testenv.Cluster) dynamic.NamespaceableResourceInterface {
	t.Helper()
	if err := env.InstallCRDs(ctx, filepath.Join("..", "..", "deploy", "crds", "tugboat.dev_applications.yaml")); err != nil {
		t.Fatal(err)
	}
	return dynamic.NewForConfigOrDie(env.Config).Resource(applicationsResource)
}
