// Package failure types what goes wrong in a run of the pipeline, once, so
// that each driver decides in one place what it does about it: the CLI
// turns a failure into an exit code and a hint, the controller into a
// condition, an event and a requeue.
package failure

import (
	"errors"
	"fmt"
)

// Stage is the step of the pipeline a failure happened in.
type Stage string

// The stages, in pipeline order.
const (
	Fetch    Stage = "fetch"    // git, chart repository
	Render   Stage = "render"   // manifests that do not render
	Validate Stage = "validate" // objects the API server, or Tugboat's rules, refuse
	Plan     Stage = "plan"     // reading what the app owns
	Apply    Stage = "apply"
	Prune    Stage = "prune"
	Health   Stage = "health"  // an object that became unhealthy
	Timeout  Stage = "timeout" // an object that did not become healthy in time
)

// Error is a failed stage: why (a CamelCase reason, for conditions and
// events) and whether the same input can succeed on a retry. A stalled
// failure cannot: it needs a new commit, or a person (a conflict to force,
// an object to adopt).
type Error struct {
	Stage   Stage
	Reason  string
	Stalled bool
	Err     error
	// Revision is the revision the run had fetched when it failed after
	// the fetch (a commit that does not render): the one a status calls
	// attempted. Empty when the fetch failed.
	Revision string
}

// AtRevision records revision in err's failure, unless it names one
// already, and returns err.
func AtRevision(err error, revision string) error {
	if f, ok := Of(err); ok && f.Revision == "" {
		f.Revision = revision
	}
	return err
}

// RevisionOf is the revision of err's failure, if it names one.
func RevisionOf(err error) string {
	if f, ok := Of(err); ok {
		return f.Revision
	}
	return ""
}

// Error is the wrapped error's message: the failure's type is for
// programs, the message for people.
func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether running again with the same input may succeed.
func (e *Error) Retryable() bool { return !e.Stalled }

// New returns err as a failure of stage; nil stays nil, and an error that
// already is a failure keeps its own type (the innermost stage knows best).
func New(stage Stage, reason string, stalled bool, err error) error {
	if err == nil {
		return nil
	}
	var f *Error
	if errors.As(err, &f) {
		return err
	}
	return &Error{Stage: stage, Reason: reason, Stalled: stalled, Err: err}
}

// Of returns the failure in err's chain, if any.
func Of(err error) (*Error, bool) {
	var f *Error
	ok := errors.As(err, &f)
	return f, ok
}

// String renders the failure's type, for logs: "render/RenderFailed
// (stalled)".
func (e *Error) String() string {
	s := fmt.Sprintf("%s/%s", e.Stage, e.Reason)
	if e.Stalled {
		s += " (stalled)"
	}
	return s
}
