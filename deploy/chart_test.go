package deploy_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/pmezard/go-difflib/difflib"
	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	"sigs.k8s.io/yaml"

	"github.com/tugboat-gitops/tugboat/internal/install"
	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/render"
	"github.com/tugboat-gitops/tugboat/internal/render/helm"
	"github.com/tugboat-gitops/tugboat/internal/render/helm/helmref"
)

// testImage is the digest reference the chart and `tug install` are
// given: image.repository and image.digest for the chart.
const (
	testRepo   = "registry.example.com/tugboat/tug"
	testDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	testImage  = testRepo + "@" + testDigest
)

func imageValues() map[string]any {
	return map[string]any{"image": map[string]any{"repository": testRepo, "digest": testDigest}}
}

// servesPolicy is what a cluster of Kubernetes 1.36 or later serves that
// Helm's default capabilities lack: the finalizer policy's kinds, which
// the chart renders only when the cluster serves them.
var servesPolicy = []string{
	"admissionregistration.k8s.io/v1/MutatingAdmissionPolicy",
	"admissionregistration.k8s.io/v1/MutatingAdmissionPolicyBinding",
}

// renderChart renders deploy/chart as `helm template tugboat deploy/chart
// -n namespace --api-versions ...` would, with Tugboat's Helm renderer
// (the Helm SDK).
func renderChart(t *testing.T, namespace string, values map[string]any, apiVersions ...string) ([]*object.Object, error) {
	t.Helper()
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	return helm.Renderer{}.Render(context.Background(), render.Request{
		Root: root, Path: "chart", Kind: render.KindHelm,
		Helm: render.HelmOptions{ReleaseName: "tugboat", Namespace: namespace, Values: values, APIVersions: apiVersions},
	})
}

// TestChartMatchesInstall holds the chart to `tug install`: with default
// values and an image it renders exactly the objects install.Objects
// returns, less those a cluster that does not serve them is not given
// (the finalizer policy before Kubernetes 1.36), but the Namespace (Helm's
// --create-namespace makes it) and the chart's own labels on the objects'
// metadata. Everything else, RBAC rules, container args, probes, security
// context, the policy's expressions, is compared field by field, so a
// change to deploy/install that the chart lacks fails here.
func TestChartMatchesInstall(t *testing.T) {
	all, err := install.Objects(testImage)
	if err != nil {
		t.Fatal(err)
	}
	all = slices.DeleteFunc(all, func(o *object.Object) bool { return o.GetKind() == "Namespace" })
	for name, served := range map[string][]string{"Kubernetes 1.36 and later": servesPolicy, "before 1.36": nil} {
		t.Run(name, func(t *testing.T) {
			want, _ := install.WithoutUnserved(all, served)
			got, err := renderChart(t, "tugboat-system", imageValues(), served...)
			if err != nil {
				t.Fatal(err)
			}
			gotByID := byID(got)
			for _, w := range want {
				g, ok := gotByID[w.ID()]
				if !ok {
					t.Errorf("the chart lacks %s, which tug install applies", w.ID())
					continue
				}
				delete(gotByID, w.ID())
				if diff := objectDiff(w, g); diff != "" {
					t.Errorf("%s differs between tug install (-) and the chart (+):\n%s", w.ID(), diff)
				}
			}
			for id := range gotByID {
				t.Errorf("the chart renders %s, which tug install does not apply", id)
			}
		})
	}
}

func byID(objs []*object.Object) map[object.ID]*object.Object {
	out := make(map[object.ID]*object.Object, len(objs))
	for _, o := range objs {
		out[o.ID()] = o
	}
	return out
}

// objectDiff is yamlDiff of the two objects once the chart's metadata
// labels are taken off: Helm's release labels say nothing about what the
// controller does.
func objectDiff(want, got *object.Object) string {
	g := got.DeepCopy()
	if labels := g.GetLabels(); labels["app.kubernetes.io/managed-by"] == "Helm" {
		g.SetLabels(nil)
	}
	return yamlDiff(want.Object, g.Object)
}

// yamlDiff is a unified diff of a's and b's YAML, empty when they are equal.
func yamlDiff(a, b map[string]any) string {
	if reflect.DeepEqual(a, b) {
		return ""
	}
	ya, _ := yaml.Marshal(a)
	yb, _ := yaml.Marshal(b)
	diff, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(string(ya)), B: difflib.SplitLines(string(yb)), Context: 3,
	})
	return diff
}

// TestChartCRDsInSync: the chart's crds/ is a copy of deploy/crds, which
// controller-gen writes; `make generate` copies it.
func TestChartCRDsInSync(t *testing.T) {
	generated, err := filepath.Glob("crds/*.yaml")
	if err != nil || len(generated) == 0 {
		t.Fatalf("no CRDs in deploy/crds: %v", err)
	}
	copied, err := filepath.Glob("chart/crds/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range generated {
		want, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("chart", f))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("deploy/chart/%s is not a copy of deploy/%s (%v): run `make generate`", f, f, err)
		}
	}
	if len(copied) != len(generated) {
		t.Errorf("deploy/chart/crds holds %d files, deploy/crds %d: run `make generate`", len(copied), len(generated))
	}
}

// TestChartLint runs Helm's linter on the chart, as `helm lint` does, with
// an image given: nothing may be reported above INFO (which only
// suggests an icon).
func TestChartLint(t *testing.T) {
	for _, ns := range []string{"tugboat-system", "gitops"} {
		res := lint.RunAll("chart", imageValues(), ns)
		for _, m := range res.Messages {
			if m.Severity > support.InfoSev {
				t.Errorf("helm lint -n %s: %v", ns, m)
			} else {
				t.Logf("helm lint -n %s: %v", ns, m)
			}
		}
	}
}

// TestChartConformance holds the chart to the conformance corpus's rule:
// Tugboat renders it exactly as `helm template --include-crds` does (Helm's
// pkg/action), with default values and with every option on, so that the
// same chart installed by helm and applied by Tugboat gives one result
// ("everything" on a cluster that serves the finalizer policy).
func TestChartConformance(t *testing.T) {
	everything := imageValues()
	merge(everything, map[string]any{
		"webhook":      map[string]any{"enabled": true, "receivers": []any{map[string]any{"name": "gh", "provider": "github"}}, "secretName": "hooks"},
		"logLevel":     "info",
		"extraArgs":    []any{"--concurrency=8"},
		"nodeSelector": map[string]any{"kubernetes.io/os": "linux"},
	})
	tests := map[string]struct {
		values      map[string]any
		apiVersions []string
	}{
		"defaults":   {values: imageValues()},
		"everything": {values: everything, apiVersions: servesPolicy},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := renderChart(t, "tugboat-system", tt.values, tt.apiVersions...)
			if err != nil {
				t.Fatal(err)
			}
			root, _ := filepath.Abs(".")
			out, err := helmref.Template(render.Request{Root: root, Path: "chart",
				Helm: render.HelmOptions{ReleaseName: "tugboat", Namespace: "tugboat-system", Values: tt.values, APIVersions: tt.apiVersions}})
			if err != nil {
				t.Fatalf("helm template: %v", err)
			}
			want, err := object.Decode("helm template", []byte(out), object.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Errorf("Tugboat renders %d objects, helm template %d", len(got), len(want))
			}
			gotByID := byID(got)
			for _, w := range want {
				g, ok := gotByID[w.ID()]
				if !ok {
					t.Errorf("Tugboat does not render %s", w.ID())
				} else if diff := yamlDiff(w.Object, g.Object); diff != "" {
					t.Errorf("%s differs between helm template (-) and Tugboat (+):\n%s", w.ID(), diff)
				}
			}
		})
	}
}
