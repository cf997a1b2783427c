package kustomize

import (
	"errors"
	"fmt"
	"path/filepath"

	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/tugboat-gitops/tugboat/internal/confine"
)

// confinedFS is the disk, seen through the repository: every path kustomize
// reads must resolve, symlinks included, inside root, or inside a git clone
// kustomize made for a remote base when those are allowed; nothing is
// written. kustomize's own load restrictor confines files to a
// kustomization's directory but lets bases be any directory on the machine.
//
// virtual files shadow the disk for this render only: the output of the
// Helm charts Tugboat inflates, and the kustomization files rewritten to
// refer to it.
type confinedFS struct {
	filesys.FileSystem
	root    string            // symlink-free absolute repository root
	virtual map[string][]byte // absolute path -> content, never on disk
	clones  *cloneDirs        // nil unless remote bases are allowed
}

func newConfinedFS(root string, allowClones bool) (*confinedFS, error) {
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, fmt.Errorf("resolve repository root %s: %w", root, err)
	}
	f := &confinedFS{FileSystem: filesys.MakeFsOnDisk(), root: real, virtual: map[string][]byte{}}
	if allowClones {
		if f.clones, err = newCloneDirs(); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// check returns the confined form of path, or an error naming it relative
// to the repository.
func (f *confinedFS) check(path string) (string, error) {
	if !filepath.IsAbs(path) {
		return "", fmt.Errorf("%s: %w: kustomize asked for a relative path", path, confine.ErrEscape)
	}
	clean := filepath.Clean(path)
	if !confine.Within(f.root, clean) {
		if dir, ok := f.clones.owner(clean); ok {
			rel, _ := filepath.Rel(dir, clean)
			return confine.Join(dir, rel)
		}
	}
	rel, err := filepath.Rel(f.root, clean)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, confine.ErrEscape)
	}
	return confine.Join(f.root, rel)
}

// addVirtual shadows path (absolute, symlink-free, inside root) with data.
func (f *confinedFS) addVirtual(path string, data []byte) {
	f.virtual[filepath.Clean(path)] = data
}

func (f *confinedFS) lookupVirtual(path string) ([]byte, bool) {
	data, ok := f.virtual[filepath.Clean(path)]
	return data, ok
}

func (f *confinedFS) Open(path string) (filesys.File, error) {
	if _, ok := f.lookupVirtual(path); ok {
		// kustomize reads with ReadFile; a virtual file has no handle.
		return nil, fmt.Errorf("%s: generated for this render, not on disk", path)
	}
	p, err := f.check(path)
	if err != nil {
		return nil, err
	}
	return f.FileSystem.Open(p)
}

func (f *confinedFS) ReadFile(path string) ([]byte, error) {
	if data, ok := f.lookupVirtual(path); ok {
		return append([]byte(nil), data...), nil
	}
	p, err := f.check(path)
	if err != nil {
		return nil, err
	}
	return f.FileSystem.ReadFile(p)
}

func (f *confinedFS) IsDir(path string) bool {
	if _, ok := f.lookupVirtual(path); ok {
		return false
	}
	p, err := f.check(path)
	return err == nil && f.FileSystem.IsDir(p)
}

func (f *confinedFS) Exists(path string) bool {
	if _, ok := f.lookupVirtual(path); ok {
		return true
	}
	p, err := f.check(path)
	return err == nil && f.FileSystem.Exists(p)
}

func (f *confinedFS) ReadDir(path string) ([]string, error) {
	p, err := f.check(path)
	if err != nil {
		return nil, err
	}
	return f.FileSystem.ReadDir(p)
}

func (f *confinedFS) CleanedAbs(path string) (filesys.ConfirmedDir, string, error) {
	if _, ok := f.lookupVirtual(path); ok {
		// Virtual paths are symlink-free already; the disk has no such file.
		clean := filepath.Clean(path)
		return filesys.ConfirmedDir(filepath.Dir(clean)), filepath.Base(clean), nil
	}
	d, name, err := f.FileSystem.CleanedAbs(path)
	if err != nil {
		return d, name, err
	}
	if _, err := f.check(filepath.Join(string(d), name)); err != nil {
		return "", "", err
	}
	return d, name, nil
}

func (f *confinedFS) Glob(pattern string) ([]string, error) {
	matches, err := f.FileSystem.Glob(pattern)
	if err != nil {
		return nil, err
	}
	for _, m := range matches {
		if _, err := f.check(m); err != nil {
			return nil, err
		}
	}
	return matches, nil
}

func (f *confinedFS) Walk(path string, fn filepath.WalkFunc) error {
	p, err := f.check(path)
	if err != nil {
		return err
	}
	return f.FileSystem.Walk(p, fn)
}

// RemoveAll removes a git clone kustomize made, when it cleans up after
// itself; anything else is refused.
func (f *confinedFS) RemoveAll(path string) error {
	if f.clones.isClone(filepath.Clean(path)) {
		return f.clones.remove(filepath.Clean(path))
	}
	return f.readOnly(path)
}

func (f *confinedFS) Create(path string) (filesys.File, error) { return nil, f.readOnly(path) }
func (f *confinedFS) Mkdir(path string) error                  { return f.readOnly(path) }
func (f *confinedFS) MkdirAll(path string) error               { return f.readOnly(path) }
func (f *confinedFS) WriteFile(path string, _ []byte) error    { return f.readOnly(path) }

func (f *confinedFS) readOnly(path string) error {
	return fmt.Errorf("%s: %w", path, errReadOnly)
}

var errReadOnly = errors.New("rendering never writes to the repository")
