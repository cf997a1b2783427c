package pipeline

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tugboat-gitops/tugboat/internal/source"
)

// TestFetchGroup: callers that arrive while a fetch runs share the next
// one, which starts after it ends; others keys fetch on their own.
func TestFetchGroup(t *testing.T) {
	var g fetchGroup
	var fetches atomic.Int32
	release := make(chan struct{})
	slow := func() (*source.Artifact, error) {
		fetches.Add(1)
		<-release
		return &source.Artifact{Commit: "c"}, nil
	}
	first := make(chan struct{})
	go func() {
		defer close(first)
		if _, err := g.do("repo", "r", 0, slow); err != nil {
			t.Error(err)
		}
	}()
	for fetches.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	// Ten callers arrive during the first fetch: they must not take its
	// result (it began before them), and share one fetch after it.
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := g.do("repo", "r", 0, func() (*source.Artifact, error) { fetches.Add(1); return &source.Artifact{}, nil }); err != nil {
				t.Error(err)
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	if n := fetches.Load(); n != 1 {
		t.Fatalf("%d fetches started while the first ran, want 1", n)
	}
	close(release)
	<-first
	wg.Wait()
	if n := fetches.Load(); n != 2 {
		t.Errorf("%d fetches in all, want 2 (the first, and one shared by the ten)", n)
	}
	if _, err := g.do("other", "o", 0, func() (*source.Artifact, error) { fetches.Add(1); return &source.Artifact{}, nil }); err != nil || fetches.Load() != 3 {
		t.Errorf("another key did not fetch on its own: %d, %v", fetches.Load(), err)
	}
}

// TestFetchGroupMaxAge: a caller that accepts an age takes the last
// result while it is young enough; one that accepts none, or any caller
// after the repository was said to change, fetches.
func TestFetchGroupMaxAge(t *testing.T) {
	tests := []struct {
		name    string
		maxAge  time.Duration
		forget  string
		fetches int32
	}{
		{name: "no age accepted", maxAge: 0, fetches: 2},
		{name: "young enough", maxAge: time.Hour, fetches: 1},
		{name: "too old", maxAge: time.Nanosecond, fetches: 2},
		{name: "repository changed", maxAge: time.Hour, forget: "r", fetches: 2},
		{name: "another repository changed", maxAge: time.Hour, forget: "other", fetches: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g fetchGroup
			var fetches atomic.Int32
			fetch := func() (*source.Artifact, error) { fetches.Add(1); return &source.Artifact{Commit: "c"}, nil }
			if _, err := g.do("k", "r", tt.maxAge, fetch); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Millisecond)
			if tt.forget != "" {
				g.forget(func(repo string) bool { return repo == tt.forget })
			}
			art, err := g.do("k", "r", tt.maxAge, fetch)
			if err != nil || art.Commit != "c" {
				t.Fatalf("second call: %v, %v", art, err)
			}
			if n := fetches.Load(); n != tt.fetches {
				t.Errorf("%d fetches, want %d", n, tt.fetches)
			}
		})
	}
}

// TestFetchGroupForgetWhileRunning: a fetch that was running when the
// repository changed answers its callers, but is not kept for later ones.
func TestFetchGroupForgetWhileRunning(t *testing.T) {
	var g fetchGroup
	var fetches atomic.Int32
	release := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = g.do("k", "r", time.Hour, func() (*source.Artifact, error) { fetches.Add(1); <-release; return &source.Artifact{}, nil })
	}()
	for fetches.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	g.forget(func(string) bool { return true })
	close(release)
	<-done
	if _, err := g.do("k", "r", time.Hour, func() (*source.Artifact, error) { fetches.Add(1); return &source.Artifact{}, nil }); err != nil {
		t.Fatal(err)
	}
	if n := fetches.Load(); n != 2 {
		t.Errorf("%d fetches, want 2: the one running at the push must not answer after it", n)
	}
}
