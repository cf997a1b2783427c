package kustomize_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/render"
	"github.com/tugboat-gitops/tugboat/internal/render/helm/helmref"
	"github.com/tugboat-gitops/tugboat/internal/render/kustomize"
)

// webChart is a small chart vendored at dir: a Deployment in the release
// namespace, a Service without one, a CRD, a pre-install hook and a test.
func webChart(dir string, files map[string]string) map[string]string {
	add := map[string]string{
		"Chart.yaml":  "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"values.yaml": "replicas: 1\nimage: nginx:1\nextra: from-chart\n",
		"templates/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
  namespace: {{ .Release.Namespace }}
  labels: {app: web, extra: {{ .Values.extra }}}
spec:
  replicas: {{ .Values.replicas }}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "{{ .Values.image }}"}]}
`,
		"templates/service.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-web\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n",
		"templates/hook.yaml":    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-hook\n  annotations: {helm.sh/hook: pre-install}\n",
		"templates/test.yaml":    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}-test\n  annotations: {helm.sh/hook: test}\nspec: {containers: [{name: t, image: busybox}]}\n",
		"crds/crd.yaml":          "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]\n",
	}
	for name, content := range add {
		files[filepath.Join(dir, name)] = content
	}
	return files
}

// chartCases are kustomizations with helmCharts, each rendered both by
// Tugboat and by kustomize's own inflation (see TestHelmChartsMatchKustomize).
var chartCases = []struct {
	name, path string
	files      map[string]string
}{
	{"inline values, namespace, labels, patch", "app", webChart("app/charts/web", map[string]string{
		"app/kustomization.yaml": `namespace: shop
labels:
- pairs: {team: web}
resources: [cm.yaml]
patches:
- patch: |
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: front-web, namespace: shop, annotations: {patched: "yes"}}
helmCharts:
- name: web
  releaseName: front
  valuesInline: {replicas: 3}
`,
		"app/cm.yaml": cmYAML("cm"),
	})},
	{"namespace from the overlay, values file merged, CRDs, no tests", "overlay", webChart("base/charts/web", map[string]string{
		"overlay/kustomization.yaml": "namespace: prod\nresources: [../base]\ncommonAnnotations: {owner: shop}\n",
		"base/kustomization.yaml": `helmCharts:
- name: web
  releaseName: back
  valuesFile: my-values.yaml
  valuesMerge: merge
  valuesInline: {replicas: 5, image: inline:1}
  includeCRDs: true
  skipTests: true
`,
		"base/my-values.yaml": "image: file:2\n",
	})},
	{"replace, extra values files, no hooks, version", "app", webChart("app/charts/web", map[string]string{
		"app/kustomization.yaml": `helmCharts:
- name: web
  releaseName: r
  namespace: ns
  version: 0.1.0
  valuesMerge: replace
  valuesInline: {replicas: 2}
  additionalValuesFiles: [extra.yaml]
  skipHooks: true
`,
		"app/extra.yaml": "image: extra:3\n",
	})},
	{"repo and version layout, chartHome", "app", webChart("app/vendor/web-0.1.0/web", map[string]string{
		"app/kustomization.yaml": "helmGlobals: {chartHome: vendor}\nhelmCharts:\n- {name: web, repo: https://charts.example.com, version: 0.1.0, releaseName: v}\n",
	})},
	{"legacy helmChartInflationGenerator", "app", webChart("app/charts/web", map[string]string{
		"app/kustomization.yaml": "helmChartInflationGenerator:\n- {chartName: web, releaseName: old}\n",
	})},
}

// TestHelmChartsMatchKustomize compares, object for object and in order,
// Tugboat's inflation with kustomize's own, its helm being the test binary
// answering with Tugboat's Helm renderer: values, namespaces, hooks and
// transformers must come out the same.
func TestHelmChartsMatchKustomize(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(helmref.StandInEnv, "1")
	for _, tt := range chartCases {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, tt.files)
			got, err := renderDir(root, tt.path, render.KustomizeOptions{EnableHelm: true})
			if err != nil {
				t.Fatal(err)
			}
			opts := kustomize.Options()
			opts.PluginConfig.HelmConfig = types.HelmConfig{Enabled: true, Command: self}
			m, err := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), filepath.Join(root, tt.path))
			if err != nil {
				t.Fatal(err)
			}
			want := m.Resources()
			if len(got) != len(want) {
				t.Fatalf("got %d objects %v, kustomize inflates %d", len(got), objIDs(got), len(want))
			}
			for i, r := range want {
				wantJSON, err := r.MarshalJSON()
				if err != nil {
					t.Fatal(err)
				}
				gotJSON, _ := json.Marshal(got[i].Object)
				if !jsonEqual(t, gotJSON, wantJSON) {
					t.Errorf("object %d:\n got %s\nwant %s", i, gotJSON, wantJSON)
				}
			}
		})
	}
}

// TestHelmChartsInflated checks the first case by hand: inline values, the
// kustomization's namespace as the release namespace, labels and a patch
// on the chart's objects, no CRDs unless asked, nothing left on disk.
func TestHelmChartsInflated(t *testing.T) {
	tt := chartCases[0]
	root := writeTree(t, tt.files)
	objs, err := renderDir(root, tt.path, render.KustomizeOptions{EnableHelm: true})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*object.Object{}
	for _, o := range objs {
		byName[o.GetKind()+"/"+o.GetName()] = o
		if o.GetLabels()["team"] != "web" {
			t.Errorf("%s: label team missing", o)
		}
		if len(o.GetAnnotations()) > 0 && o.GetAnnotations()["patched"] == "" && o.GetKind() != "ConfigMap" && o.GetKind() != "Pod" {
			t.Errorf("%s: unexpected annotations %v", o, o.GetAnnotations())
		}
	}
	d := byName["Deployment/front-web"]
	if d == nil {
		t.Fatalf("no Deployment front-web in %v", objIDs(objs))
	}
	if d.GetNamespace() != "shop" || d.Object["spec"].(map[string]any)["replicas"] != int64(3) || d.GetAnnotations()["patched"] != "yes" {
		t.Errorf("deployment: namespace %q, spec %v, annotations %v; want shop, 3 replicas, patched", d.GetNamespace(), d.Object["spec"], d.GetAnnotations())
	}
	if cm := byName["ConfigMap/cm"]; cm == nil || cm.GetNamespace() != "shop" {
		t.Errorf("cm not in namespace shop: %v", cm)
	}
	if byName["CustomResourceDefinition/widgets.example.com"] != nil {
		t.Errorf("CRD rendered without includeCRDs")
	}
	data, err := os.ReadFile(filepath.Join(root, "app/kustomization.yaml"))
	if err != nil || string(data) != tt.files["app/kustomization.yaml"] {
		t.Errorf("kustomization.yaml changed on disk: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "app/.tugboat-helm-charts.yaml")); err == nil {
		t.Errorf("inflated charts written to disk")
	}
}

// TestHelmChartsRefused covers helmCharts off by default and the charts
// Tugboat cannot inflate.
func TestHelmChartsRefused(t *testing.T) {
	chart := func(k string) map[string]string {
		return webChart("app/charts/web", map[string]string{"app/kustomization.yaml": k})
	}
	tests := []struct {
		name    string
		files   map[string]string
		helm    bool
		wantErr []string
	}{
		{"off by default", chart("helmCharts: [{name: web}]\n"), false, []string{"app/kustomization.yaml", "helmCharts", "enableHelm", "--enable-helm"}},
		{"off by default, in a base", map[string]string{"app/kustomization.yaml": "resources: [../base]\n", "base/kustomization.yaml": "helmCharts: [{name: web}]\n"}, false, []string{"base/kustomization.yaml", "helmCharts"}},
		{"legacy field off by default", chart("helmChartInflationGenerator: [{chartName: web}]\n"), false, []string{"app/kustomization.yaml", "helmCharts"}},
		{"chart not vendored", map[string]string{"app/kustomization.yaml": "helmCharts: [{name: web, repo: https://charts.example.com, version: 1.0.0}]\n"}, true, []string{"app/kustomization.yaml", "web", "only charts vendored in the repository", "https://charts.example.com"}},
		{"oci chart not vendored", map[string]string{"app/kustomization.yaml": "helmCharts: [{name: web, repo: oci://r.example.com/charts}]\n"}, true, []string{"app/kustomization.yaml", "only charts vendored in the repository"}},
		{"no chart", map[string]string{"app/kustomization.yaml": "helmCharts: [{name: web}]\n"}, true, []string{"app/kustomization.yaml", "no chart found at app/charts/web"}},
		{"version mismatch", chart("helmCharts: [{name: web, version: 2.0.0}]\n"), true, []string{"app/kustomization.yaml", "0.1.0", "2.0.0"}},
		{"chart home outside the repository", chart("helmGlobals: {chartHome: ../../../../../../../../tmp}\nhelmCharts: [{name: web}]\n"), true, []string{"app/kustomization.yaml", "leaves the repository"}},
		{"values file outside the repository", chart("helmCharts: [{name: web, valuesFile: /etc/passwd}]\n"), true, []string{"app/kustomization.yaml", "valuesFile", "/etc/passwd"}},
		{"remote values file", chart("helmCharts: [{name: web, valuesFile: 'https://example.com/v.yaml'}]\n"), true, []string{"app/kustomization.yaml", "valuesFile", "remote values files are not supported"}},
		{"name template", chart("helmCharts: [{name: web, nameTemplate: x}]\n"), true, []string{"app/kustomization.yaml", "nameTemplate"}},
		{"bad valuesMerge", chart("helmCharts: [{name: web, valuesMerge: mix, valuesInline: {a: 1}}]\n"), true, []string{"app/kustomization.yaml", "valuesMerge"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, tt.files)
			_, err := renderDir(root, "app", render.KustomizeOptions{EnableHelm: tt.helm})
			wantErrContaining(t, err, tt.wantErr...)
		})
	}
}

func objIDs(objs []*object.Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.ID().String()
	}
	return out
}
