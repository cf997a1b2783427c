package kustomize_test

import (
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/tugboat-gitops/tugboat/internal/render"
	"github.com/tugboat-gitops/tugboat/internal/render/kustomize"
)

// TestRemoteFilesRefused puts an http URL in every field whose path
// kustomize's file loader would download by itself. With remote bases off
// each must be refused naming the file, the field and the URL, and the
// server must see no request; kustomize alone must fetch it, which proves
// the field is a real way out.
func TestRemoteFilesRefused(t *testing.T) {
	const cm = "resources: [cm.yaml]\n"
	tests := []struct {
		name    string
		files   map[string]string // URL stands for the server's URL
		wantErr []string
	}{
		{"patches path", map[string]string{"app/kustomization.yaml": cm + "patches:\n- path: URL\n"}, []string{"app/kustomization.yaml", "patches[0].path"}},
		{"patches path, upper-case scheme", map[string]string{"app/kustomization.yaml": cm + "patches:\n- path: HTTP://URLHOST\n"}, []string{"app/kustomization.yaml", "patches[0].path"}},
		{"patchesStrategicMerge", map[string]string{"app/kustomization.yaml": cm + "patchesStrategicMerge:\n- URL\n"}, []string{"app/kustomization.yaml", "patchesStrategicMerge[0]"}},
		{"patchesJson6902 path", map[string]string{"app/kustomization.yaml": cm + "patchesJson6902:\n- target: {version: v1, kind: ConfigMap, name: cm}\n  path: URL\n"}, []string{"app/kustomization.yaml", "patchesJson6902[0].path"}},
		{"openapi path", map[string]string{"app/kustomization.yaml": cm + "openapi:\n  path: URL\n"}, []string{"app/kustomization.yaml", "openapi.path"}},
		{"configurations", map[string]string{"app/kustomization.yaml": cm + "configurations:\n- URL\n"}, []string{"app/kustomization.yaml", "configurations[0]"}},
		{"crds", map[string]string{"app/kustomization.yaml": cm + "crds:\n- URL\n"}, []string{"app/kustomization.yaml", "crds[0]"}},
		{"replacements path", map[string]string{"app/kustomization.yaml": cm + "replacements:\n- path: URL\n"}, []string{"app/kustomization.yaml", "replacements[0].path"}},
		{"configMapGenerator files", map[string]string{"app/kustomization.yaml": cm + "configMapGenerator:\n- name: g\n  files:\n  - URL\n"}, []string{"app/kustomization.yaml", "configMapGenerator[0].files[0]"}},
		{"configMapGenerator files key=path", map[string]string{"app/kustomization.yaml": cm + "configMapGenerator:\n- name: g\n  files:\n  - key=URL\n"}, []string{"app/kustomization.yaml", "configMapGenerator[0].files[0]"}},
		{"configMapGenerator envs", map[string]string{"app/kustomization.yaml": cm + "configMapGenerator:\n- name: g\n  envs:\n  - URL\n"}, []string{"app/kustomization.yaml", "configMapGenerator[0].envs[0]"}},
		{"configMapGenerator env", map[string]string{"app/kustomization.yaml": cm + "configMapGenerator:\n- name: g\n  env: URL\n"}, []string{"app/kustomization.yaml", "configMapGenerator[0].env"}},
		{"secretGenerator files", map[string]string{"app/kustomization.yaml": cm + "secretGenerator:\n- name: s\n  files:\n  - URL\n"}, []string{"app/kustomization.yaml", "secretGenerator[0].files[0]"}},
		{"secretGenerator envs", map[string]string{"app/kustomization.yaml": cm + "secretGenerator:\n- name: s\n  envs:\n  - URL\n"}, []string{"app/kustomization.yaml", "secretGenerator[0].envs[0]"}},
		{"in a base", map[string]string{
			"app/kustomization.yaml":  "resources: [../base]\n",
			"base/kustomization.yaml": cm + "patches:\n- path: URL\n",
			"base/cm.yaml":            cmYAML("cm"),
		}, []string{"base/kustomization.yaml", "patches[0].path"}},
		{"in a component", map[string]string{
			"app/kustomization.yaml":  cm + "components: [../comp]\n",
			"comp/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nconfigMapGenerator:\n- name: g\n  files: [URL]\n",
		}, []string{"comp/kustomization.yaml", "configMapGenerator[0].files[0]"}},
		{"generators entry", map[string]string{"app/kustomization.yaml": cm + "generators:\n- URL\n"}, []string{"app/kustomization.yaml", "generators", "remote resource"}},
		{"PatchTransformer config file", map[string]string{
			"app/kustomization.yaml": cm + "transformers: [patch.yaml]\n",
			"app/patch.yaml":         "apiVersion: builtin\nkind: PatchTransformer\nmetadata: {name: p}\npath: URL\ntarget: {kind: ConfigMap}\n",
		}, []string{"app/patch.yaml", "PatchTransformer path"}},
		{"PatchTransformer inline config", map[string]string{"app/kustomization.yaml": cm + "transformers:\n- |\n  apiVersion: builtin\n  kind: PatchTransformer\n  metadata: {name: p}\n  path: URL\n"}, []string{"app/kustomization.yaml", "transformers", "PatchTransformer path"}},
		{"PatchStrategicMergeTransformer paths", map[string]string{
			"app/kustomization.yaml": cm + "transformers: [psm.yaml]\n",
			"app/psm.yaml":           "apiVersion: builtin\nkind: PatchStrategicMergeTransformer\nmetadata: {name: p}\npaths: [URL]\n",
		}, []string{"app/psm.yaml", "PatchStrategicMergeTransformer paths[0]"}},
		{"PatchJson6902Transformer path", map[string]string{
			"app/kustomization.yaml": cm + "transformers: [json.yaml]\n",
			"app/json.yaml":          "apiVersion: builtin\nkind: PatchJson6902Transformer\nmetadata: {name: p}\ntarget: {version: v1, kind: ConfigMap, name: cm}\npath: URL\n",
		}, []string{"app/json.yaml", "PatchJson6902Transformer path"}},
		{"ReplacementTransformer path", map[string]string{
			"app/kustomization.yaml": cm + "transformers: [repl.yaml]\n",
			"app/repl.yaml":          "apiVersion: builtin\nkind: ReplacementTransformer\nmetadata: {name: r}\nreplacements:\n- path: URL\n",
		}, []string{"app/repl.yaml", "ReplacementTransformer replacements[0].path"}},
		{"ConfigMapGenerator config files", map[string]string{
			"app/kustomization.yaml": cm + "generators: [gen.yaml]\n",
			"app/gen.yaml":           "apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata: {name: g}\nfiles: [k=URL]\n",
		}, []string{"app/gen.yaml", "ConfigMapGenerator files[0]"}},
		{"SecretGenerator config envs", map[string]string{
			"app/kustomization.yaml": cm + "generators: [gen.yaml]\n",
			"app/gen.yaml":           "apiVersion: builtin\nkind: SecretGenerator\nmetadata: {name: g}\nenvs: [URL]\n",
		}, []string{"app/gen.yaml", "SecretGenerator envs[0]"}},
		{"ValueAddTransformer targetFilePath", map[string]string{
			"app/kustomization.yaml": cm + "validators: [va.yaml]\n",
			"app/va.yaml":            "apiVersion: builtin\nkind: ValueAddTransformer\nmetadata: {name: v}\nvalue: x\ntargetFilePath: URL\n",
		}, []string{"app/va.yaml", "ValueAddTransformer targetFilePath"}},
		{"config from a transformers kustomization", map[string]string{
			"app/kustomization.yaml": cm + "transformers: [../tf]\n",
			"tf/kustomization.yaml":  "resources: [patch.yaml]\n",
			"tf/patch.yaml":          "apiVersion: builtin\nkind: PatchTransformer\nmetadata: {name: p}\npath: URL\n",
		}, []string{"tf/patch.yaml", "PatchTransformer path"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newCountingServer(t, cmYAML("remote"))
			url := srv.URL + "/leak.yaml"
			files := map[string]string{"app/cm.yaml": cmYAML("cm")}
			for name, content := range tt.files {
				content = strings.ReplaceAll(content, "URLHOST", strings.TrimPrefix(srv.URL, "http://")+"/leak.yaml")
				files[name] = strings.ReplaceAll(content, "URL", url)
			}
			root := writeTree(t, files)
			_, err := renderDir(root, "app", render.KustomizeOptions{})
			wantErrContaining(t, err, append(tt.wantErr, strings.TrimPrefix(srv.URL, "http://"))...)
			if n := srv.n.Load(); n != 0 {
				t.Fatalf("server got %d requests, want 0", n)
			}
			_, _ = krusty.MakeKustomizer(kustomize.Options()).Run(filesys.MakeFsOnDisk(), filepath.Join(root, "app"))
			if srv.n.Load() == 0 {
				t.Errorf("kustomize alone did not fetch the URL either: the case tests nothing")
			}
		})
	}
}

// TestURLLikeContentIsNotRemote keeps inline content that merely mentions
// a URL from being refused.
func TestURLLikeContentIsNotRemote(t *testing.T) {
	root := writeTree(t, map[string]string{
		"app/kustomization.yaml": "resources: [cm.yaml]\npatchesStrategicMerge:\n- |\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm\n    annotations:\n      docs: https://example.com/x\n",
		"app/cm.yaml":            cmYAML("cm"),
	})
	objs, err := renderDir(root, "app", render.KustomizeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := objs[0].GetAnnotations()["docs"]; got != "https://example.com/x" {
		t.Errorf("annotation docs = %q, want the patched URL", got)
	}
}

// TestErrorsHoldNoCredentials refuses remote files whose URLs carry
// credentials: the error names the URL without them, and still wraps the
// meaning of the refusal.
func TestErrorsHoldNoCredentials(t *testing.T) {
	const cm = "resources: [cm.yaml]\n"
	tests := []struct{ name, url, want string }{
		{"user and password", "https://user:s3cret@127.0.0.1:1/p.yaml", "https://127.0.0.1:1/p.yaml"},
		{"token", "https://s3cret@example.invalid/p.yaml", "https://example.invalid/p.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, map[string]string{
				"app/kustomization.yaml": cm + "patches:\n- path: " + tt.url + "\n",
				"app/cm.yaml":            cmYAML("cm"),
			})
			_, err := renderDir(root, "app", render.KustomizeOptions{})
			wantErrContaining(t, err, tt.want)
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q holds the credentials", err)
			}
		})
	}
}
