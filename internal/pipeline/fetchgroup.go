package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"sync"

	"github.com/tugboat-gitops/tugboat/internal/source"
)

// fetchGroup shares git fetches between the apps that track the same
// repository, ref and credentials: a hundred apps of one repository
// checked together cost one fetch, not a hundred. A fetch serves only the
// callers that arrived before it started, so every caller still sees the
// repository as it was at its request or later (a webhook's push is never
// answered by a fetch that began before it).
type fetchGroup struct {
	mu   sync.Mutex
	keys map[string]*fetchQueue
}

type fetchQueue struct {
	running, pending *fetchCall
}

type fetchCall struct {
	done chan struct{}
	art  *source.Artifact
	err  error
}

// do runs fetch for key, or joins the next fetch of key that has not
// started yet.
func (g *fetchGroup) do(key string, fetch func() (*source.Artifact, error)) (*source.Artifact, error) {
	g.mu.Lock()
	if g.keys == nil {
		g.keys = map[string]*fetchQueue{}
	}
	q := g.keys[key]
	if q == nil {
		q = &fetchQueue{}
		g.keys[key] = q
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
	g.mu.Unlock()
	return call.art, call.err
}

// start waits for the running fetch of q to end, then makes call the
// running one: from now on, newcomers queue for the next.
func (g *fetchGroup) start(q *fetchQueue, call *fetchCall) {
	for {
		g.mu.Lock()
		running := q.running
		if running == nil {
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
