package v1alpha1

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// controllerGen is the generator the //go:generate directive in doc.go runs.
const controllerGen = "sigs.k8s.io/controller-tools/cmd/controller-gen@v0.23.0"

// TestGeneratedFilesAreFresh regenerates the deepcopy methods and the CRD
// into a temporary directory and compares them with the checked-in ones,
// so that a type changed without `make generate` fails here, not in a
// cluster. It needs controller-gen from the module proxy (or the module
// cache), and skips when it cannot be had.
func TestGeneratedFilesAreFresh(t *testing.T) {
	if testing.Short() {
		t.Skip("builds controller-gen (run without -short)")
	}
	tmp := t.TempDir()
	install := exec.Command("go", "install", controllerGen)
	install.Env = append(os.Environ(), "GOBIN="+tmp, "GOFLAGS=-mod=mod")
	if out, err := install.CombinedOutput(); err != nil {
		t.Skipf("cannot install %s: %v\n%s", controllerGen, err, out)
	}
	gen := exec.Command(filepath.Join(tmp, "controller-gen"), "object", "crd", "paths=.",
		"output:object:dir="+filepath.Join(tmp, "object"), "output:crd:dir="+filepath.Join(tmp, "crd"))
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("controller-gen: %v\n%s", err, out)
	}
	for want, got := range map[string]string{
		"zz_generated.deepcopy.go":                         filepath.Join(tmp, "object", "zz_generated.deepcopy.go"),
		"../../deploy/crds/tugboat.dev_applications.yaml":  filepath.Join(tmp, "crd", "tugboat.dev_applications.yaml"),
		"../../deploy/crds/tugboat.dev_imagepolicies.yaml": filepath.Join(tmp, "crd", "tugboat.dev_imagepolicies.yaml"),
	} {
		checkedIn, err := os.ReadFile(want)
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := os.ReadFile(got)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(checkedIn, fresh) {
			t.Errorf("%s is stale: run `make generate`", want)
		}
	}
}
