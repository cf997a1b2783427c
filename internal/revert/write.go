package revert

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/tugboat-gitops/tugboat/internal/confine"
)

// maxSymlinkTarget bounds a symlink blob read into memory; a real target
// is a path, far shorter.
const maxSymlinkTarget = 4096

// apply writes the changes' new versions to the work tree, stages them
// and commits, returning the new commit's SHA. Deletions go first, so a
// file can take the place of a directory emptied by the same change.
func (c *checkout) apply(changes []change, msg string, author object.Signature) (string, error) {
	for _, ch := range changes {
		if ch.to == (file{}) {
			if err := c.remove(ch.path); err != nil {
				return "", err
			}
		}
	}
	for _, ch := range changes {
		if ch.to != (file{}) {
			if err := c.write(ch.path, ch.to); err != nil {
				return "", err
			}
		}
	}
	sig := signature(author)
	h, err := c.wt.Commit(msg, &gogit.CommitOptions{Author: sig, Committer: sig})
	if err != nil {
		return "", fmt.Errorf("commit: %w", err)
	}
	return h.String(), nil
}

// remove deletes rel from the work tree and the index, and the
// directories it leaves empty, as git does.
func (c *checkout) remove(rel string) error {
	p, err := c.osPath(rel)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", rel, err)
	}
	if _, err := c.wt.Remove(rel); err != nil {
		return fmt.Errorf("unstage %s: %w", rel, err)
	}
	for dir := path.Dir(rel); dir != "."; dir = path.Dir(dir) {
		// Fails, and stops, at the first directory that is not empty.
		if os.Remove(filepath.Join(c.root, filepath.FromSlash(dir))) != nil {
			break
		}
	}
	return nil
}

// write makes rel version f, replacing whatever is there without
// following it, and stages it.
func (c *checkout) write(rel string, f file) error {
	p, err := c.osPath(rel)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("replace %s: %w", rel, err)
	}
	blob, err := c.repo.BlobObject(f.hash)
	if err != nil {
		return fmt.Errorf("read the blob %s of %s: %w", f.hash, rel, err)
	}
	r, err := blob.Reader()
	if err != nil {
		return fmt.Errorf("read the blob %s of %s: %w", f.hash, rel, err)
	}
	defer r.Close()
	if f.mode == filemode.Symlink {
		err = writeSymlink(p, r)
	} else {
		err = writeFile(p, r, f.mode)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	if err := c.wt.AddWithOptions(&gogit.AddOptions{Path: rel, SkipStatus: true}); err != nil {
		return fmt.Errorf("stage %s: %w", rel, err)
	}
	return nil
}

func writeSymlink(p string, r io.Reader) error {
	target, err := io.ReadAll(io.LimitReader(r, maxSymlinkTarget+1))
	if err != nil {
		return err
	}
	if len(target) > maxSymlinkTarget {
		return fmt.Errorf("symlink target over %d bytes", maxSymlinkTarget)
	}
	return os.Symlink(filepath.FromSlash(string(target)), p)
}

func writeFile(p string, r io.Reader, mode filemode.FileMode) error {
	perm := fs.FileMode(0o644)
	if mode == filemode.Executable {
		perm = 0o755
	}
	// O_EXCL: the path was just cleared, so nothing is followed.
	out, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	// The umask may have taken bits that git's mode needs.
	return os.Chmod(p, perm)
}

// osPath is rel in the work tree, refusing a parent directory that is a
// symlink: git never writes through one, and following it could leave
// the repository. A parent that does not exist yet is fine.
func (c *checkout) osPath(rel string) (string, error) {
	if err := checkName(rel); err != nil {
		return "", err
	}
	parts := strings.Split(rel, "/")
	dir := c.root
	for _, part := range parts[:len(parts)-1] {
		dir = filepath.Join(dir, part)
		fi, err := os.Lstat(dir)
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("%s: %w", rel, err)
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return "", fmt.Errorf("%s: %w: its directory %s is a symlink", rel, confine.ErrEscape, part)
		}
	}
	return filepath.Join(c.root, filepath.FromSlash(rel)), nil
}
