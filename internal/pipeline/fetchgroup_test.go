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
		if _, err := g.do("repo", slow); err != nil {
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
			if _, err := g.do("repo", func() (*source.Artifact, error) { fetches.Add(1); return &source.Artifact{}, nil }); err != nil {
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
	if _, err := g.do("other", func() (*source.Artifact, error) { fetches.Add(1); return &source.Artifact{}, nil }); err != nil || fetches.Load() != 3 {
		t.Errorf("another key did not fetch on its own: %d, %v", fetches.Load(), err)
	}
}
