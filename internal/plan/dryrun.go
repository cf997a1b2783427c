package plan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/inventory"
	"github.com/tugboat-gitops/tugboat/internal/object"
)

// dryRun validates c.Desired with a server-side dry-run apply and decides
// its action from what the API server would make of it.
func (p *planner) dryRun(ctx context.Context, c *changeset.Change, exists bool) error {
	o := c.Desired
	gk := o.GroupVersionKind().GroupKind()
	if p.live.missingKinds[gk] {
		crd := p.desiredCRDs[gk]
		if crd == nil {
			if err := p.t.Cluster.VersionError(o.GroupVersionKind()); err != nil {
				return fmt.Errorf("%s: %w", o, err)
			}
			return fmt.Errorf("%s: the cluster serves no kind %s, and no CRD for it is in the set", o, gk)
		}
		if err := validateWithCRD(o, crd); err != nil {
			return err
		}
		c.Action = changeset.Create
		return p.createDiff(c, o)
	}
	if p.absentNamespaces[o.GetNamespace()] {
		// Its namespace comes with the set: the object cannot exist yet,
		// and a dry-run in place would only be refused.
		return p.dryRunElsewhere(ctx, c)
	}
	if !exists && !p.opts.Diffs {
		return p.validateCreate(ctx, c)
	}
	merged, err := p.t.Cluster.Apply(ctx, o, cluster.ApplyOptions{DryRun: true, Force: p.opts.ForceConflicts})
	if apierrors.IsConflict(err) && p.drifted(c) && updatedOnly(err) {
		// Fields of an object the app applied and still owns were edited
		// outside Tugboat (kubectl edit, scale, a controller's update):
		// drift, to take back. Another applier's fields are a conflict.
		c.Force = true
		merged, err = p.t.Cluster.Apply(ctx, o, cluster.ApplyOptions{DryRun: true, Force: true})
	}
	if err != nil && p.namespaceComing(o, err) {
		return p.dryRunElsewhere(ctx, c)
	}
	if err != nil {
		return p.rejected(ctx, c, err)
	}
	if !exists {
		c.Action = changeset.Create
		return p.createDiff(c, object.New(merged, o.Source))
	}
	live, err := p.liveObject(ctx, o)
	if err != nil {
		return err
	}
	c.UID = live.GetUID()
	changed, err := p.compare(c, live, merged)
	if err != nil {
		return fmt.Errorf("%s: %w", o, err)
	}
	c.Action = changeset.Update
	if !changed {
		c.Action = changeset.Unchanged
		c.Fields = inventory.ManagedFieldsHash(live.GetManagedFields())
		c.Restamp = live.GetAnnotations()[object.AnnotationHash] != o.GetAnnotations()[object.AnnotationHash] || c.Fields == ""
	}
	return nil
}

// compare decides whether merged differs from live on what Tugboat owns,
// and keeps the diff when the plan is to be shown. Without diffs (a plain
// apply) it compares the normalized objects without rendering any text.
func (p *planner) compare(c *changeset.Change, live, merged *unstructured.Unstructured) (bool, error) {
	if !p.opts.Diffs {
		return !equality.Semantic.DeepEqual(Normalize(live).Object, Normalize(merged).Object), nil
	}
	d, err := Diff(live, merged, c.ID)
	c.Diff = d
	return d != "", err
}

// createDiff sets the diff of a create: everything desired is new.
func (p *planner) createDiff(c *changeset.Change, desired *object.Object) error {
	if !p.opts.Diffs {
		return nil
	}
	d, err := Diff(nil, desired.Unstructured, c.ID)
	if err != nil {
		return fmt.Errorf("%s: %w", desired, err)
	}
	c.Diff = d
	return nil
}

// rejected turns a dry-run error into the plan's answer: a recreate when an
// immutable field changes and that is allowed, else an error naming the
// object (the API server's message names the field).
func (p *planner) rejected(ctx context.Context, c *changeset.Change, err error) error {
	o := c.Desired
	switch {
	case immutableChange(err):
		if !p.opts.ForceRecreate && o.GetAnnotations()[object.AnnotationRecreate] != "true" {
			return &ImmutableError{Object: o, Err: err}
		}
		live, err := p.liveObject(ctx, o)
		if err != nil {
			return err
		}
		c.Action, c.UID, c.Reason = changeset.Recreate, live.GetUID(), "immutable field changed"
		d, derr := Diff(live, o.Unstructured, c.ID)
		c.Diff = d
		return derr
	case apierrors.IsConflict(err):
		return &ConflictError{Object: o, Err: err}
	default:
		return fmt.Errorf("%s: %w", o, err)
	}
}

// errGone explains a live object that a dry-run saw and a read then did
// not find: it was deleted in between.
var errGone = errors.New("not found: deleted while planning")

// liveObject reads o as the cluster has it; it must exist.
func (p *planner) liveObject(ctx context.Context, o *object.Object) (*unstructured.Unstructured, error) {
	live, err := p.t.Cluster.Get(ctx, o.GroupVersionKind(), o.GetNamespace(), o.GetName())
	if err == nil && live == nil {
		err = errGone
	}
	if err != nil {
		return nil, fmt.Errorf("%s: read live object: %w", o, err)
	}
	return live, nil
}

// standInNamespace hosts the validation of objects whose namespace the set
// itself creates: the API server cannot dry-run into a namespace that does
// not exist yet, and the schema does not depend on the namespace.
const standInNamespace = "default"

// namespaceComing reports whether err says o's namespace does not exist
// while the desired set creates it.
func (p *planner) namespaceComing(o *object.Object, err error) bool {
	if !apierrors.IsNotFound(err) || !p.desiredNamespaces[o.GetNamespace()] {
		return false
	}
	status, ok := err.(apierrors.APIStatus)
	return ok && status.Status().Details != nil && status.Status().Details.Kind == "namespaces"
}

// validateCreate dry-runs the create of an object nobody is shown (an
// apply): only the verdict matters, so the API server returns just the
// metadata.
func (p *planner) validateCreate(ctx context.Context, c *changeset.Change) error {
	m, err := p.t.Cluster.ApplyMetadata(ctx, c.Desired, cluster.ApplyOptions{DryRun: true, Force: p.opts.ForceConflicts})
	if err != nil && p.namespaceComing(c.Desired, err) {
		return p.dryRunElsewhere(ctx, c)
	}
	if p.unread[c.ID] && (err == nil && m.GetResourceVersion() != "" || apierrors.IsConflict(err)) {
		// It exists, outside what the app owns: see whose it is first.
		return p.existing(ctx, c)
	}
	if err != nil {
		return p.rejected(ctx, c, err)
	}
	c.Action = changeset.Create
	return nil
}

// existing plans an object that its dry-run found to exist although the
// app does not own it: refused if another app owns it, else planned as
// an update of the live object.
func (p *planner) existing(ctx context.Context, c *changeset.Change) error {
	live, err := p.t.Cluster.Get(ctx, c.Desired.GroupVersionKind(), c.ID.Namespace, c.ID.Name)
	if err != nil {
		return fmt.Errorf("%s: %w", c.Desired, err)
	}
	if live == nil {
		// Deleted since its dry-run: a create after all.
		c.Action = changeset.Create
		return nil
	}
	if err := p.checkOwnership([]*object.Object{c.Desired}, map[object.ID]*metav1.PartialObjectMetadata{c.ID: metadataOf(live)}); err != nil {
		return err
	}
	return p.dryRun(ctx, c, true)
}

// dryRunElsewhere validates a create into a namespace that does not exist
// yet by dry-running it in standInNamespace, forced, so that a namesake
// there cannot make it conflict.
func (p *planner) dryRunElsewhere(ctx context.Context, c *changeset.Change) error {
	o := c.Desired.DeepCopy()
	ns := o.GetNamespace()
	o.SetNamespace(standInNamespace)
	if !p.opts.Diffs {
		if _, err := p.t.Cluster.ApplyMetadata(ctx, o, cluster.ApplyOptions{DryRun: true, Force: true}); err != nil {
			return fmt.Errorf("%s: %w", c.Desired, err)
		}
		c.Action = changeset.Create
		return nil
	}
	merged, err := p.t.Cluster.Apply(ctx, o, cluster.ApplyOptions{DryRun: true, Force: true})
	if err != nil {
		return fmt.Errorf("%s: %w", c.Desired, err)
	}
	merged.SetNamespace(ns)
	c.Action = changeset.Create
	return p.createDiff(c, object.New(merged, o.Source))
}

// immutableDetails end the API server's messages for a field that cannot
// change on update: "field is immutable" for most kinds, "may not change
// once set" for a Service's clusterIP(s).
var immutableDetails = []string{"field is immutable", "may not change once set"}

// immutableChange reports whether err rejects an update only because
// immutable fields changed: it is Invalid and every cause ends in one of
// immutableDetails. The message as a whole is not searched: it holds the
// object's name and values. And a change that is invalid for another
// reason too would fail again after a re-create had deleted the object.
func immutableChange(err error) bool {
	var status apierrors.APIStatus
	if !apierrors.IsInvalid(err) || !errors.As(err, &status) {
		return false
	}
	details := status.Status().Details
	if details == nil || len(details.Causes) == 0 {
		return false
	}
	for _, c := range details.Causes {
		if !slices.ContainsFunc(immutableDetails, func(s string) bool { return strings.HasSuffix(c.Message, s) }) {
			return false
		}
	}
	return true
}

// drifted reports whether c's object is one the app applied before and
// still owns, so that a conflict on it is a hand edit of its fields.
func (p *planner) drifted(c *changeset.Change) bool {
	_, recorded := p.recorded[c.ID]
	_, owned := p.live.objects[c.ID]
	return recorded && owned
}

// updatedOnly reports whether every conflict of an apply error is with a
// manager that updated the object imperatively rather than applied it: the
// API server names those "<manager>" using <apiVersion>, and an applier
// (another tool's declared intent) by its name alone.
func updatedOnly(err error) bool {
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Details == nil {
		return false
	}
	causes := status.Status().Details.Causes
	for _, c := range causes {
		rest, _ := strings.CutPrefix(c.Message, "conflict with ")
		name, err := strconv.QuotedPrefix(rest)
		if err != nil || !strings.Contains(rest[len(name):], " using ") {
			return false
		}
	}
	return len(causes) > 0
}
