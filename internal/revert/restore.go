package revert

import (
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
)

// Restore makes opts.Path in the checkout at dir as it was at rev (a
// revision as for Commits): files added since are deleted, files deleted
// since come back, the others take rev's content and mode. It commits that
// as one commit, "Restore <path> to <short sha>", on HEAD; when the path is
// already as at rev, nothing is committed and NewCommit is empty. rev need
// not be an ancestor of HEAD, but the path must exist there: restoring an
// app to nothing is a deletion, not a rollback.
func Restore(dir string, opts Options, rev string) (Reverted, error) {
	c, err := open(dir, &opts)
	if err != nil {
		return Reverted{}, err
	}
	h, err := c.repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return Reverted{}, fmt.Errorf("revision %q: %w", rev, err)
	}
	target, err := c.repo.CommitObject(*h)
	if err != nil {
		return Reverted{}, fmt.Errorf("revision %q: %w", rev, err)
	}
	res := Reverted{Commit: target.Hash.String(), Subject: subject(target)}
	tree, err := target.Tree()
	if err != nil {
		return res, fmt.Errorf("read the tree of %s: %w", target.Hash, err)
	}
	want, err := treeFiles(tree, opts.Path)
	if err != nil {
		return res, fmt.Errorf("commit %s: %w", target.Hash, err)
	}
	if len(want) == 0 {
		return res, fmt.Errorf("%s does not exist at %s (%s)", opts.Path, rev, short(res.Commit))
	}
	have, err := c.headFiles(opts.Path)
	if err != nil {
		return res, err
	}
	changes := diff(have, want)
	if len(changes) == 0 {
		return res, nil
	}
	msg := fmt.Sprintf("Restore %s to %s\n\nThis restores %s to its content at commit %s\n(%s).\n",
		opts.Path, short(res.Commit), opts.Path, res.Commit, res.Subject)
	if res.NewCommit, err = c.apply(changes, msg, opts.Author); err != nil {
		return res, fmt.Errorf("restore %s to %s: %w", opts.Path, short(res.Commit), err)
	}
	res.Files = paths(changes)
	return res, nil
}
