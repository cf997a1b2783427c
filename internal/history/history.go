// Package history reads what git says of an app: the commits of its path,
// who made them and what they changed there, on the first-parent history
// of a branch. It is pure logic on a go-git repository, fetched or local;
// drivers join it with what ran (an Application's syncs, an inventory
// record's revision).
package history

import (
	"fmt"
	"strings"
	"time"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Commit is what git says of one commit.
type Commit struct {
	SHA    string `json:"sha"`
	Author string `json:"author"`
	Email  string `json:"email,omitempty"`
	// Time is the commit's committer time: when it was made on the branch
	// (a rebase keeps the author's older time).
	Time    time.Time `json:"time"`
	Subject string    `json:"subject"`
}

// Lookup reads commit h. An error wrapping plumbing.ErrObjectNotFound means
// the repository does not hold it: not fetched (a shallow clone), or on no
// branch any more.
func Lookup(repo *gogit.Repository, h plumbing.Hash) (Commit, error) {
	c, err := repo.CommitObject(h)
	if err != nil {
		return Commit{}, fmt.Errorf("read commit %s: %w", h, err)
	}
	return commitOf(c), nil
}

func commitOf(c *object.Commit) Commit {
	subject, _, _ := strings.Cut(c.Message, "\n")
	return Commit{SHA: c.Hash.String(), Author: c.Author.Name, Email: c.Author.Email,
		Time: c.Committer.When, Subject: strings.TrimSpace(subject)}
}

// Revision is the commit a source revision names ("main@sha1:<sha>",
// "sha1:<sha>", as fetches and tug apply record them); false when it names
// none (a chart version, a directory outside git).
func Revision(rev string) (plumbing.Hash, bool) {
	_, sha, ok := strings.Cut(rev, "sha1:")
	if !ok || !plumbing.IsHash(sha) {
		return plumbing.ZeroHash, false
	}
	return plumbing.NewHash(sha), true
}
