package render

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

// Cache keeps rendered objects by revision, path and options, so that the
// controller re-rendering an unchanged commit pays for a copy, not a
// render. It holds at most Max entries, least recently used out first.
type Cache struct {
	Max int

	mu      sync.Mutex
	entries map[string]*list.Element
	order   *list.List
}

type cacheEntry struct {
	key  string
	objs []*object.Object
}

// NewCache returns a cache of at most max renders.
func NewCache(max int) *Cache {
	return &Cache{Max: max, entries: map[string]*list.Element{}, order: list.New()}
}

func (c *Cache) get(key string) ([]*object.Object, bool) {
	c.mu.Lock()
	el, ok := c.entries[key]
	if ok {
		c.order.MoveToFront(el)
	}
	c.mu.Unlock()
	if !ok {
		return nil, false
	}
	return copyObjects(el.Value.(*cacheEntry).objs), true
}

func (c *Cache) put(key string, objs []*object.Object) {
	stored := copyObjects(objs)
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		el.Value.(*cacheEntry).objs = stored
		c.order.MoveToFront(el)
		return
	}
	c.entries[key] = c.order.PushFront(&cacheEntry{key: key, objs: stored})
	for c.Max > 0 && c.order.Len() > c.Max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.entries, last.Value.(*cacheEntry).key)
	}
}

func copyObjects(objs []*object.Object) []*object.Object {
	out := make([]*object.Object, len(objs))
	for i, o := range objs {
		out[i] = o.DeepCopy()
	}
	return out
}

// cacheKey hashes everything that decides a render's output. A request
// whose post-render asks the cluster (Scope) is keyed without it: the
// scope of a kind does not change under a running cluster. Remote bases
// live outside the revision (a branch may move), and a chart's lookups
// read the cluster, so such renders are never cached.
func cacheKey(revision string, req Request) (string, bool) {
	if revision == "" || req.Kustomize.AllowRemoteBases || req.Kind == KindHelm && req.Helm.Lookup != nil {
		return "", false
	}
	req.Root = ""
	req.Post.Scope = nil
	data, err := json.Marshal(req)
	if err != nil {
		return "", false
	}
	sum := sha256.Sum256(append([]byte(revision+"\x00"), data...))
	return hex.EncodeToString(sum[:]), true
}
