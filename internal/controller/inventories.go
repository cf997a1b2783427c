package controller

import (
	"context"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/tugboat-gitops/tugboat/internal/inventory"
)

// inventoryCache keeps the destination's inventory records from a watch,
// so that a check with nothing new reads none. A record is served from
// the cache only when it is at the version this controller last wrote
// (or it wrote none since it started): a save needs the record as it is,
// and a watch can lag behind the controller's own write by moments.
type inventoryCache struct {
	informer cache.SharedIndexInformer

	mu sync.Mutex
	// wrote is, by record name, the resourceVersion of this process's
	// last write of it.
	wrote map[string]string
}

func newInventoryCache(ctx context.Context, cs kubernetes.Interface) *inventoryCache {
	factory := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(inventory.Namespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = inventory.LabelFor }))
	c := &inventoryCache{informer: factory.Core().V1().ConfigMaps().Informer(), wrote: map[string]string{}}
	factory.Start(ctx.Done())
	return c
}

// get returns the record name from the cache, if the cache may answer:
// ok with a nil record means the record does not exist.
func (c *inventoryCache) get(name string) (u *unstructured.Unstructured, ok bool) {
	if c == nil || !c.informer.HasSynced() {
		return nil, false
	}
	o, exists, err := c.informer.GetIndexer().GetByKey(inventory.Namespace + "/" + name)
	if err != nil {
		return nil, false
	}
	c.mu.Lock()
	rv, wrote := c.wrote[name]
	c.mu.Unlock()
	if !exists {
		// Absent and never written here, or deleted by this process last:
		// absent. Should another writer have created it since the watch
		// last saw, the save that follows creates it and the API server
		// refuses that (inventory.ErrConflict), so nothing is lost; a
		// new app's first sync reads nothing.
		return nil, !wrote || rv == ""
	}
	cm, isCM := o.(*corev1.ConfigMap)
	if !isCM || wrote && rv != cm.ResourceVersion {
		return nil, false
	}
	data, err := runtime.DefaultUnstructuredConverter.ToUnstructured(cm)
	if err != nil {
		return nil, false
	}
	u = &unstructured.Unstructured{Object: data}
	u.SetAPIVersion("v1")
	u.SetKind("ConfigMap")
	return u, true
}

// written records this process's write of a record; nil records its
// deletion, so that the watch's copy is not served until it sees that.
func (c *inventoryCache) written(name string, u *unstructured.Unstructured) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if u == nil {
		c.wrote[name] = ""
		return
	}
	c.wrote[name] = u.GetResourceVersion()
}
