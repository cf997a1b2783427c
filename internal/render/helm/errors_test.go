package helm

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/render"
)

const chartYAML = "apiVersion: v2\nname: bad\nversion: 0.1.0\n"

// TestRenderErrors checks that failures name what failed. Where Helm
// refuses too, our error must carry Helm's message word for word: the
// template name and line, the schema violation, the YAML error.
func TestRenderErrors(t *testing.T) {
	root := testdataRoot(t)
	tests := []struct {
		name string
		// files, when set, is a chart written to a temporary repository
		// at path "bad"; otherwise req renders from testdata.
		files map[string]string
		req   render.Request
		want  []string
		// likeHelm requires Helm to fail too, with its message in ours.
		likeHelm bool
	}{
		{name: "missing dependency", req: render.Request{Path: "charts/missing-dep"},
			want: []string{"helm charts/missing-dep", "missing from charts/: postgresql"}},
		{name: "template execution error", files: map[string]string{
			"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.a.b.c }}\n"},
			want: []string{"helm bad:", "bad/templates/cm.yaml:4"}, likeHelm: true},
		{name: "template parse error", files: map[string]string{"templates/cm.yaml": "kind: ConfigMap\n{{ if }}\n"},
			want: []string{"bad/templates/cm.yaml:2"}, likeHelm: true},
		{name: "required value", files: map[string]string{
			"templates/cm.yaml": "kind: ConfigMap\nname: {{ required \"image.tag is required\" .Values.image }}\n"},
			want: []string{"image.tag is required"}, likeHelm: true},
		{name: "rendered YAML is invalid", files: map[string]string{"templates/cm.yaml": "kind: ConfigMap\ndata: [\n"},
			want: []string{"YAML parse error on bad/templates/cm.yaml"}, likeHelm: true},
		{name: "values violate the schema", req: render.Request{Path: "charts/app", Helm: render.HelmOptions{Set: []string{"replicaCount=-1"}}},
			want: []string{"helm charts/app", "app:", "/replicaCount"}, likeHelm: true},
		{name: "cluster too old for the chart", req: render.Request{Path: "charts/app", Helm: render.HelmOptions{KubeVersion: "1.19.4"}},
			want: []string{"requires kubeVersion: >=1.20.0-0"}, likeHelm: true},
		{name: "invalid release name", req: render.Request{Path: "charts/app", Helm: render.HelmOptions{ReleaseName: "Bad_Name"}},
			want: []string{`release name "Bad_Name"`}, likeHelm: true},
		{name: "chart API v3", files: map[string]string{"Chart.yaml": "apiVersion: v3\nname: bad\nversion: 0.1.0\n"},
			want: []string{"helm bad:", `chart apiVersion "v3" is not supported`}},
		{name: "library chart", files: map[string]string{"Chart.yaml": chartYAML + "type: library\n"},
			want: []string{"library charts are not installable"}},
		{name: "invalid --set", req: render.Request{Path: "charts/app", Helm: render.HelmOptions{Set: []string{"a.b[-1]=x"}}},
			want: []string{`--set "a.b[-1]=x"`, "negative"}},
		{name: "invalid kube version", req: render.Request{Path: "charts/app", Helm: render.HelmOptions{KubeVersion: "one.two"}},
			want: []string{`kube version "one.two"`}},
		{name: "missing values file", req: render.Request{Path: "charts/app", Helm: render.HelmOptions{ValuesFiles: []string{"values/none.yaml"}}},
			want: []string{"values file values/none.yaml"}},
		{name: "invalid values file", req: render.Request{Path: "charts/app", Helm: render.HelmOptions{ValuesFiles: []string{"charts/app/crds/../templates/deployment.yaml"}}},
			want: []string{"values file charts/app/crds/../templates/deployment.yaml"}},
		{name: "no chart", req: render.Request{Path: "charts/none"}, want: []string{"helm charts/none", "no such file"}},
		{name: "output over the limit", req: render.Request{Path: "charts/app", Limits: render.Limits{MaxTotalBytes: 1000}},
			want: []string{"rendered output exceeds the 1000-byte limit"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req
			req.Root = root
			if tc.files != nil {
				req.Root, req.Path = t.TempDir(), "bad"
				writeTree(t, filepath.Join(req.Root, "bad"), withChartYAML(tc.files))
			}
			_, err := Renderer{}.Render(context.Background(), req)
			errContains(t, err, tc.want...)
			if tc.likeHelm {
				_, helmErr := helmTemplate(t, req)
				if helmErr == nil {
					t.Fatal("helm renders it")
				}
				errContains(t, err, helmErr.Error())
			}
		})
	}
}

func withChartYAML(files map[string]string) map[string]string {
	if _, ok := files["Chart.yaml"]; !ok {
		files["Chart.yaml"] = chartYAML
	}
	return files
}

// TestRenderCancelled stops before rendering when the context is done.
func TestRenderCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Renderer{}.Render(ctx, render.Request{Root: testdataRoot(t), Path: "charts/app"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

// TestReleaseNameDefaults names the release after the chart directory, or
// after the chart for an archive.
func TestReleaseNameDefaults(t *testing.T) {
	root := t.TempDir()
	writeTree(t, filepath.Join(root, "apps", "my-web"), map[string]string{
		"Chart.yaml":        chartYAML,
		"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n  namespace: {{ .Release.Namespace }}\n",
	})
	tgz := filepath.Join(t.TempDir(), "bad-0.1.0.tgz")
	packChart(t, filepath.Join(root, "apps", "my-web"), tgz)
	for req, want := range map[*render.Request]string{
		{Root: root, Path: "apps/my-web"}:                     "ConfigMap/default/my-web",
		{Root: root, Helm: render.HelmOptions{ChartDir: tgz}}: "ConfigMap/default/bad",
	} {
		objs, err := Renderer{}.Render(context.Background(), *req)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(ids(objs), ","); got != want {
			t.Errorf("%+v: got %s, want %s", req.Helm, got, want)
		}
	}
}
