package git

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

func TestFetchKeepsSymlinks(t *testing.T) {
	f := newFixture(t, map[string]string{"README.md": "hello\n", "dir/a.yaml": "a: 1\n"})
	links := map[string]string{
		"link":        "README.md",
		"dir/up":      "../README.md",
		"escape":      "../../../../etc/passwd", // kept: the renderers judge it
		"absolute":    "/etc/passwd",
		"dir-link":    "dir",
		"missing-one": "nowhere",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(f.wt.Dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	want := f.commit(t, nil)
	art := mustFetch(t, f.source(t, f.g.HTTPURL("app"), Ref{}, f.passwordCreds()))
	if art.Commit != want {
		t.Fatalf("got %s, want %s", art.Commit, want)
	}
	for name, target := range links {
		path := filepath.Join(art.Dir, name)
		info, err := os.Lstat(path)
		if err != nil || info.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s: want a symlink, got %v, %v", name, info, err)
			continue
		}
		if got, err := os.Readlink(path); err != nil || got != target {
			t.Errorf("%s links to %q (%v), want %q", name, got, err, target)
		}
	}
	checkFile(t, art, "dir/a.yaml", "a: 1\n")
}

func TestFetchRefusesHostileTrees(t *testing.T) {
	f := newFixture(t, map[string]string{"README.md": "hello\n"})
	outside := t.TempDir()
	bare, err := gogit.PlainOpen(filepath.Join(f.g.Root, "app.git"))
	if err != nil {
		t.Fatal(err)
	}
	file := storeBlob(t, bare, "pwned\n")
	dir := storeTree(t, bare, object.TreeEntry{Name: "x", Mode: filemode.Regular, Hash: file})
	tests := []struct {
		name    string
		entries []object.TreeEntry
		message string
	}{
		{"dotdot", []object.TreeEntry{{Name: "..", Mode: filemode.Dir, Hash: dir}}, `tree entry ".."`},
		{"slash", []object.TreeEntry{{Name: "a/../../x", Mode: filemode.Regular, Hash: file}}, "path separator"},
		{"dotgit", []object.TreeEntry{{Name: ".GIT", Mode: filemode.Dir, Hash: dir}}, "reserved"},
		// A symlink and a directory of the same name: the directory must
		// not be written through the link.
		{"through symlink", []object.TreeEntry{
			{Name: "a", Mode: filemode.Symlink, Hash: storeBlob(t, bare, outside)},
			{Name: "a", Mode: filemode.Dir, Hash: dir},
		}, "file exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			branch := "evil-" + strings.ReplaceAll(tt.name, " ", "-")
			commitTree(t, bare, branch, storeTree(t, bare, tt.entries...))
			s := f.source(t, f.g.HTTPURL("app"), Ref{Branch: branch}, f.passwordCreds())
			_, err := fetch(t, s)
			if err == nil || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("got error %v, want one mentioning %q", err, tt.message)
			}
			t.Logf("error: %v", err)
			if left, _ := filepath.Glob(filepath.Join(s.cache.checkoutsDir(), "*")); len(left) > 0 {
				t.Errorf("checkouts left behind: %v", left)
			}
			if _, err := os.Stat(filepath.Join(outside, "x")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a file was written outside the checkout (%v)", err)
			}
		})
	}
}

func TestFetchSizeLimit(t *testing.T) {
	f := newFixture(t, map[string]string{"big": strings.Repeat("x", 100)})
	s, err := New(Options{URL: f.g.HTTPURL("app"), Credentials: f.passwordCreds(), CacheDir: f.cache, MaxCheckoutBytes: 99})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fetch(t, s); err == nil || !strings.Contains(err.Error(), "size limit") {
		t.Fatalf("got error %v, want the size limit", err)
	}
}

func TestCheckEntryName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"a.yaml", true}, {".hidden", true}, {"..a", true}, {".github", true},
		{"", false}, {".", false}, {"..", false}, {"a/b", false}, {"/abs", false},
		{"nul\x00", false}, {".git", false}, {".Git", false},
	}
	for _, tt := range tests {
		if err := checkEntryName(tt.name); (err == nil) != tt.ok {
			t.Errorf("checkEntryName(%q) = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

func storeBlob(t *testing.T, repo *gogit.Repository, content string) plumbing.Hash {
	t.Helper()
	obj := repo.Storer.NewEncodedObject()
	obj.SetType(plumbing.BlobObject)
	w, err := obj.Writer()
	if err == nil {
		_, err = w.Write([]byte(content))
	}
	if err == nil {
		err = w.Close()
	}
	return storeObject(t, repo.Storer, obj, err)
}

// storeTree stores the entries as given: unsorted, unchecked.
func storeTree(t *testing.T, repo *gogit.Repository, entries ...object.TreeEntry) plumbing.Hash {
	t.Helper()
	obj := repo.Storer.NewEncodedObject()
	err := (&object.Tree{Entries: entries}).Encode(obj)
	return storeObject(t, repo.Storer, obj, err)
}

// commitTree makes a commit of tree on a new branch.
func commitTree(t *testing.T, repo *gogit.Repository, branch string, tree plumbing.Hash) {
	t.Helper()
	sig := object.Signature{Name: "Mallory", Email: "m@example.invalid", When: time.Now()}
	obj := repo.Storer.NewEncodedObject()
	err := (&object.Commit{Author: sig, Committer: sig, Message: "evil", TreeHash: tree}).Encode(obj)
	h := storeObject(t, repo.Storer, obj, err)
	ref := plumbing.NewHashReference(plumbing.NewBranchReferenceName(branch), h)
	if err := repo.Storer.SetReference(ref); err != nil {
		t.Fatal(err)
	}
}

func storeObject(t *testing.T, s storer.EncodedObjectStorer, obj plumbing.EncodedObject, err error) plumbing.Hash {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.SetEncodedObject(obj)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
