package history

import (
	"errors"
	"fmt"
	"path"
	"strings"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// DefaultLimit is how many commits a Log lists unless told.
const DefaultLimit = 20

// maxWalk bounds the commits a Log reads, listed or not, so that a mark
// on no branch does not walk a huge history to its root.
const maxWalk = 10000

// Options select a Log.
type Options struct {
	// Path keeps the commits that changed a file below it, a slash path
	// from the root; "" or "." keeps every commit.
	Path string
	// Limit is how many commits to list; 0 means DefaultLimit.
	Limit int
	// Mark is a commit to find on the history (the one an app runs): the
	// Log says where it falls among the commits listed.
	Mark plumbing.Hash
	// UntilMark ends the Log at Mark: only the commits after it are
	// listed (what is not applied yet). It needs a Mark.
	UntilMark bool
}

// Entry is a commit of a path's log and what it changed there.
type Entry struct {
	Commit
	Changes Changes `json:"changes"`
}

// Log is a path's history on the first parents of a commit, newest first,
// as `git log --first-parent -- PATH` has it: a merge is one change, its
// diff against the branch it was merged into.
type Log struct {
	Entries []Entry
	// Marked says the walk met Options.Mark. Entries[:Newer] are the
	// commits after it; Entries[Newer], if listed, is the newest at or
	// before it, so the path holds what it holds at Mark.
	Marked bool
	Newer  int
	// Missing is the parent the repository does not hold (a shallow
	// clone's end) where the walk ended before the limit, the mark or the
	// first commit: fetching it gives more history. Zero otherwise.
	Missing plumbing.Hash
}

// Read walks the first parents of head and lists the commits that changed
// something below opts.Path.
func Read(repo *gogit.Repository, head plumbing.Hash, opts Options) (*Log, error) {
	dir, err := cleanPath(opts.Path)
	if err != nil {
		return nil, err
	}
	limit := opts.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	c, err := repo.CommitObject(head)
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", head, err)
	}
	w := &walk{repo: repo, dir: dir, opts: opts, limit: limit, log: &Log{}}
	for i := 0; c != nil && i < maxWalk && !w.done(); i++ {
		if c, err = w.step(c); err != nil {
			return nil, err
		}
	}
	return w.log, nil
}

// walk is one Read in progress.
type walk struct {
	repo  *gogit.Repository
	dir   string
	opts  Options
	limit int
	log   *Log
}

// done: the log is full and the mark, if any, found; or the mark ends it.
func (w *walk) done() bool {
	if w.opts.Mark.IsZero() {
		return len(w.log.Entries) >= w.limit
	}
	return w.log.Marked && (w.opts.UntilMark || len(w.log.Entries) >= w.limit)
}

// step looks at c and returns its first parent; nil at the first commit
// or the shallow end.
func (w *walk) step(c *object.Commit) (*object.Commit, error) {
	if c.Hash == w.opts.Mark && !w.log.Marked {
		w.log.Marked, w.log.Newer = true, len(w.log.Entries)
		if w.opts.UntilMark {
			return nil, nil
		}
	}
	parent, err := FirstParent(c)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		w.log.Missing = c.ParentHashes[0]
		return nil, nil
	}
	if err != nil || len(w.log.Entries) >= w.limit {
		// Past the limit only the mark is looked for: no diffs.
		return parent, err
	}
	now, err := EntryAt(c, w.dir)
	if err != nil {
		return nil, err
	}
	before, err := EntryAt(parent, w.dir)
	if err != nil {
		return nil, err
	}
	changes, err := changesAt(w.repo, before, now)
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", c.Hash, err)
	}
	if !changes.IsZero() {
		w.log.Entries = append(w.log.Entries, Entry{Commit: commitOf(c), Changes: changes})
	}
	return parent, nil
}

// FirstParent is c's first parent, nil for a root commit. A parent the
// repository lacks wraps plumbing.ErrObjectNotFound.
func FirstParent(c *object.Commit) (*object.Commit, error) {
	if c.NumParents() == 0 {
		return nil, nil
	}
	p, err := c.Parent(0)
	if err != nil {
		return nil, fmt.Errorf("read the parent %s of %s (a shallow clone lacks it): %w", c.ParentHashes[0], c.Hash, err)
	}
	return p, nil
}

// cleanPath is p as a clean slash path from the root, "." for the root.
func cleanPath(p string) (string, error) {
	clean := path.Clean(strings.TrimPrefix(p, "./"))
	if clean == "" || clean == "." {
		return ".", nil
	}
	if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("path %q: want a slash path inside the repository", p)
	}
	return clean, nil
}
