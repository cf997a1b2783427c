package conformance

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// helmrefPath is the reference Helm renderer, for tests only: it brings
// pkg/action and none of the renderer's confinement.
const helmrefPath = "github.com/tugboat-gitops/tugboat/internal/render/helm/helmref"

// TestHelmrefOnlyInTests fails if a non-test file of the module imports
// helmref, which would put pkg/action into a binary.
func TestHelmrefOnlyInTests(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "../.." && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == helmrefPath {
				t.Errorf("%s imports helmref, which only tests may", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
