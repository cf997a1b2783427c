package git

import (
	"fmt"

	gogit "github.com/go-git/go-git/v5"
)

// LocalRevision names the commit checked out in the work tree at root as
// a fetch names one: "<branch>@sha1:<commit>", or "sha1:<commit>" on a
// detached HEAD, so that what `tug apply` applies from a checkout is
// traceable to a commit as the controller's syncs are. Changes not
// committed are not in the name.
func LocalRevision(root string) (string, error) {
	repo, err := gogit.PlainOpenWithOptions(root, &gogit.PlainOpenOptions{EnableDotGitCommonDir: true})
	if err != nil {
		return "", fmt.Errorf("git repository %s: %w", root, err)
	}
	head, err := repo.Head()
	if err != nil {
		return "", fmt.Errorf("git repository %s: HEAD: %w", root, err)
	}
	rev := "sha1:" + head.Hash().String()
	if head.Name().IsBranch() {
		rev = head.Name().Short() + "@" + rev
	}
	return rev, nil
}
