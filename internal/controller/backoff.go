package controller

import (
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/failure"
)

// The backoff of an Application whose spec sets no retry.
const (
	DefaultRetryInitial = 5 * time.Second
	DefaultRetryMax     = 5 * time.Minute
)

// retryable reports whether a retry of the same input may cure err: any
// failure the pipeline did not type as stalled.
func retryable(err error) bool {
	f, ok := failure.Of(err)
	return err != nil && (!ok || f.Retryable())
}

// countFailure returns how many retryable failures in a row app's syncs
// have now had, err being the last sync's outcome. Success starts the
// count again; a stalled failure leaves it.
func (r *reconciler) countFailure(app types.NamespacedName, err error) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case err == nil:
		delete(r.failures, app)
	case retryable(err):
		if r.failures == nil {
			r.failures = map[types.NamespacedName]int{}
		}
		r.failures[app]++
	}
	return r.failures[app]
}

// backoff is the wait before retrying after the n-th retryable failure in
// a row: the initial interval, doubled each time, capped at the maximum
// and at ceiling (the app's interval: a retry never comes later than a
// routine check would).
func backoff(spec *v1alpha1.RetrySpec, n int, ceiling time.Duration) time.Duration {
	initial, limit := DefaultRetryInitial, DefaultRetryMax
	if spec != nil && spec.InitialInterval != nil && spec.InitialInterval.Duration > 0 {
		initial = spec.InitialInterval.Duration
	}
	if spec != nil && spec.MaxInterval != nil && spec.MaxInterval.Duration > 0 {
		limit = spec.MaxInterval.Duration
	}
	if ceiling > 0 {
		limit = min(limit, ceiling)
	}
	d := initial
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}
