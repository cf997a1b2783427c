package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/tugboat-gitops/tugboat/internal/apply"
	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/health"
	"github.com/tugboat-gitops/tugboat/internal/inventory"
	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/plan"
)

// Result is what a run did (or, for a plan, would do) to one app.
type Result struct {
	App       string          `json:"app"`
	Cluster   string          `json:"cluster"`
	Revision  string          `json:"revision,omitempty"`
	ChangeSet *changeset.Set  `json:"changeSet"`
	Health    []health.Result `json:"health,omitempty"`
}

// Hooks let a driver follow a run as it happens.
type Hooks struct {
	// Applied is called after each object is applied or pruned.
	Applied func(c *changeset.Change, err error)
	// Progress is called while waiting for health.
	Progress func(ready, total int, waiting []health.Result)
}

// Plan renders app and decides what applying it to c would change,
// validating every changed object with a server-side dry-run. It writes
// nothing.
func (p *Pipeline) Plan(ctx context.Context, app App, c *cluster.Cluster) (*Result, error) {
	res, _, _, err := p.plan(ctx, app, c, true)
	return res, err
}

// plan renders and plans app; with diffs, every change carries its diff.
func (p *Pipeline) plan(ctx context.Context, app App, c *cluster.Cluster, diffs bool) (*Result, *inventory.Inventory, []*object.Object, error) {
	if err := TargetCluster(ctx, &app.Render, c); err != nil {
		return nil, nil, nil, err
	}
	rendered, err := p.Render(ctx, app.Source, app.Render)
	if err != nil {
		// Nothing is planned, so nothing can be pruned: a failed fetch or
		// render never deletes.
		return nil, nil, nil, fmt.Errorf("app %s: %w", app.Name, err)
	}
	if len(rendered.Objects) == 0 && !app.Sync.AllowEmpty {
		return nil, nil, nil, fmt.Errorf("app %s: renders to no objects; refusing to prune everything it owns (allow empty apps to do that)", app.Name)
	}
	inv, err := (&inventory.Store{Cluster: c}).Load(ctx, app.Name)
	if err != nil {
		return nil, nil, nil, err
	}
	cs, err := plan.Make(ctx, plan.Target{Cluster: c, App: app.Name, Inventory: inv}, rendered.Objects, plan.Options{
		Prune: app.Sync.Prune, Adopt: app.Sync.Adopt, ForceConflicts: app.Sync.ForceConflicts,
		ForceRecreate: app.Sync.ForceRecreate, Concurrency: app.Sync.Concurrency, Diffs: diffs,
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("app %s: %w", app.Name, err)
	}
	return &Result{App: app.Name, Cluster: c.Name, Revision: rendered.Revision, ChangeSet: cs}, inv, rendered.Objects, nil
}

// Apply plans app and carries the plan out: records the pending inventory,
// applies in stages, prunes, records the final inventory, and waits for
// health if asked.
func (p *Pipeline) Apply(ctx context.Context, app App, c *cluster.Cluster, hooks Hooks) (*Result, error) {
	res, inv, desired, err := p.plan(ctx, app, c, false)
	if err != nil {
		return nil, err
	}
	store := &inventory.Store{Cluster: c}
	if pending, grows := pendingInventory(inv, res.ChangeSet); grows {
		if err := store.Save(ctx, pending); err != nil {
			return res, err
		}
	}
	opts := apply.Options{
		ForceConflicts: app.Sync.ForceConflicts, Concurrency: app.Sync.Concurrency, Done: hooks.Applied,
		StepDone: func(ctx context.Context, s object.Step) error { return waitHooks(ctx, c, s, app.Sync.Timeout) },
	}
	err = apply.Apply(ctx, c, res.ChangeSet, opts)
	if cerr := apply.CleanUpHooks(ctx, c, res.ChangeSet, err == nil); cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		return res, fmt.Errorf("app %s: %w", app.Name, err)
	}
	if err := apply.Prune(ctx, c, res.ChangeSet, opts); err != nil {
		return res, fmt.Errorf("app %s: %w", app.Name, err)
	}
	final := finalInventory(inv, res.ChangeSet, res.Revision, app.Sync.Prune)
	if !sameInventory(inv, final) {
		if err := store.Save(ctx, final); err != nil {
			return res, err
		}
	}
	if !app.Sync.Wait {
		return res, nil
	}
	var ids []object.ID
	for _, o := range desired {
		// Hooks were waited for when they ran, and may be gone since.
		if h, _ := object.HookOf(o); h == nil {
			ids = append(ids, o.ID())
		}
	}
	res.Health, err = health.Wait(ctx, c.Dynamic, c.Mapper, ids, health.WaitOptions{Timeout: app.Sync.Timeout, Progress: hooks.Progress})
	if err != nil {
		return res, fmt.Errorf("app %s: %w", app.Name, err)
	}
	return res, nil
}

// waitHooks waits, after a step of hooks, for its Jobs to complete and its
// Pods to succeed, as Helm does before it goes on; other kinds of hook are
// done once applied.
func waitHooks(ctx context.Context, c *cluster.Cluster, s object.Step, timeout time.Duration) error {
	if s.Phase == object.PhaseMain {
		return nil
	}
	var ids []object.ID
	for _, o := range s.Objects {
		if id := o.ID(); id.Group == "batch" && id.Kind == "Job" || id.Group == "" && id.Kind == "Pod" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	_, err := health.Wait(ctx, c.Dynamic, c.Mapper, ids, health.WaitOptions{Timeout: timeout})
	if err != nil {
		return fmt.Errorf("hook: %w", err)
	}
	return nil
}

// pendingInventory is previous ∪ desired, recorded before the first write
// so that an apply that dies half-way still knows what to prune; grows is
// false when desired adds nothing to what is recorded.
func pendingInventory(inv *inventory.Inventory, cs *changeset.Set) (*inventory.Inventory, bool) {
	index := inv.Index()
	out := &inventory.Inventory{App: inv.App, Revision: inv.Revision, Pending: true, Entries: append([]inventory.Entry(nil), inv.Entries...)}
	grows := false
	for _, c := range cs.Changes {
		if c.Desired == nil {
			continue
		}
		if _, ok := index[c.ID]; !ok {
			e := entryOf(c)
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

// finalInventory is what the app owns after a successful run: everything
// desired, plus, when pruning is off, what it owned before and kept.
func finalInventory(inv *inventory.Inventory, cs *changeset.Set, revision string, pruned bool) *inventory.Inventory {
	out := &inventory.Inventory{App: inv.App, Revision: revision}
	handled := map[object.ID]bool{}
	for _, c := range cs.Changes {
		handled[c.ID] = true
		if c.Desired != nil {
			out.Entries = append(out.Entries, entryOf(c))
		}
	}
	for _, e := range inv.Entries {
		if !pruned && !handled[e.ID()] {
			out.Entries = append(out.Entries, e)
		}
	}
	return out
}

func entryOf(c changeset.Change) inventory.Entry {
	e := inventory.Entry{Group: c.ID.Group, Version: c.Version, Kind: c.ID.Kind, Namespace: c.ID.Namespace, Name: c.ID.Name, Fields: c.Fields}
	if c.Hook != nil {
		e.HookHash = c.Desired.GetAnnotations()[object.AnnotationHash]
	}
	return e
}

// sameInventory reports whether b records exactly what a does, so that
// saving b would change nothing: a reconcile with no change makes no write.
func sameInventory(a, b *inventory.Inventory) bool {
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
