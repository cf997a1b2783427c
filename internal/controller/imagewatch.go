package controller

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crcontroller "sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
)

// watchImages adds image automation to the manager: the ImagePolicy
// reconciler, and to apps (the Application controller's builder) a watch
// that queues a namespace's Applications with image updates when one of
// its policies finds a new latest image. The watch follows the status the
// reconciler wrote, not a call from it, so an app reconciled for a new
// image always finds that image in its cache.
//
// Image automation is off, with a log line, when the ImagePolicy CRD is
// not served (a cluster upgraded without it): the controller then syncs
// Applications as before, rather than failing to start on a kind it
// cannot watch. Installing the CRD later takes a restart.
func watchImages(mgr ctrl.Manager, apps *builder.Builder, r *reconciler, opts Options) (*builder.Builder, error) {
	gk := schema.GroupKind{Group: v1alpha1.Group, Kind: "ImagePolicy"}
	if _, err := mgr.GetRESTMapper().RESTMapping(gk, v1alpha1.Version); meta.IsNoMatchError(err) {
		opts.Logger.Info("image automation is off: the ImagePolicy CRD is not installed (tug install installs it)")
		return apps, nil
	} else if err != nil {
		return nil, fmt.Errorf("controller: ImagePolicy API: %w", err)
	}
	policies := &policyReconciler{client: mgr.GetClient(), events: r.events, log: opts.Logger}
	err := ctrl.NewControllerManagedBy(mgr).
		Named("imagepolicy").
		// A status write bumps no generation: the reconciler's own patches
		// do not scan again; its interval does.
		For(&v1alpha1.ImagePolicy{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		WithOptions(crcontroller.Options{MaxConcurrentReconciles: opts.Concurrency, SkipNameValidation: ptr.To(true)}).
		Complete(policies)
	if err != nil {
		return nil, fmt.Errorf("controller: %w", err)
	}
	r.images = &imageMemos{}
	return apps.Watches(&v1alpha1.ImagePolicy{}, handler.EnqueueRequestsFromMapFunc(r.appsOfPolicy),
		builder.WithPredicates(latestImageChanged())), nil
}

// latestImageChanged passes a policy's updates that changed its latest
// image, nothing else: every Application is checked at start anyway.
func latestImageChanged() predicate.Funcs {
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			before, ok1 := e.ObjectOld.(*v1alpha1.ImagePolicy)
			after, ok2 := e.ObjectNew.(*v1alpha1.ImagePolicy)
			return ok1 && ok2 && before.Status.LatestImage != after.Status.LatestImage
		},
	}
}

// appsOfPolicy lists the Applications of the policy's namespace whose
// image updates are enabled and that are not suspended.
func (r *reconciler) appsOfPolicy(ctx context.Context, p client.Object) []reconcile.Request {
	var apps v1alpha1.ApplicationList
	if err := r.client.List(ctx, &apps, client.InNamespace(p.GetNamespace())); err != nil {
		r.log.Error("list the Applications of an image policy", "imagepolicy", p.GetNamespace()+"/"+p.GetName(), "error", err)
		return nil
	}
	var reqs []reconcile.Request
	for _, a := range apps.Items {
		if u := a.Spec.ImageUpdate; u != nil && u.Enabled && !a.Spec.Suspend {
			reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: a.Namespace, Name: a.Name}})
		}
	}
	return reqs
}
