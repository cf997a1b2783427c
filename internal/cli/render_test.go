package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestRenderCommand(t *testing.T) {
	dir := t.TempDir()
	manifest := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  tag: ${TAG}\n"
	if err := os.WriteFile(filepath.Join(dir, "cm.yaml"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		wantOut  []string
		wantErr  string
		wantCode int
	}{
		{name: "yaml", args: []string{"render", dir, "--var", "TAG=v1", "-n", "team"}, wantOut: []string{"kind: ConfigMap", "namespace: team", "tag: v1"}},
		{name: "json list", args: []string{"render", dir, "--var", "TAG=v1", "-o", "json"}, wantOut: []string{`"kind": "List"`, `"tag": "v1"`}},
		{name: "label", args: []string{"render", dir, "--var", "TAG=v1", "--label", "team=a"}, wantOut: []string{"team: a"}},
		{name: "no vars, no substitution", args: []string{"render", dir}, wantOut: []string{"tag: ${TAG}"}},
		{name: "debug logs", args: []string{"render", dir, "--log-level", "debug"}, wantErr: "msg=rendered path=. objects=1"},
		{name: "undefined variable", args: []string{"render", dir, "--substitute"}, wantErr: "undefined variable TAG", wantCode: ExitFailure},
		{name: "undefined with other vars", args: []string{"render", dir, "--var", "X=1"}, wantErr: "undefined variable TAG", wantCode: ExitFailure},
		{name: "bad kind", args: []string{"render", dir, "--kind", "jsonnet"}, wantErr: `--kind "jsonnet"`, wantCode: ExitFailure},
		{name: "bad var", args: []string{"render", dir, "--var", "1X"}, wantErr: "--var", wantCode: ExitFailure},
		{name: "missing dir", args: []string{"render", filepath.Join(dir, "nope")}, wantErr: "nope", wantCode: ExitFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout := checkRun(t, tt.args, tt.wantCode, tt.wantErr, tt.wantOut)
			if tt.name == "json list" && !json.Valid([]byte(stdout)) {
				t.Errorf("stdout is not JSON:\n%s", stdout)
			}
		})
	}
}
