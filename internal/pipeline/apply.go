package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/tugboat-gitops/tugboat/internal/apply"
	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/failure"
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
	// Applied is called after each object is applied or pruned, with its
	// outcome set.
	Applied func(c *changeset.Change)
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
		return nil, nil, nil, failure.AtRevision(failure.New(failure.Validate, "EmptyRender", true,
			fmt.Errorf("app %s: renders to no objects; refusing to prune everything it owns (allow empty apps to do that)", app.Name)), rendered.Revision)
	}
	inv, err := p.inventories(c).Load(ctx, app.Name)
	if err != nil {
		return nil, nil, nil, failure.New(failure.Plan, "InventoryUnreadable", false, err)
	}
	cs, err := plan.Make(ctx, plan.Target{Cluster: p.readsOf(c), App: app.Name, Inventory: inv}, rendered.Objects, plan.Options{
		Prune: app.Sync.Prune, Adopt: app.Sync.Adopt, ForceConflicts: app.Sync.ForceConflicts,
		ForceRecreate: app.Sync.ForceRecreate, Concurrency: app.Sync.Concurrency, Diffs: diffs,
	})
	if err != nil {
		return nil, nil, nil, failure.AtRevision(planFailure(fmt.Errorf("app %s: %w", app.Name, err)), rendered.Revision)
	}
	p.logPlan(ctx, app.Name, cs)
	return &Result{App: app.Name, Cluster: c.Name, Revision: rendered.Revision, ChangeSet: cs}, inv, rendered.Objects, nil
}

// Apply plans app and carries the plan out: records the pending inventory,
// applies in stages, prunes, records the final inventory, and waits for
// health if asked.
func (p *Pipeline) Apply(ctx context.Context, app App, c *cluster.Cluster, hooks Hooks) (*Result, error) {
	start := time.Now()
	res, inv, desired, err := p.plan(ctx, app, c, false)
	if err != nil {
		return nil, err
	}
	hooks.Applied = p.logged(ctx, app.Name, hooks.Applied)
	store := p.inventories(c)
	recordAt := inv.ResourceVersion
	if pending, grows := inventory.Pending(inv, res.ChangeSet); grows {
		if err := store.Save(ctx, pending); err != nil {
			return res, applyFailure(failure.Apply, err)
		}
		recordAt = pending.ResourceVersion
	}
	opts := apply.Options{
		ForceConflicts: app.Sync.ForceConflicts, Concurrency: app.Sync.Concurrency, Done: hooks.Applied,
		StepDone: func(ctx context.Context, s object.Step) error { return waitHooks(ctx, c, s, app.Sync.Timeout) },
	}
	res.ChangeSet, err = apply.Apply(ctx, c, res.ChangeSet, opts)
	if cerr := apply.CleanUpHooks(ctx, c, res.ChangeSet, err == nil); cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		err = fmt.Errorf("app %s: %w", app.Name, err)
		if unvalidatedFailed(res.ChangeSet) {
			return res, validateFailure(err)
		}
		return res, applyFailure(failure.Apply, err)
	}
	if res.ChangeSet, err = apply.Prune(ctx, c, res.ChangeSet, opts); err != nil {
		return res, applyFailure(failure.Prune, fmt.Errorf("app %s: %w", app.Name, err))
	}
	final := inventory.Final(inv, res.ChangeSet, res.Revision, app.Sync.Prune, recordAt)
	if !inventory.Same(inv, final) {
		if err := store.Save(ctx, final); err != nil {
			return res, applyFailure(failure.Apply, err)
		}
	}
	p.log.InfoContext(ctx, "applied", "app", app.Name, "revision", res.Revision, "changes", res.ChangeSet.Summary(), "took", since(start))
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
	recordHealth(res.ChangeSet, res.Health)
	if err != nil {
		return res, waitFailure(fmt.Errorf("app %s: %w", app.Name, err))
	}
	p.log.InfoContext(ctx, "healthy", "app", app.Name, "objects", len(ids), "took", since(start))
	return res, nil
}

// recordHealth puts each object's health on its change, so the change set
// alone says what became of every object.
func recordHealth(cs *changeset.Set, results []health.Result) {
	byID := make(map[object.ID]health.Result, len(results))
	for _, r := range results {
		byID[r.ID] = r
	}
	for i := range cs.Changes {
		if r, ok := byID[cs.Changes[i].ID]; ok {
			cs.Changes[i].Health = &changeset.Health{Status: string(r.Status), Reason: r.Reason, Message: r.Message}
		}
	}
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
		return waitFailure(fmt.Errorf("hook: %w", err))
	}
	return nil
}
