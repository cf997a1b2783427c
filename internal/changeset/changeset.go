// Package changeset is the one result type of the pipeline: a Set of
// Changes, one per object, that the planner fills before the fact (create,
// update, unchanged, prune, ...) and apply and prune complete after it
// (applied, pruned, failed with the error), and that the inventory record,
// the CLI's output, logs and, later, status and events all read.
package changeset

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/types"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

// Action is what happens, or happened, to one object.
type Action string

// The actions.
const (
	Create    Action = "create"
	Update    Action = "update"
	Unchanged Action = "unchanged"
	Prune     Action = "prune"
	// Recreate: an immutable field changed and recreation was asked for.
	Recreate Action = "recreate"
	// Skip: an object that would be pruned but is marked
	// tugboat.dev/prune: disabled, or is no longer labelled as ours.
	Skip Action = "skip"
)

// Change is one object's entry in a Set.
type Change struct {
	ID     object.ID `json:"id"`
	Action Action    `json:"action"`
	// Diff is a unified diff of the object's YAML, live before desired,
	// with Secret values redacted; empty for unchanged objects.
	Diff string `json:"diff,omitempty"`
	// Reason explains a Skip, a Recreate or a failure.
	Reason string `json:"reason,omitempty"`
	// Desired is the object to apply (nil for prune and skip).
	Desired *object.Object `json:"-"`
	// Version is the API version the object is applied (or was applied) as.
	Version string `json:"-"`
	// Fields is the hash of the fields Tugboat's manager owns on the live
	// object, for the inventory; set after an apply, or from the live
	// object when nothing needed writing.
	Fields string `json:"-"`
	// Restamp asks apply to write an object whose content is unchanged,
	// to record a new desired hash on it.
	Restamp bool `json:"-"`
	// Force takes back, when applying, fields of an owned object that a
	// hand edit moved to another field manager (drift).
	Force bool `json:"-"`
	// Unvalidated marks a create that was not dry-run first: it is the
	// set's only write, so its apply is its own validation, all or
	// nothing, and an object it turns out to update was nobody's.
	Unvalidated bool `json:"-"`
	// UID identifies the live object a prune or recreate deletes.
	UID types.UID `json:"-"`
	// Hook is set on Helm hooks: when and how they run.
	Hook *object.Hook `json:"-"`

	// Outcome is what became of the change when it was carried out;
	// empty while it is only planned, or when the run stopped before it.
	Outcome Outcome `json:"outcome,omitempty"`
	// Error says why, when Outcome is Failed.
	Error string `json:"error,omitempty"`
	// Health is the object's health once the run waited for it.
	Health *Health `json:"health,omitempty"`
}

// Outcome is what became of one change.
type Outcome string

// The outcomes.
const (
	Applied Outcome = "applied"
	Pruned  Outcome = "pruned"
	// Kept: nothing needed writing (unchanged), or it was skipped.
	Kept   Outcome = "kept"
	Failed Outcome = "failed"
)

// Health is an object's health after a wait, as the health stage judged
// it (kstatus's Current, InProgress, Failed, ...).
type Health struct {
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

// Done records the outcome of carrying c out: err nil means success.
func (c *Change) Done(err error) {
	switch {
	case err != nil:
		c.Outcome, c.Error = Failed, err.Error()
	case c.Action == Prune:
		c.Outcome = Pruned
	case c.NeedsWrite():
		c.Outcome = Applied
	default:
		c.Outcome = Kept
	}
}

// Wrote reports whether carrying c out wrote to the cluster.
func (c *Change) Wrote() bool { return c.Outcome == Applied || c.Outcome == Pruned }

// Wrote reports whether carrying s out wrote anything to the cluster.
func (s *Set) Wrote() bool {
	for i := range s.Changes {
		if s.Changes[i].Wrote() {
			return true
		}
	}
	return false
}

// Copy returns a copy of s that can be completed without changing s: the
// planned set stays what was planned.
func (s *Set) Copy() *Set {
	return &Set{Changes: append([]Change(nil), s.Changes...)}
}

// Failures returns the changes that failed.
func (s *Set) Failures() []Change {
	var out []Change
	for _, c := range s.Changes {
		if c.Outcome == Failed {
			out = append(out, c)
		}
	}
	return out
}

// NeedsWrite reports whether apply must write to the cluster for c.
func (c *Change) NeedsWrite() bool {
	switch c.Action {
	case Create, Update, Recreate, Prune:
		return true
	}
	return c.Restamp
}

// Set lists the changes of one app, in apply order (prunes last).
type Set struct {
	Changes []Change `json:"changes"`
}

// Count returns how many changes have action a.
func (cs *Set) Count(a Action) int {
	n := 0
	for _, c := range cs.Changes {
		if c.Action == a {
			n++
		}
	}
	return n
}

// HasChanges reports whether applying would change the cluster.
func (cs *Set) HasChanges() bool {
	for _, c := range cs.Changes {
		switch c.Action {
		case Create, Update, Prune, Recreate:
			return true
		}
	}
	return false
}

// Summary renders the counts, e.g. "3 to create, 2 to update, 1 to prune,
// 94 unchanged".
func (cs *Set) Summary() string {
	parts := []string{
		fmt.Sprintf("%d to create", cs.Count(Create)),
		fmt.Sprintf("%d to update", cs.Count(Update)+cs.Count(Recreate)),
		fmt.Sprintf("%d to prune", cs.Count(Prune)),
		fmt.Sprintf("%d unchanged", cs.Count(Unchanged)),
	}
	if n := cs.Count(Skip); n > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped", n))
	}
	return strings.Join(parts, ", ")
}
