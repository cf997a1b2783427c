package pipeline

import (
	"context"
	"errors"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/failure"
	"github.com/tugboat-gitops/tugboat/internal/health"
	"github.com/tugboat-gitops/tugboat/internal/inventory"
	"github.com/tugboat-gitops/tugboat/internal/plan"
	"github.com/tugboat-gitops/tugboat/internal/source"
	"github.com/tugboat-gitops/tugboat/internal/source/helmrepo"
)

// The pipeline types its failures here, once, as failure.Errors: which
// stage, why, and whether the same input can succeed on a retry.

// fetchFailure: a source that refuses the credentials, or lacks the ref,
// will do so again; a network error may not.
func fetchFailure(err error) error {
	for _, stalled := range []error{source.ErrAuthFailed, source.ErrAuthRequired, source.ErrNotFound, source.ErrHostKey,
		helmrepo.ErrChartNotFound, helmrepo.ErrNoMatchingVersion} {
		if errors.Is(err, stalled) {
			return failure.New(failure.Fetch, "FetchRefused", true, err)
		}
	}
	return failure.New(failure.Fetch, "FetchFailed", false, err)
}

// renderFailure: manifests that do not render need a new commit.
func renderFailure(err error) error {
	return failure.New(failure.Render, "RenderFailed", true, err)
}

// planFailure types what the planner returns: its refusals and the API
// server's rejections need a new commit or a person; a failed read of the
// cluster may pass on a retry.
func planFailure(err error) error {
	var owned *plan.OwnedError
	var conflict *plan.ConflictError
	var immutable *plan.ImmutableError
	switch {
	case errors.As(err, &owned):
		return failure.New(failure.Validate, "OwnedByAnotherApp", true, err)
	case errors.As(err, &conflict):
		return failure.New(failure.Validate, "ConflictWithAnotherApplier", true, err)
	case errors.As(err, &immutable):
		return failure.New(failure.Validate, "ImmutableFieldChanged", true, err)
	case rejected(err):
		return failure.New(failure.Validate, "Rejected", true, err)
	}
	return failure.New(failure.Plan, "PlanFailed", false, err)
}

// unvalidatedFailed reports whether the change that failed is a create
// the planner let through without a dry-run (its sole write): then the
// apply was that object's validation.
func unvalidatedFailed(cs *changeset.Set) bool {
	for _, c := range cs.Changes {
		if c.Unvalidated && c.Outcome == changeset.Failed {
			return true
		}
	}
	return false
}

// validateFailure types the API server's refusal of an object that was
// applied without a dry-run as its dry-run's would have been: a conflict
// with another applier or a rejection needs a new commit or a person.
func validateFailure(err error) error {
	switch {
	case apierrors.IsConflict(err):
		return failure.New(failure.Validate, "ConflictWithAnotherApplier", true, err)
	case rejected(err):
		return failure.New(failure.Validate, "Rejected", true, err)
	}
	return applyFailure(failure.Apply, err)
}

// applyFailure types a failed apply or prune: a rejection needs a change,
// anything else (a lost race on the inventory, an API server that went
// away) may pass on a retry.
func applyFailure(stage failure.Stage, err error) error {
	switch {
	case errors.Is(err, inventory.ErrConflict):
		return failure.New(stage, "InventoryConflict", false, err)
	case rejected(err):
		return failure.New(stage, "Rejected", true, err)
	}
	if stage == failure.Prune {
		return failure.New(stage, "PruneFailed", false, err)
	}
	return failure.New(stage, "ApplyFailed", false, err)
}

// waitFailure types a failed wait for health: an object that failed
// (kstatus Failed) stays failed until something changes; one that is
// merely not ready yet may be on a retry.
func waitFailure(err error) error {
	var w *health.WaitError
	if errors.As(err, &w) && w.Err == nil {
		return failure.New(failure.Health, "Unhealthy", true, err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return failure.New(failure.Timeout, "HealthCheckTimeout", false, err)
	}
	return failure.New(failure.Health, "HealthCheckFailed", false, err)
}

// rejected reports whether the API server refused an object as it is.
func rejected(err error) bool {
	return apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) || apierrors.IsForbidden(err) || apierrors.IsNotFound(err)
}
