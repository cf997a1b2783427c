package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestClusterBySecretRefused: tug cannot read the Secret a destination
// cluster is named by, and says so, naming the app and field, before it
// connects to any cluster; --context still overrides the destination.
func TestClusterBySecretRefused(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"tugboat.yaml": `apiVersion: tugboat.dev/v1alpha1
kind: Repository
apps:
- name: here
  path: here
  destination: {context: dev}
- name: far
  path: far
  destination: {cluster: {secretRef: {name: far-kubeconfig}}}
`})
	file := filepath.Join(dir, "tugboat.yaml")
	kubeconfig := filepath.Join(dir, "no-kubeconfig")
	refusal := "app far: destination.cluster: clusters named by Secret are resolved by the controller"
	tests := []struct {
		name    string
		args    []string
		refused bool
	}{
		{"apply the app", []string{"apply", "--app", "far"}, true},
		{"diff every app", []string{"diff", "--all"}, true},
		{"context given", []string{"apply", "--app", "far", "--context", "dev"}, false},
		{"other app", []string{"apply", "--app", "here"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(tt.args, "-f", file, "--kubeconfig", kubeconfig)
			_, stderr, code := run(t, args...)
			if code != ExitFailure {
				t.Errorf("exit code %d, want %d (no cluster to reach)", code, ExitFailure)
			}
			if got := strings.Contains(stderr, refusal); got != tt.refused {
				t.Errorf("stderr %q: refused = %v, want %v", stderr, got, tt.refused)
			}
		})
	}
}

// TestNamedAppNeverFallsBack: status and delete act on an app the apps file
// does not declare in the current context; but an app the file declares
// and cannot reach, or a file that does not load, is an error: never a
// delete in the current context instead.
func TestNamedAppNeverFallsBack(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"tugboat.yaml": "apiVersion: tugboat.dev/v1alpha1\nkind: Repository\napps:\n- name: far\n  path: far\n  destination: {cluster: {secretRef: {name: far-kubeconfig}}}\n",
		"broken.yaml":  "apiVersion: tugboat.dev/v1alpha1\nkind: Repository\napps:\n- name: web\n  pth: typo\n",
	})
	kubeconfig := filepath.Join(dir, "no-kubeconfig")
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"declared, by Secret", []string{"delete", "--app", "far", "-f", filepath.Join(dir, "tugboat.yaml")}, "clusters named by Secret"},
		{"file does not load", []string{"delete", "--app", "web", "-f", filepath.Join(dir, "broken.yaml")}, `unknown field "pth"`},
		{"not declared: current context", []string{"status", "--app", "other", "-f", filepath.Join(dir, "tugboat.yaml")}, "kubeconfig"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRun(t, append(tt.args, "--kubeconfig", kubeconfig), ExitFailure, tt.wantErr, nil)
		})
	}
}
