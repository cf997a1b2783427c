package writeback

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestCommitConcurrent moves the branch between the clone and the push:
// the first push is rejected, the edit runs again on the new head and the
// second push lands on top of the other commit.
func TestCommitConcurrent(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name       string
		pushBranch string
	}{
		{"branch", ""},
		// The review branch does not exist at the first clone; the
		// concurrent commit is on main, which the push does not touch,
		// so it succeeds at once.
		{"new review branch", "review"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := fmt.Sprintf("app%d", i)
			f.newRepo(t, repo)
			calls := 0
			edit := func(ctx context.Context, dir string) (string, error) {
				calls++
				if calls == 1 {
					f.pushConcurrent(t, repo, "other.txt")
				}
				return setImage("1.1.0")(ctx, dir)
			}
			opts := f.options(repo)
			opts.PushBranch = tt.pushBranch
			res, err := f.commit(t, opts, edit)
			if err != nil {
				t.Fatal(err)
			}
			wantAttempts := 2
			if tt.pushBranch != "" {
				wantAttempts = 1
			}
			if res.Attempts != wantAttempts || calls != wantAttempts || !res.Changed {
				t.Fatalf("got %+v after %d edits, want %d attempts and a commit", res, calls, wantAttempts)
			}
			if res.Commit != f.head(t, repo, res.Branch) {
				t.Errorf("%s is not at the result's commit %s", res.Branch, res.Commit)
			}
			if tt.pushBranch == "" {
				if got := f.git(t, repo, "log", "--format=%s", "main"); !strings.HasPrefix(got, "app: app 1.0.0 -> 1.1.0\nconcurrent other.txt\nImport ") {
					t.Errorf("history of main:\n%s\nwant ours on top of the concurrent commit", got)
				}
				if got := f.git(t, repo, "show", "main:other.txt"); got != "concurrent" {
					t.Errorf("other.txt = %q, want the concurrent commit's", got)
				}
			}
			f.checkWorkDirEmpty(t)
		})
	}
}

// TestCommitMaxAttempts gives up when the branch moves before every push.
func TestCommitMaxAttempts(t *testing.T) {
	f := newFixture(t)
	f.newRepo(t, "app")
	calls := 0
	edit := func(ctx context.Context, dir string) (string, error) {
		calls++
		f.pushConcurrent(t, "app", fmt.Sprintf("other-%d.txt", calls))
		return setImage("1.1.0")(ctx, dir)
	}
	opts := f.options("app")
	opts.MaxAttempts = 2
	res, err := f.commit(t, opts, edit)
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "after 2 attempts") {
		t.Fatalf("got %v, want ErrConflict after 2 attempts", err)
	}
	if !strings.Contains(err.Error(), "write back to "+f.g.HTTPURL("app")+" (branch main)") {
		t.Errorf("error %q does not name the repository and branch", err)
	}
	if calls != 2 || res.Attempts != 2 || res.Changed {
		t.Errorf("got %+v after %d edits, want 2 attempts and no commit", res, calls)
	}
	if got := f.git(t, "app", "log", "-1", "--format=%s", "main"); got != "concurrent other-2.txt" {
		t.Errorf("main's head is %q, want the last concurrent commit", got)
	}
	f.checkWorkDirEmpty(t)
}
