package git

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/source"
)

func TestFetchConcurrent(t *testing.T) {
	f := newFixture(t, map[string]string{"README.md": "hello\n"})
	shared := f.source(t, f.g.HTTPURL("app"), Ref{Branch: "main"}, f.passwordCreds())
	const n = 8
	commits := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		// Half share one Source, half have their own on the same cache.
		s := shared
		if i%2 == 1 {
			s = f.source(t, f.g.HTTPURL("app"), Ref{Branch: "main"}, f.passwordCreds())
		}
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
			defer cancel()
			art, err := s.Fetch(ctx)
			if err == nil {
				commits[i] = art.Commit
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || commits[i] != f.first {
			t.Errorf("fetch %d: got %s, %v; want %s", i, commits[i], errs[i], f.first)
		}
	}
	// The lock makes the others find the first one's work.
	if got := f.g.Requests().Repos["app"].Fetches; got != 1 {
		t.Errorf("%d fetches of objects, want 1", got)
	}
}

// Environment of the helper process that TestFetchAcrossProcesses starts.
const (
	helperEnvURL   = "TUGBOAT_TEST_GIT_URL"
	helperEnvCache = "TUGBOAT_TEST_GIT_CACHE"
	helperEnvCreds = "TUGBOAT_TEST_GIT_"
)

// TestFetchAcrossProcesses runs fetches of one repository into one cache
// from several processes at once: this test binary, run again.
func TestFetchAcrossProcesses(t *testing.T) {
	f := newFixture(t, map[string]string{"README.md": "hello\n"})
	const n = 4
	cmds := make([]*exec.Cmd, n)
	outs := make([]strings.Builder, n)
	for i := range cmds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcessFetch$", "-test.count=1")
		cmd.Env = append(os.Environ(),
			helperEnvURL+"="+f.g.HTTPURL("app"), helperEnvCache+"="+f.cache,
			helperEnvCreds+"USERNAME="+f.g.Username, helperEnvCreds+"PASSWORD="+f.g.Password)
		cmd.Stdout, cmd.Stderr = &outs[i], &outs[i]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[i] = cmd
	}
	for i, cmd := range cmds {
		err := cmd.Wait()
		if out := outs[i].String(); err != nil || !strings.Contains(out, "commit "+f.first) {
			t.Errorf("process %d: %v\n%s", i, err, out)
		}
	}
	if got := f.g.Requests().Repos["app"].Fetches; got != 1 {
		t.Errorf("%d fetches of objects, want 1", got)
	}
}

// TestHelperProcessFetch is the body of the processes that
// TestFetchAcrossProcesses starts; run directly, it does nothing.
func TestHelperProcessFetch(t *testing.T) {
	url := os.Getenv(helperEnvURL)
	if url == "" {
		t.Skip("helper process of TestFetchAcrossProcesses")
	}
	creds, err := source.CredentialsFromEnv(helperEnvCreds, os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{URL: url, Ref: Ref{Branch: "main"}, Credentials: creds, CacheDir: os.Getenv(helperEnvCache)})
	if err != nil {
		t.Fatal(err)
	}
	art := mustFetch(t, s)
	fmt.Printf("commit %s\n", art.Commit)
}
