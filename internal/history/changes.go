package history

import (
	"errors"
	"fmt"
	"strings"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/utils/merkletrie"
)

// Changes counts the files a commit added, modified and deleted below a
// path, against its first parent. A rename counts as a deletion and an
// addition, as git counts it without rename detection.
type Changes struct {
	Added    int `json:"added,omitempty"`
	Modified int `json:"modified,omitempty"`
	Deleted  int `json:"deleted,omitempty"`
}

// IsZero reports whether no file changed.
func (c Changes) IsZero() bool { return c == Changes{} }

// String reads "1 file modified" or "3 files: 1 added, 2 modified"; "" for
// none. Files, not objects: what a commit changed in git, not in a
// cluster.
func (c Changes) String() string {
	var parts []string
	for _, p := range []struct {
		n    int
		verb string
	}{{c.Added, "added"}, {c.Modified, "modified"}, {c.Deleted, "deleted"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.verb))
		}
	}
	total := c.Added + c.Modified + c.Deleted
	switch {
	case total == 0:
		return ""
	case len(parts) == 1:
		_, verb, _ := strings.Cut(parts[0], " ")
		return fmt.Sprintf("%d %s %s", total, files(total), verb)
	}
	return fmt.Sprintf("%d %s: %s", total, files(total), strings.Join(parts, ", "))
}

func files(n int) string {
	if n == 1 {
		return "file"
	}
	return "files"
}

// EntryAt is the entry of dir ("." the root) in c's tree; the zero entry
// when there is none, or when c is nil (before a root commit).
func EntryAt(c *object.Commit, dir string) (object.TreeEntry, error) {
	if c == nil {
		return object.TreeEntry{}, nil
	}
	if dir == "." {
		return object.TreeEntry{Mode: filemode.Dir, Hash: c.TreeHash}, nil
	}
	tree, err := c.Tree()
	if err != nil {
		return object.TreeEntry{}, fmt.Errorf("read the tree of %s: %w", c.Hash, err)
	}
	e, err := tree.FindEntry(dir)
	switch {
	case errors.Is(err, object.ErrEntryNotFound) || errors.Is(err, object.ErrDirectoryNotFound):
		return object.TreeEntry{}, nil
	case err != nil:
		return object.TreeEntry{}, fmt.Errorf("commit %s: find %s: %w", c.Hash, dir, err)
	}
	return *e, nil
}

// changesAt counts what changed at dir from the entry before to now: one
// entry compared when nothing did, a tree diff of dir alone when
// something did.
func changesAt(repo *gogit.Repository, before, now object.TreeEntry) (Changes, error) {
	if before.Hash == now.Hash && before.Mode == now.Mode {
		return Changes{}, nil
	}
	from, err := treeOf(repo, before)
	if err != nil {
		return Changes{}, err
	}
	to, err := treeOf(repo, now)
	if err != nil {
		return Changes{}, err
	}
	if from == nil && to == nil {
		// dir is a file (or a link) on at least one side.
		return fileChange(before, now), nil
	}
	diff, err := object.DiffTree(from, to)
	if err != nil {
		return Changes{}, fmt.Errorf("diff trees %s and %s: %w", before.Hash, now.Hash, err)
	}
	var out Changes
	for _, ch := range diff {
		action, err := ch.Action()
		if err != nil {
			return Changes{}, err
		}
		switch action {
		case merkletrie.Insert:
			out.Added++
		case merkletrie.Delete:
			out.Deleted++
		default:
			out.Modified++
		}
	}
	return out, nil
}

// treeOf is e's tree; nil for no entry or a file.
func treeOf(repo *gogit.Repository, e object.TreeEntry) (*object.Tree, error) {
	if e.Hash == plumbing.ZeroHash || e.Mode != filemode.Dir {
		return nil, nil
	}
	t, err := repo.TreeObject(e.Hash)
	if err != nil {
		return nil, fmt.Errorf("read tree %s: %w", e.Hash, err)
	}
	return t, nil
}

func fileChange(before, now object.TreeEntry) Changes {
	switch {
	case before.Hash == plumbing.ZeroHash:
		return Changes{Added: 1}
	case now.Hash == plumbing.ZeroHash:
		return Changes{Deleted: 1}
	}
	return Changes{Modified: 1}
}
