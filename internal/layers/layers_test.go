package layers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/tugboat-gitops/tugboat"

// pkg is what `go list -json` says of one package.
type pkg struct {
	ImportPath   string
	Dir          string
	Deps         []string
	TestGoFiles  []string
	XTestGoFiles []string
}

// listPackages lists every package of the module with its transitive
// dependencies (tests excluded: a test may import what its package may not).
func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Dir,Deps,TestGoFiles,XTestGoFiles", "./...")
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			return pkgs
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
}

// TestLayers: the rules DESIGN.md and STYLE.md state, each a set of
// packages (by import path prefix) that may not depend, even indirectly,
// on any of a set of others.
func TestLayers(t *testing.T) {
	rules := []struct {
		name      string
		packages  []string
		except    []string
		forbidden []string
	}{
		{
			name:     "pure stages have no CLI or controller framework",
			packages: []string{"/internal/render", "/internal/plan", "/internal/health", "/internal/object", "/internal/changeset", "/internal/failure", "/internal/promote", "/internal/revert", "/internal/history"},
			// Helm's own `helm template`, the tests' oracle, never linked.
			except:    []string{"/internal/render/helm/helmref"},
			forbidden: []string{"github.com/spf13/cobra", "sigs.k8s.io/controller-runtime"},
		},
		{
			name:      "the webhook receiver is plain HTTP",
			packages:  []string{"/internal/webhook"},
			forbidden: []string{"github.com/spf13/cobra", "sigs.k8s.io/controller-runtime", "k8s.io/client-go"},
		},
		{
			// Both drivers call image automation, so it belongs to neither.
			name:      "image automation knows no driver",
			packages:  []string{"/internal/image"},
			forbidden: []string{module + "/internal/cli", module + "/internal/controller", "github.com/spf13/cobra", "sigs.k8s.io/controller-runtime"},
		},
		{
			name:      "the engine does not know its drivers",
			packages:  []string{"/internal/pipeline"},
			forbidden: []string{module + "/internal/cli", module + "/internal/controller", "github.com/spf13/cobra"},
		},
		{
			name:      "the binary ships no test environment or test oracle",
			packages:  []string{"/cmd/tug"},
			forbidden: []string{module + "/internal/testenv", module + "/internal/render/helm/helmref"},
		},
	}
	pkgs := listPackages(t)
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			checked := 0
			for _, p := range pkgs {
				if !hasPrefix(p.ImportPath, module, r.packages) || hasPrefix(p.ImportPath, module, r.except) {
					continue
				}
				checked++
				for _, d := range p.Deps {
					if matches(d, r.forbidden) {
						t.Errorf("%s depends on %s", p.ImportPath, d)
					}
				}
			}
			if checked == 0 {
				t.Errorf("no package matches %v: the rule checks nothing", r.packages)
			}
		})
	}
}

// TestIntegrationTestsNamed: a test file that uses the local environment
// (a cluster, git server or registry from internal/testenv) is named
// *_integration_test.go, so that what needs it is visible; `go test
// -short` skips those tests.
func TestIntegrationTestsNamed(t *testing.T) {
	testenv := module + "/internal/testenv"
	imported := []byte(`"` + testenv + `"`)
	for _, p := range listPackages(t) {
		if p.ImportPath == testenv {
			continue // its own tests need no import; named by hand
		}
		for _, f := range append(p.TestGoFiles, p.XTestGoFiles...) {
			data, err := os.ReadFile(filepath.Join(p.Dir, f))
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(data, imported) && !strings.HasSuffix(f, "_integration_test.go") {
				t.Errorf("%s/%s uses internal/testenv: name it *_integration_test.go", p.ImportPath, f)
			}
		}
	}
}

func hasPrefix(path, module string, prefixes []string) bool {
	for _, p := range prefixes {
		if path == module+p || strings.HasPrefix(path, module+p+"/") {
			return true
		}
	}
	return false
}

func matches(dep string, forbidden []string) bool {
	for _, f := range forbidden {
		if dep == f || strings.HasPrefix(dep, f+"/") {
			return true
		}
	}
	return false
}
