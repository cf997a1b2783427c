package controller

import (
	"context"
	"errors"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/failure"
)

func TestBackoff(t *testing.T) {
	d := func(s string) *metav1.Duration {
		v, err := time.ParseDuration(s)
		if err != nil {
			t.Fatal(err)
		}
		return &metav1.Duration{Duration: v}
	}
	tests := []struct {
		name    string
		spec    *v1alpha1.RetrySpec
		ceiling time.Duration
		want    []time.Duration // after the 1st, 2nd, ... failure in a row
	}{
		{name: "defaults: 5s doubling to 5m", ceiling: time.Hour,
			want: []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 160 * time.Second, 5 * time.Minute, 5 * time.Minute}},
		{name: "the app's interval caps it", ceiling: 30 * time.Second,
			want: []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 30 * time.Second, 30 * time.Second}},
		{name: "an interval shorter than the first wait", ceiling: time.Second,
			want: []time.Duration{time.Second, time.Second}},
		{name: "the spec's", spec: &v1alpha1.RetrySpec{InitialInterval: d("500ms"), MaxInterval: d("3s")}, ceiling: time.Hour,
			want: []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second}},
		{name: "only a maximum", spec: &v1alpha1.RetrySpec{MaxInterval: d("12s")}, ceiling: time.Hour,
			want: []time.Duration{5 * time.Second, 10 * time.Second, 12 * time.Second}},
		{name: "an initial above the maximum", spec: &v1alpha1.RetrySpec{InitialInterval: d("1m"), MaxInterval: d("10s")}, ceiling: time.Hour,
			want: []time.Duration{10 * time.Second, 10 * time.Second}},
		{name: "zero durations mean the defaults", spec: &v1alpha1.RetrySpec{InitialInterval: d("0s"), MaxInterval: d("0s")}, ceiling: time.Hour,
			want: []time.Duration{5 * time.Second, 10 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, want := range tt.want {
				if got := backoff(tt.spec, i+1, tt.ceiling); got != want {
					t.Errorf("failure %d: wait %s, want %s", i+1, got, want)
				}
			}
		})
	}
	if got := backoff(nil, 1<<30, time.Hour); got != DefaultRetryMax {
		t.Errorf("after a billion failures: %s, want %s", got, DefaultRetryMax)
	}
}

// TestNext follows one app through a run of outcomes: retryable failures
// back off, a stalled one waits for the interval without resetting the
// count, a success resets it.
func TestNext(t *testing.T) {
	app := &v1alpha1.Application{Spec: v1alpha1.ApplicationSpec{Interval: &metav1.Duration{Duration: time.Hour}}}
	retry := failure.New(failure.Fetch, "FetchFailed", false, errors.New("refused"))
	stall := failure.New(failure.Render, "RenderFailed", true, errors.New("bad"))
	untyped := errors.New("status: conflict")
	steps := []struct {
		err  error
		want time.Duration
	}{
		{nil, time.Hour},
		{retry, 5 * time.Second},
		{untyped, 10 * time.Second},
		{retry, 20 * time.Second},
		{stall, time.Hour},
		{retry, 40 * time.Second},
		{nil, time.Hour},
		{retry, 5 * time.Second},
	}
	r := &reconciler{dests: &destinations{local: &destination{drift: newDriftWatch(context.Background(), nil, nil)}}}
	nn := types.NamespacedName{Namespace: "team", Name: "web"}
	for i, s := range steps {
		if got := next(app, s.err, r.countFailure(nn, s.err)); got != s.want {
			t.Errorf("step %d (%v): next = %s, want %s", i, s.err, got, s.want)
		}
	}
	r.release(nn)
	if len(r.failures) != 0 {
		t.Errorf("release kept the backoff: %v", r.failures)
	}
}
