package cli

import (
	"errors"
	"fmt"

	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/plan"
)

// hints says, for each kind of refusal the planner typed in err, what lets
// it through from the command line; the engine's messages name no flag.
func hints(err error) []string {
	var out []string
	var owned *plan.OwnedError
	if errors.As(err, &owned) {
		out = append(out, "--adopt takes over objects that another app owns")
	}
	var conflict *plan.ConflictError
	if errors.As(err, &conflict) {
		out = append(out, "--force-conflicts takes fields that another applier owns")
	}
	var immutable *plan.ImmutableError
	if errors.As(err, &immutable) {
		out = append(out, fmt.Sprintf("--force-recreate (or the annotation %s: \"true\" on the object) deletes and re-creates objects whose immutable fields change", object.AnnotationRecreate))
	}
	return out
}
