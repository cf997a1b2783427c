package git

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tugboat-gitops/tugboat/internal/source"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// fetchTimeout bounds every fetch a test makes, so a hung transfer fails
// the test instead of stalling it.
const fetchTimeout = 60 * time.Second

// fixture is a git server with one repository, "app", and a work tree of
// it for making commits, plus an empty cache directory.
type fixture struct {
	g     *testenv.GitServer
	wt    *testenv.WorkTree
	cache string
	first string // the SHA of the first commit on main
}

// newFixture creates "app" with files as its first commit on main.
func newFixture(t *testing.T, files map[string]string) *fixture {
	t.Helper()
	testenv.SkipIfShort(t)
	g := testenv.NewGitServer(t)
	src := t.TempDir()
	for rel, content := range files {
		writeFile(t, filepath.Join(src, rel), content)
	}
	if err := g.CreateRepo("app", src); err != nil {
		t.Fatal(err)
	}
	wt, err := g.Clone("app")
	if err != nil {
		t.Fatal(err)
	}
	first, err := wt.Head()
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{g: g, wt: wt, cache: t.TempDir(), first: first}
}

// commit writes files, commits and pushes them, and returns the new SHA.
func (f *fixture) commit(t *testing.T, files map[string]string) string {
	t.Helper()
	for rel, content := range files {
		if err := f.wt.WriteFile(rel, content); err != nil {
			t.Fatal(err)
		}
	}
	sha, err := f.wt.Commit("change")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.wt.Push(); err != nil {
		t.Fatal(err)
	}
	return sha
}

// tag tags HEAD and pushes the tag.
func (f *fixture) tag(t *testing.T, name string) {
	t.Helper()
	if err := f.wt.Tag(name); err != nil {
		t.Fatal(err)
	}
	if err := f.wt.Push(); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) passwordCreds() source.Credentials {
	return source.Credentials{Username: f.g.Username, Password: f.g.Password}
}

func (f *fixture) sshCreds(t *testing.T) source.Credentials {
	t.Helper()
	known, err := os.ReadFile(f.g.KnownHostsPath)
	if err != nil {
		t.Fatal(err)
	}
	return source.Credentials{SSHPrivateKey: f.g.ClientPrivateKeyPEM, KnownHosts: known}
}

// source returns a Source on the fixture's cache.
func (f *fixture) source(t *testing.T, url string, ref Ref, creds source.Credentials) *Source {
	t.Helper()
	s, err := New(Options{URL: url, Ref: ref, Credentials: creds, CacheDir: f.cache})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fetch fetches with the test timeout.
func fetch(t *testing.T, s *Source) (*source.Artifact, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	return s.Fetch(ctx)
}

// mustFetch fetches and fails the test on an error.
func mustFetch(t *testing.T, s *Source) *source.Artifact {
	t.Helper()
	art, err := fetch(t, s)
	if err != nil {
		t.Fatal(err)
	}
	return art
}

// checkFile fails the test unless the checkout holds rel with content.
func checkFile(t *testing.T, art *source.Artifact, rel, want string) {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(art.Dir, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s = %q, want %q", rel, got, want)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
