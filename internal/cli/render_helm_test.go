package cli

import (
	"path/filepath"
	"testing"
)

// TestRenderHelmFlags renders a chart directory with the helm flags of
// tug render: --kind, --values (inside the repository), --set and
// --release-name, and the same directory forced to plain.
func TestRenderHelmFlags(t *testing.T) {
	// The release name defaults to the chart directory's name.
	dir := filepath.Join(t.TempDir(), "greeter")
	files := map[string]string{
		"Chart.yaml":        "apiVersion: v2\nname: greeter\nversion: 0.1.0\n",
		"values.yaml":       "greeting: hello\nreplicas: 1\n",
		"prod.yaml":         "greeting: bonjour\n",
		"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-greeting\ndata:\n  greeting: {{ .Values.greeting }}\n  replicas: {{ .Values.replicas | quote }}\n",
	}
	writeFiles(t, dir, files)
	tests := []struct {
		name     string
		args     []string
		wantOut  []string
		wantErr  string
		wantCode int
	}{
		{name: "defaults", args: []string{"render", dir}, wantOut: []string{"name: greeter-greeting", "greeting: hello"}},
		{name: "values file", args: []string{"render", dir, "--kind", "helm", "--values", "prod.yaml"}, wantOut: []string{"greeting: bonjour"}},
		{name: "set after values", args: []string{"render", dir, "--values", "prod.yaml", "--set", "greeting=hi", "--set", "replicas=3"}, wantOut: []string{"greeting: hi", `replicas: "3"`}},
		{name: "release name", args: []string{"render", dir, "--release-name", "web"}, wantOut: []string{"name: web-greeting"}},
		{name: "values outside the repository", args: []string{"render", dir, "--values", "../prod.yaml"}, wantErr: "../prod.yaml", wantCode: ExitFailure},
		{name: "missing values file", args: []string{"render", dir, "--values", "nope.yaml"}, wantErr: "nope.yaml", wantCode: ExitFailure},
		{name: "forced plain", args: []string{"render", dir, "--kind", "plain"}, wantErr: "templates/cm.yaml", wantCode: ExitFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRun(t, tt.args, tt.wantCode, tt.wantErr, tt.wantOut)
		})
	}
}
