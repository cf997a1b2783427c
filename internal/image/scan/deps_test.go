package scan

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps keeps the scanner free of Kubernetes client libraries: Secret
// data reaches it as a map, so the CLI can scan without them.
func TestDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, forbidden := range []string{"k8s.io/client-go", "sigs.k8s.io/controller-runtime", "k8s.io/apimachinery"} {
			if dep == forbidden || strings.HasPrefix(dep, forbidden+"/") {
				t.Errorf("package scan depends on %s", dep)
			}
		}
	}
}
