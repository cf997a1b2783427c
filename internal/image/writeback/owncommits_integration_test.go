package writeback

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// commitIn is an edit's own commit: it writes rel in the checkout at dir
// and commits it with msg.
func commitIn(dir, rel, content, msg string) error {
	repo, err := gogit.PlainOpen(dir)
	if err != nil {
		return err
	}
	wt, err := repo.Worktree()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(rel)), []byte(content), 0o644); err != nil {
		return err
	}
	if _, err := wt.Add(rel); err != nil {
		return err
	}
	sig := &object.Signature{Name: author.Name, Email: author.Email, When: time.Now()}
	_, err = wt.Commit(msg, &gogit.CommitOptions{Author: sig, Committer: sig})
	return err
}

// historyLen counts the commits of HEAD's history the checkout at dir
// holds.
func historyLen(dir string) (int, error) {
	repo, err := gogit.PlainOpen(dir)
	if err != nil {
		return 0, err
	}
	head, err := repo.Head()
	if err != nil {
		return 0, err
	}
	commits, err := repo.Log(&gogit.LogOptions{From: head.Hash()})
	if err != nil {
		return 0, err
	}
	n := 0
	err = commits.ForEach(func(*object.Commit) error { n++; return nil })
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		// A shallow clone's history ends at a parent it lacks.
		err = nil
	}
	return n, err
}

// TestCommitOwnCommits pushes the commits an edit made itself, as they
// are, from a shallow clone and from a full one, and redoes them on a
// fresh clone when the branch moved.
func TestCommitOwnCommits(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name        string
		depth       int
		concurrent  bool
		wantHistory int // commits in the clone before the edit
		wantLog     string
	}{
		{name: "shallow", wantHistory: 1, wantLog: "second\nfirst\nconcurrent earlier.txt\nImport "},
		{name: "full history", depth: -1, wantHistory: 2, wantLog: "second\nfirst\nconcurrent earlier.txt\nImport "},
		{name: "the branch moved", depth: -1, concurrent: true, wantHistory: 2,
			wantLog: "second\nfirst\nconcurrent other.txt\nconcurrent earlier.txt\nImport "},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := fmt.Sprintf("own%d", i)
			f.newRepo(t, repo)
			f.pushConcurrent(t, repo, "earlier.txt")
			calls := 0
			edit := func(_ context.Context, dir string) (string, error) {
				calls++
				if n, err := historyLen(dir); err != nil || n != tt.wantHistory+calls-1 {
					return "", fmt.Errorf("the clone holds %d commits (%v), want %d", n, err, tt.wantHistory+calls-1)
				}
				if tt.concurrent && calls == 1 {
					f.pushConcurrent(t, repo, "other.txt")
				}
				if err := commitIn(dir, "app/deploy.yaml", "image: app:1.1.0\n", "first"); err != nil {
					return "", err
				}
				return "", commitIn(dir, "README.md", "second\n", "second")
			}
			opts := f.options(repo)
			opts.Depth = tt.depth
			res, err := f.commit(t, opts, edit)
			if err != nil {
				t.Fatal(err)
			}
			wantAttempts := 1
			if tt.concurrent {
				wantAttempts = 2
			}
			if !res.Changed || res.Attempts != wantAttempts || res.Commit != f.head(t, repo, "main") {
				t.Errorf("got %+v, want the server's main %s after %d attempts", res, f.head(t, repo, "main"), wantAttempts)
			}
			if got := f.git(t, repo, "log", "--format=%s", "main"); !strings.HasPrefix(got, tt.wantLog) {
				t.Errorf("history of main:\n%s\nwant:\n%s", got, tt.wantLog)
			}
			f.checkWorkDirEmpty(t)
		})
	}
}

// TestCommitOwnCommitsRefused pushes nothing when an edit's commits would
// lose changes or rewrite history, and commits what is left when the edit
// gives a message for it.
func TestCommitOwnCommitsRefused(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name    string
		edit    Edit
		wantErr string
		wantLog string
	}{
		{
			name: "changes left without a message",
			edit: func(_ context.Context, dir string) (string, error) {
				if err := commitIn(dir, "README.md", "mine\n", "mine"); err != nil {
					return "", err
				}
				return "", os.WriteFile(filepath.Join(dir, "left.txt"), []byte("left\n"), 0o644)
			},
			wantErr: "left changes uncommitted",
		},
		{
			name: "a history of its own",
			edit: func(_ context.Context, dir string) (string, error) {
				repo, err := gogit.PlainOpen(dir)
				if err != nil {
					return "", err
				}
				head, err := repo.Head()
				if err != nil {
					return "", err
				}
				tip, err := repo.CommitObject(head.Hash())
				if err != nil {
					return "", err
				}
				// A root commit with the same tree: not on top of the clone.
				sig := object.Signature{Name: author.Name, Email: author.Email, When: time.Now()}
				orphan := &object.Commit{Author: sig, Committer: sig, Message: "orphan", TreeHash: tip.TreeHash}
				obj := repo.Storer.NewEncodedObject()
				if err := orphan.Encode(obj); err != nil {
					return "", err
				}
				h, err := repo.Storer.SetEncodedObject(obj)
				if err != nil {
					return "", err
				}
				return "", repo.Storer.SetReference(plumbing.NewHashReference(head.Name(), h))
			},
			wantErr: "does not descend from the cloned",
		},
		{
			name: "changes left with a message",
			edit: func(_ context.Context, dir string) (string, error) {
				if err := commitIn(dir, "README.md", "mine\n", "mine"); err != nil {
					return "", err
				}
				return "the rest", os.WriteFile(filepath.Join(dir, "left.txt"), []byte("left\n"), 0o644)
			},
			wantLog: "the rest\nmine\nImport ",
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := fmt.Sprintf("refused%d", i)
			f.newRepo(t, repo)
			before := f.head(t, repo, "main")
			res, err := f.commit(t, f.options(repo), tt.edit)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %+v, %v; want an error mentioning %q", res, err, tt.wantErr)
				}
				if after := f.head(t, repo, "main"); after != before || res.Changed {
					t.Errorf("main moved to %s (%+v)", after, res)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := f.git(t, repo, "log", "--format=%s", "main"); !strings.HasPrefix(got, tt.wantLog) {
				t.Errorf("history of main:\n%s\nwant:\n%s", got, tt.wantLog)
			}
		})
	}
}
