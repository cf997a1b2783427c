package promote

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/image/setter"
	"github.com/tugboat-gitops/tugboat/internal/object"
)

func objects(t *testing.T, docs ...string) []*object.Object {
	t.Helper()
	var out []*object.Object
	for _, d := range docs {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(d), &u.Object); err != nil {
			t.Fatal(err)
		}
		out = append(out, object.New(u, "test.yaml"))
	}
	return out
}

func TestImages(t *testing.T) {
	deploy := func(name, image string) string {
		return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: " + name + "}\nspec:\n  template:\n    spec:\n      initContainers: [{name: init, image: 'reg:5000/tools:2'}]\n      containers: [{name: app, image: '" + image + "'}]\n"
	}
	tests := []struct {
		name    string
		docs    []string
		want    map[string]setter.Image
		wantErr string
	}{
		{name: "deployment, cronjob and pod",
			docs: []string{
				deploy("web", "reg:5000/team/web:1.4.0"),
				"apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{name: job, image: 'reg:5000/team/job@sha256:abc'}]\n",
				"apiVersion: v1\nkind: Pod\nmetadata: {name: debug}\nspec:\n  containers: [{name: sh, image: busybox}]\n",
				"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {image: 'not/a:container'}\n",
			},
			want: map[string]setter.Image{
				"reg:5000/team/web": {Repository: "reg:5000/team/web", Tag: "1.4.0"},
				"reg:5000/tools":    {Repository: "reg:5000/tools", Tag: "2"},
				"reg:5000/team/job": {Repository: "reg:5000/team/job", Digest: "sha256:abc"},
				"busybox":           {Repository: "busybox"},
			}},
		{name: "same image twice alike", docs: []string{deploy("a", "reg:5000/team/web:1.4.0"), deploy("b", "reg:5000/team/web:1.4.0")},
			want: map[string]setter.Image{"reg:5000/team/web": {Repository: "reg:5000/team/web", Tag: "1.4.0"}, "reg:5000/tools": {Repository: "reg:5000/tools", Tag: "2"}}},
		{name: "one image at two tags", docs: []string{deploy("a", "reg:5000/team/web:1.4.0"), deploy("b", "reg:5000/team/web:1.5.0")},
			wantErr: "image reg:5000/team/web runs as reg:5000/team/web:1.4.0 in Deployment.apps/a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Images(objects(t, tt.docs...))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s: got %+v, want %+v", k, got[k], v)
				}
			}
		})
	}
}

func TestChartVersion(t *testing.T) {
	file := func(apps string) *v1alpha1.RepositoryFile {
		f := &v1alpha1.RepositoryFile{}
		if err := yaml.Unmarshal([]byte("apps:\n"+apps), f); err != nil {
			t.Fatal(err)
		}
		return f
	}
	web := func(name, version string) string {
		return "- {name: " + name + ", chart: {repo: oci://r/charts, name: web, version: '" + version + "'}}\n"
	}
	tests := []struct {
		name    string
		apps    string
		want    *Chart
		wantErr string
	}{
		{name: "newer", apps: web("staging", "1.5.0") + web("production", "1.4.0"), want: &Chart{Path: "apps[1].chart.version", Old: "1.4.0", New: "1.5.0"}},
		{name: "same", apps: web("staging", "1.5.0") + web("production", "1.5.0")},
		{name: "no chart", apps: "- {name: staging, path: apps/staging}\n- {name: production, path: apps/production}\n"},
		{name: "other chart", apps: web("staging", "1") + "- {name: production, chart: {repo: oci://r/charts, name: api, version: '1'}}\n", wantErr: "not one chart"},
		{name: "unversioned target", apps: web("staging", "1.5.0") + "- {name: production, chart: {repo: oci://r/charts, name: web}}\n", wantErr: "chart.version: not set"},
		{name: "unknown app", apps: web("staging", "1"), wantErr: `no app "production"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ChartVersion(file(tt.apps), "staging", "production")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || (got == nil) != (tt.want == nil) || (got != nil && *got != *tt.want) {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}
