package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tugboat-gitops/tugboat/internal/failure"
	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/plan"
)

// TestHints: the planner's typed refusals come out of tug with the flag
// that lets them through; other errors get no hint.
func TestHints(t *testing.T) {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	u.SetKind("ConfigMap")
	u.SetName("web")
	o := object.New(u, "web.yaml")
	owned := &plan.OwnedError{Object: o, Owner: "other"}
	conflict := &plan.ConflictError{Object: o, Err: errors.New("Apply failed")}
	tests := []struct {
		name string
		err  error
		want []string
	}{
		{name: "owned", err: failure.New(failure.Validate, "OwnedByAnotherApp", true, fmt.Errorf("app a: %w", owned)), want: []string{"Hint: --adopt"}},
		{name: "two kinds at once", err: errors.Join(owned, conflict), want: []string{"Hint: --adopt", "Hint: --force-conflicts"}},
		{name: "immutable", err: &plan.ImmutableError{Object: o, Err: errors.New("field is immutable")}, want: []string{"Hint: --force-recreate", "tugboat.dev/recreate"}},
		{name: "anything else", err: errors.New("boom")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			cmd := &cobra.Command{RunE: func(*cobra.Command, []string) error { return tt.err }, SilenceErrors: true, SilenceUsage: true}
			cmd.SetErr(&stderr)
			cmd.SetArgs(nil)
			if code := Execute(context.Background(), cmd); code != ExitFailure {
				t.Errorf("exit code %d", code)
			}
			out := stderr.String()
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("stderr lacks %q:\n%s", w, out)
				}
			}
			if len(tt.want) == 0 && strings.Contains(out, "Hint:") {
				t.Errorf("a hint for an error that has none:\n%s", out)
			}
		})
	}
}
