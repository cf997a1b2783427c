package controller

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/health"
	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/pipeline"
)

// Health re-checks of an app that is not Healthy start this soon after
// its sync and back off to every healthMaxDelay.
const (
	healthFirstDelay = 2 * time.Second
	healthMaxDelay   = 30 * time.Second
	// healthConcurrency bounds the GETs of one health reading.
	healthConcurrency = 8
)

// An app's health is read only when it may have moved: after a sync that
// wrote, and while it is not Healthy. The re-checks run off the work
// queue, on timers: a queued check is a sync (git, render, plan), and one
// key cannot tell a health re-check from a drift or webhook trigger that
// the queue merged into it.

// appHealth is what the controller knows of one Application's health
// between syncs.
type appHealth struct {
	// mu is held by a Reconcile of the app and by a re-check, so that
	// their reads and writes of status.health never interleave.
	mu sync.Mutex
	// gen moves when a Reconcile takes mu: a re-check scheduled before
	// then is void, the Reconcile schedules its own.
	gen     int
	targets []healthTarget
	// cluster is where the targets live: the app's destination.
	cluster *cluster.Cluster
	// value is status.health as last written or read.
	value string
	delay time.Duration
}

// healthTarget is one object whose health counts.
type healthTarget struct {
	id  object.ID
	gvk schema.GroupVersionKind
}

// healthChecks holds every app's health state.
type healthChecks struct {
	mu   sync.Mutex
	apps map[types.NamespacedName]*appHealth
}

// hold returns app's health state locked, voiding any pending re-check.
func (h *healthChecks) hold(app types.NamespacedName) *appHealth {
	h.mu.Lock()
	if h.apps == nil {
		h.apps = map[types.NamespacedName]*appHealth{}
	}
	ah := h.apps[app]
	if ah == nil {
		ah = &appHealth{}
		h.apps[app] = ah
	}
	h.mu.Unlock()
	ah.mu.Lock()
	ah.gen++
	return ah
}

// forget drops a deleted app; a re-check that fires later finds it gone.
// It takes no lock of the app's, since Reconcile may hold it.
func (h *healthChecks) forget(app types.NamespacedName) {
	h.mu.Lock()
	delete(h.apps, app)
	h.mu.Unlock()
}

func (h *healthChecks) current(app types.NamespacedName, ah *appHealth) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.apps[app] == ah
}

// observeHealth sets status.health after a sync of app: from the
// pipeline's own wait when it waited, else by reading the objects, but
// only when they may have changed (the sync wrote) or were not Healthy.
// A failed fetch or render says nothing about the objects: the health
// stays as it was. ah must be held.
func (r *reconciler) observeHealth(ctx context.Context, ah *appHealth, status *v1alpha1.ApplicationStatus, res *pipeline.Result) {
	if res == nil || res.ChangeSet == nil {
		return
	}
	ah.targets = healthTargets(res.ChangeSet)
	switch {
	case len(res.Health) > 0:
		status.Health = worst(res.Health)
	case changed(res) || status.Health != v1alpha1.HealthHealthy:
		status.Health = worst(readHealth(ctx, ah.cluster, ah.targets))
	default:
		return
	}
	ah.delay = 0 // a new reading: re-check soon again
}

// scheduleHealth records the health the status now holds and, unless it
// is Healthy, re-checks it later. ah must be held.
func (r *reconciler) scheduleHealth(app types.NamespacedName, ah *appHealth, value string) {
	ah.value = value
	if value == v1alpha1.HealthHealthy || value == "" || len(ah.targets) == 0 {
		ah.delay = 0
		return
	}
	ah.delay = nextHealthDelay(ah.delay)
	gen := ah.gen
	time.AfterFunc(ah.delay, func() { r.recheckHealth(app, ah, gen) })
}

// nextHealthDelay doubles the wait between re-checks, from
// healthFirstDelay up to healthMaxDelay.
func nextHealthDelay(d time.Duration) time.Duration {
	if d <= 0 {
		return healthFirstDelay
	}
	return min(2*d, healthMaxDelay)
}

// recheckHealth reads app's health again, without a sync, and writes
// status.health only if it changed.
func (r *reconciler) recheckHealth(app types.NamespacedName, ah *appHealth, gen int) {
	// The re-check lives as long as the controller, not one Reconcile.
	ctx := r.ctx
	ah.mu.Lock()
	defer ah.mu.Unlock()
	if ah.gen != gen || ctx.Err() != nil || !r.checks.current(app, ah) {
		return
	}
	value := worst(readHealth(ctx, ah.cluster, ah.targets))
	if ctx.Err() != nil {
		return // stopping: the reads failed for that, not for the objects
	}
	if value != ah.value {
		if err := r.patchHealth(ctx, app, value); err != nil {
			if client.IgnoreNotFound(err) == nil {
				return // deleted; release forgets it
			}
			r.log.Error("health re-check", "application", app.String(), "error", err)
			value = ah.value // try again at the next re-check
		}
	}
	r.scheduleHealth(app, ah, value)
}

// patchHealth writes status.health alone.
func (r *reconciler) patchHealth(ctx context.Context, app types.NamespacedName, value string) error {
	patch := client.RawPatch(types.MergePatchType, fmt.Appendf(nil, `{"status":{"health":%q}}`, value))
	obj := &v1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: app.Namespace, Name: app.Name}}
	if err := r.client.Status().Patch(ctx, obj, patch); err != nil {
		return fmt.Errorf("status.health of %s: %w", app, err)
	}
	return nil
}

// statusless kinds have no status: kstatus calls one Current once it
// exists, which the sync that applied it has just seen. Reading them would
// cost a GET each (a thousand one-ConfigMap apps, a thousand GETs) to
// learn nothing; deleting one is drift, put back by the drift watch.
var statusless = map[schema.GroupKind]bool{
	{Kind: "ConfigMap"}: true, {Kind: "Secret"}: true, {Kind: "ServiceAccount"}: true,
	{Group: "rbac.authorization.k8s.io", Kind: "Role"}: true, {Group: "rbac.authorization.k8s.io", Kind: "RoleBinding"}: true,
	{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole"}: true, {Group: "rbac.authorization.k8s.io", Kind: "ClusterRoleBinding"}: true,
}

// healthTargets are the objects a sync's change set leaves the app with;
// hooks are waited for when they run, and may be gone since.
func healthTargets(cs *changeset.Set) []healthTarget {
	var out []healthTarget
	for _, c := range cs.Changes {
		if c.Desired == nil || c.Hook != nil || statusless[c.ID.GroupKind()] {
			continue
		}
		out = append(out, healthTarget{id: c.ID, gvk: c.ID.GroupKind().WithVersion(c.Version)})
	}
	return out
}

// readHealth computes each target's health from one GET of it in c: the
// objects of one app, never a LIST of everything of their kind in a
// shared namespace.
func readHealth(ctx context.Context, c *cluster.Cluster, targets []healthTarget) []health.Result {
	results := make([]health.Result, len(targets))
	var g errgroup.Group
	g.SetLimit(healthConcurrency)
	for i, t := range targets {
		g.Go(func() error {
			u, err := c.Get(ctx, t.gvk, t.id.Namespace, t.id.Name)
			switch {
			case err != nil:
				results[i] = health.Result{ID: t.id, Status: health.Unknown, Message: err.Error()}
			case u == nil:
				results[i] = health.NotFoundResult(t.id)
			default:
				results[i] = health.Compute(u)
			}
			return nil
		})
	}
	_ = g.Wait() // the goroutines never fail
	return results
}

// healthRank orders the app health values, worst last.
var healthRank = map[string]int{
	v1alpha1.HealthHealthy:     0,
	v1alpha1.HealthUnknown:     1,
	v1alpha1.HealthProgressing: 2,
	v1alpha1.HealthDegraded:    3,
}

// appHealthOf maps one object's kstatus status to an app health value. A
// missing object is Degraded: the sync before applied it.
func appHealthOf(s health.Status) string {
	switch s {
	case health.Current:
		return v1alpha1.HealthHealthy
	case health.InProgress, health.Terminating:
		return v1alpha1.HealthProgressing
	case health.Failed, health.NotFound:
		return v1alpha1.HealthDegraded
	}
	return v1alpha1.HealthUnknown
}

// worst is the app's health: that of its worst object; Healthy with none.
func worst(results []health.Result) string {
	out := v1alpha1.HealthHealthy
	for _, r := range results {
		if h := appHealthOf(r.Status); healthRank[h] > healthRank[out] {
			out = h
		}
	}
	return out
}
