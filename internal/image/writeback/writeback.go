// Package writeback commits a change to a git repository and pushes it,
// with go-git (no git binary) and the same authentication as fetching
// (package gittransport): HTTP with a password or token, SSH with a key
// checked against known_hosts.
//
// Commit clones the branch shallowly into a temporary directory, lets an
// Edit change the files, commits everything that changed and pushes. When
// someone else pushed in between, it starts over from the new remote head
// and runs the Edit again, a bounded number of times. The temporary
// checkout is always removed, so a refused push leaves nothing behind.
package writeback

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/tugboat-gitops/tugboat/internal/redact"
	"github.com/tugboat-gitops/tugboat/internal/source"
	"github.com/tugboat-gitops/tugboat/internal/source/gittransport"
)

// DefaultMaxAttempts is how many times Commit edits and pushes when the
// branch keeps moving and Options.MaxAttempts is zero.
const DefaultMaxAttempts = 4

// ErrConflict is wrapped by the error of a Commit whose every push was
// rejected because the branch had moved on the remote.
var ErrConflict = errors.New("the branch kept moving: every push was rejected as non-fast-forward")

// Options says where to commit and as whom.
type Options struct {
	// URL is the repository: http://, https://, ssh:// or scp-like. It
	// should hold no credentials; errors show it without them anyway.
	URL string
	// Credentials authenticate the clone and the push, which needs write
	// access.
	Credentials source.Credentials
	// Branch is the branch to start from: the application's branch.
	Branch string
	// PushBranch is the branch to push to; empty means Branch. Another
	// branch (a review branch) starts from where it is when it exists on
	// the remote, else from Branch.
	PushBranch string
	// Author is the author and committer of the commit.
	Author Signature
	// MaxAttempts bounds the edits and pushes made while the branch keeps
	// moving; zero means DefaultMaxAttempts.
	MaxAttempts int
	// WorkDir is where the temporary checkout is made; empty means
	// os.TempDir().
	WorkDir string
	// Depth is how many commits of history the clone has: 0 means 1 (the
	// tip, all an edit of files needs), a negative depth the full history
	// (for an edit that reads it, such as a revert).
	Depth int
}

// Signature names the author of a commit.
type Signature struct {
	Name  string
	Email string
}

// Edit changes the files of the checkout at dir, the repository's root,
// and returns the commit message, or "" when there is nothing to change.
// It may run more than once, each time on a fresh checkout, so it must
// derive its change from the files it finds.
//
// An edit may instead make commits of its own on the branch checked out
// (a revert commit per commit reverted) and return "": when the branch
// then has new commits on top of the one cloned and the work tree is
// clean, they are pushed as they are.
type Edit func(ctx context.Context, dir string) (message string, err error)

// Result says what Commit did.
type Result struct {
	// Commit is the SHA of the commit pushed; empty when nothing changed.
	Commit string
	// Branch is the branch pushed to (or that would have been).
	Branch string
	// Attempts counts the times the edit ran.
	Attempts int
	// Changed is true when a commit was pushed.
	Changed bool
}

// Commit clones opts.Branch (or an existing opts.PushBranch), runs edit,
// and when the files changed commits them all (additions, modifications
// and deletions) and pushes to the push branch, with any commits the edit
// made itself. It retries from the new
// remote head when the push is rejected as non-fast-forward, up to
// opts.MaxAttempts times (the error then wraps ErrConflict). Errors name
// the URL without credentials, hold no secret, and wrap
// source.ErrAuthFailed when the server refuses the credentials or the
// push (a missing credential counts as refused: writing always needs
// one), ErrHostKey or ErrNotFound when those are the cause.
func Commit(ctx context.Context, opts Options, edit Edit) (Result, error) {
	w, err := newWriter(opts, edit)
	if err != nil {
		return Result{Branch: cmp.Or(opts.PushBranch, opts.Branch)},
			fmt.Errorf("write back to %s (branch %s): %w", redact.Text(opts.URL), opts.Branch, err)
	}
	res, err := w.run(ctx)
	if err != nil {
		return res, fmt.Errorf("write back to %s (branch %s): %w", w.ep.URL, w.pushBranch, err)
	}
	return res, nil
}

// writer is one Commit: the checked options and the prepared auth.
type writer struct {
	opts       Options
	edit       Edit
	ep         gittransport.Endpoint
	auth       *gittransport.Auth
	pushBranch string
	secrets    []string
}

func newWriter(opts Options, edit Edit) (*writer, error) {
	if err := validate(opts, edit); err != nil {
		return nil, err
	}
	ep, err := gittransport.ParseEndpoint(opts.URL)
	if err != nil {
		return nil, err
	}
	w := &writer{opts: opts, edit: edit, ep: ep, pushBranch: cmp.Or(opts.PushBranch, opts.Branch),
		secrets: append(opts.Credentials.Secrets(), ep.Secrets()...)}
	w.opts.MaxAttempts = cmp.Or(opts.MaxAttempts, DefaultMaxAttempts)
	if w.auth, err = gittransport.NewAuth(ep, opts.Credentials); err != nil {
		return nil, source.RedactError(authFailed(err), w.secrets...)
	}
	return w, nil
}

func validate(opts Options, edit Edit) error {
	if edit == nil {
		return errors.New("no edit given")
	}
	if opts.Author.Name == "" || opts.Author.Email == "" {
		return errors.New("the commit author needs a name and an email")
	}
	if opts.MaxAttempts < 0 {
		return fmt.Errorf("max attempts %d is negative", opts.MaxAttempts)
	}
	if opts.Branch == "" {
		return errors.New("no branch given")
	}
	for _, b := range []string{opts.Branch, opts.PushBranch} {
		if b == "" {
			continue // PushBranch defaults to Branch
		}
		if err := plumbing.NewBranchReferenceName(b).Validate(); err != nil {
			return fmt.Errorf("invalid branch name %q", b)
		}
	}
	return nil
}

// run makes the attempts in a temporary directory that it removes.
func (w *writer) run(ctx context.Context) (Result, error) {
	tmp, err := os.MkdirTemp(w.opts.WorkDir, "tugboat-writeback-")
	if err != nil {
		return Result{Branch: w.pushBranch}, fmt.Errorf("create a temporary checkout: %w", err)
	}
	defer os.RemoveAll(tmp)
	for n := 1; n <= w.opts.MaxAttempts; n++ {
		res, err := w.attempt(ctx, tmp, n)
		res.Branch, res.Attempts = w.pushBranch, n
		if !errors.Is(err, errMoved) {
			return res, err
		}
	}
	return Result{Branch: w.pushBranch, Attempts: w.opts.MaxAttempts},
		fmt.Errorf("gave up after %d attempts: %w", w.opts.MaxAttempts, ErrConflict)
}
