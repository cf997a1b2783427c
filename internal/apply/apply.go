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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
	// concurrently), its outcome set, for progress output.
	Done func(c *changeset.Change)
	// StepDone, if set, is called after each step is applied; an error
	// stops the apply there. The pipeline waits for hooks with it.
	StepDone func(ctx context.Context, s object.Step) error
}

// Apply carries out every change of planned that needs a write, except
// prunes, and returns the set completed: each change it reached has its
// outcome (applied, kept, or failed with its error) and the fields
// Tugboat owns on the object afterwards. planned stays as planned. The
// set is returned with the error too: it says how far the run got.
func Apply(ctx context.Context, c *cluster.Cluster, planned *changeset.Set, opts Options) (*changeset.Set, error) {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 32
	}
	done := planned.Copy()
	byObject := map[*object.Object]*changeset.Change{}
	var objs []*object.Object
	for i := range done.Changes {
		ch := &done.Changes[i]
		switch {
		case ch.Desired != nil && ch.NeedsWrite():
			byObject[ch.Desired] = ch
			objs = append(objs, ch.Desired)
		case ch.Desired != nil:
			ch.Done(nil)
		}
	}
	steps, err := object.Steps(objs, c.Scope())
	if err != nil {
		return done, err
	}
	a := &applier{c: c, opts: opts}
	for _, s := range steps {
		if err := a.step(ctx, s, byObject); err != nil {
			return done, fmt.Errorf("apply stopped at %s: %w", stepName(s), err)
		}
		if s.Stage == object.StageDefinitions {
			if err := waitEstablished(ctx, c, s.Objects); err != nil {
				return done, err
			}
		}
		if opts.StepDone != nil {
			if err := opts.StepDone(ctx, s); err != nil {
				return done, fmt.Errorf("apply stopped at %s: %w", stepName(s), err)
			}
		}
	}
	return done, nil
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
			ch.Done(err)
			a.report(ch)
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
	if ch.Unvalidated && existed(live.GetManagedFields()) {
		ch.Action = changeset.Update // planned as a create unseen: it was there, nobody's
	}
	return nil
}

// existed reports whether an object that an apply answered was there
// before it: another manager, or another operation, has fields on it.
func existed(fields []metav1.ManagedFieldsEntry) bool {
	for _, f := range fields {
		if !cluster.Applied(f) {
			return true
		}
	}
	return false
}

func (a *applier) report(ch *changeset.Change) {
	if a.opts.Done == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.opts.Done(ch)
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
