package inventory

import (
	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/object"
)

// The two-step record of DESIGN.md: a process can die between any two
// requests, so the record must never lag behind what is live. Before the
// first write of an apply, Pending (previous ∪ desired) is saved; after
// apply and prune succeed, Final (desired).

// Pending is previous ∪ desired, recorded before the first write so that an
// apply that dies half-way still knows what to prune; grows is false when
// desired adds nothing to what is recorded, and then nothing need be saved.
func Pending(prev *Inventory, cs *changeset.Set) (inv *Inventory, grows bool) {
	index := prev.Index()
	out := &Inventory{App: prev.App, Revision: prev.Revision, Pending: true, Entries: append([]Entry(nil), prev.Entries...), ResourceVersion: prev.ResourceVersion}
	for _, c := range cs.Changes {
		if c.Desired == nil {
			continue
		}
		if _, ok := index[c.ID]; !ok {
			e := EntryOf(c)
			if c.Hook != nil {
				// Not run yet: should this run die first, the next one
				// must not take the hook for done.
				e.HookHash = hookPending
			}
			out.Entries = append(out.Entries, e)
			grows = true
		}
	}
	return out, grows
}

// hookPending is the hash a hook is recorded with before it has run: no
// manifest's hash, so the next apply runs it.
const hookPending = "pending"

// Final is what the app owns after a successful run of cs at revision:
// everything desired, plus, when the run did not prune, what it owned
// before and kept. It is to replace the record at resourceVersion (prev's,
// or the pending record's when one was saved).
func Final(prev *Inventory, cs *changeset.Set, revision string, pruned bool, resourceVersion string) *Inventory {
	out := &Inventory{App: prev.App, Revision: revision, ResourceVersion: resourceVersion}
	handled := map[object.ID]bool{}
	for _, c := range cs.Changes {
		handled[c.ID] = true
		if c.Desired != nil {
			out.Entries = append(out.Entries, EntryOf(c))
		}
	}
	for _, e := range prev.Entries {
		if !pruned && !handled[e.ID()] {
			out.Entries = append(out.Entries, e)
		}
	}
	return out
}

// EntryOf records a desired change: its id, version and the fields Tugboat
// owns, and for a hook the hash of the manifest that ran.
func EntryOf(c changeset.Change) Entry {
	e := Entry{Group: c.ID.Group, Version: c.Version, Kind: c.ID.Kind, Namespace: c.ID.Namespace, Name: c.ID.Name, Fields: c.Fields}
	if c.Hook != nil {
		e.HookHash = c.Desired.GetAnnotations()[object.AnnotationHash]
	}
	return e
}

// Same reports whether b records exactly what a does, so that saving b
// would change nothing: a reconcile with no change makes no write.
func Same(a, b *Inventory) bool {
	if a.Pending || b.Pending || a.Revision != b.Revision || len(a.Entries) != len(b.Entries) {
		return false
	}
	index := a.Index()
	for _, e := range b.Entries {
		if old, ok := index[e.ID()]; !ok || old != e {
			return false
		}
	}
	return true
}
