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
// and files (unless allowed), run plugins other than its builtins, inflate
// Helm charts with a helm binary, and follow a cycle of bases. It collects
// the kustomizations whose charts Tugboat inflates itself. Paths are
// relative to root.
type scan struct {
	root         string
	allowRemote  bool
	enableHelm   bool
	maxFileBytes int64
	onStack      map[string]string // dir -> kustomization file that led there
	done         map[visitKey]bool
	charts       map[string]*chartSite // by directory
	order        []string              // directories of charts, in visit order
}

// reach is how a kustomization was reached: the namespace an overlay above
// it sets (kustomize passes it to charts that name none), and whether its
// resources are plugin configs (it was listed under generators,
// transformers or validators).
type reach struct {
	namespace string
	configs   bool
}

type visitKey struct {
	dir string
	reach
}

func newScan(root string, allowRemote, enableHelm bool, maxFileBytes int64) *scan {
	return &scan{
		root: root, allowRemote: allowRemote, enableHelm: enableHelm, maxFileBytes: maxFileBytes,
		onStack: map[string]string{}, done: map[visitKey]bool{}, charts: map[string]*chartSite{},
	}
}

func (s *scan) visit(dir, from string, r reach) error {
	if prev, ok := s.onStack[dir]; ok {
		return fmt.Errorf("kustomization cycle: %s refers back to %s (first reached from %s)", from, s.rel(dir), prev)
	}
	key := visitKey{dir, r}
	if s.done[key] {
		return nil
	}
	file, k, err := s.load(dir)
	if err != nil || k == nil {
		return err
	}
	s.onStack[dir] = from
	defer delete(s.onStack, dir)
	if err := s.checkFiles(file, k); err != nil {
		return err
	}
	if err := s.noteCharts(dir, file, k, r.namespace); err != nil {
		return err
	}
	if err := s.follow(dir, file, k, r); err != nil {
		return err
	}
	s.done[key] = true
	return nil
}

// follow visits what a kustomization refers to: bases and components, and
// the configs of its generators, transformers and validators.
func (s *scan) follow(dir, file string, k *types.Kustomization, r reach) error {
	child := reach{namespace: r.namespace, configs: r.configs}
	if k.Namespace != "" {
		child.namespace = k.Namespace
	}
	refs := map[string][]string{"resources": k.Resources, "bases": k.Bases, "components": k.Components} //nolint:staticcheck // Bases is deprecated but still honored by kustomize
	for _, field := range []string{"resources", "bases", "components"} {
		for _, ref := range refs[field] {
			if err := s.ref(dir, file, field, ref, child); err != nil {
				return err
			}
		}
	}
	plugins := map[string][]string{"generators": k.Generators, "transformers": k.Transformers, "validators": k.Validators}
	child.configs = true
	for _, field := range []string{"generators", "transformers", "validators"} {
		for _, entry := range plugins[field] {
			if err := s.plugin(dir, file, field, entry, child); err != nil {
				return err
			}
		}
	}
	return nil
}

// ref checks one reference to a file or directory: remote only if allowed,
// local only inside the repository. Directories are visited; files are
// checked as plugin configs when they are some.
func (s *scan) ref(dir, file, field, ref string, r reach) error {
	if isRemote(ref) {
		if s.allowRemote {
			return nil
		}
		return fmt.Errorf("%s: %s: remote resource %q refused: remote bases are off unless the app allows them (allowRemoteBases)", file, field, ref)
	}
	if filepath.IsAbs(ref) {
		return fmt.Errorf("%s: %s %q: %w: absolute paths are not allowed", file, field, ref, confine.ErrEscape)
	}
	relTarget, err := filepath.Rel(s.root, filepath.Join(dir, ref))
	if err != nil {
		return fmt.Errorf("%s: %s %q: %w", file, field, ref, confine.ErrEscape)
	}
	target, err := confine.Join(s.root, relTarget)
	if err != nil {
		return fmt.Errorf("%s: %s %q: %w", file, field, ref, err)
	}
	info, err := os.Stat(target)
	switch {
	case err != nil:
		return nil // kustomize reports it, with its own words
	case info.IsDir():
		return s.visit(target, file, r)
	case r.configs:
		return s.configFile(target)
	}
	return nil
}

// checkFiles refuses the remote files of a kustomization unless allowed.
func (s *scan) checkFiles(file string, k *types.Kustomization) error {
	for _, f := range kustomizationFiles(k) {
		if err := s.remoteFile(file, f.field, f.path); err != nil {
			return err
		}
	}
	return nil
}

func (s *scan) remoteFile(where, field, path string) error {
	if s.allowRemote || !isRemoteFile(path) {
		return nil
	}
	return fmt.Errorf("%s: %s: remote file %q refused: kustomize would download it, and remote files are off unless the app allows remote bases (allowRemoteBases)", where, field, path)
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
