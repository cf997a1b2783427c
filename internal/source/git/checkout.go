package git

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// DefaultMaxCheckoutBytes caps the bytes of file content one checkout may
// write when Options.MaxCheckoutBytes is zero.
const DefaultMaxCheckoutBytes int64 = 1 << 30

// maxSymlinkTarget bounds a symlink's target, as PATH_MAX does.
const maxSymlinkTarget = 4096

// checkout writes the tree of commit into a temporary directory and renames
// it into place. The lock must be held.
func (c repoCache) checkout(repo *gogit.Repository, commit string, maxBytes int64) (string, error) {
	final := c.checkoutDir(commit)
	if c.hasCheckout(commit) {
		return final, nil
	}
	obj, err := repo.CommitObject(plumbing.NewHash(commit))
	if err != nil {
		return "", fmt.Errorf("read commit %s: %w", commit, err)
	}
	tree, err := obj.Tree()
	if err != nil {
		return "", fmt.Errorf("read tree of commit %s: %w", commit, err)
	}
	tmp, err := c.newCheckoutTemp(commit)
	if err != nil {
		return "", err
	}
	w := &treeWriter{repo: repo, budget: maxBytes}
	if err := w.write(tree, tmp, ""); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("check out commit %s: %w", commit, err)
	}
	if err := c.commitCheckout(tmp, commit); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	return final, nil
}

// treeWriter writes a tree to disk. Repository content is hostile: entry
// names cannot leave the directory, nothing is written through a symlink
// (directories are created one level at a time, files with O_EXCL and
// O_NOFOLLOW, so a tree that names a path twice fails), and the content is
// capped. Symlinks are written as they are; the renderers judge where they
// point. Submodules are skipped.
type treeWriter struct {
	repo   *gogit.Repository
	budget int64
}

func (w *treeWriter) write(tree *object.Tree, dir, rel string) error {
	for _, e := range tree.Entries {
		name := rel + e.Name
		if err := checkEntryName(e.Name); err != nil {
			return fmt.Errorf("tree entry %q: %w", name, err)
		}
		path := filepath.Join(dir, e.Name)
		var err error
		switch e.Mode {
		case filemode.Dir:
			err = w.writeDir(e.Hash, path, name+"/")
		case filemode.Regular, filemode.Deprecated:
			err = w.writeFile(e.Hash, path, 0o644)
		case filemode.Executable:
			err = w.writeFile(e.Hash, path, 0o755)
		case filemode.Symlink:
			err = w.writeSymlink(e.Hash, path)
		case filemode.Submodule:
		default:
			err = fmt.Errorf("unsupported file mode %s", e.Mode)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// checkEntryName refuses names that would leave the directory or that git
// itself refuses to check out.
func checkEntryName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return errors.New("invalid name")
	case strings.ContainsAny(name, "/\x00"):
		return errors.New("name contains a path separator")
	case strings.EqualFold(name, ".git"):
		return errors.New("name .git is reserved")
	}
	return nil
}

func (w *treeWriter) writeDir(hash plumbing.Hash, path, rel string) error {
	sub, err := w.repo.TreeObject(hash)
	if err != nil {
		return err
	}
	if err := os.Mkdir(path, 0o755); err != nil {
		return err
	}
	return w.write(sub, path, rel)
}

func (w *treeWriter) writeFile(hash plumbing.Hash, path string, mode os.FileMode) error {
	blob, err := w.repo.BlobObject(hash)
	if err != nil {
		return err
	}
	if w.budget -= blob.Size; w.budget < 0 {
		return errors.New("checkout exceeds the size limit")
	}
	r, err := blob.Reader()
	if err != nil {
		return err
	}
	defer r.Close()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, mode)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (w *treeWriter) writeSymlink(hash plumbing.Hash, path string) error {
	blob, err := w.repo.BlobObject(hash)
	if err != nil {
		return err
	}
	if blob.Size > maxSymlinkTarget {
		return errors.New("symlink target too long")
	}
	r, err := blob.Reader()
	if err != nil {
		return err
	}
	defer r.Close()
	target, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return os.Symlink(string(target), path)
}
