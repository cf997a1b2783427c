package pipeline

import (
	"context"
	"fmt"

	"github.com/tugboat-gitops/tugboat/internal/apply"
	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/failure"
	"github.com/tugboat-gitops/tugboat/internal/health"
	"github.com/tugboat-gitops/tugboat/internal/inventory"
	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/plan"
)

// Delete removes what app owns in c (except objects marked
// tugboat.dev/prune: disabled), in reverse apply order, then its inventory.
// It is a plan with nothing desired: the same ownership checks apply.
func (p *Pipeline) Delete(ctx context.Context, app string, c *cluster.Cluster, hooks Hooks) (*Result, error) {
	store := &inventory.Store{Cluster: c}
	inv, err := store.Load(ctx, app)
	if err != nil {
		return nil, err
	}
	cs, err := plan.Make(ctx, plan.Target{Cluster: c, App: app, Inventory: inv}, nil, plan.Options{Prune: true})
	if err != nil {
		return nil, fmt.Errorf("app %s: %w", app, err)
	}
	res := &Result{App: app, Cluster: c.Name, Revision: inv.Revision, ChangeSet: cs}
	if res.ChangeSet, err = apply.Prune(ctx, c, cs, apply.Options{Done: hooks.Applied}); err != nil {
		return res, applyFailure(failure.Prune, fmt.Errorf("app %s: %w", app, err))
	}
	return res, store.Delete(ctx, app)
}

// Status reports the health of everything app owns in c, from its
// inventory.
func (p *Pipeline) Status(ctx context.Context, app string, c *cluster.Cluster) (*Result, error) {
	inv, err := (&inventory.Store{Cluster: c}).Load(ctx, app)
	if err != nil {
		return nil, err
	}
	if len(inv.Entries) == 0 {
		return nil, fmt.Errorf("app %s: nothing recorded in cluster %s (never applied there?)", app, c.Name)
	}
	var ids []object.ID
	for _, e := range inv.Entries {
		// A hook ran and was judged when it ran; its delete policy may
		// have removed it since.
		if e.HookHash == "" {
			ids = append(ids, e.ID())
		}
	}
	results, err := health.Check(ctx, c.Dynamic, c.Mapper, ids)
	if err != nil {
		return nil, fmt.Errorf("app %s: %w", app, err)
	}
	return &Result{App: app, Cluster: c.Name, Revision: inv.Revision, Health: results}, nil
}
