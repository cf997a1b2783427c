package plan

import (
	"context"
	"strings"
	"sync"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/inventory"
	"github.com/tugboat-gitops/tugboat/internal/object"
)

// fixtureReader is a cluster made of fixtures: the objects it holds, and
// the dry-runs it rejects. It counts the dry-runs, so that a test can tell
// that an unchanged object cost none.
type fixtureReader struct {
	objects map[object.ID]*unstructured.Unstructured
	rejects map[string]error // by object name
	noKinds map[string]bool  // kinds the cluster does not serve
	// unlisted are objects a LIST does not show yet (a watch-fed view
	// that lags behind), by name.
	unlisted map[string]bool
	mu       sync.Mutex
	dryRuns  int
	gets     int
}

func (r *fixtureReader) ListMetadata(_ context.Context, gvk schema.GroupVersionKind, ns, selector string) ([]metav1.PartialObjectMetadata, error) {
	if r.noKinds[gvk.Kind] {
		return nil, &meta.NoKindMatchError{GroupKind: gvk.GroupKind()}
	}
	sel, err := metav1.ParseToLabelSelector(selector)
	if err != nil {
		return nil, err
	}
	var out []metav1.PartialObjectMetadata
	for id, u := range r.objects {
		if id.Kind != gvk.Kind || ns != "" && id.Namespace != ns || r.unlisted[id.Name] {
			continue
		}
		if v, ok := sel.MatchLabels[object.LabelApp]; ok && u.GetLabels()[object.LabelApp] != v {
			continue
		}
		out = append(out, metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{
			Name: u.GetName(), Namespace: u.GetNamespace(), Labels: u.GetLabels(), Annotations: u.GetAnnotations(),
			ManagedFields: u.GetManagedFields(), UID: u.GetUID(),
		}})
	}
	return out, nil
}

func (r *fixtureReader) Get(_ context.Context, gvk schema.GroupVersionKind, ns, name string) (*unstructured.Unstructured, error) {
	r.mu.Lock()
	r.gets++
	r.mu.Unlock()
	u := r.objects[object.ID{Group: gvk.Group, Kind: gvk.Kind, Namespace: ns, Name: name}]
	if u == nil {
		return nil, nil
	}
	return u.DeepCopy(), nil
}

// Apply answers a dry-run as the API server would for the fixtures: the
// desired object, or the rejection set for it.
func (r *fixtureReader) Apply(_ context.Context, o *object.Object, opts cluster.ApplyOptions) (*unstructured.Unstructured, error) {
	if !opts.DryRun {
		panic("the planner wrote")
	}
	r.mu.Lock()
	r.dryRuns++
	r.mu.Unlock()
	if err := r.rejects[o.GetName()]; err != nil && !(opts.Force && apierrors.IsConflict(err)) {
		return nil, err
	}
	return o.Unstructured.DeepCopy(), nil
}

func (r *fixtureReader) ApplyMetadata(ctx context.Context, o *object.Object, opts cluster.ApplyOptions) (*metav1.PartialObjectMetadata, error) {
	u, err := r.Apply(ctx, o, opts)
	if err != nil {
		return nil, err
	}
	m := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: u.GetName(), Namespace: u.GetNamespace()}}
	if _, ok := r.objects[o.ID()]; ok {
		// The API server answers a dry-run of an existing object with
		// its resourceVersion, and one of a create with none.
		m.ResourceVersion = "1"
	}
	return m, nil
}

func (r *fixtureReader) Scope() object.ScopeFunc { return object.SetScope(nil, nil) }

func (r *fixtureReader) VersionError(schema.GroupVersionKind) error { return nil }

var _ Reader = (*fixtureReader)(nil)

// watchedReader is a fixtureReader with a watch of what Tugboat manages,
// as the controller's view has: objects with the app label.
type watchedReader struct{ *fixtureReader }

func (r watchedReader) OwnerOf(gvk schema.GroupVersionKind, ns, name string) (string, bool) {
	u := r.objects[object.ID{Group: gvk.Group, Kind: gvk.Kind, Namespace: ns, Name: name}]
	if u == nil {
		return "", true
	}
	return u.GetLabels()[object.LabelApp], true
}

var _ OwnerWatch = watchedReader{}

// tugboatFields is a managedFields entry of Tugboat's field manager.
var tugboatFields = []metav1.ManagedFieldsEntry{{
	Manager: cluster.FieldManager, Operation: metav1.ManagedFieldsOperationApply, APIVersion: "v1",
	FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:data":{"f:k":{}}}`)},
}}

func cm(name, value string) *object.Object {
	u := &unstructured.Unstructured{Object: map[string]any{"data": map[string]any{"k": value}}}
	u.SetAPIVersion("v1")
	u.SetKind("ConfigMap")
	u.SetNamespace("ns")
	u.SetName(name)
	return object.New(u, name+".yaml")
}

// applied is o as it stands in the cluster once app applied it: stamped,
// owned by Tugboat's field manager.
func applied(t *testing.T, o *object.Object, app string) *unstructured.Unstructured {
	t.Helper()
	o = o.DeepCopy()
	if err := object.Stamp(o, app); err != nil {
		t.Fatal(err)
	}
	u := o.Unstructured
	u.SetManagedFields(tugboatFields)
	u.SetUID(types.UID("uid-" + o.GetName()))
	return u
}

func TestPlanDecisions(t *testing.T) {
	conflict := apierrors.NewApplyConflict([]metav1.StatusCause{{Type: metav1.CauseTypeFieldManagerConflict, Message: `conflict with "helm"`, Field: ".data.k"}}, "Apply failed")
	tests := []struct {
		name        string
		desired     []*object.Object
		live        []*unstructured.Unstructured
		recorded    []string // names in the inventory, with Tugboat's fields
		rejects     map[string]error
		unlisted    map[string]bool
		opts        Options
		watched     bool // the reader watches what Tugboat manages
		want        map[string]changeset.Action
		wantDryRuns int
		wantGets    int
		countGets   bool
		wantErr     string
		// wantUnvalidated names the create planned without a dry-run.
		wantUnvalidated string
	}{
		{name: "new object costs a dry-run and no read", desired: []*object.Object{cm("a", "1")},
			want: map[string]changeset.Action{"a": changeset.Create}, wantDryRuns: 1, wantGets: 0, countGets: true},
		{name: "new object, shown as a diff, is looked up", desired: []*object.Object{cm("a", "1")}, opts: Options{Diffs: true},
			want: map[string]changeset.Action{"a": changeset.Create}, wantDryRuns: 1, wantGets: 1, countGets: true},
		{name: "an object of no app is updated, not created", desired: []*object.Object{cm("a", "2")},
			live: []*unstructured.Unstructured{cm("a", "1").Unstructured},
			want: map[string]changeset.Action{"a": changeset.Update}, wantDryRuns: 2, wantGets: 2, countGets: true},
		{name: "unchanged costs no dry-run", desired: []*object.Object{cm("a", "1")},
			live: []*unstructured.Unstructured{applied(t, cm("a", "1"), "app")}, recorded: []string{"a"},
			want: map[string]changeset.Action{"a": changeset.Unchanged}, wantDryRuns: 0},
		{name: "changed content is an update", desired: []*object.Object{cm("a", "2")},
			live: []*unstructured.Unstructured{applied(t, cm("a", "1"), "app")}, recorded: []string{"a"},
			want: map[string]changeset.Action{"a": changeset.Update}, wantDryRuns: 1},
		{name: "recorded and no longer desired is pruned", desired: []*object.Object{cm("a", "1")},
			live:     []*unstructured.Unstructured{applied(t, cm("a", "1"), "app"), applied(t, cm("gone", "1"), "app")},
			recorded: []string{"a", "gone"}, opts: Options{Prune: true},
			want: map[string]changeset.Action{"a": changeset.Unchanged, "gone": changeset.Prune}},
		{name: "a recorded object a lagging view lacks is still pruned", desired: []*object.Object{cm("a", "1")},
			live:     []*unstructured.Unstructured{applied(t, cm("a", "1"), "app"), applied(t, cm("gone", "1"), "app")},
			recorded: []string{"a", "gone"}, opts: Options{Prune: true}, unlisted: map[string]bool{"gone": true},
			want: map[string]changeset.Action{"a": changeset.Unchanged, "gone": changeset.Prune}},
		{name: "prune off keeps it out of the plan", desired: []*object.Object{cm("a", "1")},
			live:     []*unstructured.Unstructured{applied(t, cm("a", "1"), "app"), applied(t, cm("gone", "1"), "app")},
			recorded: []string{"a", "gone"},
			want:     map[string]changeset.Action{"a": changeset.Unchanged}},
		{name: "another app's object is refused", desired: []*object.Object{cm("a", "1")},
			live:    []*unstructured.Unstructured{applied(t, cm("a", "1"), "other")},
			wantErr: `is owned by app "other"`},
		{name: "another app's object, adopted", desired: []*object.Object{cm("a", "1")},
			live: []*unstructured.Unstructured{applied(t, cm("a", "1"), "other")}, opts: Options{Adopt: true},
			// Its create dry-run finds it, then it is planned as an update.
			want: map[string]changeset.Action{"a": changeset.Update}, wantDryRuns: 2},
		{name: "a rejected dry-run names the object", desired: []*object.Object{cm("a", "1"), cm("b", "1")},
			rejects: map[string]error{"b": apierrors.NewBadRequest("data.k: invalid")},
			wantErr: "ConfigMap/ns/b (from b.yaml)"},
		{name: "another applier's fields are a conflict", desired: []*object.Object{cm("a", "2")},
			live: []*unstructured.Unstructured{applied(t, cm("a", "1"), "app")}, recorded: []string{"a"},
			rejects: map[string]error{"a": conflict}, wantErr: "another field manager owns these fields"},
		{name: "forced, they are taken", desired: []*object.Object{cm("a", "2")},
			live: []*unstructured.Unstructured{applied(t, cm("a", "1"), "app")}, recorded: []string{"a"},
			rejects: map[string]error{"a": conflict}, opts: Options{ForceConflicts: true},
			want: map[string]changeset.Action{"a": changeset.Update}, wantDryRuns: 1},
		{name: "watched, the only write, a new object, costs no request", desired: []*object.Object{cm("a", "1")}, watched: true,
			want: map[string]changeset.Action{"a": changeset.Create}, wantUnvalidated: "a", wantDryRuns: 0, wantGets: 0, countGets: true},
		{name: "watched, the only write beside unchanged ones", desired: []*object.Object{cm("a", "1"), cm("b", "1")}, watched: true,
			live: []*unstructured.Unstructured{applied(t, cm("a", "1"), "app")}, recorded: []string{"a"},
			want: map[string]changeset.Action{"a": changeset.Unchanged, "b": changeset.Create}, wantUnvalidated: "b", wantDryRuns: 0},
		{name: "watched, an object of no app is left to its apply", desired: []*object.Object{cm("a", "2")}, watched: true,
			live: []*unstructured.Unstructured{cm("a", "1").Unstructured},
			want: map[string]changeset.Action{"a": changeset.Create}, wantUnvalidated: "a", wantDryRuns: 0},
		{name: "watched, two new objects are rehearsed", desired: []*object.Object{cm("a", "1"), cm("b", "1")}, watched: true,
			want: map[string]changeset.Action{"a": changeset.Create, "b": changeset.Create}, wantDryRuns: 2},
		{name: "watched, another app's object is refused unread", desired: []*object.Object{cm("a", "1")}, watched: true,
			live:    []*unstructured.Unstructured{applied(t, cm("a", "1"), "other")},
			wantErr: `is owned by app "other"`},
		{name: "watched, adopting another app's object is rehearsed", desired: []*object.Object{cm("a", "1")}, watched: true,
			live: []*unstructured.Unstructured{applied(t, cm("a", "1"), "other")}, opts: Options{Adopt: true},
			want: map[string]changeset.Action{"a": changeset.Update}, wantDryRuns: 2},
		{name: "watched, a shown plan is rehearsed", desired: []*object.Object{cm("a", "1")}, watched: true, opts: Options{Diffs: true},
			want: map[string]changeset.Action{"a": changeset.Create}, wantDryRuns: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &fixtureReader{objects: map[object.ID]*unstructured.Unstructured{}, rejects: tt.rejects, unlisted: tt.unlisted}
			for _, u := range tt.live {
				r.objects[object.New(u, "").ID()] = u
			}
			inv := &inventory.Inventory{App: "app"}
			for _, name := range tt.recorded {
				inv.Entries = append(inv.Entries, inventory.Entry{Version: "v1", Kind: "ConfigMap", Namespace: "ns", Name: name,
					Fields: inventory.ManagedFieldsHash(tugboatFields)})
			}
			var reader Reader = r
			if tt.watched {
				reader = watchedReader{r}
			}
			cs, err := Make(context.Background(), Target{Cluster: reader, App: "app", Inventory: inv}, tt.desired, tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]changeset.Action{}
			for _, c := range cs.Changes {
				got[c.ID.Name] = c.Action
				if c.Unvalidated != (c.ID.Name == tt.wantUnvalidated) {
					t.Errorf("%s: unvalidated %v", c.ID.Name, c.Unvalidated)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("actions %v, want %v", got, tt.want)
			}
			for name, a := range tt.want {
				if got[name] != a {
					t.Errorf("%s: %s, want %s", name, got[name], a)
				}
			}
			if r.dryRuns != tt.wantDryRuns {
				t.Errorf("%d dry-runs, want %d", r.dryRuns, tt.wantDryRuns)
			}
			if tt.countGets && r.gets != tt.wantGets {
				t.Errorf("%d reads, want %d", r.gets, tt.wantGets)
			}
		})
	}
}
