package controller

import (
	"context"
	"slices"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/health"
	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/pipeline"
)

func TestWorst(t *testing.T) {
	tests := []struct {
		name     string
		statuses []health.Status
		want     string
	}{
		{"no objects", nil, v1alpha1.HealthHealthy},
		{"all current", []health.Status{health.Current, health.Current}, v1alpha1.HealthHealthy},
		{"one in progress", []health.Status{health.Current, health.InProgress}, v1alpha1.HealthProgressing},
		{"terminating", []health.Status{health.Terminating}, v1alpha1.HealthProgressing},
		{"unreadable", []health.Status{health.Current, health.Unknown}, v1alpha1.HealthUnknown},
		{"progress says more than unknown", []health.Status{health.Unknown, health.InProgress}, v1alpha1.HealthProgressing},
		{"failed wins", []health.Status{health.InProgress, health.Failed, health.Unknown}, v1alpha1.HealthDegraded},
		{"missing", []health.Status{health.Current, health.NotFound}, v1alpha1.HealthDegraded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var results []health.Result
			for _, s := range tt.statuses {
				results = append(results, health.Result{Status: s})
			}
			if got := worst(results); got != tt.want {
				t.Errorf("worst = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestNextHealthDelay(t *testing.T) {
	var got []time.Duration
	d := time.Duration(0)
	for range 6 {
		d = nextHealthDelay(d)
		got = append(got, d)
	}
	want := []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("delays %v, want %v", got, want)
		}
	}
}

// TestObserveHealth: what a sync's outcome does to status.health, and
// when the objects are read. The cluster is unreachable, so a reading
// shows as Unknown.
func TestObserveHealth(t *testing.T) {
	dest, err := cluster.FromConfig("nowhere", &rest.Config{Host: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	r := &reconciler{}
	// A Deployment: a kind with a status, so its health is read.
	cm := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": "web", "namespace": "team"}}}
	id := object.New(cm, "").ID()
	set := func(o changeset.Outcome) *changeset.Set {
		return &changeset.Set{Changes: []changeset.Change{{ID: id, Version: "v1", Desired: object.New(cm, ""), Outcome: o}}}
	}
	tests := []struct {
		name   string
		before string
		res    *pipeline.Result
		want   string
	}{
		{"healthy and nothing written: no read", v1alpha1.HealthHealthy, &pipeline.Result{ChangeSet: set(changeset.Kept)}, v1alpha1.HealthHealthy},
		{"a write: read", v1alpha1.HealthHealthy, &pipeline.Result{ChangeSet: set(changeset.Applied)}, v1alpha1.HealthUnknown},
		{"not healthy yet: read", v1alpha1.HealthProgressing, &pipeline.Result{ChangeSet: set(changeset.Kept)}, v1alpha1.HealthUnknown},
		{"never read: read", "", &pipeline.Result{ChangeSet: set(changeset.Kept)}, v1alpha1.HealthUnknown},
		{"a failed fetch says nothing", v1alpha1.HealthProgressing, nil, v1alpha1.HealthProgressing},
		{"the pipeline waited: its results", v1alpha1.HealthHealthy, &pipeline.Result{ChangeSet: set(changeset.Applied),
			Health: []health.Result{{ID: id, Status: health.Failed}}}, v1alpha1.HealthDegraded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			status := &v1alpha1.ApplicationStatus{Health: tt.before}
			r.observeHealth(ctx, &appHealth{cluster: dest}, status, tt.res)
			if status.Health != tt.want {
				t.Errorf("health = %q, want %q", status.Health, tt.want)
			}
		})
	}
}

// TestHealthTargets: objects of kinds without a status are not read for
// health, nor hooks, nor what was pruned.
func TestHealthTargets(t *testing.T) {
	obj := func(apiVersion, kind, name string) *object.Object {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion(apiVersion)
		u.SetKind(kind)
		u.SetName(name)
		return object.New(u, name)
	}
	change := func(o *object.Object) changeset.Change {
		return changeset.Change{ID: o.ID(), Desired: o, Version: o.GroupVersionKind().Version}
	}
	cs := &changeset.Set{Changes: []changeset.Change{
		change(obj("v1", "ConfigMap", "cm")),
		change(obj("v1", "ServiceAccount", "sa")),
		change(obj("rbac.authorization.k8s.io/v1", "RoleBinding", "rb")),
		change(obj("apps/v1", "Deployment", "web")),
		change(obj("v1", "Service", "web")),
		{ID: object.ID{Kind: "ConfigMap", Name: "gone"}, Action: changeset.Prune},
	}}
	var got []string
	for _, tg := range healthTargets(cs) {
		got = append(got, tg.id.Kind+"/"+tg.id.Name)
	}
	if want := []string{"Deployment/web", "Service/web"}; !slices.Equal(got, want) {
		t.Errorf("targets %v, want %v", got, want)
	}
}
