// Package inventory records, in the destination cluster, the set of objects
// an app owns, so that whichever driver applies next (tug apply from CI, or
// the controller) knows what to prune. The record is written in two steps
// (see DESIGN.md): before the first write of an apply, previous ∪ desired
// marked pending; after apply and prune succeed, exactly desired.
package inventory

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/object"
)

// Namespace holds the inventories of every app applied to a cluster.
const Namespace = "tugboat-system"

// Entry is one owned object: its id, the version it was applied as, and a
// hash of the fields Tugboat's field manager owned right after the apply.
// When the live object still shows that hash, no one has taken a field
// from Tugboat since: the object has not drifted.
type Entry struct {
	Group     string `json:"g,omitempty"`
	Version   string `json:"v"`
	Kind      string `json:"k"`
	Namespace string `json:"ns,omitempty"`
	Name      string `json:"n"`
	Fields    string `json:"f,omitempty"`
	// HookHash, set on Helm hooks only, is the hash of the hook's manifest
	// when it last ran: a hook that its delete policy removed has no live
	// object to carry it.
	HookHash string `json:"h,omitempty"`
}

// ID returns the entry's object id.
func (e Entry) ID() object.ID {
	return object.ID{Group: e.Group, Kind: e.Kind, Namespace: e.Namespace, Name: e.Name}
}

// GVK returns the entry's group, version and kind.
func (e Entry) GVK() schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: e.Group, Version: e.Version, Kind: e.Kind}
}

// Inventory is what one app owns in one cluster.
type Inventory struct {
	App string
	// Revision is the source revision of the last successful apply.
	Revision string
	// Pending is true between the two steps of an apply: the entries may
	// include objects that were about to be applied.
	Pending bool
	Entries []Entry
	// ResourceVersion is the record's as it was read (empty: none yet). A
	// save succeeds only if the record is still at it, so a push-mode
	// apply and a controller's reconcile of one app never silently
	// overwrite each other's record; Save moves it on.
	ResourceVersion string
}

// ErrConflict is wrapped by a save that lost a race: the record changed
// since it was read. Reading it again and retrying is safe.
var ErrConflict = errors.New("the inventory changed since it was read (another apply or reconcile of the app ran)")

// Index returns the entries by object id.
func (inv *Inventory) Index() map[object.ID]Entry {
	m := make(map[object.ID]Entry, len(inv.Entries))
	for _, e := range inv.Entries {
		m[e.ID()] = e
	}
	return m
}

// Client is what the store needs of a cluster. *cluster.Cluster satisfies
// it; a controller's cache-backed client can too.
type Client interface {
	Get(ctx context.Context, gvk schema.GroupVersionKind, namespace, name string) (*unstructured.Unstructured, error)
	Apply(ctx context.Context, o *object.Object, opts cluster.ApplyOptions) (*unstructured.Unstructured, error)
	Create(ctx context.Context, o *object.Object) (*unstructured.Unstructured, error)
	Delete(ctx context.Context, gvk schema.GroupVersionKind, namespace, name string, uid types.UID) error
}

// Store reads and writes inventories as ConfigMaps in Namespace.
type Store struct {
	Cluster Client
}

// LabelFor labels an inventory record with the app it records.
const LabelFor = "tugboat.dev/inventory-for"

// NamePrefix begins every inventory record's name.
const NamePrefix = "tugboat-inventory-"

func configMapName(app string) string { return NamePrefix + app }

// IsRecord reports whether gvk, namespace and name are an inventory record.
func IsRecord(gvk schema.GroupVersionKind, namespace, name string) bool {
	return gvk.GroupKind() == configMapGVK.GroupKind() && namespace == Namespace && strings.HasPrefix(name, NamePrefix)
}

var configMapGVK = schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}

// Load returns the app's inventory; an app never applied has an empty one.
func (s *Store) Load(ctx context.Context, app string) (*Inventory, error) {
	u, err := s.Cluster.Get(ctx, configMapGVK, Namespace, configMapName(app))
	if err != nil {
		return nil, fmt.Errorf("load inventory of %s: %w", app, err)
	}
	inv := &Inventory{App: app}
	if u == nil {
		return inv, nil
	}
	inv.ResourceVersion = u.GetResourceVersion()
	var cm corev1.ConfigMap
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &cm); err != nil {
		return nil, fmt.Errorf("load inventory of %s: %w", app, err)
	}
	inv.Revision, inv.Pending = cm.Data["revision"], cm.Data["pending"] == "true"
	if err := json.Unmarshal([]byte(cm.Data["objects"]), &inv.Entries); err != nil {
		return nil, fmt.Errorf("load inventory of %s: ConfigMap %s/%s: %w", app, Namespace, cm.Name, err)
	}
	return inv, nil
}

// Save writes inv if the record is still as inv was read (see
// ResourceVersion), else fails wrapping ErrConflict; on success
// inv.ResourceVersion is the new record's. The namespace is created on
// the first save.
func (s *Store) Save(ctx context.Context, inv *Inventory) error {
	cm, err := configMap(inv)
	if err != nil {
		return fmt.Errorf("save inventory of %s: %w", inv.App, err)
	}
	u, err := s.write(ctx, cm)
	if apierrors.IsNotFound(err) && inv.ResourceVersion == "" {
		if err := s.createNamespace(ctx); err != nil {
			return fmt.Errorf("save inventory of %s: namespace %s: %w", inv.App, Namespace, err)
		}
		u, err = s.write(ctx, cm)
	}
	if apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("save inventory of %s: %w", inv.App, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("save inventory of %s: %w", inv.App, err)
	}
	inv.ResourceVersion = u.GetResourceVersion()
	return nil
}

// write creates the record if it was read as absent, else applies it with
// the resourceVersion it was read at: the API server refuses either if
// another writer came first.
func (s *Store) write(ctx context.Context, cm *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	o := object.New(cm, "inventory")
	if cm.GetResourceVersion() == "" {
		return s.Cluster.Create(ctx, o)
	}
	return s.Cluster.Apply(ctx, o, cluster.ApplyOptions{Force: true})
}

func (s *Store) createNamespace(ctx context.Context) error {
	ns := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Namespace",
		"metadata": map[string]any{"name": Namespace, "labels": map[string]any{object.LabelManagedBy: object.ManagedByValue}},
	}}
	_, err := s.Cluster.Apply(ctx, object.New(ns, "inventory"), cluster.ApplyOptions{})
	return err
}

// configMap is the record of inv, entries in a stable order.
func configMap(inv *Inventory) (*unstructured.Unstructured, error) {
	sort.Slice(inv.Entries, func(i, j int) bool { return entryKey(inv.Entries[i]) < entryKey(inv.Entries[j]) })
	objects, err := json.Marshal(inv.Entries)
	if err != nil {
		return nil, err
	}
	cm := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{
			"name": configMapName(inv.App), "namespace": Namespace,
			"labels": map[string]any{object.LabelManagedBy: object.ManagedByValue, LabelFor: inv.App},
		},
		"data": map[string]any{
			"app": inv.App, "revision": inv.Revision,
			"pending": fmt.Sprint(inv.Pending), "objects": string(objects),
		},
	}}
	cm.SetResourceVersion(inv.ResourceVersion)
	return cm, nil
}

// Delete removes the app's inventory.
func (s *Store) Delete(ctx context.Context, app string) error {
	if err := s.Cluster.Delete(ctx, configMapGVK, Namespace, configMapName(app), ""); err != nil {
		return fmt.Errorf("delete inventory of %s: %w", app, err)
	}
	return nil
}

func entryKey(e Entry) string {
	return e.Group + "/" + e.Kind + "/" + e.Namespace + "/" + e.Name
}

// ManagedFieldsHash hashes the fields FieldManager owns by apply in
// managedFields; "" if it owns none.
func ManagedFieldsHash(entries []metav1.ManagedFieldsEntry) string {
	for _, e := range entries {
		if cluster.Applied(e) && e.FieldsV1 != nil {
			sum := sha256.Sum256(e.FieldsV1.Raw)
			return hex.EncodeToString(sum[:12])
		}
	}
	return ""
}
