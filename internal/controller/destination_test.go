package controller

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/failure"
)

// TestDestinationRefusals: destinations the controller refuses before
// reading anything, each a stalled failure with its reason.
func TestDestinationRefusals(t *testing.T) {
	kubeconfig := clientcmdapi.NewConfig()
	kubeconfig.Contexts["home"] = &clientcmdapi.Context{Cluster: "home", AuthInfo: "home"}
	kubeconfig.CurrentContext = "home"
	secret := func(ns string) v1alpha1.Destination {
		return v1alpha1.Destination{Cluster: &v1alpha1.ClusterRef{SecretRef: v1alpha1.SecretKeyRef{Name: "prod", Namespace: ns}}}
	}
	tests := []struct {
		name       string
		dest       v1alpha1.Destination
		kubeconfig *clientcmdapi.Config
		wantReason string // "" : the controller's own cluster
	}{
		{name: "a Secret of another namespace", dest: secret("infra"), wantReason: "CrossNamespaceRef"},
		{name: "a context, in a cluster", dest: v1alpha1.Destination{Context: "prod"}, wantReason: "UnsupportedDestination"},
		{name: "an unknown context", dest: v1alpha1.Destination{Context: "prod"}, kubeconfig: kubeconfig, wantReason: "ContextNotFound"},
		{name: "the current context", dest: v1alpha1.Destination{Context: "home"}, kubeconfig: kubeconfig},
		{name: "none", dest: v1alpha1.Destination{Namespace: "web"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := testDestinations(t)
			ds.kubeconfig = tt.kubeconfig
			app := &v1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "team"}}
			app.Spec.Destination = tt.dest
			d, err := ds.resolve(context.Background(), app)
			if tt.wantReason == "" {
				if err != nil || d != ds.local {
					t.Fatalf("resolve = %v, %v; want the controller's own cluster", d, err)
				}
				return
			}
			if f, ok := failure.Of(err); !ok || f.Reason != tt.wantReason || f.Retryable() {
				t.Fatalf("err = %v, want a stalled %s", err, tt.wantReason)
			}
		})
	}
}

// TestDestinationCache: one connection per Secret version, shared by its
// apps; a new version replaces it (the old drift watch stops, its apps are
// checked again, and its cluster is no longer read through the watch);
// the last app to leave drops it.
func TestDestinationCache(t *testing.T) {
	ds := testDestinations(t)
	a, b := types.NamespacedName{Namespace: "team", Name: "a"}, types.NamespacedName{Namespace: "team", Name: "b"}
	c1, c2 := testCluster(t), testCluster(t)
	d1, err := ds.add("secret:team/prod", "1", c1)
	if err != nil {
		t.Fatal(err)
	}
	ds.use(a, d1)
	ds.use(b, d1)
	if again, _ := ds.add("secret:team/prod", "1", testCluster(t)); again != d1 || ds.cached("secret:team/prod", "1") != d1 {
		t.Fatal("the same version connected twice")
	}
	if _, ok := ds.reader(c1).(view); !ok {
		t.Error("a watched remote cluster is not read through its watch")
	}

	d2, err := ds.add("secret:team/prod", "2", c2)
	if err != nil {
		t.Fatal(err)
	}
	if d1.drift.ctx.Err() == nil {
		t.Error("the rotated connection's drift watch still runs")
	}
	if _, ok := ds.reader(c1).(view); ok {
		t.Error("a rotated connection is still read through its stopped watch")
	}
	queued := map[string]bool{}
	for range 2 {
		queued[(<-ds.events).Object.GetName()] = true
	}
	if !queued["a"] || !queued["b"] {
		t.Errorf("queued %v, want the rotated connection's apps", queued)
	}

	ds.use(a, d2)
	ds.use(b, d2)
	ds.release(a)
	if d2.drift.ctx.Err() != nil {
		t.Fatal("dropped while an app uses it")
	}
	ds.use(b, ds.local) // b moves to the controller's own cluster
	if d2.drift.ctx.Err() == nil || len(ds.remotes) != 0 {
		t.Errorf("an unused connection is kept: %v", ds.remotes)
	}
	if _, ok := ds.reader(ds.local.cluster).(view); !ok {
		t.Error("the controller's own cluster is not read through its watch")
	}
}

func testDestinations(t *testing.T) *destinations {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	events := make(chan event.GenericEvent, 16)
	return &destinations{ctx: ctx, events: events,
		local: &destination{key: "local", cluster: testCluster(t), drift: newDriftWatch(ctx, nil, events), stop: func() {}}}
}

// testCluster is a connection that is never used: nothing here connects.
func testCluster(t *testing.T) *cluster.Cluster {
	c, err := cluster.FromConfig("nowhere", &rest.Config{Host: "https://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
