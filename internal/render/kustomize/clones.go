package kustomize

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// cloneName is how kustomize's git cloner names its clone directories:
// os.MkdirTemp("", "kustomize-") in the system temporary directory.
var cloneName = regexp.MustCompile(`^kustomize-[0-9]+$`)

// cloneSlack allows for coarse file system timestamps when telling a clone
// made during this render from an older directory.
const cloneSlack = 2 * time.Second

// cloneDirs recognizes the git clones kustomize makes for remote bases. They
// are made and named by kustomize itself, outside the repository, so the
// file system cannot be told of them in advance: a directory counts as one
// if it sits in the temporary directory under kustomize's name pattern, is
// a real directory (not a link), private (0700) and ours, holds a .git
// directory and was modified since the render started. Reads inside a
// clone stay confined to that clone, symlinks included.
type cloneDirs struct {
	tmp   string // symlink-free temporary directory
	since time.Time

	mu   sync.Mutex
	seen map[string]bool
}

func newCloneDirs() (*cloneDirs, error) {
	tmp, err := filepath.EvalSymlinks(os.TempDir())
	if err != nil {
		return nil, fmt.Errorf("resolve temporary directory: %w", err)
	}
	return &cloneDirs{tmp: tmp, since: time.Now().Add(-cloneSlack), seen: map[string]bool{}}, nil
}

// owner returns the clone directory holding path, if path is in one.
func (c *cloneDirs) owner(path string) (string, bool) {
	if c == nil {
		return "", false
	}
	rel, err := filepath.Rel(c.tmp, path)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return "", false
	}
	dir := filepath.Join(c.tmp, strings.SplitN(rel, string(filepath.Separator), 2)[0])
	return dir, c.isClone(dir)
}

// isClone reports whether dir is a clone directory of this render.
func (c *cloneDirs) isClone(dir string) bool {
	if c == nil || filepath.Dir(dir) != c.tmp || !cloneName.MatchString(filepath.Base(dir)) {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen[dir] {
		return true
	}
	if !c.looksFresh(dir) {
		return false
	}
	c.seen[dir] = true
	return true
}

func (c *cloneDirs) looksFresh(dir string) bool {
	info, err := os.Lstat(dir)
	if err != nil || !info.IsDir() || info.Mode().Perm() != 0o700 || info.ModTime().Before(c.since) {
		return false
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok || int(st.Uid) != os.Getuid() {
		return false
	}
	git, err := os.Lstat(filepath.Join(dir, ".git"))
	return err == nil && git.IsDir()
}

// remove deletes a clone directory and forgets it.
func (c *cloneDirs) remove(dir string) error {
	c.mu.Lock()
	delete(c.seen, dir)
	c.mu.Unlock()
	return os.RemoveAll(dir)
}

// removeLeft deletes the clones kustomize did not clean up (it does not
// when a build fails part way).
func (c *cloneDirs) removeLeft() {
	if c == nil {
		return
	}
	c.mu.Lock()
	dirs := make([]string, 0, len(c.seen))
	for d := range c.seen {
		dirs = append(dirs, d)
	}
	c.mu.Unlock()
	for _, d := range dirs {
		_ = c.remove(d)
	}
}
