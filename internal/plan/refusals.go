package plan

import (
	"fmt"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

// The planner's refusals: typed, so that each driver says in its own
// words what lets it through (the CLI names a flag, the controller a spec
// field), and worded here without either.

// OwnedError refuses an object that another app owns.
type OwnedError struct {
	Object *object.Object
	Owner  string
}

func (e *OwnedError) Error() string {
	return fmt.Sprintf("%s is owned by app %q; not touched", e.Object, e.Owner)
}

// ConflictError refuses to take fields that another applier (another
// tool's server-side apply: its declared intent, not drift) owns.
type ConflictError struct {
	Object *object.Object
	Err    error
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s: %v (another field manager owns these fields)", e.Object, e.Err)
}

func (e *ConflictError) Unwrap() error { return e.Err }

// ImmutableError refuses a change to an immutable field, which only
// deleting and re-creating the object can make.
type ImmutableError struct {
	Object *object.Object
	Err    error
}

func (e *ImmutableError) Error() string {
	return fmt.Sprintf("%s: %v (an immutable field changed; the object must be re-created)", e.Object, e.Err)
}

func (e *ImmutableError) Unwrap() error { return e.Err }
