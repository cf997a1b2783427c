package health

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/dynamic"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

// WaitOptions configures Wait.
type WaitOptions struct {
	// Interval is the time between polls (default 1s).
	Interval time.Duration
	// Timeout bounds the wait; zero leaves it to the context.
	Timeout time.Duration
	// Progress, when set, is called after every poll with the number of
	// Current objects, the total, and the results of the others in the
	// order of the ids. Printer.Progress fits.
	Progress func(ready, total int, waiting []Result)
}

// DefaultInterval is the time between polls when WaitOptions sets none.
const DefaultInterval = time.Second

// errorListMax caps the objects an error message lists, so a wait on
// thousands of objects does not print thousands of lines.
const errorListMax = 20

// WaitError is Wait's error when objects failed or time ran out.
type WaitError struct {
	// Results holds the objects at fault: the Failed ones, or every one not
	// Current when the wait ended.
	Results []Result
	// Err is nil when objects failed, otherwise why the wait ended early:
	// context.DeadlineExceeded on a timeout, or context.Canceled.
	Err error
	// After is how long the wait ran: the timeout when it ran out.
	After time.Duration
}

// Error lists the objects at fault with their reasons, one a line when
// there are several.
func (e *WaitError) Error() string {
	var head string
	switch {
	case e.Err == nil:
		head = fmt.Sprintf("%s failed", plural(len(e.Results), "object"))
	case errors.Is(e.Err, context.DeadlineExceeded):
		head = fmt.Sprintf("timed out after %s waiting for %s", e.After, plural(len(e.Results), "object"))
	default:
		head = fmt.Sprintf("wait ended after %s (%v) with %s not ready", e.After, e.Err, plural(len(e.Results), "object"))
	}
	if len(e.Results) == 1 {
		return head + ": " + e.Results[0].String()
	}
	var b strings.Builder
	b.WriteString(head + ":")
	for i, r := range e.Results {
		if i == errorListMax {
			fmt.Fprintf(&b, "\n  ... and %d more", len(e.Results)-i)
			break
		}
		b.WriteString("\n  " + r.String())
	}
	return b.String()
}

// Unwrap returns the context's error when the wait ended on one.
func (e *WaitError) Unwrap() error { return e.Err }

// Wait polls the cluster until every object of ids is Current, and returns
// their results in the order of ids. It returns a *WaitError as soon as one
// object is Failed, or when the timeout or ctx ends the wait first; an
// object missing from the cluster is NotFound and keeps the wait going.
//
// A poll makes one paginated LIST per kind and namespace, never a GET per
// object, and one LIST of pods per namespace holding a workload that is
// not Current, to Explain it. mapper resolves kinds; when it can be reset
// (a DeferredDiscoveryRESTMapper) it is, after a poll meets an unknown
// kind, so CRDs created by the apply are picked up.
func Wait(ctx context.Context, client dynamic.Interface, mapper meta.RESTMapper, ids []object.ID, opts WaitOptions) ([]Result, error) {
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	start := time.Now() // before the deadline is set, so a timeout reads as the full timeout
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	p := newPoller(client, mapper, ids)
	results := unchecked(ids)
	for {
		polled, err := p.poll(ctx)
		if err != nil && ctx.Err() == nil {
			return results, err
		}
		if err == nil {
			results = polled
			if done, err := settle(results, opts.Progress); done {
				if we, ok := err.(*WaitError); ok {
					we.After = time.Since(start).Round(time.Millisecond)
				}
				return results, err
			}
		}
		select {
		case <-ctx.Done():
			return results, ended(ctx, results, start, opts.Timeout)
		case <-time.After(opts.Interval):
		}
	}
}

// settle reports progress and whether the wait is over: every object
// Current, or one Failed.
func settle(results []Result, progress func(ready, total int, waiting []Result)) (bool, error) {
	var waiting, failed []Result
	for _, r := range results {
		if !r.Ready() {
			waiting = append(waiting, r)
		}
		if r.Status == Failed {
			failed = append(failed, r)
		}
	}
	if progress != nil {
		progress(len(results)-len(waiting), len(results), waiting)
	}
	if len(failed) > 0 {
		return true, &WaitError{Results: failed}
	}
	return len(waiting) == 0, nil
}

// ended builds the error of a wait cut short by its context.
func ended(ctx context.Context, results []Result, start time.Time, timeout time.Duration) error {
	after := time.Since(start).Round(time.Millisecond)
	if timeout > 0 && after >= timeout {
		after = timeout // "5m0s", not "5m0.003s"
	}
	var waiting []Result
	for _, r := range results {
		if !r.Ready() {
			waiting = append(waiting, r)
		}
	}
	return &WaitError{Results: waiting, Err: ctx.Err(), After: after}
}

// unchecked is what Wait reports for objects it has not read yet.
func unchecked(ids []object.ID) []Result {
	out := make([]Result, len(ids))
	for i, id := range ids {
		out[i] = Result{ID: id, Status: Unknown, Message: "not checked yet"}
	}
	return out
}

// plural renders "1 object" or "2 objects".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
