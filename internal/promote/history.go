package promote

import (
	"fmt"
	"path"
	"strings"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/tugboat-gitops/tugboat/internal/history"
)

// maxCommitsBehind bounds the history Behind reads.
const maxCommitsBehind = 1000

// Behind says whether an app that runs commit live in its cluster runs
// what head holds for it: nil when live is head, or when every commit
// from live to head (first parents) changed only files below others, the
// directories of the other apps (a promotion commit to production, an
// image bump of another app). Anything else, a base the app's overlay
// reads included, may change the app, and the error names the first such
// commit and file.
func Behind(repo *gogit.Repository, live, head plumbing.Hash, others []string) error {
	c, err := repo.CommitObject(head)
	if err != nil {
		return fmt.Errorf("commit %s: %w", head, err)
	}
	for i := 0; c.Hash != live; i++ {
		parent, err := history.FirstParent(c)
		if err != nil {
			return err
		}
		if i == maxCommitsBehind || parent == nil {
			return fmt.Errorf("commit %s is not on the first-parent history of %s (%d commits read)", live, head, i+1)
		}
		if file, err := outside(c, parent, others); err != nil || file != "" {
			if err == nil {
				err = fmt.Errorf("commit %s (%q) changes %s since", c.Hash.String()[:12], subject(c), file)
			}
			return err
		}
		c = parent
	}
	return nil
}

// outside is the first file c changed that is not below one of dirs.
func outside(c, parent *object.Commit, dirs []string) (string, error) {
	from, err := parent.Tree()
	if err != nil {
		return "", err
	}
	to, err := c.Tree()
	if err != nil {
		return "", err
	}
	changes, err := object.DiffTree(from, to)
	if err != nil {
		return "", fmt.Errorf("diff of %s: %w", c.Hash, err)
	}
	for _, ch := range changes {
		for _, name := range []string{ch.From.Name, ch.To.Name} {
			if name != "" && !below(name, dirs) {
				return name, nil
			}
		}
	}
	return "", nil
}

func below(name string, dirs []string) bool {
	for _, d := range dirs {
		d = path.Clean(d)
		if d != "." && strings.HasPrefix(name, d+"/") {
			return true
		}
	}
	return false
}

func subject(c *object.Commit) string {
	s, _, _ := strings.Cut(c.Message, "\n")
	return s
}
