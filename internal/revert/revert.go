// Package revert undoes changes to one path of a git repository with new
// commits, never rewriting history: Commits finds the commits to undo,
// Revert reverts them one commit each, and Restore makes the path as it
// was at an earlier commit. It works with go-git on a checkout (tug needs
// no git binary), normally a throwaway clone that is pushed afterwards.
//
// History is followed by first parents, as `git log --first-parent`: a
// merge counts as one change, the difference from its first parent, and
// reverting it is `git revert -m 1`.
package revert

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/tugboat-gitops/tugboat/internal/history"
)

// Options say which path to change and as whom.
type Options struct {
	// Path is the part of the repository to change: a slash-separated
	// path relative to the root ("apps/web"); "." or "" is everything.
	Path string
	// Author is the author and committer of the new commits; a zero When
	// means the time of each commit.
	Author object.Signature
}

// Reverted is one commit undone, or for Restore the commit restored to.
type Reverted struct {
	// Commit is the SHA of the commit reverted or restored to.
	Commit string `json:"commit"`
	// Subject is its message's first line.
	Subject string `json:"subject"`
	// NewCommit is the SHA of the commit made; empty when nothing changed.
	NewCommit string `json:"newCommit,omitempty"`
	// Files are the files changed, slash paths from the root, sorted.
	Files []string `json:"files,omitempty"`
}

// ConflictError says that a commit cannot be reverted because files it
// changed have changed again since.
type ConflictError struct {
	// Commit is the SHA of the commit that could not be reverted.
	Commit  string
	Subject string
	// Files are the files that are no longer as Commit left them.
	Files []string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("revert %s %q: changed again since, so not reverted: %s", short(e.Commit), e.Subject, strings.Join(e.Files, ", "))
}

// Revert applies to the checkout at dir (the repository's root), newest
// first, the inverse of each commit's changes below opts.Path, and
// commits each revert with a message as git revert writes it. Changes
// outside the path are left alone, so a commit that also touched another
// app reverts only this one's files.
//
// A file is reverted only when it is exactly (content and mode) as the
// commit left it, counting the reverts before it; any other is a
// conflict. Every commit is checked before anything is written, so a
// conflict returns a *ConflictError naming all of that commit's
// conflicting files and leaves the checkout as it was. The check reads
// HEAD's tree, which is what the commits are made on: files below the
// path that differ in the work tree are overwritten.
//
// A commit that changed nothing below the path is skipped.
func Revert(dir string, opts Options, commits ...*object.Commit) ([]Reverted, error) {
	c, err := open(dir, &opts)
	if err != nil {
		return nil, err
	}
	plans, err := c.planReverts(commits, opts.Path)
	if err != nil {
		return nil, err
	}
	out := make([]Reverted, 0, len(plans))
	for _, p := range plans {
		sha, err := c.apply(p.changes, revertMessage(p.commit), opts.Author)
		if err != nil {
			return out, fmt.Errorf("revert %s: %w", short(p.commit.Hash.String()), err)
		}
		out = append(out, Reverted{Commit: p.commit.Hash.String(), Subject: subject(p.commit),
			NewCommit: sha, Files: paths(p.changes)})
	}
	return out, nil
}

// revertPlan is one commit's revert, checked and ready to write.
type revertPlan struct {
	commit  *object.Commit
	changes []change
}

// planReverts computes every revert against HEAD and the reverts before
// it, refusing at the first commit with a conflict.
func (c *checkout) planReverts(commits []*object.Commit, dir string) ([]revertPlan, error) {
	head, err := c.headFiles(dir)
	if err != nil {
		return nil, err
	}
	var plans []revertPlan
	for _, given := range commits {
		// The commit may come from another Repository value; read it here.
		commit, err := c.repo.CommitObject(given.Hash)
		if err != nil {
			return nil, fmt.Errorf("read commit %s: %w", given.Hash, err)
		}
		before, after, err := commitFiles(commit, dir)
		if err != nil {
			return nil, err
		}
		changes := diff(after, before)
		var conflicts []string
		for _, ch := range changes {
			if head[ch.path] != ch.from {
				conflicts = append(conflicts, ch.path)
			}
		}
		if len(conflicts) > 0 {
			return nil, &ConflictError{Commit: commit.Hash.String(), Subject: subject(commit), Files: conflicts}
		}
		if len(changes) == 0 {
			continue
		}
		for _, ch := range changes {
			setFile(head, ch.path, ch.to)
		}
		plans = append(plans, revertPlan{commit: commit, changes: changes})
	}
	return plans, nil
}

// commitFiles lists the files below dir in commit's first parent (none
// for a root commit) and in commit.
func commitFiles(commit *object.Commit, dir string) (before, after map[string]file, err error) {
	tree, err := commit.Tree()
	if err != nil {
		return nil, nil, fmt.Errorf("read the tree of %s: %w", commit.Hash, err)
	}
	if after, err = treeFiles(tree, dir); err != nil {
		return nil, nil, fmt.Errorf("commit %s: %w", commit.Hash, err)
	}
	parent, err := history.FirstParent(commit)
	if err != nil {
		return nil, nil, err
	}
	if parent == nil {
		return map[string]file{}, after, nil
	}
	ptree, err := parent.Tree()
	if err != nil {
		return nil, nil, fmt.Errorf("read the tree of %s: %w", parent.Hash, err)
	}
	if before, err = treeFiles(ptree, dir); err != nil {
		return nil, nil, fmt.Errorf("commit %s: %w", parent.Hash, err)
	}
	return before, after, nil
}

// revertMessage is git revert's message, with -m 1's wording for a merge.
func revertMessage(c *object.Commit) string {
	// Quoted as git quotes it: plainly, so a revert of a revert reads
	// Revert "Revert "x"".
	msg := fmt.Sprintf("Revert \"%s\"\n\nThis reverts commit %s", subject(c), c.Hash)
	if c.NumParents() > 1 {
		msg += fmt.Sprintf(", reversing\nchanges made to %s", c.ParentHashes[0])
	}
	return msg + ".\n"
}

// subject is the first line of a commit's message.
func subject(c *object.Commit) string {
	s, _, _ := strings.Cut(strings.TrimSpace(c.Message), "\n")
	return strings.TrimSpace(s)
}

// short abbreviates a SHA as tug prints it.
func short(sha string) string {
	return sha[:min(len(sha), 12)]
}

// checkout is an opened repository and its work tree.
type checkout struct {
	root string
	repo *gogit.Repository
	wt   *gogit.Worktree
}

// open checks opts, cleaning its path, and opens the repository at dir.
func open(dir string, opts *Options) (*checkout, error) {
	p, err := cleanPath(opts.Path)
	if err != nil {
		return nil, err
	}
	opts.Path = p
	if opts.Author.Name == "" || opts.Author.Email == "" {
		return nil, errors.New("the commit author needs a name and an email")
	}
	repo, err := gogit.PlainOpen(dir)
	if err != nil {
		return nil, fmt.Errorf("open the git repository %s: %w", dir, err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return nil, fmt.Errorf("open the work tree of %s: %w", dir, err)
	}
	return &checkout{root: dir, repo: repo, wt: wt}, nil
}

// cleanPath checks a path given relative to the root and cleans it; ""
// and "." mean the root.
func cleanPath(p string) (string, error) {
	if p == "" || p == "." {
		return ".", nil
	}
	if strings.HasPrefix(p, "/") || strings.Contains(p, "\\") {
		return "", fmt.Errorf("path %q: want a slash path relative to the repository root", p)
	}
	clean := path.Clean(p)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("path %q leaves the repository", p)
	}
	if clean != "." {
		if err := checkName(clean); err != nil {
			return "", err
		}
	}
	return clean, nil
}

// signature is the author stamped now unless a time was given.
func signature(a object.Signature) *object.Signature {
	if a.When.IsZero() {
		a.When = time.Now()
	}
	return &a
}
