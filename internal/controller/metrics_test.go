package controller

import (
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/failure"
	"github.com/tugboat-gitops/tugboat/internal/pipeline"
)

func TestObserve(t *testing.T) {
	wrote := &pipeline.Result{ChangeSet: &changeset.Set{Changes: []changeset.Change{
		{Action: changeset.Update, Outcome: changeset.Applied},
		{Action: changeset.Unchanged, Outcome: changeset.Kept},
	}}}
	observe("ns", "drifty", time.Second, wrote, nil, true)
	observe("ns", "drifty", time.Second, nil, failure.New(failure.Render, "RenderFailed", true, errors.New("x")), false)
	if got := testutil.ToFloat64(objectsChanged.WithLabelValues("ns", "drifty", "update")); got != 1 {
		t.Errorf("objects changed = %v, want 1", got)
	}
	if got := testutil.ToFloat64(driftCorrections.WithLabelValues("ns", "drifty")); got != 1 {
		t.Errorf("drift corrections = %v, want 1", got)
	}
	if n := testutil.CollectAndCount(reconcileDuration, "tugboat_reconcile_duration_seconds"); n < 2 {
		t.Errorf("%d reconcile duration series, want one per result", n)
	}
}

func TestObserveFetch(t *testing.T) {
	// A repository of its own: the package's integration tests fetch too.
	repo := "https://git.example/observe-fetch"
	observeFetch(repo, time.Second, nil)
	observeFetch(repo, time.Second, errors.New("unreachable"))
	for _, result := range []string{"ok", "error"} {
		h, err := fetchDuration.GetMetricWithLabelValues(repo, result)
		if err != nil {
			t.Fatal(err)
		}
		var m dto.Metric
		if err := h.(prometheus.Metric).Write(&m); err != nil {
			t.Fatal(err)
		}
		if n := m.GetHistogram().GetSampleCount(); n != 1 {
			t.Errorf("%s: %d fetches observed, want 1", result, n)
		}
	}
}
