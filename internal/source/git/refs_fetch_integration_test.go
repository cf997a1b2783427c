package git

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/source"
)

// history is a repository with tagged releases, a commit at no tip and a
// second branch. Each commit writes its name to the file "version".
type history struct {
	*fixture
	commits map[string]string // name -> SHA
}

func newHistory(t *testing.T) *history {
	t.Helper()
	h := &history{fixture: newFixture(t, map[string]string{"version": "v1.0.0"}), commits: map[string]string{}}
	h.commits["v1.0.0"] = h.first
	h.tag(t, "v1.0.0")
	for _, name := range []string{"v1.2.0", "v1.3.1", "v2.0.0", "middle", "main"} {
		h.commits[name] = h.commit(t, map[string]string{"version": name})
		switch {
		case name == "v1.3.1":
			h.annotatedTag(t, name)
		case strings.HasPrefix(name, "v"):
			h.tag(t, name)
		}
	}
	if err := h.wt.Checkout("dev"); err != nil {
		t.Fatal(err)
	}
	h.commits["dev"] = h.commit(t, map[string]string{"version": "dev"})
	return h
}

func (h *history) annotatedTag(t *testing.T, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	if _, err := h.g.Git(ctx, h.wt.Dir, nil, "tag", "--annotate", "--message", "release "+name, name); err != nil {
		t.Fatal(err)
	}
	if err := h.wt.Push(); err != nil {
		t.Fatal(err)
	}
}

func TestFetchRefs(t *testing.T) {
	h := newHistory(t)
	middle := h.commits["middle"]
	tests := []struct {
		ref      string
		commit   string // the name of the commit in h.commits
		revision string // the part before "sha1:"
	}{
		{"", "main", "main@"},
		{"branch:main", "main", "main@"},
		{"dev", "dev", "dev@"},
		{"tag:v1.2.0", "v1.2.0", "v1.2.0@"},
		{"tag:v1.3.1", "v1.3.1", "v1.3.1@"}, // annotated: peeled to its commit
		{"v1.0.0", "v1.0.0", "v1.0.0@"},
		{"semver:>=1.2 <2", "v1.3.1", "v1.3.1@"},
		{"semver:^1.0, <1.3", "v1.2.0", "v1.2.0@"},
		{h.commits["v2.0.0"], "v2.0.0", ""},
		{middle, "middle", ""},
		{"commit:" + middle[:8], "middle", ""},
		{middle[:10], "middle", ""},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			ref, err := ParseRef(tt.ref)
			if err != nil {
				t.Fatal(err)
			}
			s, err := New(Options{URL: h.g.HTTPURL("app"), Ref: ref, Credentials: h.passwordCreds(), CacheDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			art := mustFetch(t, s)
			want := h.commits[tt.commit]
			if art.Commit != want || art.Revision != tt.revision+"sha1:"+want {
				t.Errorf("got %s (%s), want %s (%ssha1:%s)", art.Commit, art.Revision, want, tt.revision, want)
			}
			checkFile(t, art, "version", tt.commit)
		})
	}
}

func TestFetchRefErrors(t *testing.T) {
	h := newHistory(t)
	tests := []struct {
		ref     string
		message string
	}{
		{"branch:nope", "ref branch:nope not found; branches: dev, main; tags: v1.0.0, v1.2.0, v1.3.1, v2.0.0"},
		{"nope", "ref nope not found; branches: dev, main;"},
		{"semver:>=3", `no tag matches semver range ">=3"; tags: v1.0.0`},
		{sha40, "commit " + sha40 + " not found in any branch or tag"},
		{"commit:abcdef1", "commit abcdef1 not found in any branch or tag"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			ref, err := ParseRef(tt.ref)
			if err != nil {
				t.Fatal(err)
			}
			s := h.source(t, h.g.HTTPURL("app"), ref, h.passwordCreds())
			_, err = fetch(t, s)
			if !errors.Is(err, source.ErrNotFound) || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("got error %v, want ErrNotFound mentioning %q", err, tt.message)
			}
			wantPrefix := "fetch " + h.g.HTTPURL("app") + " ref " + ref.String() + ": "
			if !strings.HasPrefix(err.Error(), wantPrefix) {
				t.Errorf("error %q does not start with %q", err, wantPrefix)
			}
		})
	}
}

// TestFetchOlderCommitAfterBranch fetches a commit at no tip into a cache
// that holds a shallow fetch of the branch, then the branch again.
func TestFetchOlderCommitAfterBranch(t *testing.T) {
	h := newHistory(t)
	url, creds := h.g.HTTPURL("app"), h.passwordCreds()
	steps := []struct {
		ref     Ref
		commit  string
		fetches int
	}{
		{Ref{Branch: "main"}, "main", 1},                    // shallow
		{Ref{Commit: h.commits["middle"]}, "middle", 1},     // full history
		{Ref{Commit: h.commits["v1.2.0"][:7]}, "v1.2.0", 0}, // in the cache
		{Ref{Branch: "main"}, "main", 0},                    // checked out already
	}
	for i, step := range steps {
		h.g.ResetRequests()
		art := mustFetch(t, h.source(t, url, step.ref, creds))
		if art.Commit != h.commits[step.commit] {
			t.Fatalf("step %d (%s): got %s, want %s", i, step.ref, art.Commit, h.commits[step.commit])
		}
		checkFile(t, art, "version", step.commit)
		if got := h.g.Requests().Repos["app"].Fetches; got != step.fetches {
			t.Errorf("step %d (%s): %d fetches, want %d", i, step.ref, got, step.fetches)
		}
	}
}
