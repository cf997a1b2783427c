package plan

import (
	"errors"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestUpdatedOnly(t *testing.T) {
	conflict := func(msgs ...string) error {
		causes := make([]metav1.StatusCause, len(msgs))
		for i, m := range msgs {
			causes[i] = metav1.StatusCause{Type: metav1.CauseTypeFieldManagerConflict, Message: m, Field: ".data.mode"}
		}
		return apierrors.NewApplyConflict(causes, "Apply failed")
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"hand edit", conflict(`conflict with "kubectl-edit" using v1`), true},
		{"update with time", conflict(`conflict with "kube-controller-manager" using apps/v1 at 2026-12-01T00:00:00Z`), true},
		{"subresource update", conflict(`conflict with "kubectl" with subresource "scale" using apps/v1`), true},
		{"another applier", conflict(`conflict with "helm"`), false},
		{"applier name holding the word", conflict(`conflict with "x\" using v1"`), false},
		{"mixed", conflict(`conflict with "kubectl-edit" using v1`, `conflict with "flux"`), false},
		{"no causes", apierrors.NewApplyConflict(nil, "Apply failed"), false},
		{"not an API error", errors.New("boom"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := updatedOnly(tt.err); got != tt.want {
				t.Errorf("updatedOnly = %v, want %v", got, tt.want)
			}
		})
	}
}
