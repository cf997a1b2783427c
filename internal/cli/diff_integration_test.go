package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// TestDiffExitCodes drives tug diff and apply against a real cluster: 1
// while changes are pending, 0 once applied, 2 on bad input.
func TestDiffExitCodes(t *testing.T) {
	env := testenv.NewCluster(t, testenv.ClusterOptions{Name: "cli"})
	dir := t.TempDir()
	write := func(content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "cm.yaml"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cli\n  namespace: default\ndata:\n  k: v1\n")
	kc := []string{"--kubeconfig", env.Kubeconfig}
	steps := []struct {
		name     string
		args     []string
		edit     string
		wantCode int
		wantOut  string
	}{
		{name: "pending create", args: []string{"diff", dir}, wantCode: ExitChanges, wantOut: "1 to create"},
		{name: "json change set", args: []string{"diff", dir, "-o", "json"}, wantCode: ExitChanges, wantOut: `"action": "create"`},
		{name: "apply", args: []string{"apply", dir}, wantCode: ExitOK, wantOut: "ConfigMap/default/cli created"},
		{name: "no changes", args: []string{"diff", dir}, wantCode: ExitOK, wantOut: "1 unchanged"},
		{name: "update", args: []string{"diff", dir}, edit: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cli\n  namespace: default\ndata:\n  k: v2\n", wantCode: ExitChanges, wantOut: "+  k: v2"},
		{name: "bad yaml", args: []string{"diff", dir}, edit: "kind: [", wantCode: ExitFailure},
		{name: "status", args: []string{"status", "--app", filepath.Base(dir)}, wantCode: ExitOK, wantOut: "Current"},
		{name: "delete", args: []string{"delete", "--app", filepath.Base(dir)}, wantCode: ExitOK, wantOut: "ConfigMap/default/cli pruned"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.edit != "" {
				write(s.edit)
			}
			stdout, stderr, code := run(t, append(s.args, kc...)...)
			if code != s.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, s.wantCode, stdout, stderr)
			}
			if !strings.Contains(stdout, s.wantOut) {
				t.Errorf("stdout does not contain %q:\n%s", s.wantOut, stdout)
			}
			if strings.Contains(s.name, "json") && !json.Valid([]byte(stdout)) {
				t.Errorf("not JSON:\n%s", stdout)
			}
		})
	}
}
