package cli

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// dockerConfig writes a docker config.json holding r's credentials and
// returns its path.
func dockerConfig(t *testing.T, r *testenv.Registry) string {
	t.Helper()
	auth := base64.StdEncoding.EncodeToString([]byte(r.Username + ":" + r.Password))
	data, err := json.Marshal(map[string]any{"auths": map[string]any{r.Host: map[string]string{"auth": auth}}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestImageLatest asks distribution's registry for the tag each kind of
// policy picks.
func TestImageLatest(t *testing.T) {
	r := testenv.NewRegistry(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	digests := map[string]string{}
	for _, tag := range []string{"1.0.0", "1.1.0", "2.0.0", "build-7", "build-12", "stable"} {
		d, err := r.PushRandomImage(ctx, "team/app", tag)
		if err != nil {
			t.Fatal(err)
		}
		digests[tag] = d
	}
	repo := r.Host + "/team/app"
	cfg := dockerConfig(t, r)
	// No docker config of the machine's: anonymous unless a test says.
	t.Setenv("DOCKER_CONFIG", t.TempDir())

	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{name: "semver", args: []string{"--semver", "^1"}, wantOut: "1.1.0\n"},
		{name: "numerical of a capture", args: []string{"--numerical", "--filter", `^build-(?P<n>[0-9]+)$`, "--extract", "$n"}, wantOut: "build-12\n"},
		{name: "alphabetical desc", args: []string{"--alphabetical", "desc", "--filter", `^[0-9.]+$`}, wantOut: "1.0.0\n"},
		{name: "digest", args: []string{"--digest", "stable"}, wantOut: "stable@" + digests["stable"] + "\n"},
		{name: "no match", args: []string{"--semver", "^3"}, wantCode: ExitNoMatch, wantErr: "read 6 tags"},
		{name: "missing tag", args: []string{"--digest", "nope"}, wantCode: ExitFailure, wantErr: "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := run(t, append([]string{"image", "latest", repo, "--registry-config", cfg}, tt.args...)...)
			if code != tt.wantCode || stdout != tt.wantOut && tt.wantOut != "" || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, %q, %q", code, stdout, stderr, tt.wantCode, tt.wantOut, tt.wantErr)
			}
		})
	}

	t.Run("json, credentials from DOCKER_CONFIG", func(t *testing.T) {
		t.Setenv("DOCKER_CONFIG", filepath.Dir(cfg))
		out := checkRun(t, []string{"image", "latest", repo, "--digest", "stable", "-o", "json"}, ExitOK, "", nil)
		var got latestResult
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		if got.Image != repo || got.Tag != "stable" || got.Digest != digests["stable"] || got.Requests == 0 {
			t.Errorf("got %+v", got)
		}
	})

	t.Run("anonymous", func(t *testing.T) {
		_, stderr, code := run(t, "image", "latest", repo, "--semver", "^1")
		if code != ExitFailure || !strings.Contains(stderr, "auth") || strings.Contains(stderr, r.Password) {
			t.Errorf("exit %d, stderr %q; want an auth failure", code, stderr)
		}
	})
}

// gitFixture is a git server holding an environment repository "env".
type gitFixture struct {
	g   *testenv.GitServer
	ctx context.Context
}

func newGitFixture(t *testing.T, files map[string]string) *gitFixture {
	t.Helper()
	testenv.SkipIfShort(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	f := &gitFixture{g: testenv.NewGitServer(t), ctx: ctx}
	src := t.TempDir()
	writeFiles(t, src, files)
	if err := f.g.CreateRepo("env", src); err != nil {
		t.Fatal(err)
	}
	return f
}

// git runs git on the server's repository env.
func (f *gitFixture) git(t *testing.T, args ...string) string {
	t.Helper()
	out, err := f.g.Git(f.ctx, f.g.Root, nil, append([]string{"--git-dir=env.git"}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// clone checks env out with origin at the server's HTTP URL, as a
// developer's or CI's checkout has it.
func (f *gitFixture) clone(t *testing.T) *testenv.WorkTree {
	t.Helper()
	wt, err := f.g.Clone("env")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.g.Git(f.ctx, wt.Dir, nil, "remote", "set-url", "origin", f.g.HTTPURL("env")); err != nil {
		t.Fatal(err)
	}
	return wt
}

// TestImageSetPush pushes from a local checkout that is behind origin:
// the edit goes on origin's head, and the checkout is brought there.
func TestImageSetPush(t *testing.T) {
	f := newGitFixture(t, webFiles)
	t.Setenv("TUGBOAT_GIT_USERNAME", f.g.Username)
	t.Setenv("TUGBOAT_GIT_PASSWORD", f.g.Password)
	local := f.clone(t)
	// Another writer, pushing through the file system.
	other, err := f.g.Clone("env")
	if err != nil {
		t.Fatal(err)
	}
	if err := other.WriteFile("README.md", "someone else's\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Commit("readme"); err != nil {
		t.Fatal(err)
	}
	if err := other.Push(); err != nil {
		t.Fatal(err)
	}

	tugboat := filepath.Join(local.Dir, "tugboat.yaml")
	stdout, stderr, code := run(t, "image", "set", "--app", "web", "-f", tugboat, "reg/web=1.1.0", "--push",
		"--author-name", "Release Bot", "--author-email", "release@example.com")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"apps/web/deploy.yaml:4: web: reg/web 1.0.0 -> 1.1.0", "pushed ", "to main of " + f.g.HTTPURL("env"), "the local main is now at"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout does not say %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout+stderr, f.g.Password) {
		t.Errorf("the output holds the password")
	}
	got := f.git(t, "log", "-2", "--format=%an <%ae>|%B", "main")
	if want := "Release Bot <release@example.com>|tugboat: update images\n\nweb: reg/web 1.0.0 -> 1.1.0\n\nTugboat Test <test@tugboat.invalid>|readme"; got != want {
		t.Errorf("the server's main:\n%s\nwant:\n%s", got, want)
	}
	head := f.git(t, "rev-parse", "main")
	if localHead, err := local.Head(); err != nil || localHead != head {
		t.Errorf("the local checkout is at %s (%v), want %s", localHead, err, head)
	}
	if data, _ := os.ReadFile(filepath.Join(local.Dir, "apps/web/deploy.yaml")); !strings.Contains(string(data), "reg/web:1.1.0") {
		t.Errorf("the local file says %s", data)
	}

	// A work tree with changes of its own is left alone.
	if err := local.WriteFile("README.md", "mine\n"); err != nil {
		t.Fatal(err)
	}
	checkRun(t, []string{"image", "set", "--app", "web", "-f", tugboat, "reg/web=1.2.0", "--push"}, ExitOK, "",
		[]string{"web: reg/web 1.1.0 -> 1.2.0", "left as it is", "uncommitted changes"})
	if localHead, _ := local.Head(); localHead != head {
		t.Errorf("the local checkout moved to %s", localHead)
	}
}

// TestImageUpdateRepo bumps an environment repository from CI, without a
// checkout: every imagePolicies entry is resolved, a marker and a
// kustomization entry follow it, and an image outside the range changes
// nothing.
func TestImageUpdateRepo(t *testing.T) {
	r := testenv.NewRegistry(t)
	image := r.Host + "/team/web"
	f := newGitFixture(t, map[string]string{
		"tugboat.yaml": `apiVersion: tugboat.dev/v1alpha1
kind: Repository
imagePolicies:
  - name: web
    image: ` + image + `
    policy: {semver: {range: "^1"}}
apps:
  - name: web
    path: apps/web
`,
		"apps/web/deploy.yaml":        "image: " + image + ":1.0.0 # {\"tugboat\": \"web\"}\n",
		"apps/web/kustomization.yaml": "resources: [deploy.yaml]\nimages:\n  - name: " + image + "\n    newTag: 1.0.0\n",
	})
	t.Setenv("TUGBOAT_GIT_USERNAME", f.g.Username)
	t.Setenv("TUGBOAT_GIT_PASSWORD", f.g.Password)
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	for _, tag := range []string{"1.0.0", "1.1.0"} {
		if _, err := r.PushRandomImage(f.ctx, "team/web", tag); err != nil {
			t.Fatal(err)
		}
	}
	update := []string{"image", "update", "--repo", f.g.HTTPURL("env"), "--push", "--registry-config", dockerConfig(t, r)}

	checkRun(t, update, ExitOK, "", []string{
		"policy web: " + image + ":1.1.0",
		"apps/web/deploy.yaml:1: web: " + image + " 1.0.0 -> 1.1.0",
		"apps/web/kustomization.yaml:4: web: " + image + " 1.0.0 -> 1.1.0",
		"pushed ",
	})
	if got, want := f.git(t, "log", "-1", "--format=%an <%ae>|%B", "main"), "tugboat <tugboat@tugboat.dev>|tugboat: update images\n\nweb: "+image+" 1.0.0 -> 1.1.0"; got != want {
		t.Errorf("the server's head:\n%s\nwant:\n%s", got, want)
	}
	head := f.git(t, "rev-parse", "main")

	if _, err := r.PushRandomImage(f.ctx, "team/web", "2.0.0"); err != nil {
		t.Fatal(err)
	}
	checkRun(t, update, ExitOK, "", []string{"policy web: " + image + ":1.1.0", "nothing to change"})
	if after := f.git(t, "rev-parse", "main"); after != head {
		t.Errorf("an image outside the range committed %s", after)
	}
}

// TestImagePushRefused pushes with credentials that may only read: the
// error says so, names no secret, and the branch stays.
func TestImagePushRefused(t *testing.T) {
	f := newGitFixture(t, webFiles)
	head := f.git(t, "rev-parse", "main")
	inURL, err := url.Parse(f.g.HTTPURL("env"))
	if err != nil {
		t.Fatal(err)
	}
	inURL.User = url.UserPassword(f.g.ReadOnlyUsername, f.g.ReadOnlyPassword)
	tests := []struct {
		name     string
		repo     string
		user, pw string
	}{
		{"read-only user", f.g.HTTPURL("env"), f.g.ReadOnlyUsername, f.g.ReadOnlyPassword},
		{"read-only user in the URL", inURL.String(), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("TUGBOAT_GIT_USERNAME", tt.user)
			t.Setenv("TUGBOAT_GIT_PASSWORD", tt.pw)
			stdout, stderr, code := run(t, "image", "set", "--repo", tt.repo, "--app", "web", "reg/web=1.1.0", "--push")
			if code != ExitFailure || !strings.Contains(stderr, "permission") || !strings.Contains(stderr, "access denied") {
				t.Errorf("exit %d, stderr %q; want a refusal that mentions permission", code, stderr)
			}
			if strings.Contains(stdout+stderr, f.g.ReadOnlyPassword) {
				t.Errorf("the output holds the password: %s%s", stdout, stderr)
			}
			if after := f.git(t, "rev-parse", "main"); after != head {
				t.Errorf("main moved to %s", after)
			}
		})
	}
}
