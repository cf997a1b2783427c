package webhook

import (
	"context"
	"reflect"
	"testing"
	"testing/synctest"
	"time"
)

// The Coalescer's tests run in a synctest bubble: time is fake and moves
// only when every goroutine waits, so windows are exact and tests instant.

func push(repo string, branches, tags []string) Push {
	return Push{Receiver: "r", Repos: []string{repo}, Branches: branches, Tags: tags}
}

func TestCoalescer(t *testing.T) {
	const window = 500 * time.Millisecond
	type step struct {
		after time.Duration // sleep before adding
		push  Push
	}
	tests := []struct {
		name  string
		steps []step
		want  []Push
	}{
		{
			name: "a flood becomes one trigger with every branch and tag",
			steps: []step{
				{0, push("https://github.com/acme/app.git", []string{"main"}, nil)},
				{10 * time.Millisecond, push("git@github.com:acme/app.git", []string{"dev"}, nil)},
				{10 * time.Millisecond, push("https://github.com/acme/app", []string{"main"}, []string{"v1"})},
			},
			want: []Push{{Receiver: "r",
				Repos:    []string{"https://github.com/acme/app.git", "git@github.com:acme/app.git", "https://github.com/acme/app"},
				Branches: []string{"main", "dev"}, Tags: []string{"v1"}}},
		},
		{
			name: "repositories trigger apart",
			steps: []step{
				{0, push("https://github.com/acme/a.git", []string{"main"}, nil)},
				{time.Millisecond, push("https://github.com/acme/b.git", []string{"main"}, nil)},
			},
			want: []Push{push("https://github.com/acme/a.git", []string{"main"}, nil), push("https://github.com/acme/b.git", []string{"main"}, nil)},
		},
		{
			name: "a push after the window triggers again",
			steps: []step{
				{0, push("https://github.com/acme/app.git", []string{"main"}, nil)},
				{window + time.Millisecond, push("https://github.com/acme/app.git", []string{"dev"}, nil)},
			},
			want: []Push{push("https://github.com/acme/app.git", []string{"main"}, nil), push("https://github.com/acme/app.git", []string{"dev"}, nil)},
		},
		{
			name: "a push naming no ref makes the merged one name none",
			steps: []step{
				{0, push("https://github.com/acme/app.git", []string{"main"}, nil)},
				{time.Millisecond, push("https://github.com/acme/app.git", nil, nil)},
				{time.Millisecond, push("https://github.com/acme/app.git", nil, []string{"v2"})},
			},
			want: []Push{push("https://github.com/acme/app.git", nil, nil)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rec := &recorder{}
				c := NewCoalescer(t.Context(), rec.add, window)
				defer c.Stop()
				for _, s := range tt.steps {
					time.Sleep(s.after)
					c.Add(s.push)
				}
				time.Sleep(2 * window)
				synctest.Wait()
				if got := rec.all(); !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("triggered %+v, want %+v", got, tt.want)
				}
			})
		})
	}
}

// TestCoalescerWindowIsFixed: a steady stream still triggers once per
// window, at its end, rather than being put off for as long as it lasts.
func TestCoalescerWindowIsFixed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		c := NewCoalescer(t.Context(), rec.add, 0) // DefaultWindow
		defer c.Stop()
		// A push every 120 ms for 2.4 s: windows open at 0, 600, 1200 and
		// 1800 ms and close 500 ms later, off the pushes' beat.
		for range 20 {
			c.Add(push("https://github.com/acme/app.git", []string{"main"}, nil))
			time.Sleep(120 * time.Millisecond)
		}
		synctest.Wait()
		if n := len(rec.all()); n != 4 {
			t.Fatalf("%d triggers during 2.4 s of pushes, want 4", n)
		}
		time.Sleep(2 * DefaultWindow)
		synctest.Wait()
		if n := len(rec.all()); n != 4 {
			t.Fatalf("%d triggers once the pushes stopped, want still 4", n)
		}
	})
}

// TestCoalescerStops: after Stop or the context's end, nothing pending
// triggers and Add is a no-op; Stop may be called again.
func TestCoalescerStops(t *testing.T) {
	tests := []struct {
		name string
		stop func(cancel context.CancelFunc, c *Coalescer)
	}{
		{name: "Stop", stop: func(_ context.CancelFunc, c *Coalescer) { c.Stop() }},
		{name: "context", stop: func(cancel context.CancelFunc, c *Coalescer) { cancel(); synctest.Wait() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				rec := &recorder{}
				c := NewCoalescer(ctx, rec.add, time.Second)
				c.Add(push("https://github.com/acme/app.git", []string{"main"}, nil))
				tt.stop(cancel, c)
				c.Add(push("https://github.com/acme/app.git", []string{"dev"}, nil))
				time.Sleep(3 * time.Second)
				c.Stop()
				if got := rec.all(); len(got) != 0 {
					t.Fatalf("triggered %+v after stopping", got)
				}
			})
		})
	}
}

// TestCoalescerStopWaitsForCallback: Stop returns only once a callback in
// progress has, and Add does not wait for that callback.
func TestCoalescerStopWaitsForCallback(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		returned := false
		c := NewCoalescer(t.Context(), func(Push) {
			<-release
			returned = true
		}, time.Second)
		c.Add(push("https://github.com/acme/a.git", nil, nil))
		time.Sleep(2 * time.Second)
		synctest.Wait() // the callback is blocked on release
		c.Add(push("https://github.com/acme/b.git", nil, nil))
		go func() {
			time.Sleep(time.Second)
			close(release)
		}()
		c.Stop()
		if !returned {
			t.Fatal("Stop returned before the callback")
		}
	})
}
