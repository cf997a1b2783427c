package revert

import (
	"fmt"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/tugboat-gitops/tugboat/internal/history"
)

// Commits lists, newest first, the commits that changed something below
// dir (a slash path from the root; "." is everything), walking head's
// first parents.
//
// With to == "" it returns just the newest such commit (none when no
// commit touched dir). Otherwise to is a revision (a SHA or a prefix, a
// branch, a tag, HEAD~2) that must be on that first-parent history, and
// the commits are those after it. An ancestor that head reaches only
// through a merged branch is refused with an error naming the merge to
// give instead: the merge is the change on head's history.
func Commits(repo *gogit.Repository, head plumbing.Hash, dir, to string) ([]*object.Commit, error) {
	dir, err := cleanPath(dir)
	if err != nil {
		return nil, err
	}
	var stop plumbing.Hash
	if to != "" {
		h, err := repo.ResolveRevision(plumbing.Revision(to))
		if err != nil {
			return nil, fmt.Errorf("revision %q: %w", to, err)
		}
		stop = *h
	}
	tip, err := repo.CommitObject(head)
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", head, err)
	}
	var out []*object.Commit
	for c := tip; c != nil; {
		if c.Hash == stop {
			return out, nil
		}
		parent, err := history.FirstParent(c)
		if err != nil {
			return nil, err
		}
		changed, err := touches(c, parent, dir)
		if err != nil {
			return nil, err
		}
		if changed {
			out = append(out, c)
			if to == "" {
				return out, nil
			}
		}
		c = parent
	}
	if to == "" {
		return nil, nil
	}
	return nil, notOnHistory(repo, tip, stop, to)
}

// touches reports whether c changed anything below dir since parent (nil
// for a root commit): one tree entry compared per commit, whatever the
// size of dir.
func touches(c, parent *object.Commit, dir string) (bool, error) {
	now, err := history.EntryAt(c, dir)
	if err != nil {
		return false, err
	}
	before, err := history.EntryAt(parent, dir)
	if err != nil {
		return false, err
	}
	return now.Hash != before.Hash || now.Mode != before.Mode, nil
}

// notOnHistory says why the walk from tip never met stop.
func notOnHistory(repo *gogit.Repository, tip *object.Commit, stop plumbing.Hash, to string) error {
	c, err := repo.CommitObject(stop)
	if err != nil {
		return fmt.Errorf("revision %q: %w", to, err)
	}
	if ok, err := c.IsAncestor(tip); err == nil && ok {
		return fmt.Errorf("revision %q (%s) is on a branch merged into %s, not on its first-parent history: give the merge commit, or a commit before it",
			to, short(stop.String()), short(tip.Hash.String()))
	}
	return fmt.Errorf("revision %q (%s) is not an ancestor of %s", to, short(stop.String()), short(tip.Hash.String()))
}
