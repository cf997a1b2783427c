package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/spf13/cobra"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/image/setter"
)

const testDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestParseImageArgs(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    map[string]setter.Image
		wantErr string
	}{
		{name: "tag", args: []string{"ghcr.io/org/app=1.2.0"},
			want: map[string]setter.Image{"ghcr.io/org/app": {Repository: "ghcr.io/org/app", Tag: "1.2.0"}}},
		{name: "tag and digest", args: []string{"127.0.0.1:5000/team/app=v2@" + testDigest},
			want: map[string]setter.Image{"127.0.0.1:5000/team/app": {Repository: "127.0.0.1:5000/team/app", Tag: "v2", Digest: testDigest}}},
		{name: "digest alone", args: []string{"nginx@" + testDigest},
			want: map[string]setter.Image{"nginx": {Repository: "nginx", Digest: testDigest}}},
		{name: "several, one repeated alike", args: []string{"a/b=1", "c/d=2", "a/b=1"},
			want: map[string]setter.Image{"a/b": {Repository: "a/b", Tag: "1"}, "c/d": {Repository: "c/d", Tag: "2"}}},
		{name: "none", args: nil, wantErr: "give at least one IMAGE=TAG"},
		{name: "colon form", args: []string{"ghcr.io/org/app:1.2.0"}, wantErr: "want IMAGE=TAG"},
		{name: "empty tag", args: []string{"ghcr.io/org/app="}, wantErr: "no tag after '='"},
		{name: "empty tag with digest", args: []string{"ghcr.io/org/app=@" + testDigest}, wantErr: "a digest alone is IMAGE@DIGEST"},
		{name: "bad tag", args: []string{"a/b=1 2"}, wantErr: `tag "1 2"`},
		{name: "tag in the repository", args: []string{"a/b:1=2"}, wantErr: `image "a/b:1": not an image repository`},
		{name: "upper case repository", args: []string{"a/App=1"}, wantErr: "not an image repository"},
		{name: "empty repository", args: []string{"=1"}, wantErr: "not an image repository"},
		{name: "bad digest", args: []string{"a/b@sha256:abc"}, wantErr: `digest "sha256:abc"`},
		{name: "conflict", args: []string{"a/b=1", "a/b=2"}, wantErr: "a/b is given twice, as a/b:1 and a/b:2"},
		{name: "credentials", args: []string{"user:s3cret@ghcr.io/org/app=1"}, wantErr: "credentials do not belong"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseImageArgs(tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, %v; want an error with %q", got, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("error %q holds the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s: got %+v, want %+v", k, got[k], v)
				}
			}
		})
	}
}

func TestSplitSetArgs(t *testing.T) {
	tests := []struct {
		args     []string
		wantPath string
		wantN    int
	}{
		{[]string{"apps/web", "a/b=1"}, "apps/web", 1},
		{[]string{"a/b=1", "c/d=2"}, "", 2},
		{[]string{"a/b@" + testDigest}, "", 1},
		{[]string{"."}, ".", 0},
	}
	for _, tt := range tests {
		path, images := splitSetArgs(tt.args)
		if path != tt.wantPath || len(images) != tt.wantN {
			t.Errorf("splitSetArgs(%q) = %q, %q; want %q and %d images", tt.args, path, images, tt.wantPath, tt.wantN)
		}
	}
}

// TestPolicyFlags builds specs from latest's flags, without a registry.
func TestPolicyFlags(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantRepo string
		check    func(v1alpha1.ImagePolicySpec) bool
		wantErr  string
	}{
		{name: "semver", args: []string{"reg/app", "--semver", "^1.2", "--prereleases"}, wantRepo: "reg/app",
			check: func(s v1alpha1.ImagePolicySpec) bool {
				return s.Policy.Semver.Range == "^1.2" && s.Policy.Semver.Prereleases
			}},
		{name: "bare alphabetical is asc", args: []string{"reg/app", "--alphabetical"}, wantRepo: "reg/app",
			check: func(s v1alpha1.ImagePolicySpec) bool { return s.Policy.Alphabetical.Order == "asc" }},
		{name: "order after the flag", args: []string{"--numerical", "desc", "reg/app"}, wantRepo: "reg/app",
			check: func(s v1alpha1.ImagePolicySpec) bool { return s.Policy.Numerical.Order == "desc" }},
		{name: "order after the repository", args: []string{"reg/app", "--numerical", "desc"}, wantRepo: "reg/app",
			check: func(s v1alpha1.ImagePolicySpec) bool { return s.Policy.Numerical.Order == "desc" }},
		{name: "order with =", args: []string{"reg/app", "--alphabetical=desc"}, wantRepo: "reg/app",
			check: func(s v1alpha1.ImagePolicySpec) bool { return s.Policy.Alphabetical.Order == "desc" }},
		{name: "filter and extract", args: []string{"reg/app", "--numerical", "--filter", `^main-(?P<ts>[0-9]+)$`, "--extract", "$ts"}, wantRepo: "reg/app",
			check: func(s v1alpha1.ImagePolicySpec) bool {
				return s.FilterTags.Pattern != "" && s.FilterTags.Extract == "$ts"
			}},
		{name: "digest", args: []string{"reg/app", "--digest", "stable"}, wantRepo: "reg/app",
			check: func(s v1alpha1.ImagePolicySpec) bool { return s.Policy.Digest.Tag == "stable" }},
		{name: "no policy", args: []string{"reg/app"}, wantErr: "give exactly one of --semver, --alphabetical, --numerical, --digest (0 given)"},
		{name: "two policies", args: []string{"reg/app", "--semver", "^1", "--digest", "stable"}, wantErr: "(2 given)"},
		{name: "bad range", args: []string{"reg/app", "--semver", "^^1"}, wantErr: `--semver "^^1"`},
		{name: "bad order", args: []string{"reg/app", "--alphabetical=up"}, wantErr: `--alphabetical "up": want asc or desc`},
		{name: "bad pattern", args: []string{"reg/app", "--numerical", "--filter", "("}, wantErr: "--filter: error parsing regexp"},
		{name: "extract without filter", args: []string{"reg/app", "--numerical", "--extract", "$ts"}, wantErr: "--extract: requires --filter"},
		{name: "extract of a missing capture", args: []string{"reg/app", "--numerical", "--filter", "^(a)$", "--extract", "$ts"}, wantErr: `--filter has no capture "ts"`},
		{name: "bad digest tag", args: []string{"reg/app", "--digest", "a b"}, wantErr: `--digest "a b"`},
		{name: "prereleases alone", args: []string{"reg/app", "--prereleases", "--numerical"}, wantErr: "--prereleases goes with --semver"},
		{name: "repository with a tag", args: []string{"reg/app:1", "--semver", "^1"}, wantErr: `REPOSITORY "reg/app:1": want a repository without tag`},
		{name: "two repositories", args: []string{"reg/app", "reg/other", "--semver", "^1"}, wantErr: "want one REPOSITORY, got 2"},
		{name: "no repository", args: []string{"--semver", "^1"}, wantErr: "want one REPOSITORY, got 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &policyFlags{}
			cmd := &cobra.Command{}
			p.addFlags(cmd)
			if err := cmd.ParseFlags(tt.args); err != nil {
				t.Fatal(err)
			}
			repo, err := p.latestArgs(cmd, cmd.Flags().Args())
			var spec v1alpha1.ImagePolicySpec
			if err == nil {
				spec, err = p.spec(repo)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v; want an error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if repo != tt.wantRepo || !tt.check(spec) {
				t.Errorf("got %s %+v", repo, spec)
			}
		})
	}
}

// TestImageFlagErrors: flags that do not go together fail before any
// file is read.
func TestImageFlagErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"repo without push", []string{"image", "set", "--repo", "https://git.example.com/env.git", "a/b=1"}, "--repo goes with --push"},
		{"branch without repo", []string{"image", "set", "--branch", "main", "--push", "a/b=1"}, "--branch goes with --repo"},
		{"path and app", []string{"image", "set", "apps/web", "--app", "web", "a/b=1"}, "give a PATH or --app, not both"},
		{"bad message", []string{"image", "set", "--message", "{{.Lines", "a/b=1"}, "--message: "},
		{"no image", []string{"image", "set", "apps/web"}, "give at least one IMAGE=TAG"},
		{"missing PATH", []string{"image", "set", "nosuch/dir", "a/b=1"}, "PATH nosuch/dir: not a directory"},
		{"update takes no args", []string{"image", "update", "web"}, `unknown command "web"`},
		{"latest without policy", []string{"image", "latest", "reg/app"}, "give exactly one of"},
		{"commit outside git", []string{"image", "set", "--commit", t.TempDir(), "a/b=1"}, "need a git repository"},
		{"missing registry config", []string{"image", "latest", "reg/app", "--semver", "^1", "--registry-config", filepath.Join(t.TempDir(), "none.json")}, "registry credentials: open"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := run(t, tt.args...)
			if code != ExitFailure || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, ExitFailure, tt.wantErr)
			}
		})
	}
}

// webFiles is an app web whose deployment marks its image, and an app
// api that is left alone.
var webFiles = map[string]string{
	"tugboat.yaml":         "apiVersion: tugboat.dev/v1alpha1\nkind: Repository\napps:\n  - name: web\n    path: apps/web\n  - name: api\n    path: apps/api\n",
	"apps/web/deploy.yaml": "spec:\n  containers:\n    - name: web\n      image: reg/web:1.0.0 # {\"tugboat\": \"web\"}\n",
	"apps/api/deploy.yaml": "image: reg/api:1.0.0 # {\"tugboat\": \"api\"}\n",
}

// TestImageSetDir sets images in a directory outside git.
func TestImageSetDir(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, webFiles)
	tugboat := filepath.Join(dir, "tugboat.yaml")
	checkRun(t, []string{"image", "set", filepath.Join(dir, "apps"), "reg/web=1.1.0", "reg/api=2.0.0"}, ExitOK, "",
		[]string{"web/deploy.yaml:4: apps: reg/web 1.0.0 -> 1.1.0", "api/deploy.yaml:1: apps: reg/api 1.0.0 -> 2.0.0"})
	checkRun(t, []string{"image", "set", "--app", "web", "-f", tugboat, "reg/web=1.2.0"}, ExitOK, "",
		[]string{"apps/web/deploy.yaml:4: web: reg/web 1.1.0 -> 1.2.0"})
	checkRun(t, []string{"image", "set", "--app", "web", "-f", tugboat, "reg/web=1.2.0"}, ExitOK, "", []string{"nothing to change"})
	out := checkRun(t, []string{"image", "set", "--app", "web", "-f", tugboat, "reg/web@" + testDigest, "-o", "json"}, ExitOK, "", nil)
	var res imageResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 1 || res.Changes[0].New != "reg/web@"+testDigest || res.Changes[0].Old != "reg/web:1.2.0" || res.Changes[0].Line != 4 {
		t.Errorf("json output %s", out)
	}
	checkRun(t, []string{"image", "set", "--app", "nosuch", "-f", tugboat, "reg/web=1"}, ExitFailure, `no app "nosuch"`, nil)
}

// TestImageSetCommit commits in a local repository, and refuses to when
// the commit would take in changes of the user's.
func TestImageSetCommit(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, webFiles)
	repo, err := gogit.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	if err := wt.AddWithOptions(&gogit.AddOptions{All: true}); err != nil {
		t.Fatal(err)
	}
	sig := &object.Signature{Name: "dev", Email: "dev@example.com", When: time.Now()}
	if _, err := wt.Commit("init", &gogit.CommitOptions{Author: sig, Committer: sig}); err != nil {
		t.Fatal(err)
	}
	tugboat := filepath.Join(dir, "tugboat.yaml")

	// The user's edit to another app does not stop the commit, nor is it
	// committed.
	writeFiles(t, dir, map[string]string{"apps/api/deploy.yaml": "image: reg/api:9 # {\"tugboat\": \"api\"}\n"})
	checkRun(t, []string{"image", "set", "--app", "web", "-f", tugboat, "reg/web=1.1.0", "--commit", "--author-name", "CI", "--author-email", "ci@example.com"},
		ExitOK, "", []string{"apps/web/deploy.yaml:4: web: reg/web 1.0.0 -> 1.1.0", "committed "})
	head, err := repo.Head()
	if err != nil {
		t.Fatal(err)
	}
	c, err := repo.CommitObject(head.Hash())
	if err != nil {
		t.Fatal(err)
	}
	if c.Message != "tugboat: update images\n\nweb: reg/web 1.0.0 -> 1.1.0\n" || c.Author.Name != "CI" || c.Author.Email != "ci@example.com" {
		t.Errorf("commit %q by %s <%s>", c.Message, c.Author.Name, c.Author.Email)
	}
	stats, err := c.Stats()
	if err != nil || len(stats) != 1 || stats[0].Name != "apps/web/deploy.yaml" {
		t.Errorf("commit changes %v, %v; want apps/web/deploy.yaml alone", stats, err)
	}

	// An uncommitted change below the app's path is refused, and so is
	// anything staged.
	writeFiles(t, dir, map[string]string{"apps/web/extra.yaml": "x: 1\n"})
	checkRun(t, []string{"image", "set", "--app", "web", "-f", tugboat, "reg/web=1.2.0", "--commit"}, ExitFailure, "(apps/web/extra.yaml): commit or stash", nil)
	if err := os.Remove(filepath.Join(dir, "apps/web/extra.yaml")); err != nil {
		t.Fatal(err)
	}
	if _, err := wt.Add("apps/api/deploy.yaml"); err != nil {
		t.Fatal(err)
	}
	checkRun(t, []string{"image", "set", "--app", "web", "-f", tugboat, "reg/web=1.2.0", "--commit"}, ExitFailure, "(apps/api/deploy.yaml)", nil)
	if data, _ := os.ReadFile(filepath.Join(dir, "apps/web/deploy.yaml")); !strings.Contains(string(data), "reg/web:1.1.0") {
		t.Errorf("a refused commit set the image: %s", data)
	}
}
