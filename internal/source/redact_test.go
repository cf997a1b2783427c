package source

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestRedactError(t *testing.T) {
	inner := errors.New("server said s3cret at https://u:s3cret@host/x")
	tests := []struct {
		name string
		err  error
		kind error
		want string
	}{
		{"nil", nil, nil, ""},
		{"auth", fmt.Errorf("fetch: %w: %w", ErrAuthFailed, inner), ErrAuthFailed,
			"fetch: authentication failed: server said *** at https://host/x"},
		{"host key wins", fmt.Errorf("%w, %w", ErrNotFound, ErrHostKey), ErrHostKey, "not found, host key verification failed"},
		{"context", fmt.Errorf("list: %w", context.DeadlineExceeded), context.DeadlineExceeded, "list: context deadline exceeded"},
		{"no kind", inner, nil, "server said *** at https://host/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RedactError(tt.err, "s3cret")
			if tt.err == nil {
				if got != nil {
					t.Fatalf("RedactError(nil) = %v", got)
				}
				return
			}
			if got.Error() != tt.want {
				t.Errorf("message %q, want %q", got, tt.want)
			}
			if errors.Unwrap(got) != tt.kind {
				t.Errorf("unwraps to %v, want only %v", errors.Unwrap(got), tt.kind)
			}
			if errors.Is(got, inner) {
				t.Error("the unredacted error is still in the chain")
			}
		})
	}
}
