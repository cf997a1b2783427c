package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// TestApplyAppFromFile drives one app of a tugboat.yaml through --dry-run,
// apply, --prune=false overriding the file's prune, and bad selections.
func TestApplyAppFromFile(t *testing.T) {
	env := testenv.NewCluster(t, testenv.ClusterOptions{Name: "cli-app"})
	repo := t.TempDir()
	writeFiles(t, repo, map[string]string{"tugboat.yaml": `apiVersion: tugboat.dev/v1alpha1
kind: Repository
apps:
  - name: web
    path: apps/web
    destination: {namespace: default}
    sync: {prune: true}
`,
		"apps/web/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-a\ndata:\n  k: v\n",
		"apps/web/b.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-b\ndata:\n  k: v\n",
	})
	common := []string{"-f", filepath.Join(repo, "tugboat.yaml"), "--kubeconfig", env.Kubeconfig}
	steps := []struct {
		name     string
		args     []string
		before   func()
		wantCode int
		wantOut  string
	}{
		{name: "dry run", args: []string{"apply", "--app", "web", "--dry-run"}, wantCode: ExitChanges, wantOut: "2 to create"},
		{name: "dry run wrote nothing", args: []string{"diff", "--app", "web"}, wantCode: ExitChanges, wantOut: "2 to create"},
		{name: "apply", args: []string{"apply", "--app", "web"}, wantCode: ExitOK, wantOut: "ConfigMap/default/web-b created"},
		{name: "prune off by flag", args: []string{"apply", "--app", "web", "--prune=false"}, wantCode: ExitOK, wantOut: "1 unchanged",
			before: func() { os.Remove(filepath.Join(repo, "apps/web/b.yaml")) }},
		{name: "kept, still to prune", args: []string{"diff", "--app", "web"}, wantCode: ExitChanges, wantOut: "1 to prune"},
		{name: "prune from the file", args: []string{"apply", "--app", "web"}, wantCode: ExitOK, wantOut: "ConfigMap/default/web-b pruned"},
		{name: "path and app", args: []string{"apply", repo, "--app", "web"}, wantCode: ExitFailure},
		{name: "unknown app", args: []string{"apply", "--app", "nosuch"}, wantCode: ExitFailure},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.before != nil {
				s.before()
			}
			stdout, stderr, code := run(t, append(s.args, common...)...)
			if code != s.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, s.wantCode, stdout, stderr)
			}
			if !strings.Contains(stdout, s.wantOut) {
				t.Errorf("stdout does not contain %q:\n%s", s.wantOut, stdout)
			}
		})
	}
}
