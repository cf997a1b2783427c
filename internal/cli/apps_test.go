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
