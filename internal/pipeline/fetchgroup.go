package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"github.com/tugboat-gitops/tugboat/internal/source"
)

// fetchGroup shares git fetches between the apps that track the same
// repository, ref and credentials: a hundred apps of one repository
// checked together cost one fetch, not a hundred. A fetch serves only the
// callers that arrived before it started, so every caller still sees the
// repository as it was at its request or later (a webhook's push is never
// answered by a fetch that began before it). A caller that accepts an
// answer up to some age (a routine check on a timer) takes the last
// fetch's result while it is younger than that: a thousand apps checked
// once a minute then cost a few fetches a minute, not a thousand.
type fetchGroup struct {
	mu   sync.Mutex
	keys map[string]*fetchQueue
}

type fetchQueue struct {
	repo             string
	running, pending *fetchCall
	// last is the newest fetch that succeeded; gen counts the times the
	// repository was said to have changed.
	last *fetchCall
	gen  int
}

type fetchCall struct {
	done    chan struct{}
	art     *source.Artifact
	err     error
	started time.Time
	gen     int
}

// do runs fetch for key (of repository repo), or joins the next fetch of
// key that has not started yet; with maxAge, a fetch that started less
// than maxAge ago and succeeded answers at once.
func (g *fetchGroup) do(key, repo string, maxAge time.Duration, fetch func() (*source.Artifact, error)) (*source.Artifact, error) {
	g.mu.Lock()
	if g.keys == nil {
		g.keys = map[string]*fetchQueue{}
	}
	q := g.keys[key]
	if q == nil {
		q = &fetchQueue{repo: repo}
		g.keys[key] = q
	}
	if last := q.last; maxAge > 0 && last != nil && time.Since(last.started) < maxAge {
		g.mu.Unlock()
		return last.art, nil
	}
	call, leader := q.pending, false
	if call == nil {
		call, leader = &fetchCall{done: make(chan struct{})}, true
		q.pending = call
	}
	g.mu.Unlock()
	if !leader {
		<-call.done
		return call.art, call.err
	}
	g.start(q, call)
	call.art, call.err = fetch()
	close(call.done)
	g.mu.Lock()
	q.running = nil
	if call.err == nil && call.gen == q.gen {
		q.last = call
	}
	g.mu.Unlock()
	return call.art, call.err
}

// forget drops the last results of every repository for which changed
// is true (a push webhook names it): the next caller fetches, whatever
// age it accepts.
func (g *fetchGroup) forget(changed func(repo string) bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, q := range g.keys {
		if changed(q.repo) {
			// A fetch running now may have missed the change: it answers
			// its own callers, but no later one.
			q.last = nil
			q.gen++
		}
	}
}

// start waits for the running fetch of q to end, then makes call the
// running one: from now on, newcomers queue for the next.
func (g *fetchGroup) start(q *fetchQueue, call *fetchCall) {
	for {
		g.mu.Lock()
		running := q.running
		if running == nil {
			call.started, call.gen = time.Now(), q.gen
			q.running, q.pending = call, nil
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		<-running.done
	}
}

// fetchKey identifies what a fetch sees: the repository, the ref, and who
// asks (two credentials may see different things).
func fetchKey(src SourceSpec) string {
	h := sha256.New()
	for _, s := range append([]string{src.Repo, src.Ref, src.Credentials.Username}, src.Credentials.Secrets()...) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	h.Write(src.Credentials.KnownHosts)
	return hex.EncodeToString(h.Sum(nil))
}
