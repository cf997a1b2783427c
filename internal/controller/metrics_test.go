package controller

import (
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

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
	observeFetch("https://git.example/envs", time.Second, nil)
	observeFetch("https://git.example/envs", time.Second, errors.New("unreachable"))
	if n := testutil.CollectAndCount(fetchDuration, "tugboat_fetch_duration_seconds"); n != 2 {
		t.Errorf("%d fetch duration series, want one per result", n)
	}
}
