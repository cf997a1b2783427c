package plan

import (
	"context"
	"errors"
	"sync"

	"golang.org/x/sync/errgroup"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/inventory"
	"github.com/tugboat-gitops/tugboat/internal/object"
)

// Target is the app a plan is for, in its destination cluster.
type Target struct {
	Cluster   Reader
	App       string
	Inventory *inventory.Inventory
}

// Options change what a plan decides.
type Options struct {
	// Prune plans deletion of what the app owned and no longer declares.
	Prune bool
	// Adopt takes over objects that another app owns.
	Adopt bool
	// ForceConflicts takes fields over from other field managers.
	ForceConflicts bool
	// ForceRecreate re-creates objects whose immutable fields change.
	ForceRecreate bool
	// Concurrency bounds the dry-runs in flight (default 32).
	Concurrency int
	// Diffs keeps a unified diff on every change, for showing the plan;
	// an apply that only needs the actions goes without.
	Diffs bool
}

// Make decides what applying desired would do. Desired objects are stamped
// with the app's labels and hash. An object whose live hash matches and
// whose fields Tugboat still owns as recorded costs nothing; every other
// one is validated with a server-side dry-run, which also yields its diff.
// All rejections are collected and returned together: a plan that fails
// here has written nothing.
func Make(ctx context.Context, t Target, desired []*object.Object, opts Options) (*changeset.Set, error) {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 32
	}
	for _, o := range desired {
		if err := object.Stamp(o, t.App); err != nil {
			return nil, err
		}
	}
	p := &planner{t: t, opts: opts, recorded: t.Inventory.Index(), desiredCRDs: crdsOf(desired), desiredNamespaces: namespacesOf(desired)}
	live, err := readLive(ctx, t.Cluster, t.App, kindsOf(desired, t.Inventory))
	if err != nil {
		return nil, err
	}
	p.live = live
	objs, hooks, err := splitHooks(desired)
	if err != nil {
		return nil, err
	}
	p.hooks = len(hooks) > 0
	changes, err := p.desiredChanges(ctx, objs)
	if err != nil {
		return nil, err
	}
	if opts.Prune {
		pruned, err := p.pruneChanges(ctx, desired)
		if err != nil {
			return nil, err
		}
		changes = append(changes, pruned...)
	}
	hookChanges, err := p.hookChanges(ctx, hooks, changes)
	if err != nil {
		return nil, err
	}
	return &changeset.Set{Changes: append(hookChanges, changes...)}, nil
}

type planner struct {
	t        Target
	opts     Options
	live     *liveView
	recorded map[object.ID]inventory.Entry
	// desiredCRDs are the CRDs of the set, by the kind each defines.
	desiredCRDs map[schema.GroupKind]*object.Object
	// desiredNamespaces are the Namespaces the set declares; absent ones
	// do not exist yet, so what goes in them is dry-run elsewhere at once.
	desiredNamespaces, absentNamespaces map[string]bool
	// unread are objects the app does not own whose existence is left to
	// their dry-run to tell (see splitLookups).
	unread map[object.ID]bool
	// hooks: the set has Helm hooks, writes of their own.
	hooks bool
}

// splitLookups returns the objects the app does not own that must be
// looked up before their dry-run, and marks the others unread. An apply
// (no diffs) reads nothing for an object its dry-run says is new, the
// common case: the dry-run answers with a resourceVersion only for one
// that exists, which is then read and checked as before. Kinds with many
// such objects in a namespace are listed at once anyway, and Namespaces,
// and what goes into a Namespace of the set, are always looked up: their
// existence decides how the rest is validated.
func (p *planner) splitLookups(objs []*object.Object) []*object.Object {
	p.unread = map[object.ID]bool{}
	if p.opts.Diffs {
		return objs
	}
	var lookup []*object.Object
	for _, members := range lookupGroups(objs) {
		for _, o := range members {
			id := o.ID()
			if len(members) >= listThreshold || id.Group == "" && id.Kind == "Namespace" || p.desiredNamespaces[id.Namespace] {
				lookup = append(lookup, o)
				continue
			}
			p.unread[id] = true
		}
	}
	return lookup
}

func (p *planner) desiredChanges(ctx context.Context, desired []*object.Object) ([]changeset.Change, error) {
	changes := make([]changeset.Change, len(desired))
	var check []int
	var notOwned []*object.Object
	for i, o := range desired {
		changes[i] = changeset.Change{ID: o.ID(), Desired: o, Version: o.GroupVersionKind().Version}
		m, ok := p.live.objects[o.ID()]
		if ok && p.unchanged(o, m) {
			changes[i].Action = changeset.Unchanged
			changes[i].Fields = p.recorded[o.ID()].Fields
			continue
		}
		if !ok && !p.live.missingKinds[o.GroupVersionKind().GroupKind()] {
			notOwned = append(notOwned, o)
		}
		check = append(check, i)
	}
	if done, err := p.soleCreate(changes, check, notOwned); done || err != nil {
		return changes, err
	}
	lookup := p.splitLookups(notOwned)
	others, err := unowned(ctx, p.t.Cluster, lookup)
	if err != nil {
		return nil, err
	}
	if err := p.checkOwnership(notOwned, others); err != nil {
		return nil, err
	}
	p.absentNamespaces = map[string]bool{}
	for ns := range p.desiredNamespaces {
		id := object.ID{Kind: "Namespace", Name: ns}
		if _, owned := p.live.objects[id]; !owned && others[id] == nil {
			p.absentNamespaces[ns] = true
		}
	}
	return changes, p.dryRunAll(ctx, changes, check, others)
}

// soleCreate plans, without a dry-run, the create of an object that is
// the set's only write, when a watch of what Tugboat manages says no
// other app owns it. A rehearsal is there so that a set is never half
// applied; one write cannot be, its apply refuses or succeeds whole, and
// the API server validates it then as a dry-run would have. A one-object
// app (Argo CD's benchmark) saves a request of two. Found owned by
// another app, it is refused here with no request at all. It reports
// whether it planned the change.
func (p *planner) soleCreate(changes []changeset.Change, check []int, notOwned []*object.Object) (bool, error) {
	if p.opts.Diffs || p.hooks || len(check) != 1 || len(notOwned) != 1 || len(p.desiredNamespaces) > 0 || len(p.desiredCRDs) > 0 {
		return false, nil
	}
	w, ok := p.t.Cluster.(OwnerWatch)
	if !ok {
		return false, nil
	}
	o := notOwned[0]
	owner, known := w.OwnerOf(o.GroupVersionKind(), o.GetNamespace(), o.GetName())
	switch {
	case !known, owner == p.t.App, owner != "" && p.opts.Adopt:
		return false, nil
	case owner != "":
		return true, &OwnedError{Object: o, Owner: owner}
	}
	c := &changes[check[0]]
	c.Action, c.Unvalidated = changeset.Create, true
	return true, nil
}

// unchanged: the hash of the desired manifest is the one last applied, and
// the fields Tugboat owned right after that apply are still its own.
func (p *planner) unchanged(o *object.Object, m *metav1.PartialObjectMetadata) bool {
	if m.Annotations[object.AnnotationHash] != o.GetAnnotations()[object.AnnotationHash] {
		return false
	}
	rec, ok := p.recorded[o.ID()]
	return ok && rec.Fields != "" && rec.Fields == inventory.ManagedFieldsHash(m.ManagedFields)
}

// checkOwnership refuses to touch objects another app owns, unless adopting.
func (p *planner) checkOwnership(objs []*object.Object, found map[object.ID]*metav1.PartialObjectMetadata) error {
	if p.opts.Adopt {
		return nil
	}
	var errs []error
	for _, o := range objs {
		m, ok := found[o.ID()]
		if !ok {
			continue
		}
		if owner := m.Labels[object.LabelApp]; owner != "" && owner != p.t.App {
			errs = append(errs, &OwnedError{Object: o, Owner: owner})
		}
	}
	return errors.Join(errs...)
}

func (p *planner) dryRunAll(ctx context.Context, changes []changeset.Change, check []int, others map[object.ID]*metav1.PartialObjectMetadata) error {
	var mu sync.Mutex
	var errs []error
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(p.opts.Concurrency)
	for _, i := range check {
		g.Go(func() error {
			_, exists := p.live.objects[changes[i].ID]
			if _, other := others[changes[i].ID]; other {
				exists = true
			}
			if err := p.dryRun(ctx, &changes[i], exists); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
			return nil
		})
	}
	_ = g.Wait()
	return errors.Join(errs...)
}

// kindsOf lists every kind to read: those desired and those recorded.
func kindsOf(desired []*object.Object, inv *inventory.Inventory) map[schema.GroupKind]string {
	kinds := map[schema.GroupKind]string{}
	for _, o := range desired {
		gvk := o.GroupVersionKind()
		kinds[gvk.GroupKind()] = gvk.Version
	}
	for _, e := range inv.Entries {
		if _, ok := kinds[e.GVK().GroupKind()]; !ok {
			kinds[e.GVK().GroupKind()] = e.Version
		}
	}
	return kinds
}

func namespacesOf(objs []*object.Object) map[string]bool {
	out := map[string]bool{}
	for _, o := range objs {
		if id := o.ID(); id.Group == "" && id.Kind == "Namespace" {
			out[id.Name] = true
		}
	}
	return out
}
