package failure

import (
	"errors"
	"fmt"
	"testing"
)

func TestNew(t *testing.T) {
	cause := errors.New("boom")
	inner := New(Render, "RenderFailed", true, cause)
	tests := []struct {
		name      string
		err       error
		wantStage Stage
		wantRetry bool
		wantNil   bool
	}{
		{name: "nil stays nil", err: New(Apply, "ApplyFailed", false, nil), wantNil: true},
		{name: "typed", err: New(Apply, "ApplyFailed", false, cause), wantStage: Apply, wantRetry: true},
		{name: "the innermost stage wins", err: New(Apply, "ApplyFailed", false, fmt.Errorf("app x: %w", inner)), wantStage: Render},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.wantNil {
				if tt.err != nil {
					t.Fatalf("err = %v, want nil", tt.err)
				}
				return
			}
			f, ok := Of(fmt.Errorf("wrapped: %w", tt.err))
			if !ok || f.Stage != tt.wantStage || f.Retryable() != tt.wantRetry {
				t.Fatalf("Of = %+v, %v; want stage %s, retryable %v", f, ok, tt.wantStage, tt.wantRetry)
			}
			if !errors.Is(tt.err, cause) {
				t.Error("the cause is lost")
			}
			if tt.err.Error() != cause.Error() && tt.wantStage != Render {
				t.Errorf("message %q, want the cause's", tt.err.Error())
			}
		})
	}
}
