package cli

import (
	"bytes"
	"maps"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/tugboat-gitops/tugboat/internal/revert"
)

// TestRollbackFlags refuses flags that do not go together, and apps tug
// cannot roll back, before any network access.
func TestRollbackFlags(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, webFiles)
	tugboat := filepath.Join(dir, "tugboat.yaml")
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no app", nil, "give the app to roll back"},
		{"APP and --app differ", []string{"web", "--app", "api"}, "APP web and --app api differ"},
		{"two kinds of app", []string{"web", "--application", "web"}, "not both"},
		{"application and repo", []string{"--application", "web", "--repo", "https://git.example/env.git"}, "--repo goes without it"},
		{"application and apply", []string{"--application", "web", "--apply"}, "the controller applies"},
		{"repo and apply", []string{"web", "--repo", "https://git.example/env.git", "--apply"}, "it goes without --repo"},
		{"local branch", []string{"web", "--branch", "main"}, "--branch goes with --repo or --application"},
		{"restore without to", []string{"web", "--restore"}, "--restore needs --to REV"},
		{"revert and to", []string{"web", "--revert", "abc123", "--to", "v1"}, "--revert REV reverts one commit"},
		{"wait without apply", []string{"web", "--wait"}, "--wait goes with --apply"},
		{"two apps", []string{"web", "api"}, "accepts at most 1 arg"},
		{"outside git", []string{"web", "-f", tugboat}, "is in no git repository: give --repo URL"},
		{"unknown app", []string{"nosuch", "-f", tugboat}, `no app "nosuch"`},
		{"apps file outside the repository", []string{"web", "--repo", "https://git.example/env.git", "-f", "../tugboat.yaml"}, "want a path inside the repository"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("TUGBOAT_GIT_USERNAME", "")
			_, stderr, code := run(t, append([]string{"rollback"}, tt.args...)...)
			if code != ExitFailure || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, ExitFailure, tt.wantErr)
			}
		})
	}
}

// refs is a remote's advertisement: HEAD on main, a branch, a light and
// an annotated tag, and a branch and a tag of the same name.
var refs = []*plumbing.Reference{
	plumbing.NewSymbolicReference(plumbing.HEAD, "refs/heads/main"),
	plumbing.NewHashReference("refs/heads/main", plumbing.NewHash("1111111111111111111111111111111111111111")),
	plumbing.NewHashReference("refs/heads/release", plumbing.NewHash("2222222222222222222222222222222222222222")),
	plumbing.NewHashReference("refs/tags/v1", plumbing.NewHash("3333333333333333333333333333333333333333")),
	plumbing.NewHashReference("refs/tags/v2", plumbing.NewHash("4444444444444444444444444444444444444444")),
	plumbing.NewHashReference("refs/tags/v2^{}", plumbing.NewHash("5555555555555555555555555555555555555555")),
	plumbing.NewHashReference("refs/heads/both", plumbing.NewHash("6666666666666666666666666666666666666666")),
	plumbing.NewHashReference("refs/tags/both", plumbing.NewHash("7777777777777777777777777777777777777777")),
}

// TestRemoteRevisions maps tags, peeled, and other branches to commits,
// leaving the branch rolled back to the clone.
func TestRemoteRevisions(t *testing.T) {
	got := remoteRevisions(refs, "main")
	want := map[string]string{
		"release": strings.Repeat("2", 40),
		"v1":      strings.Repeat("3", 40),
		"v2":      strings.Repeat("5", 40),
		"both":    strings.Repeat("7", 40),
	}
	if !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestRefBranch finds the branch an app's ref names, refusing refs that
// are no branch.
func TestRefBranch(t *testing.T) {
	tests := []struct {
		ref     string
		want    string
		wantErr string
	}{
		{ref: "", want: "main"},
		{ref: "HEAD", want: "main"},
		{ref: "release", want: "release"},
		{ref: "branch:review", want: "review"},
		{ref: "v1", wantErr: "ref v1 is no branch of"},
		{ref: "tag:v1", wantErr: "ref tag:v1 is not a branch"},
		{ref: "semver:^1", wantErr: "ref semver:^1 is not a branch"},
		{ref: strings.Repeat("a", 40), wantErr: "is not a branch"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			got, err := refBranch("https://git.example/env.git", tt.ref, refs)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %q, %v; want an error mentioning %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestRollbackResultText prints each kind of outcome.
func TestRollbackResultText(t *testing.T) {
	sha := func(c string) string { return strings.Repeat(c, 40) }
	tests := []struct {
		name string
		res  rollbackResult
		want string
	}{
		{
			name: "reverts pushed",
			res: rollbackResult{Path: "apps/web", Repository: "https://git.example/env.git", Branch: "main", Pushed: true, Commit: sha("c"), Attempts: 2,
				Reverted: []revert.Reverted{{Commit: sha("a"), Subject: "web 2", NewCommit: sha("c"), Files: []string{"apps/web/a.yaml"}}},
				Local:    "the local main is now at cccccccccccc"},
			want: `reverted aaaaaaaaaaaa "web 2" with cccccccccccc (apps/web/a.yaml)
pushed cccccccccccc to main of https://git.example/env.git (attempt 2: the branch had moved)
the local main is now at cccccccccccc
`,
		},
		{
			name: "restored, pull mode",
			res: rollbackResult{Application: "apps/web", Path: "apps/web", Repository: "r", Branch: "main", Pushed: true, Commit: sha("c"),
				Restored: &revert.Reverted{Commit: sha("a"), Subject: "web 2", NewCommit: sha("c"), Files: []string{"apps/web/a.yaml", "apps/web/b.yaml"}}},
			want: `restored apps/web to aaaaaaaaaaaa "web 2" with cccccccccccc (apps/web/a.yaml, apps/web/b.yaml)
pushed cccccccccccc to main of r
the controller deploys it at its next check of Application apps/web (tug sync web -n apps checks now)
`,
		},
		{
			name: "already restored",
			res:  rollbackResult{Path: "apps/web", Restored: &revert.Reverted{Commit: sha("a")}},
			want: "apps/web is already as at aaaaaaaaaaaa: nothing to roll back\n",
		},
		{
			name: "nothing since",
			res:  rollbackResult{Path: "apps/web"},
			want: "no commit touched apps/web since the revision given: nothing to roll back\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.res.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", b.String(), tt.want)
			}
		})
	}
}
