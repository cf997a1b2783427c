package writeback

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestCommit pushes one commit over each transport: the image bumped, a
// file added and one deleted, with the given author and message.
func TestCommit(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		opts func(repo string) Options
	}{
		{"http password", f.options},
		{"http token", func(repo string) Options {
			o := f.options(repo)
			o.Credentials.Username, o.Credentials.Password, o.Credentials.Token = "", "", f.g.Token
			return o
		}},
		{"ssh", func(repo string) Options {
			o := f.options(repo)
			o.URL, o.Credentials = f.g.SSHURL(repo), f.sshCreds(t)
			return o
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := "app" + string(rune('a'+i))
			f.newRepo(t, repo)
			before := f.head(t, repo, "main")
			edit := func(ctx context.Context, dir string) (string, error) {
				if err := os.Remove(filepath.Join(dir, "README.md")); err != nil {
					return "", err
				}
				if err := os.WriteFile(filepath.Join(dir, "app", "new.yaml"), []byte("new\n"), 0o644); err != nil {
					return "", err
				}
				return setImage("1.1.0")(ctx, dir)
			}
			res, err := f.commit(t, tt.opts(repo), edit)
			if err != nil {
				t.Fatal(err)
			}
			after := f.head(t, repo, "main")
			if want := (Result{Commit: after, Branch: "main", Attempts: 1, Changed: true}); res != want {
				t.Errorf("got %+v, want %+v", res, want)
			}
			if parent := f.git(t, repo, "rev-parse", "main^"); parent != before {
				t.Errorf("the new commit's parent is %s, want the previous head %s", parent, before)
			}
			if got, want := f.git(t, repo, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%B", "main"),
				"Tugboat Bot <bot@tugboat.invalid>|Tugboat Bot <bot@tugboat.invalid>|app: app 1.0.0 -> 1.1.0"; got != want {
				t.Errorf("commit = %q, want %q", got, want)
			}
			if got := f.git(t, repo, "ls-tree", "-r", "--name-only", "main"); got != "app/deploy.yaml\napp/new.yaml" {
				t.Errorf("files = %q, want the deployment and the new file only", got)
			}
			if got := f.git(t, repo, "show", "main:app/deploy.yaml"); got != "image: app:1.1.0" {
				t.Errorf("deploy.yaml = %q", got)
			}
			f.checkWorkDirEmpty(t)
		})
	}
}

// TestCommitNoChange makes no commit when the edit says so or changed
// nothing.
func TestCommitNoChange(t *testing.T) {
	f := newFixture(t)
	f.newRepo(t, "app")
	before := f.head(t, "app", "main")
	tests := []struct {
		name string
		edit Edit
	}{
		{"no message", func(context.Context, string) (string, error) { return "", nil }},
		{"changed but no message", func(ctx context.Context, dir string) (string, error) {
			_, err := setImage("1.1.0")(ctx, dir)
			return "", err
		}},
		{"same content", setImage("1.0.0")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := f.commit(t, f.options("app"), tt.edit)
			if err != nil {
				t.Fatal(err)
			}
			if want := (Result{Branch: "main", Attempts: 1}); res != want {
				t.Errorf("got %+v, want %+v", res, want)
			}
			if after := f.head(t, "app", "main"); after != before {
				t.Errorf("main moved from %s to %s", before, after)
			}
			f.checkWorkDirEmpty(t)
		})
	}
}

// TestCommitPushBranch pushes to a review branch, first created from main
// and then updated from where it is.
func TestCommitPushBranch(t *testing.T) {
	f := newFixture(t)
	f.newRepo(t, "app")
	main := f.head(t, "app", "main")
	opts := f.options("app")
	opts.PushBranch = "tugboat/image-update"

	first, err := f.commit(t, opts, setImage("1.1.0"))
	if err != nil {
		t.Fatal(err)
	}
	if first.Branch != opts.PushBranch || !first.Changed || first.Commit != f.head(t, "app", opts.PushBranch) {
		t.Fatalf("got %+v, want a commit at the head of %s", first, opts.PushBranch)
	}
	if parent := f.git(t, "app", "rev-parse", first.Commit+"^"); parent != main {
		t.Errorf("the review branch starts at %s, want main's %s", parent, main)
	}

	var seen string
	readThenSet := func(ctx context.Context, dir string) (string, error) {
		b, err := os.ReadFile(filepath.Join(dir, "app", "deploy.yaml"))
		seen = string(b)
		if err != nil {
			return "", err
		}
		return setImage("1.2.0")(ctx, dir)
	}
	second, err := f.commit(t, opts, readThenSet)
	if err != nil {
		t.Fatal(err)
	}
	if seen != "image: app:1.1.0\n" {
		t.Errorf("the second run saw %q, want the review branch's content", seen)
	}
	if parent := f.git(t, "app", "rev-parse", second.Commit+"^"); parent != first.Commit {
		t.Errorf("the second commit's parent is %s, want the first %s", parent, first.Commit)
	}
	if got := f.head(t, "app", "main"); got != main {
		t.Errorf("main moved from %s to %s", main, got)
	}
	f.checkWorkDirEmpty(t)
}
