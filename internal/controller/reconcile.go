package controller

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/failure"
	"github.com/tugboat-gitops/tugboat/internal/pipeline"
	"github.com/tugboat-gitops/tugboat/internal/source"
)

// reconciler keeps one Application at a time in sync.
type reconciler struct {
	client   client.Client
	pipeline *pipeline.Pipeline
	dests    *destinations
	events   events.EventRecorder
	log      *slog.Logger
	// ctx lives as long as the controller, not one Reconcile: health
	// re-checks run in it.
	ctx context.Context

	mu sync.Mutex
	// claims maps an app name to the Application that uses it: the
	// destination cluster knows an app by its name alone (labels,
	// inventory), so two Applications may not share one.
	claims map[string]types.NamespacedName
	// failures counts each Application's retryable failures in a row,
	// for its backoff.
	failures map[types.NamespacedName]int
	checks   healthChecks
	// images remembers each app's last image update; nil when image
	// automation is off (see watchImages).
	images *imageMemos
}

// Reconcile applies the Application's source through the pipeline, then
// writes its status only if the status changed: a check that finds
// nothing new costs no write.
func (r *reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var app v1alpha1.Application
	if err := r.client.Get(ctx, req.NamespacedName, &app); err != nil {
		if apierrors.IsNotFound(err) {
			r.release(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !app.DeletionTimestamp.IsZero() {
		return r.finalize(ctx, &app)
	}
	if app.Spec.Suspend {
		return ctrl.Result{}, nil
	}
	ah := r.checks.hold(req.NamespacedName)
	defer ah.mu.Unlock()
	if err := r.addFinalizer(ctx, &app); err != nil {
		return ctrl.Result{}, err
	}
	status := app.Status.DeepCopy()
	before := readyOf(status)
	start := time.Now()
	res, dest, err := r.sync(ctx, &app)
	if dest != nil {
		ah.cluster = dest.cluster
	}
	drift := res != nil && res.Revision == app.Status.LastAppliedRevision && app.Status.ObservedGeneration == app.Generation
	observe(app.Namespace, app.Name, time.Since(start), res, err, drift)
	setStatus(status, &app, res, err)
	r.observeHealth(ctx, ah, status, res)
	r.emit(&app, before, status, res, err)
	soon := r.updateImages(ctx, &app, status, res, err)
	if res != nil && dest != nil {
		dest.watch(req.NamespacedName, app.App().Name, res)
	}
	if !equality.Semantic.DeepEqual(status, &app.Status) {
		patched := app.DeepCopy()
		patched.Status = *status
		if perr := r.client.Status().Patch(ctx, patched, client.MergeFrom(&app)); perr != nil {
			return ctrl.Result{}, fmt.Errorf("status of %s: %w", req, perr)
		}
	}
	r.scheduleHealth(req.NamespacedName, ah, status.Health)
	after := jitter(next(&app, err, r.countFailure(req.NamespacedName, err)))
	if soon > 0 {
		after = min(after, soon)
	}
	return ctrl.Result{RequeueAfter: after}, nil
}

// next is when to check app again after a sync that ended with err, the
// failures-th retryable failure in a row: a failure that a retry may
// cure (git unreachable, an API server that went away) backs off from
// soon; others wait for the interval, as a success does.
func next(app *v1alpha1.Application, err error, failures int) time.Duration {
	if !retryable(err) {
		return interval(app)
	}
	return backoff(app.Spec.Retry, failures, interval(app))
}

// sync runs the pipeline for app in its destination cluster, which it
// returns when it resolved.
func (r *reconciler) sync(ctx context.Context, app *v1alpha1.Application) (*pipeline.Result, *destination, error) {
	// The one conversion tug diff --application shares, so its diff is
	// what this sync does.
	pa, err := pipeline.FromApplication(app)
	if err != nil {
		return nil, nil, err
	}
	if err := r.claim(pa.Name, app); err != nil {
		return nil, nil, err
	}
	if pa.Source.Credentials, err = r.credentials(ctx, app); err != nil {
		return nil, nil, err
	}
	dest, err := r.dests.resolve(ctx, app)
	if err != nil {
		return nil, nil, err
	}
	if v := app.Annotations[v1alpha1.RequestedAtAnnotation]; v == "" || v == app.Status.LastHandledRequestedAt {
		// A check may take a fetch of the same repository that another
		// app's check made moments ago (a push webhook voids it); one
		// that `tug sync` asked for always asks the remote.
		pa.Source.MaxAge = interval(app) / fetchShare
	}
	if !selfHeal(app) && app.Status.LastAppliedRevision != "" && app.Status.ObservedGeneration == app.Generation {
		// Without self-heal, only a new revision or spec is applied; drift
		// is shown (OutOfSync), not corrected.
		res, err := r.pipeline.Plan(ctx, pa, dest.cluster)
		if err != nil || res.Revision == app.Status.LastAppliedRevision {
			return res, dest, err
		}
	}
	res, err := r.pipeline.Apply(ctx, pa, dest.cluster, pipeline.Hooks{Applied: dest.applied})
	return res, dest, err
}

// claim reserves the app name for app, refusing one that another
// Application uses.
func (r *reconciler) claim(name string, app *v1alpha1.Application) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	me := types.NamespacedName{Namespace: app.Namespace, Name: app.Name}
	if r.claims == nil {
		r.claims = map[string]types.NamespacedName{}
	}
	if other, ok := r.claims[name]; ok && other != me {
		return stalled("AppNameTaken", fmt.Errorf("app %s: Application %s already uses this app name; set spec.name to tell them apart", name, other))
	}
	r.claims[name] = me
	return nil
}

// emit records an Event for what a person should know: a sync that
// changed the cluster, a new failure, a recovery. A routine check, or the
// same failure again, emits none.
func (r *reconciler) emit(app *v1alpha1.Application, before string, status *v1alpha1.ApplicationStatus, res *pipeline.Result, err error) {
	if r.events == nil {
		return
	}
	now := readyOf(status)
	switch {
	case err != nil && now != before:
		r.events.Eventf(app, nil, corev1.EventTypeWarning, reasonOf(err), "Reconcile", "%s", truncate(err.Error(), 1024))
	case err == nil && changed(res):
		r.events.Eventf(app, nil, corev1.EventTypeNormal, "Applied", "Reconcile", "revision %s: %s", res.Revision, res.ChangeSet.Summary())
	case err == nil && now != before && before != "":
		r.events.Eventf(app, nil, corev1.EventTypeNormal, "Ready", "Reconcile", "revision %s is applied", res.Revision)
	}
}

// finalizer makes deleting an Application that prunes delete what it owns
// first, as Flux does; with prune off the objects stay.
const finalizer = v1alpha1.PruneFinalizer

func prunes(app *v1alpha1.Application) bool {
	return app.Spec.Sync.Prune == nil || *app.Spec.Sync.Prune
}

// addFinalizer puts the finalizer on an Application that prunes, and takes
// it off one that no longer does.
func (r *reconciler) addFinalizer(ctx context.Context, app *v1alpha1.Application) error {
	has := controllerutil.ContainsFinalizer(app, finalizer)
	if has == prunes(app) {
		return nil
	}
	patched := app.DeepCopy()
	if has {
		controllerutil.RemoveFinalizer(patched, finalizer)
	} else {
		controllerutil.AddFinalizer(patched, finalizer)
	}
	if err := r.client.Patch(ctx, patched, client.MergeFrom(app)); err != nil {
		return fmt.Errorf("finalizer of %s/%s: %w", app.Namespace, app.Name, err)
	}
	app.Finalizers = patched.Finalizers
	return nil
}

// finalize deletes what a deleted Application owns in its destination
// cluster (what its inventory records and still carries its label,
// nothing else), then lets it go. If that fails (the destination is
// unreachable, its Secret is gone) the finalizer stays, Ready=False says
// why, and it is tried again; setting spec.sync.prune to false lets the
// Application go and leaves its objects.
func (r *reconciler) finalize(ctx context.Context, app *v1alpha1.Application) (ctrl.Result, error) {
	nn := types.NamespacedName{Namespace: app.Namespace, Name: app.Name}
	if controllerutil.ContainsFinalizer(app, finalizer) {
		if prunes(app) {
			if err := r.prune(ctx, app); err != nil {
				return r.keepFinalizer(ctx, app, err)
			}
		}
		patched := app.DeepCopy()
		controllerutil.RemoveFinalizer(patched, finalizer)
		if err := r.client.Patch(ctx, patched, client.MergeFrom(app)); err != nil {
			return ctrl.Result{}, fmt.Errorf("finalizer of %s: %w", nn, err)
		}
	}
	r.release(nn)
	return ctrl.Result{}, nil
}

// prune deletes what app owns in its destination cluster.
func (r *reconciler) prune(ctx context.Context, app *v1alpha1.Application) error {
	dest, err := r.dests.resolve(ctx, app)
	if err == nil {
		_, err = r.pipeline.Delete(ctx, app.App().Name, dest.cluster, pipeline.Hooks{Applied: dest.applied})
	}
	if err != nil {
		return failure.New(failure.Prune, "DeleteFailed", false,
			fmt.Errorf("deleting: %w; the finalizer %s stays until what the app owns is deleted (spec.sync.prune: false lets it go and keeps the objects)", err, finalizer))
	}
	return nil
}

// keepFinalizer reports why a deleted Application's objects could not be
// deleted, and when it tries again.
func (r *reconciler) keepFinalizer(ctx context.Context, app *v1alpha1.Application, err error) (ctrl.Result, error) {
	nn := types.NamespacedName{Namespace: app.Namespace, Name: app.Name}
	status := app.Status.DeepCopy()
	before := readyOf(status)
	setStatus(status, app, nil, err)
	r.emit(app, before, status, nil, err)
	if !equality.Semantic.DeepEqual(status, &app.Status) {
		patched := app.DeepCopy()
		patched.Status = *status
		if perr := r.client.Status().Patch(ctx, patched, client.MergeFrom(app)); perr != nil {
			return ctrl.Result{}, fmt.Errorf("status of %s: %w", nn, perr)
		}
	}
	return ctrl.Result{RequeueAfter: jitter(next(app, err, r.countFailure(nn, err)))}, nil
}

// release forgets a deleted Application: its app name, its backoff, its
// health and its drift.
func (r *reconciler) release(app types.NamespacedName) {
	r.mu.Lock()
	for name, owner := range r.claims {
		if owner == app {
			delete(r.claims, name)
		}
	}
	delete(r.failures, app)
	r.mu.Unlock()
	r.checks.forget(app)
	r.images.forget(app)
	r.dests.release(app)
}

func selfHeal(app *v1alpha1.Application) bool {
	return app.Spec.SelfHeal == nil || *app.Spec.SelfHeal
}

// credentials reads the source's credentials from the Secret the spec
// names, in the Application's namespace only.
func (r *reconciler) credentials(ctx context.Context, app *v1alpha1.Application) (source.Credentials, error) {
	if app.Spec.SecretRef == nil {
		return source.Credentials{}, nil
	}
	var s corev1.Secret
	key := types.NamespacedName{Namespace: app.Namespace, Name: app.Spec.SecretRef.Name}
	if err := r.client.Get(ctx, key, &s); err != nil {
		if apierrors.IsNotFound(err) {
			return source.Credentials{}, stalled("SecretNotFound", fmt.Errorf("secretRef: Secret %s not found", key))
		}
		return source.Credentials{}, fmt.Errorf("secretRef: Secret %s: %w", key, err)
	}
	return source.CredentialsFromData(s.Data), nil
}

// fetchShare: a routine check accepts a fetch up to a tenth of its
// interval old, so a new commit is seen at most 10% later than with a
// fetch of its own, while a thousand apps of one repository checked once
// a minute cost about ten fetches a minute.
const fetchShare = 10

func interval(app *v1alpha1.Application) time.Duration {
	if app.Spec.Interval != nil && app.Spec.Interval.Duration > 0 {
		return app.Spec.Interval.Duration
	}
	return DefaultInterval
}

// jitter spreads checks by up to a tenth of d, so apps created together do
// not fetch together forever.
func jitter(d time.Duration) time.Duration {
	return d + time.Duration(rand.Int64N(int64(d)/10+1))
}
