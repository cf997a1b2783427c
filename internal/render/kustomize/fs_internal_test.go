package kustomize

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tugboat-gitops/tugboat/internal/confine"
)

// TestCloneDirs checks which temporary directories the file system takes
// for kustomize's git clones: only fresh, private, real kustomize-<n>
// directories of ours holding a .git, and only when remote bases are
// allowed; reads inside stay inside, and only whole clones can be removed.
func TestCloneDirs(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret.yaml")
	if err := os.WriteFile(secret, []byte("stolen"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		clone    string // directory name in TMPDIR
		setup    func(t *testing.T, dir string)
		file     string // read, relative to the clone
		allow    bool
		wantRead bool
		isClone  bool // RemoveAll may remove it
	}{
		{name: "fresh clone", clone: "kustomize-123", file: "base/cm.yaml", allow: true, wantRead: true, isClone: true},
		{name: "remote bases off", clone: "kustomize-123", file: "base/cm.yaml"},
		{name: "other name", clone: "kustomize-abc", file: "base/cm.yaml", allow: true},
		{name: "other prefix", clone: "helm-123", file: "base/cm.yaml", allow: true},
		{name: "stale", clone: "kustomize-123", file: "base/cm.yaml", allow: true, setup: func(t *testing.T, dir string) {
			old := time.Now().Add(-time.Hour)
			if err := os.Chtimes(dir, old, old); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "not private", clone: "kustomize-123", file: "base/cm.yaml", allow: true, setup: func(t *testing.T, dir string) { chmod(t, dir, 0o755) }},
		{name: "no .git", clone: "kustomize-123", file: "base/cm.yaml", allow: true, setup: func(t *testing.T, dir string) {
			if err := os.RemoveAll(filepath.Join(dir, ".git")); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "symlink out of the clone", clone: "kustomize-123", file: "base/link.yaml", allow: true, isClone: true, setup: func(t *testing.T, dir string) {
			if err := os.Symlink(secret, filepath.Join(dir, "base/link.yaml")); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "clone directory is a link", clone: "kustomize-123", file: "base/cm.yaml", allow: true, setup: func(t *testing.T, dir string) {
			real := dir + "-real"
			if err := os.Rename(dir, real); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(real, dir); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			f, err := newConfinedFS(t.TempDir(), tt.allow)
			if err != nil {
				t.Fatal(err)
			}
			dir := makeClone(t, filepath.Join(realPath(t, tmp), tt.clone))
			if tt.setup != nil {
				tt.setup(t, dir)
			}
			_, err = f.ReadFile(filepath.Join(dir, tt.file))
			if tt.wantRead != (err == nil) {
				t.Fatalf("read %s: %v, want success %v", tt.file, err, tt.wantRead)
			}
			if err != nil && !errors.Is(err, confine.ErrEscape) {
				t.Errorf("error %q does not wrap confine.ErrEscape", err)
			}
			if err := f.RemoveAll(filepath.Join(dir, "base")); err == nil {
				t.Errorf("removed a directory inside the clone")
			}
			err = f.RemoveAll(dir)
			if _, statErr := os.Lstat(dir); tt.isClone != (err == nil) || tt.isClone != os.IsNotExist(statErr) {
				t.Errorf("RemoveAll(clone): %v, then stat: %v; want removed %v", err, statErr, tt.isClone)
			}
		})
	}
}

// realPath returns the symlink-free form of tmp, as kustomize names its
// clones.
func realPath(t *testing.T, tmp string) string {
	t.Helper()
	real, err := filepath.EvalSymlinks(tmp)
	if err != nil {
		t.Fatal(err)
	}
	return real
}

// makeClone lays out dir as kustomize's git cloner leaves it.
func makeClone(t *testing.T, dir string) string {
	t.Helper()
	for _, d := range []string{".git", "base"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	chmod(t, dir, 0o700)
	if err := os.WriteFile(filepath.Join(dir, "base/cm.yaml"), []byte("kind: ConfigMap\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func chmod(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// TestConfinedFSWritesNothing refuses every write, and RemoveAll of
// anything but a clone, even with remote bases allowed.
func TestConfinedFSWritesNothing(t *testing.T) {
	root := t.TempDir()
	f, err := newConfinedFS(root, true)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, "x")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"WriteFile": f.WriteFile(path, []byte("x")),
		"MkdirAll":  f.MkdirAll(filepath.Join(root, "d")),
		"RemoveAll": f.RemoveAll(root),
		"tmp":       f.RemoveAll(os.TempDir()),
	} {
		if !errors.Is(err, errReadOnly) {
			t.Errorf("%s: %v, want refused", name, err)
		}
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("repository file gone: %v", err)
	}
}
