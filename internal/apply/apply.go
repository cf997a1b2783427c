// Package apply carries out a plan: server-side apply in stages (CRDs and
// Namespaces, then cluster-scoped objects, then namespaced ones; waves
// within each), parallel within a step, a failed step stopping the rest;
// re-creation where an immutable field changed and that was allowed; and
// prune, in reverse order.
package apply

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/inventory"
	"github.com/tugboat-gitops/tugboat/internal/object"
)

// Options change how a plan is applied.
type Options struct {
	// ForceConflicts takes fields over from other field managers.
	ForceConflicts bool
	// Concurrency bounds the writes in flight within a step (default 32).
	Concurrency int
	// Done, if set, is called after each change is carried out (not
	// concurrently), for progress output.
	Done func(c *changeset.Change, err error)
	// StepDone, if set, is called after each step is applied; an error
	// stops the apply there. The pipeline waits for hooks with it.
	StepDone func(ctx context.Context, s object.Step) error
}

// Apply writes every change of cs that needs a write, except prunes, and
// records on each the fields Tugboat owns afterwards.
func Apply(ctx context.Context, c *cluster.Cluster, cs *changeset.Set, opts Options) error {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 32
	}
	byObject := map[*object.Object]*changeset.Change{}
	var objs []*object.Object
	for i := range cs.Changes {
		ch := &cs.Changes[i]
		if ch.Desired != nil && ch.NeedsWrite() {
			byObject[ch.Desired] = ch
			objs = append(objs, ch.Desired)
		}
	}
	steps, err := object.Steps(objs, c.Scope())
	if err != nil {
		return err
	}
	a := &applier{c: c, opts: opts}
	for _, s := range steps {
		if err := a.step(ctx, s, byObject); err != nil {
			return fmt.Errorf("apply stopped at %s: %w", stepName(s), err)
		}
		if s.Stage == object.StageDefinitions {
			if err := waitEstablished(ctx, c, s.Objects); err != nil {
				return err
			}
		}
		if opts.StepDone != nil {
			if err := opts.StepDone(ctx, s); err != nil {
				return fmt.Errorf("apply stopped at %s: %w", stepName(s), err)
			}
		}
	}
	return nil
}

type applier struct {
	c    *cluster.Cluster
	opts Options
	mu   sync.Mutex // serializes Done
}

func (a *applier) step(ctx context.Context, s object.Step, byObject map[*object.Object]*changeset.Change) error {
	var mu sync.Mutex
	var errs []error
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(a.opts.Concurrency)
	for _, o := range s.Objects {
		ch := byObject[o]
		g.Go(func() error {
			err := a.one(gctx, ch)
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
			a.report(ch, err)
			return nil
		})
	}
	_ = g.Wait()
	return errors.Join(errs...)
}

func (a *applier) one(ctx context.Context, ch *changeset.Change) error {
	if ch.Action == changeset.Recreate {
		if err := recreate(ctx, a.c, ch); err != nil {
			return err
		}
	}
	live, err := a.c.ApplyMetadata(ctx, ch.Desired, cluster.ApplyOptions{Force: a.opts.ForceConflicts || ch.Force})
	if err != nil {
		return fmt.Errorf("%s: %w", ch.Desired, err)
	}
	ch.Fields = inventory.ManagedFieldsHash(live.GetManagedFields())
	ch.UID = live.GetUID()
	return nil
}

func (a *applier) report(ch *changeset.Change, err error) {
	if a.opts.Done == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.opts.Done(ch, err)
}

func stepName(s object.Step) string {
	names := map[object.Stage]string{
		object.StageDefinitions: "CRDs and Namespaces",
		object.StageCluster:     "cluster-scoped objects",
		object.StageNamespaced:  "namespaced objects",
	}
	phases := map[object.Phase]string{object.PhasePre: "pre hooks: ", object.PhasePost: "post hooks: "}
	return fmt.Sprintf("%s%s, wave %d", phases[s.Phase], names[s.Stage], s.Wave)
}
