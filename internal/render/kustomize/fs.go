package kustomize

import (
	"fmt"
	"path/filepath"

	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/tugboat-gitops/tugboat/internal/confine"
)

// confinedFS is the disk, seen through the repository: every path kustomize
// reads must resolve, symlinks included, inside root; nothing is written.
// kustomize's own load restrictor confines files to a kustomization's
// directory but lets bases be any directory on the machine.
type confinedFS struct {
	filesys.FileSystem
	root string // symlink-free absolute repository root
}

func newConfinedFS(root string) (*confinedFS, error) {
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, fmt.Errorf("resolve repository root %s: %w", root, err)
	}
	return &confinedFS{FileSystem: filesys.MakeFsOnDisk(), root: real}, nil
}

// check returns the confined form of path, or an error naming it relative
// to the repository.
func (f *confinedFS) check(path string) (string, error) {
	if !filepath.IsAbs(path) {
		return "", fmt.Errorf("%s: %w: kustomize asked for a relative path", path, confine.ErrEscape)
	}
	rel, err := filepath.Rel(f.root, filepath.Clean(path))
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, confine.ErrEscape)
	}
	return confine.Join(f.root, rel)
}

func (f *confinedFS) Open(path string) (filesys.File, error) {
	p, err := f.check(path)
	if err != nil {
		return nil, err
	}
	return f.FileSystem.Open(p)
}

func (f *confinedFS) ReadFile(path string) ([]byte, error) {
	p, err := f.check(path)
	if err != nil {
		return nil, err
	}
	return f.FileSystem.ReadFile(p)
}

func (f *confinedFS) IsDir(path string) bool {
	p, err := f.check(path)
	return err == nil && f.FileSystem.IsDir(p)
}

func (f *confinedFS) Exists(path string) bool {
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

func (f *confinedFS) Create(path string) (filesys.File, error) { return nil, f.readOnly(path) }
func (f *confinedFS) Mkdir(path string) error                  { return f.readOnly(path) }
func (f *confinedFS) MkdirAll(path string) error               { return f.readOnly(path) }
func (f *confinedFS) RemoveAll(path string) error              { return f.readOnly(path) }
func (f *confinedFS) WriteFile(path string, _ []byte) error    { return f.readOnly(path) }

func (f *confinedFS) readOnly(path string) error {
	return fmt.Errorf("%s: rendering never writes to the repository", path)
}
