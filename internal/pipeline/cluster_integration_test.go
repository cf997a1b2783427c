package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/render"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// TestRenderForTargetCluster renders a chart whose templates read the
// capabilities, and a custom kind without a namespace, for a real cluster.
func TestRenderForTargetCluster(t *testing.T) {
	env := testenv.NewCluster(t, testenv.ClusterOptions{Name: "capabilities"})
	c, err := cluster.Connect(env.Kubeconfig, "")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string]string{
		"Chart.yaml": "apiVersion: v2\nname: caps\nversion: 0.1.0\n",
		"templates/cm.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: caps
data:
  kube: {{ .Capabilities.KubeVersion.Version | quote }}
  hasFlowSchema: {{ .Capabilities.APIVersions.Has "flowcontrol.apiserver.k8s.io/v1/FlowSchema" | quote }}
`,
	}
	for name, content := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	req := render.Request{Post: render.PostOptions{Namespace: "apps"}}
	if err := TargetCluster(ctx, &req, c); err != nil {
		t.Fatal(err)
	}
	out, err := New(Options{CacheDir: t.TempDir()}).Render(ctx, SourceSpec{Dir: dir}, req)
	if err != nil {
		t.Fatal(err)
	}
	data := out.Objects[0].Object["data"].(map[string]any)
	if data["kube"] != "v"+testenv.VersionsFromEnv().Kubernetes || data["hasFlowSchema"] != "true" {
		t.Errorf("capabilities seen by the chart: %v", data)
	}
	if ns := out.Objects[0].GetNamespace(); ns != "apps" {
		t.Errorf("namespace = %q, want apps", ns)
	}
}
