package controller

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/pipeline"
	"github.com/tugboat-gitops/tugboat/internal/plan"
)

// destination is a cluster Applications deploy to, with the drift watch
// of that cluster: the controller's own, or one that an Application's
// spec.destination names.
type destination struct {
	// key names where the connection came from ("secret:ns/name",
	// "context:name"), version which revision of it (the Secret's
	// resourceVersion): a new version is a new connection.
	key, version string
	cluster      *cluster.Cluster
	drift        *driftWatch
	// inventories keeps the cluster's inventory records from a watch.
	inventories *inventoryCache
	// stop ends the drift watch of a remote destination.
	stop context.CancelFunc
}

// applied tells the drift watch what an apply left Tugboat owning, as
// soon as it is applied, so that the object's watch event is not taken
// for drift and the app not checked again for nothing.
func (d *destination) applied(c *changeset.Change) {
	if !c.Wrote() {
		return
	}
	m, err := d.cluster.Mapping(c.ID.GroupKind(), c.Version)
	if err != nil {
		return
	}
	fields := c.Fields
	if c.Outcome == changeset.Pruned {
		fields = ""
	}
	d.drift.applied(objectKey{m.Resource.GroupResource(), c.ID.Namespace, c.ID.Name}, fields)
}

// watch has the drift watch follow the kinds the app's objects are of.
func (d *destination) watch(app types.NamespacedName, name string, res *pipeline.Result) {
	seen := map[schema.GroupVersionResource]bool{}
	for _, c := range res.ChangeSet.Changes {
		if c.Desired == nil || c.Hook != nil {
			continue
		}
		m, err := d.cluster.Mapping(c.ID.GroupKind(), c.Version)
		if err == nil {
			seen[m.Resource] = true
		}
	}
	d.drift.track(app, name, slices.Collect(maps.Keys(seen)))
}

// destinations resolves where each Application deploys to. It holds one
// connection and one drift watch per destination cluster in use, made
// when the first Application needs it and dropped when the last one
// leaves it; a Secret that changes (a rotated kubeconfig) gets a new one.
type destinations struct {
	ctx    context.Context
	events chan event.GenericEvent
	local  *destination
	// secrets reads the Secrets that name destinations from the
	// manager's cache, so a routine check makes no request for them;
	// direct reads those outside the cache's namespace (cacheNamespace,
	// "" for all).
	secrets, direct client.Reader
	cacheNamespace  string
	// crossNamespace allows a Secret in another namespace than the
	// Application's.
	crossNamespace bool
	// kubeconfig is the controller's own, whose contexts
	// destination.context names; nil in a cluster.
	kubeconfig *clientcmdapi.Config

	mu      sync.Mutex
	remotes map[string]*destination
	// users maps each Application to the destination it last resolved.
	users map[types.NamespacedName]*destination
}

// resolve returns the destination app deploys to, connecting to it when
// no Application has yet, and records app as its user. An Application
// whose destination cannot be resolved uses none.
func (ds *destinations) resolve(ctx context.Context, app *v1alpha1.Application) (*destination, error) {
	var d *destination
	var err error
	switch dest := app.Spec.Destination; {
	case dest.Cluster != nil:
		d, err = ds.fromSecret(ctx, app, dest.Cluster.SecretRef)
	case dest.Context != "":
		d, err = ds.fromContext(dest.Context)
	default:
		d = ds.local
	}
	ds.use(types.NamespacedName{Namespace: app.Namespace, Name: app.Name}, d)
	return d, err
}

// fromContext connects to a context of the controller's kubeconfig; its
// current context is the controller's own cluster.
func (ds *destinations) fromContext(name string) (*destination, error) {
	if ds.kubeconfig == nil {
		return nil, stalled("UnsupportedDestination", fmt.Errorf("destination.context %q: the controller runs without a kubeconfig (in its cluster), so it has no contexts; name the cluster by destination.cluster.secretRef", name))
	}
	if name == ds.kubeconfig.CurrentContext {
		return ds.local, nil
	}
	if ds.kubeconfig.Contexts[name] == nil {
		return nil, stalled("ContextNotFound", fmt.Errorf("destination.context %q: the controller's kubeconfig has no such context", name))
	}
	key := "context:" + name
	if d := ds.cached(key, ""); d != nil {
		return d, nil
	}
	cfg, err := clientcmd.NewNonInteractiveClientConfig(*ds.kubeconfig, name, &clientcmd.ConfigOverrides{}, nil).ClientConfig()
	if err != nil {
		return nil, stalled("InvalidKubeconfig", fmt.Errorf("destination.context %q: %w", name, err))
	}
	c, err := cluster.FromConfig(name, cfg)
	if err != nil {
		return nil, stalled("InvalidKubeconfig", fmt.Errorf("destination.context %q: %w", name, err))
	}
	return ds.add(key, "", c)
}

// cached returns the destination of key at version, if connected.
func (ds *destinations) cached(key, version string) *destination {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	if d := ds.remotes[key]; d != nil && d.version == version {
		return d
	}
	return nil
}

// add connects a destination: its drift watch starts informers only when
// an app's sync tracks kinds. One of an older version is stopped, and its
// users checked again, so they move to the new one.
func (ds *destinations) add(key, version string, c *cluster.Cluster) (*destination, error) {
	meta, err := metadata.NewForConfig(c.Config)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", c.Name, err)
	}
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", c.Name, err)
	}
	ds.mu.Lock()
	defer ds.mu.Unlock()
	old := ds.remotes[key]
	if old != nil && old.version == version {
		return old, nil // another app connected first
	}
	ctx, stop := context.WithCancel(ds.ctx)
	d := &destination{key: key, version: version, cluster: c, drift: newDriftWatch(ctx, meta, ds.events),
		inventories: newInventoryCache(ctx, cs), stop: stop}
	if ds.remotes == nil {
		ds.remotes = map[string]*destination{}
	}
	ds.remotes[key] = d
	if old != nil {
		old.stop()
		for app, u := range ds.users {
			if u == old {
				go enqueue(ds.ctx, ds.events, app)
			}
		}
	}
	return d, nil
}

// use records that app deploys to d (nil: nowhere), leaving the one it
// used before, which is dropped if no other app uses it.
func (ds *destinations) use(app types.NamespacedName, d *destination) {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	prev := ds.users[app]
	if prev == d {
		return
	}
	if d == nil {
		delete(ds.users, app)
	} else {
		if ds.users == nil {
			ds.users = map[types.NamespacedName]*destination{}
		}
		ds.users[app] = d
	}
	if prev == nil {
		return
	}
	prev.drift.forget(app)
	if prev == ds.local || slices.Contains(slices.Collect(maps.Values(ds.users)), prev) {
		return
	}
	prev.stop()
	if ds.remotes[prev.key] == prev {
		delete(ds.remotes, prev.key)
	}
}

// release forgets a deleted Application.
func (ds *destinations) release(app types.NamespacedName) {
	ds.use(app, nil)
	ds.local.drift.forget(app)
}

// reader is the pipeline's Reader hook: a cluster with a running drift
// watch is read through it (see view); any other, such as the connection
// of a Secret since rotated, is read directly.
func (ds *destinations) reader(c *cluster.Cluster) plan.Reader {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	if c == ds.local.cluster {
		return view{Cluster: c, drift: ds.local.drift, inventories: ds.local.inventories}
	}
	for _, d := range ds.remotes {
		if d.cluster == c {
			return view{Cluster: c, drift: d.drift, inventories: d.inventories}
		}
	}
	return c
}
