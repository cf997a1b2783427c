package plan

import (
	"context"
	"fmt"

	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/object"
)

// hook is a desired Helm hook and what its annotations ask.
type hook struct {
	o *object.Object
	h *object.Hook
}

// splitHooks separates the Helm hooks of desired from its other objects.
func splitHooks(desired []*object.Object) ([]*object.Object, []hook, error) {
	objs := make([]*object.Object, 0, len(desired))
	var hooks []hook
	for _, o := range desired {
		h, err := object.HookOf(o)
		if err != nil {
			return nil, nil, err
		}
		if h == nil {
			objs = append(objs, o)
			continue
		}
		hooks = append(hooks, hook{o, h})
	}
	return objs, hooks, nil
}

// hookChanges decides the hooks once the rest of the plan is known. As
// Helm runs them on an install or upgrade (and Flux upgrades only when
// something changed), hooks run on the app's first apply, when anything
// else in it changes, or when a hook itself changed since it last ran.
// Otherwise they cost nothing, not even a read: a hook that its delete
// policy removed is not missing, it is done.
func (p *planner) hookChanges(ctx context.Context, hooks []hook, others []changeset.Change) ([]changeset.Change, error) {
	if len(hooks) == 0 {
		return nil, nil
	}
	install := p.installing()
	changed := false
	for i := range others {
		changed = changed || others[i].NeedsWrite()
	}
	out := make([]changeset.Change, len(hooks))
	for i, hk := range hooks {
		c := changeset.Change{ID: hk.o.ID(), Desired: hk.o, Version: hk.o.GroupVersionKind().Version, Hook: hk.h, Action: changeset.Unchanged}
		rec, recorded := p.recorded[c.ID]
		c.Fields = rec.Fields
		again := !recorded || rec.HookHash != hk.o.GetAnnotations()[object.AnnotationHash]
		if hk.h.Runs(install) && (install || changed || again) {
			if err := p.runHook(ctx, &c); err != nil {
				return nil, err
			}
		}
		out[i] = c
	}
	return out, nil
}

// installing reports whether this is the app's install: none of the
// objects it recorded (hooks aside) is in the cluster.
func (p *planner) installing() bool {
	for _, e := range p.t.Inventory.Entries {
		if _, ok := p.live.objects[e.ID()]; ok && e.HookHash == "" {
			return false
		}
	}
	return true
}

// runHook plans a hook to run: created, or, where the last run's object
// is still there, re-created (Helm's before-hook-creation, its default)
// or applied over. Either way it is validated before the first write.
func (p *planner) runHook(ctx context.Context, c *changeset.Change) error {
	m, exists := p.live.objects[c.ID]
	if !exists || !c.Hook.BeforeCreation {
		return p.dryRun(ctx, c, exists)
	}
	c.Action, c.UID, c.Reason = changeset.Recreate, m.UID, "hook: before-hook-creation"
	// The object will be created anew: validate a create under another
	// name, since a dry-run over the old one would judge an update.
	o := c.Desired.DeepCopy()
	o.SetName(checkName(o.GetName()))
	if _, err := p.t.Cluster.ApplyMetadata(ctx, o, cluster.ApplyOptions{DryRun: true, Force: true}); err != nil {
		return fmt.Errorf("%s: %w", c.Desired, err)
	}
	return nil
}

// checkName is a name for validating a re-created hook, within the 63
// characters a Job's name may have.
func checkName(name string) string {
	const suffix = "-tugboat-check"
	if len(name)+len(suffix) > 63 {
		name = name[:63-len(suffix)]
	}
	return name + suffix
}
