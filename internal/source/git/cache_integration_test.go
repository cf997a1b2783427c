package git

import (
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	gogit "github.com/go-git/go-git/v5"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

func TestFetchCache(t *testing.T) {
	// big is incompressible: a fetch that sent it again would show.
	f := newFixture(t, map[string]string{"README.md": "zero\n", "big.bin": randomText(t, bigFileSize)})
	f.commit(t, map[string]string{"README.md": "one\n"})
	s := f.source(t, f.g.HTTPURL("app"), Ref{Branch: "main"}, f.passwordCreds())
	first := mustFetch(t, s)
	repoDir := s.cache.repoDir()
	if repo, err := gogit.PlainOpen(repoDir); err != nil || !isShallow(repo) {
		t.Fatalf("want a shallow first fetch (%v)", err)
	}
	before, err := os.Stat(repoDir)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name  string
		push  []string // contents of README.md to commit and push first
		stats testenv.RepoRequestStats
	}{
		// One ref advertisement, nothing else.
		{"unchanged", nil, testenv.RepoRequestStats{Total: 1, InfoRefs: 1}},
		// The list, then the fetch: its own advertisement and one request
		// for the new objects.
		{"changed", []string{"two\n"}, testenv.RepoRequestStats{Total: 3, InfoRefs: 2, UploadPack: 1, Fetches: 1}},
		{"unchanged again", nil, testenv.RepoRequestStats{Total: 1, InfoRefs: 1}},
		{"moved by three commits", []string{"3\n", "4\n", "5\n"}, testenv.RepoRequestStats{Total: 3, InfoRefs: 2, UploadPack: 1, Fetches: 1}},
	}
	want, content := first.Commit, "one\n"
	for _, step := range steps {
		for _, c := range step.push {
			want, content = f.commit(t, map[string]string{"README.md": c}), c
		}
		f.g.ResetRequests()
		packs := packBytes(t, repoDir)
		art := mustFetch(t, s)
		if art.Commit != want {
			t.Fatalf("%s: got %s, want %s", step.name, art.Commit, want)
		}
		checkFile(t, art, "README.md", content)
		if got := f.g.Requests().Repos["app"]; got != step.stats {
			t.Errorf("%s: requests %+v, want %+v", step.name, got, step.stats)
		}
		if grown := packBytes(t, repoDir) - packs; grown >= bigFileSize/4 {
			t.Errorf("%s: the cache grew by %d bytes of packs: want only the new objects", step.name, grown)
		}
	}
	after, err := os.Stat(repoDir)
	if err != nil || !os.SameFile(before, after) {
		t.Errorf("the cached repository was replaced (%v): want fetches into the same one", err)
	}
	checkFile(t, first, "README.md", "one\n") // earlier checkouts stay
}

// bigFileSize is the size of a file that no incremental fetch should send.
const bigFileSize = 256 << 10

func randomText(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n*3/4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// packBytes sums the sizes of the pack files of a bare repository.
func packBytes(t *testing.T, repoDir string) int64 {
	t.Helper()
	packs, err := filepath.Glob(filepath.Join(repoDir, "objects", "pack", "*.pack"))
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, p := range packs {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		total += info.Size()
	}
	return total
}
