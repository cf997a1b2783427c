package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRenderHelmFlags renders a chart directory with the helm flags of
// tug render: --kind, --values, --set and --release-name, and the same
// directory forced to plain. --values is relative to the working
// directory, as with helm, and must lie inside the repository.
func TestRenderHelmFlags(t *testing.T) {
	top := t.TempDir()
	repo := filepath.Join(top, "repo")
	// The release name defaults to the chart directory's name.
	dir := filepath.Join(repo, "charts", "greeter")
	writeFiles(t, repo, map[string]string{
		".git/HEAD":                  "ref: refs/heads/main\n",
		"charts/greeter/Chart.yaml":  "apiVersion: v2\nname: greeter\nversion: 0.1.0\n",
		"charts/greeter/values.yaml": "greeting: hello\nreplicas: 1\n",
		"charts/greeter/prod.yaml":   "greeting: bonjour\n",
		"charts/greeter/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-greeting\ndata:\n" +
			"  greeting: {{ .Values.greeting }}\n  replicas: {{ .Values.replicas | quote }}\n",
		"envs/eu.yaml": "greeting: hallo\n",
	})
	writeFiles(t, top, map[string]string{"outside.yaml": "greeting: stolen\n"})
	if err := os.Symlink(filepath.Join(top, "outside.yaml"), filepath.Join(repo, "envs", "link.yaml")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		cwd      string
		args     []string
		wantOut  []string
		wantErr  string
		wantCode int
	}{
		{name: "defaults", args: []string{"render", dir}, wantOut: []string{"name: greeter-greeting", "greeting: hello"}},
		{name: "values beside the chart", cwd: dir, args: []string{"render", ".", "--kind", "helm", "--values", "prod.yaml"}, wantOut: []string{"greeting: bonjour"}},
		{name: "values from the repository root", cwd: repo, args: []string{"render", "charts/greeter", "--values", "envs/eu.yaml"}, wantOut: []string{"greeting: hallo"}},
		{name: "values up the tree", cwd: dir, args: []string{"render", ".", "--values", "../../envs/eu.yaml"}, wantOut: []string{"greeting: hallo"}},
		{name: "set after values", cwd: dir, args: []string{"render", dir, "--values", "prod.yaml", "--set", "greeting=hi", "--set", "replicas=3"}, wantOut: []string{"greeting: hi", `replicas: "3"`}},
		{name: "release name", args: []string{"render", dir, "--release-name", "web"}, wantOut: []string{"name: web-greeting"}},
		{name: "values outside the repository", cwd: dir, args: []string{"render", ".", "--values", "../../../outside.yaml"}, wantErr: "outside.yaml: path leaves the repository", wantCode: ExitFailure},
		{name: "values linked outside", cwd: dir, args: []string{"render", ".", "--values", "../../envs/link.yaml"}, wantErr: "link.yaml", wantCode: ExitFailure},
		{name: "missing values file", cwd: dir, args: []string{"render", ".", "--values", "nope.yaml"}, wantErr: "nope.yaml", wantCode: ExitFailure},
		{name: "forced plain", args: []string{"render", dir, "--kind", "plain"}, wantErr: "templates/cm.yaml", wantCode: ExitFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.cwd != "" {
				t.Chdir(tt.cwd)
			}
			out := checkRun(t, tt.args, tt.wantCode, tt.wantErr, tt.wantOut)
			if strings.Contains(out, "stolen") {
				t.Errorf("a values file outside the repository was read:\n%s", out)
			}
		})
	}
}
