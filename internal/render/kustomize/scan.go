package kustomize

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"

	"github.com/tugboat-gitops/tugboat/internal/confine"
)

// scan walks the graph of kustomizations from dir before kustomize runs, to
// refuse what kustomize would do on its own: clone or download remote bases
// (unless allowed) and follow a cycle of bases. Paths are relative to root.
type scan struct {
	root         string
	allowRemote  bool
	onStack      map[string]string // dir -> kustomization file that led there
	done         map[string]bool
	maxFileBytes int64
}

func (s *scan) visit(dir, from string) error {
	rel := s.rel(dir)
	if prev, ok := s.onStack[dir]; ok {
		return fmt.Errorf("kustomization cycle: %s refers back to %s (first reached from %s)", from, rel, prev)
	}
	if s.done[dir] {
		return nil
	}
	file, k, err := s.load(dir)
	if err != nil || k == nil {
		return err
	}
	s.onStack[dir] = from
	defer delete(s.onStack, dir)
	refs := append(append(append([]string{}, k.Resources...), k.Bases...), k.Components...) //nolint:staticcheck // Bases is deprecated but still honored by kustomize
	for _, ref := range refs {
		if err := s.ref(dir, file, ref); err != nil {
			return err
		}
	}
	s.done[dir] = true
	return nil
}

func (s *scan) ref(dir, file, ref string) error {
	if isRemote(ref) {
		if s.allowRemote {
			return nil
		}
		return fmt.Errorf("%s: remote resource %q refused: remote bases are off unless the app allows them", file, ref)
	}
	if filepath.IsAbs(ref) {
		return fmt.Errorf("%s: resource %q: %w: absolute paths are not allowed", file, ref, confine.ErrEscape)
	}
	relTarget, err := filepath.Rel(s.root, filepath.Join(dir, ref))
	if err != nil {
		return fmt.Errorf("%s: resource %q: %w", file, ref, confine.ErrEscape)
	}
	target, err := confine.Join(s.root, relTarget)
	if err != nil {
		return fmt.Errorf("%s: resource %q: %w", file, ref, err)
	}
	if info, err := os.Stat(target); err == nil && info.IsDir() {
		return s.visit(target, file)
	}
	return nil
}

// load reads the kustomization file of dir; (nil, nil) if it has none.
func (s *scan) load(dir string) (string, *types.Kustomization, error) {
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		rel := filepath.Join(s.rel(dir), name)
		data, err := confine.ReadFile(s.root, rel, s.maxFileBytes)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return rel, nil, err
		}
		var k types.Kustomization
		if err := yaml.Unmarshal(data, &k); err != nil {
			return rel, nil, fmt.Errorf("%s: %w", rel, err)
		}
		return rel, &k, nil
	}
	return "", nil, nil
}

func (s *scan) rel(dir string) string {
	r, err := filepath.Rel(s.root, dir)
	if err != nil {
		return dir
	}
	return r
}

// isRemote reports whether kustomize would fetch ref instead of reading it
// from disk: a URL, a go-getter "git::" prefix, an scp-like user@host:path,
// or a GitHub shorthand. It errs toward "remote": a false positive is a
// clear error, a false negative a fetch the user did not allow.
func isRemote(ref string) bool {
	lower := strings.ToLower(ref)
	return strings.Contains(ref, "://") ||
		strings.HasPrefix(lower, "git::") ||
		strings.Contains(ref, "@") ||
		strings.HasPrefix(lower, "github.com/") || strings.HasPrefix(lower, "github.com:")
}
