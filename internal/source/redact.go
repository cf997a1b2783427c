package source

import (
	"errors"

	"github.com/tugboat-gitops/tugboat/internal/redact"
)

// Error is an error whose message has been redacted. It keeps the meaning
// of the error it replaces (Kind, one of this package's Err values or a
// context error) and nothing else of its chain, so that unwrapping cannot
// reach unredacted text.
type Error struct {
	// Kind is what errors.Is matches; nil when the meaning is unknown.
	Kind error
	// Msg is the redacted message.
	Msg string
}

// Error returns the redacted message.
func (e *Error) Error() string { return e.Msg }

// Unwrap returns Kind.
func (e *Error) Unwrap() error { return e.Kind }

// RedactError returns err with its message passed through redact.Text and
// its chain replaced by its meaning (see Error): one meaning only, the
// first of errorKinds it matches, so that callers mapping errors to
// conditions see the same one whatever order they test in. It returns nil
// for nil.
func RedactError(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	out := &Error{Msg: redact.Text(err.Error(), secrets...)}
	for _, kind := range errorKinds {
		if errors.Is(err, kind) {
			out.Kind = kind
			break
		}
	}
	return out
}
