package kustomize_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/tugboat-gitops/tugboat/internal/render"
	"github.com/tugboat-gitops/tugboat/internal/render/kustomize"
)

// TestPluginsRefused lists exec and container KRM functions and legacy
// plugins under generators, transformers and validators. Each is refused
// by the scan naming its config, and, were the scan bypassed, by kustomize
// itself under Tugboat's options; the plugin's program never runs.
func TestPluginsRefused(t *testing.T) {
	const cm = "resources: [cm.yaml]\n"
	execFn := "apiVersion: example.com/v1\nkind: Stamp\nmetadata:\n  name: x\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: ./plugin.sh\n"
	containerFn := "apiVersion: example.com/v1\nkind: Stamp\nmetadata:\n  name: x\n  annotations:\n    config.kubernetes.io/function: |\n      container:\n        image: example.com/stamp:v1\n"
	legacy := "apiVersion: someteam.example.com/v1\nkind: ChartInflator\nmetadata:\n  name: x\n"
	tests := []struct {
		name    string
		files   map[string]string
		wantErr []string
	}{
		{"exec KRM function transformer", map[string]string{"app/kustomization.yaml": cm + "transformers: [fn.yaml]\n", "app/fn.yaml": execFn}, []string{"app/fn.yaml", "example.com/v1/Stamp", "refused"}},
		{"container KRM function generator", map[string]string{"app/kustomization.yaml": cm + "generators: [fn.yaml]\n", "app/fn.yaml": containerFn}, []string{"app/fn.yaml", "refused"}},
		{"legacy plugin transformer", map[string]string{"app/kustomization.yaml": cm + "transformers: [legacy.yaml]\n", "app/legacy.yaml": legacy}, []string{"app/legacy.yaml", "someteam.example.com/v1/ChartInflator", "refused"}},
		{"legacy plugin validator", map[string]string{"app/kustomization.yaml": cm + "validators: [legacy.yaml]\n", "app/legacy.yaml": legacy}, []string{"app/legacy.yaml", "refused"}},
		{"inline exec function", map[string]string{"app/kustomization.yaml": cm + "transformers:\n- |\n" + indent(execFn)}, []string{"app/kustomization.yaml", "transformers", "refused"}},
		{"exec function from a transformers kustomization", map[string]string{
			"app/kustomization.yaml": cm + "transformers: [../tf]\n",
			"tf/kustomization.yaml":  "resources: [fn.yaml]\n",
			"tf/fn.yaml":             execFn,
		}, []string{"tf/fn.yaml", "refused"}},
		{"builtin helm inflator", map[string]string{"app/kustomization.yaml": cm + "generators: [helm.yaml]\n", "app/helm.yaml": "apiVersion: builtin\nkind: HelmChartInflationGenerator\nmetadata: {name: h}\nname: web\n"}, []string{"app/helm.yaml", "HelmChartInflationGenerator", "helmCharts"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			marker := filepath.Join(t.TempDir(), "ran")
			files := map[string]string{
				"app/cm.yaml":   cmYAML("cm"),
				"app/plugin.sh": "#!/bin/sh\ntouch " + marker + "\ncat\n",
				"tf/plugin.sh":  "#!/bin/sh\ntouch " + marker + "\ncat\n",
			}
			for name, content := range tt.files {
				files[name] = content
			}
			root := writeTree(t, files)
			for _, sh := range []string{"app/plugin.sh", "tf/plugin.sh"} {
				if err := os.Chmod(filepath.Join(root, sh), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			_, err := renderDir(root, "app", render.KustomizeOptions{EnableHelm: true, AllowRemoteBases: true})
			wantErrContaining(t, err, tt.wantErr...)
			if _, err := krusty.MakeKustomizer(kustomize.Options()).Run(filesys.MakeFsOnDisk(), filepath.Join(root, "app")); err == nil {
				t.Errorf("kustomize under Tugboat's options ran the plugin config")
			}
			if _, err := os.Stat(marker); err == nil {
				t.Errorf("the plugin program ran")
			}
		})
	}
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n  ") + "\n"
}

// TestBuiltinPluginsRun keeps the builtin generators and transformers,
// from files, inline and local paths, working.
func TestBuiltinPluginsRun(t *testing.T) {
	root := writeTree(t, map[string]string{
		"app/kustomization.yaml": "resources: [cm.yaml]\ngenerators: [gen.yaml]\ntransformers:\n- patch.yaml\n- |\n  apiVersion: builtin\n  kind: LabelTransformer\n  metadata: {name: l}\n  labels: {team: web}\n  fieldSpecs: [{path: metadata/labels, create: true}]\n",
		"app/cm.yaml":            cmYAML("cm"),
		"app/gen.yaml":           "apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata: {name: gen}\nfiles: [k=data.txt]\n",
		"app/data.txt":           "hello",
		"app/patch.yaml":         "apiVersion: builtin\nkind: PatchTransformer\nmetadata: {name: p}\npath: p.yaml\ntarget: {kind: ConfigMap, name: cm}\n",
		"app/p.yaml":             "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {k: patched}\n",
	})
	objs, err := renderDir(root, "app", render.KustomizeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 {
		t.Fatalf("got %d objects, want 2", len(objs))
	}
	if v := objs[0].Object["data"].(map[string]any)["k"]; v != "patched" {
		t.Errorf("cm data.k = %v, want patched", v)
	}
	for _, o := range objs {
		if o.GetLabels()["team"] != "web" {
			t.Errorf("%s: no team label", o)
		}
	}
}
