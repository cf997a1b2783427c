package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/tugboat-gitops/tugboat/internal/failure"
	"github.com/tugboat-gitops/tugboat/internal/health"
	"github.com/tugboat-gitops/tugboat/internal/inventory"
	"github.com/tugboat-gitops/tugboat/internal/plan"
	"github.com/tugboat-gitops/tugboat/internal/source"
)

// TestFailureTypes: each stage's errors are typed once, with the stage,
// a reason and whether a retry of the same input can help.
func TestFailureTypes(t *testing.T) {
	invalid := apierrors.NewInvalid(schema.GroupKind{Kind: "ConfigMap"}, "web", nil)
	tests := []struct {
		name        string
		err         error
		wantStage   failure.Stage
		wantReason  string
		wantStalled bool
	}{
		{"auth refused", fetchFailure(fmt.Errorf("source x: %w", source.ErrAuthFailed)), failure.Fetch, "FetchRefused", true},
		{"network", fetchFailure(errors.New("connection refused")), failure.Fetch, "FetchFailed", false},
		{"render", renderFailure(errors.New("kustomize: bad patch")), failure.Render, "RenderFailed", true},
		{"owned", planFailure(fmt.Errorf("app a: %w", &plan.OwnedError{Owner: "b"})), failure.Validate, "OwnedByAnotherApp", true},
		{"conflict", planFailure(&plan.ConflictError{Err: errors.New("x")}), failure.Validate, "ConflictWithAnotherApplier", true},
		{"immutable", planFailure(&plan.ImmutableError{Err: errors.New("x")}), failure.Validate, "ImmutableFieldChanged", true},
		{"dry-run rejected", planFailure(fmt.Errorf("web: %w", invalid)), failure.Validate, "Rejected", true},
		{"cluster read", planFailure(errors.New("connection reset")), failure.Plan, "PlanFailed", false},
		{"inventory race", applyFailure(failure.Apply, fmt.Errorf("save: %w", inventory.ErrConflict)), failure.Apply, "InventoryConflict", false},
		{"apply rejected", applyFailure(failure.Apply, invalid), failure.Apply, "Rejected", true},
		{"prune", applyFailure(failure.Prune, errors.New("timeout")), failure.Prune, "PruneFailed", false},
		{"sole create rejected", validateFailure(fmt.Errorf("app a: %w", invalid)), failure.Validate, "Rejected", true},
		{"sole create in conflict", validateFailure(apierrors.NewConflict(schema.GroupResource{Resource: "configmaps"}, "a", errors.New("x"))),
			failure.Validate, "ConflictWithAnotherApplier", true},
		{"sole create lost the connection", validateFailure(errors.New("connection reset")), failure.Apply, "ApplyFailed", false},
		{"unhealthy", waitFailure(&health.WaitError{}), failure.Health, "Unhealthy", true},
		{"timed out", waitFailure(&health.WaitError{Err: context.DeadlineExceeded}), failure.Timeout, "HealthCheckTimeout", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := failure.Of(fmt.Errorf("wrapped: %w", tt.err))
			if !ok || f.Stage != tt.wantStage || f.Reason != tt.wantReason || f.Stalled != tt.wantStalled {
				t.Errorf("failure %v, want %s/%s stalled=%v", f, tt.wantStage, tt.wantReason, tt.wantStalled)
			}
		})
	}
}

func TestDescribeHidesCredentials(t *testing.T) {
	got := describe(SourceSpec{Repo: "https://user:s3cret@git.example.com/envs.git", Ref: "main", Path: "apps/web",
		Chart: &ChartSpec{Repo: "https://u:p4ss@charts.example.com", Name: "web", Version: "1.0.0"}})
	if strings.Contains(got, "s3cret") || strings.Contains(got, "p4ss") || !strings.Contains(got, "git.example.com/envs.git@main/apps/web") {
		t.Errorf("describe = %q", got)
	}
}
