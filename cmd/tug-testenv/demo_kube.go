package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
)

// waitTimeout bounds one wait of the story; the step's deadline may be
// sooner.
const waitTimeout = 90 * time.Second

var applications = schema.GroupVersionResource{Group: v1alpha1.Group, Version: v1alpha1.Version, Resource: "applications"}

// waitFor polls cond until it holds; what names what was awaited in the
// error, with cond's last complaint.
func waitFor(ctx context.Context, what string, cond func(ctx context.Context) (bool, error)) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, waitTimeout, true, func(ctx context.Context) (bool, error) {
		ok, err := cond(ctx)
		if ctx.Err() == nil {
			last = err
		}
		return ok, nil
	})
	if err != nil && last != nil {
		return fmt.Errorf("waiting for %s: %w (last: %v)", what, err, last)
	}
	if err != nil {
		return fmt.Errorf("waiting for %s: %w", what, err)
	}
	return nil
}

// application reads an Application of the demo's namespace.
func (d *demoRun) application(ctx context.Context, name string) (*v1alpha1.Application, error) {
	u, err := d.dyn.Resource(applications).Namespace(demoNamespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	var app v1alpha1.Application
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &app); err != nil {
		return nil, fmt.Errorf("Application %s: %w", name, err)
	}
	return &app, nil
}

// ready is an Application's Ready condition; its Status is empty when
// there is none yet.
func ready(app *v1alpha1.Application) metav1.Condition {
	if c := meta.FindStatusCondition(app.Status.Conditions, "Ready"); c != nil {
		return *c
	}
	return metav1.Condition{}
}

// waitApp waits until the Application name is Ready and Healthy at
// revision (any, when empty).
func (d *demoRun) waitApp(ctx context.Context, name, revision string) error {
	return waitFor(ctx, name+" Ready and Healthy", func(ctx context.Context) (bool, error) {
		app, err := d.application(ctx, name)
		if err != nil {
			return false, err
		}
		r := ready(app)
		if r.Status != metav1.ConditionTrue {
			return false, fmt.Errorf("Ready=%s %s: %s", r.Status, r.Reason, r.Message)
		}
		if revision != "" && !atCommit(app.Status.LastAppliedRevision, revision) {
			return false, fmt.Errorf("at %s, not yet %s", app.Status.LastAppliedRevision, revision)
		}
		return app.Status.Health == "Healthy", fmt.Errorf("health %s", app.Status.Health)
	})
}

// atCommit reports whether a status revision (main@sha1:SHA) is the
// commit sha.
func atCommit(revision, sha string) bool {
	return strings.HasSuffix(revision, ":"+sha) || revision == sha
}

// deployment reads the guestbook Deployment of namespace ns.
func (d *demoRun) deployment(ctx context.Context, ns string) (*appsv1.Deployment, error) {
	return d.kube.AppsV1().Deployments(ns).Get(ctx, deployName, metav1.GetOptions{})
}

// waitRollout waits until the guestbook Deployment of ns runs image
// (any, when empty) with replicas, all of them updated and available.
func (d *demoRun) waitRollout(ctx context.Context, ns, image string, replicas int32) error {
	what := fmt.Sprintf("%s/%s: %d replicas of %s available", ns, deployName, replicas, image)
	return waitFor(ctx, what, func(ctx context.Context) (bool, error) {
		dep, err := d.deployment(ctx, ns)
		if err != nil {
			return false, err
		}
		if got := frontendImage(dep); image != "" && got != image {
			return false, fmt.Errorf("image %s", got)
		}
		if got := ptr.Deref(dep.Spec.Replicas, 1); got != replicas {
			return false, fmt.Errorf("%d replicas wanted", got)
		}
		s := dep.Status
		return s.ObservedGeneration >= dep.Generation && s.UpdatedReplicas == replicas &&
				s.AvailableReplicas == replicas && s.Replicas == replicas,
			fmt.Errorf("%d updated, %d available of %d", s.UpdatedReplicas, s.AvailableReplicas, s.Replicas)
	})
}

// frontendImage is the image of a guestbook Deployment's container.
func frontendImage(dep *appsv1.Deployment) string {
	if c := dep.Spec.Template.Spec.Containers; len(c) > 0 {
		return c[0].Image
	}
	return ""
}

// describe says what a guestbook Deployment runs, as a line.
func describe(dep *appsv1.Deployment) string {
	return fmt.Sprintf("deployment %s/%s: %d/%d available, image %s", dep.Namespace, dep.Name,
		dep.Status.AvailableReplicas, ptr.Deref(dep.Spec.Replicas, 1), frontendImage(dep))
}
