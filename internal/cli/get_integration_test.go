package cli

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"

	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/object"
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
	c, err := cluster.FromConfig("test", env.Config)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "deploy", "crds", "tugboat.dev_applications.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	crds, err := object.Decode("crd.yaml", data, object.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range crds {
		if _, err := c.Apply(ctx, o, cluster.ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	apps := dynamic.NewForConfigOrDie(env.Config).Resource(applicationsResource)
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := apps.List(ctx, metav1.ListOptions{})
		return err == nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	return apps
}
