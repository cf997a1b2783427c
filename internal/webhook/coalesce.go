package webhook

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultWindow is how long a Coalescer gathers pushes of one repository
// before it triggers, unless told otherwise.
const DefaultWindow = 500 * time.Millisecond

// Coalescer folds a flood of pushes into one call per repository and
// window. The first push of a repository opens a window; pushes of the
// same repository (by RepoKey) until it closes are merged into it; when it
// closes, the callback gets one Push with the branches and tags of all of
// them and the receiver of the last. The window is fixed from the first
// push, not extended by later ones, so a steady stream still triggers once
// per window instead of never.
//
// One goroutine calls the callback, one push after another: a slow
// callback delays later triggers but never blocks Add.
type Coalescer struct {
	fn     func(Push)
	window time.Duration
	wake   chan struct{}
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once

	mu      sync.Mutex
	pending map[string]*gathered
	stopped bool
}

// gathered is the merged push of one repository in an open window.
type gathered struct {
	push   Push
	anyRef bool
	due    time.Time
}

// NewCoalescer starts a Coalescer calling fn with a window (DefaultWindow
// if window <= 0). It runs until ctx is done or Stop is called.
func NewCoalescer(ctx context.Context, fn func(Push), window time.Duration) *Coalescer {
	if window <= 0 {
		window = DefaultWindow
	}
	c := &Coalescer{
		fn:      fn,
		window:  window,
		wake:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		pending: map[string]*gathered{},
	}
	go c.run(ctx)
	return c
}

// Add records a push; it never blocks on the callback. Its signature fits
// NewHandler's callback. After Stop it does nothing.
func (c *Coalescer) Add(p Push) {
	key := coalesceKey(p)
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return
	}
	g, open := c.pending[key]
	if open {
		g.merge(p)
	} else {
		c.pending[key] = &gathered{push: clonePush(p), anyRef: p.AnyRef(), due: time.Now().Add(c.window)}
	}
	c.mu.Unlock()
	if !open {
		// A new deadline: the loop may be sleeping until a later one.
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
}

// Stop ends the Coalescer and waits for a callback in progress to return.
// Pushes still gathering are dropped: whoever stops is shutting down, and
// the next start checks every repository anyway. Safe to call more than
// once, but not from the callback.
func (c *Coalescer) Stop() {
	c.once.Do(func() { close(c.stop) })
	<-c.done
}

// run sleeps until the earliest window closes, then calls fn for every
// closed one.
func (c *Coalescer) run(ctx context.Context) {
	defer close(c.done)
	defer c.shut()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		ready, next := c.takeDue(time.Now())
		for _, p := range ready {
			if c.ending(ctx) {
				return
			}
			c.fn(p)
		}
		var fire <-chan time.Time
		if !next.IsZero() {
			timer.Reset(time.Until(next))
			fire = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case <-c.stop:
			return
		case <-c.wake:
		case <-fire:
		}
	}
}

// ending reports whether the Coalescer is asked to stop.
func (c *Coalescer) ending(ctx context.Context) bool {
	select {
	case <-ctx.Done():
		return true
	case <-c.stop:
		return true
	default:
		return false
	}
}

// shut makes later Adds no-ops and drops what was gathering.
func (c *Coalescer) shut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	c.pending = nil
}

// takeDue removes the windows closed at now, oldest first, and returns
// them with the deadline of the next one (zero if none is open).
func (c *Coalescer) takeDue(now time.Time) (ready []Push, next time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var due []*gathered
	for key, g := range c.pending {
		if !g.due.After(now) {
			due = append(due, g)
			delete(c.pending, key)
		} else if next.IsZero() || g.due.Before(next) {
			next = g.due
		}
	}
	slices.SortFunc(due, func(a, b *gathered) int { return a.due.Compare(b.due) })
	for _, g := range due {
		ready = append(ready, g.push)
	}
	return ready, next
}

// merge folds p into g. A push that does not say which ref changed makes
// the merged one say so too, as it covers every ref.
func (g *gathered) merge(p Push) {
	g.push.Receiver = p.Receiver
	for _, r := range p.Repos {
		g.push.Repos = appendNew(g.push.Repos, r)
	}
	g.anyRef = g.anyRef || p.AnyRef()
	if g.anyRef {
		g.push.Branches, g.push.Tags = nil, nil
		return
	}
	for _, b := range p.Branches {
		g.push.Branches = appendNew(g.push.Branches, b)
	}
	for _, t := range p.Tags {
		g.push.Tags = appendNew(g.push.Tags, t)
	}
}

// coalesceKey identifies a push's repository: its URLs' RepoKeys, sorted
// and unique (one push's URLs normally share a single key).
func coalesceKey(p Push) string {
	keys := make([]string, 0, len(p.Repos))
	for _, r := range p.Repos {
		keys = append(keys, RepoKey(r))
	}
	slices.Sort(keys)
	return strings.Join(slices.Compact(keys), "\n")
}

// clonePush copies p's slices, so that the caller's stay its own.
func clonePush(p Push) Push {
	p.Repos = slices.Clone(p.Repos)
	p.Branches = slices.Clone(p.Branches)
	p.Tags = slices.Clone(p.Tags)
	return p
}
