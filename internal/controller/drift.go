package controller

import (
	"context"
	"maps"
	"slices"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/inventory"
	"github.com/tugboat-gitops/tugboat/internal/object"
)

// driftWatch notices out-of-band changes to what apps own in one
// cluster: one shared, metadata-only informer per kind, filtered by
// Tugboat's label, so an idle controller's cost does not grow with
// unchanged objects and nothing is dry-run on a timer. A change that may
// be drift queues the owning Applications. Its informers run until ctx
// ends.
type driftWatch struct {
	ctx     context.Context
	factory metadatainformer.SharedInformerFactory
	events  chan<- event.GenericEvent

	mu sync.Mutex
	// apps maps an app name (the tugboat.dev/app label) to the
	// Applications of that name.
	apps map[string]map[types.NamespacedName]bool
	// informers are the running ones, by resource.
	informers map[schema.GroupVersionResource]cache.SharedIndexInformer
	// wrote holds, per object Tugboat applied, the hash of the fields it
	// owned right after: the watch event of its own apply is not drift.
	wrote map[objectKey]string
}

// objectKey names a live object by its resource.
type objectKey struct {
	resource  schema.GroupResource
	namespace string
	name      string
}

// newDriftWatch watches the cluster client reaches, queueing the
// Applications to check on events.
func newDriftWatch(ctx context.Context, client metadata.Interface, events chan<- event.GenericEvent) *driftWatch {
	selector := func(o *metav1.ListOptions) { o.LabelSelector = object.LabelManagedBy + "=" + object.ManagedByValue }
	return &driftWatch{
		ctx:       ctx,
		factory:   metadatainformer.NewFilteredSharedInformerFactory(client, 0, metav1.NamespaceAll, selector),
		events:    events,
		apps:      map[string]map[types.NamespacedName]bool{},
		wrote:     map[objectKey]string{},
		informers: map[schema.GroupVersionResource]cache.SharedIndexInformer{},
	}
}

// track records that the Application app (named name) owns objects of
// resources, and watches those it does not watch yet.
func (d *driftWatch) track(app types.NamespacedName, name string, resources []schema.GroupVersionResource) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.apps[name] == nil {
		d.apps[name] = map[types.NamespacedName]bool{}
	}
	d.apps[name][app] = true
	for _, gvr := range resources {
		if d.informers[gvr] != nil {
			continue
		}
		inf := d.factory.ForResource(gvr).Informer()
		// Indexed by app, so that the planner reads what an app owns
		// from here instead of listing it (see view).
		_ = inf.AddIndexers(cache.Indexers{appIndex: func(o any) ([]string, error) {
			if m, ok := o.(*metav1.PartialObjectMetadata); ok && m.Labels[object.LabelApp] != "" {
				return []string{m.Labels[object.LabelApp]}, nil
			}
			return nil, nil
		}})
		d.informers[gvr] = inf
		_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			UpdateFunc: func(old, cur any) {
				if drifted(old, cur) && !d.own(gvr.GroupResource(), old, cur) {
					d.queue(cur)
				}
			},
			DeleteFunc: d.queue,
		})
		go inf.RunWithContext(d.ctx)
	}
}

const appIndex = "app"

// owned returns the metadata of what app owns of resource, if a synced
// informer watches it.
func (d *driftWatch) owned(resource schema.GroupVersionResource, app string) ([]metav1.PartialObjectMetadata, bool) {
	inf := d.synced(resource)
	if inf == nil {
		return nil, false
	}
	objs, err := inf.GetIndexer().ByIndex(appIndex, app)
	if err != nil {
		return nil, false
	}
	out := make([]metav1.PartialObjectMetadata, 0, len(objs))
	for _, o := range objs {
		if m, ok := o.(*metav1.PartialObjectMetadata); ok {
			out = append(out, *m.DeepCopy())
		}
	}
	return out, true
}

// synced returns the informer of resource if one runs and has synced
// (a stopped one is synced, but no longer follows); nil otherwise.
func (d *driftWatch) synced(resource schema.GroupVersionResource) cache.SharedIndexInformer {
	d.mu.Lock()
	inf := d.informers[resource]
	d.mu.Unlock()
	if inf == nil || !inf.HasSynced() || d.ctx.Err() != nil {
		return nil
	}
	return inf
}

// ownerOf returns the app label of a managed object of resource, "" if
// there is none, when a synced informer watches resource.
func (d *driftWatch) ownerOf(resource schema.GroupVersionResource, namespace, name string) (string, bool) {
	inf := d.synced(resource)
	if inf == nil {
		return "", false
	}
	o, exists, err := inf.GetIndexer().GetByKey(cache.NewObjectName(namespace, name).String())
	if err != nil {
		return "", false
	}
	if !exists {
		return "", true
	}
	m, ok := o.(*metav1.PartialObjectMetadata)
	if !ok {
		return "", false
	}
	return m.Labels[object.LabelApp], true
}

// applied records what Tugboat's apply of an object left it owning; ""
// forgets a pruned object.
func (d *driftWatch) applied(key objectKey, fields string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if fields == "" {
		delete(d.wrote, key)
		return
	}
	d.wrote[key] = fields
}

// own reports whether an update is Tugboat's own apply: no other field
// manager's fields moved, and Tugboat owns exactly what its last apply
// left it owning. A hand edit moves another manager's fields; an edit
// that removes Tugboat's fields changes what it owns.
func (d *driftWatch) own(resource schema.GroupResource, old, cur any) bool {
	o, ok1 := old.(*metav1.PartialObjectMetadata)
	c, ok2 := cur.(*metav1.PartialObjectMetadata)
	if !ok1 || !ok2 || c.DeletionTimestamp != nil {
		return false
	}
	d.mu.Lock()
	fields, ok := d.wrote[objectKey{resource, c.Namespace, c.Name}]
	d.mu.Unlock()
	if !ok || fields == "" || inventory.ManagedFieldsHash(c.ManagedFields) != fields {
		return false
	}
	others := func(m *metav1.PartialObjectMetadata) []metav1.ManagedFieldsEntry {
		return slices.DeleteFunc(specFields(m.ManagedFields), func(e metav1.ManagedFieldsEntry) bool { return e.Manager == cluster.FieldManager })
	}
	return slices.EqualFunc(others(o), others(c), sameEntry)
}

// forget stops queueing app; the informers stay, shared by other apps.
func (d *driftWatch) forget(app types.NamespacedName) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for name, apps := range d.apps {
		delete(apps, app)
		if len(apps) == 0 {
			delete(d.apps, name)
		}
	}
}

// queue sends the Applications that own o to the reconciler.
func (d *driftWatch) queue(o any) {
	if t, ok := o.(cache.DeletedFinalStateUnknown); ok {
		o = t.Obj
	}
	m, ok := o.(*metav1.PartialObjectMetadata)
	if !ok {
		return
	}
	d.mu.Lock()
	apps := make([]types.NamespacedName, 0, len(d.apps[m.Labels[object.LabelApp]]))
	for a := range d.apps[m.Labels[object.LabelApp]] {
		apps = append(apps, a)
	}
	d.mu.Unlock()
	for _, a := range apps {
		if !enqueue(d.ctx, d.events, a) {
			return
		}
	}
}

// drifted reports whether an update may have changed what Tugboat owns:
// labels or annotations moved, the spec's generation moved, or a field
// manager other than the status writers changed fields. A controller
// updating an object's status, the common case, is not drift.
func drifted(old, cur any) bool {
	o, ok1 := old.(*metav1.PartialObjectMetadata)
	c, ok2 := cur.(*metav1.PartialObjectMetadata)
	if !ok1 || !ok2 {
		return true
	}
	if o.Generation != c.Generation || o.DeletionTimestamp == nil && c.DeletionTimestamp != nil {
		return true
	}
	if !maps.Equal(o.Labels, c.Labels) || !maps.Equal(o.Annotations, c.Annotations) {
		return true
	}
	return !slices.EqualFunc(specFields(o.ManagedFields), specFields(c.ManagedFields), sameEntry)
}

func sameEntry(a, b metav1.ManagedFieldsEntry) bool {
	return a.Manager == b.Manager && a.Operation == b.Operation && string(a.FieldsV1.Raw) == string(b.FieldsV1.Raw)
}

// specFields leaves out the status subresource's entries.
func specFields(entries []metav1.ManagedFieldsEntry) []metav1.ManagedFieldsEntry {
	out := make([]metav1.ManagedFieldsEntry, 0, len(entries))
	for _, e := range entries {
		if e.Subresource != "status" && e.FieldsV1 != nil {
			out = append(out, e)
		}
	}
	return out
}

// enqueue asks the reconciler to check the Application app now; false
// when ctx ended first.
func enqueue(ctx context.Context, events chan<- event.GenericEvent, app types.NamespacedName) bool {
	select {
	case events <- event.GenericEvent{Object: &v1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: app.Namespace, Name: app.Name}}}:
		return true
	case <-ctx.Done():
		return false
	}
}
