package inventory

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/object"
)

func cmObject(name string, ann map[string]string) *object.Object {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	u.SetKind("ConfigMap")
	u.SetNamespace("ns")
	u.SetName(name)
	u.SetAnnotations(ann)
	return object.New(u, name+".yaml")
}

func change(name string, a changeset.Action, hook bool) changeset.Change {
	o := cmObject(name, map[string]string{object.AnnotationHash: "hash-" + name})
	c := changeset.Change{ID: o.ID(), Action: a, Desired: o, Version: "v1", Fields: "f-" + name}
	if hook {
		c.Hook = &object.Hook{Install: true}
	}
	if a == changeset.Prune {
		c.Desired = nil
	}
	return c
}

func entry(name, fields, hookHash string) Entry {
	return Entry{Version: "v1", Kind: "ConfigMap", Namespace: "ns", Name: name, Fields: fields, HookHash: hookHash}
}

func names(inv *Inventory) []string {
	var out []string
	for _, e := range inv.Entries {
		out = append(out, e.Name+"/"+e.HookHash)
	}
	return out
}

func TestPending(t *testing.T) {
	prev := &Inventory{App: "a", Revision: "r1", Entries: []Entry{entry("old", "f", ""), entry("kept", "f", "")}}
	tests := []struct {
		name      string
		changes   []changeset.Change
		want      []string
		wantGrows bool
	}{
		{name: "nothing new", changes: []changeset.Change{change("kept", changeset.Unchanged, false), change("old", changeset.Prune, false)},
			want: []string{"old/", "kept/"}},
		{name: "a new object and a new hook", changes: []changeset.Change{change("kept", changeset.Update, false), change("new", changeset.Create, false), change("job", changeset.Create, true)},
			want: []string{"old/", "kept/", "new/", "job/pending"}, wantGrows: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, grows := Pending(prev, &changeset.Set{Changes: tt.changes})
			if grows != tt.wantGrows || !got.Pending || got.Revision != "r1" || !equal(names(got), tt.want) {
				t.Errorf("Pending = %v (pending %v, revision %q), grows %v; want %v, grows %v", names(got), got.Pending, got.Revision, grows, tt.want, tt.wantGrows)
			}
		})
	}
}

func TestFinal(t *testing.T) {
	prev := &Inventory{App: "a", Revision: "r1", Entries: []Entry{entry("old", "f", ""), entry("kept", "f", "")}}
	cs := &changeset.Set{Changes: []changeset.Change{change("kept", changeset.Unchanged, false), change("job", changeset.Create, true)}}
	tests := []struct {
		name   string
		pruned bool
		want   []string
	}{
		{name: "pruned: exactly desired", pruned: true, want: []string{"kept/", "job/hash-job"}},
		{name: "not pruned: what it owned stays", pruned: false, want: []string{"kept/", "job/hash-job", "old/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Final(prev, cs, "r2", tt.pruned, "")
			if got.Pending || got.Revision != "r2" || !equal(names(got), tt.want) {
				t.Errorf("Final = %v (pending %v, revision %q), want %v", names(got), got.Pending, got.Revision, tt.want)
			}
		})
	}
}

func TestSame(t *testing.T) {
	base := &Inventory{App: "a", Revision: "r1", Entries: []Entry{entry("x", "f1", ""), entry("y", "f2", "")}}
	tests := []struct {
		name  string
		other *Inventory
		want  bool
	}{
		{name: "same, other order", other: &Inventory{App: "a", Revision: "r1", Entries: []Entry{entry("y", "f2", ""), entry("x", "f1", "")}}, want: true},
		{name: "new revision", other: &Inventory{App: "a", Revision: "r2", Entries: base.Entries}},
		{name: "fields moved", other: &Inventory{App: "a", Revision: "r1", Entries: []Entry{entry("x", "f9", ""), entry("y", "f2", "")}}},
		{name: "one fewer", other: &Inventory{App: "a", Revision: "r1", Entries: base.Entries[:1]}},
		{name: "pending", other: &Inventory{App: "a", Revision: "r1", Pending: true, Entries: base.Entries}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Same(base, tt.other); got != tt.want {
				t.Errorf("Same = %v, want %v", got, tt.want)
			}
		})
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestIsRecord(t *testing.T) {
	cm := schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
	tests := []struct {
		name      string
		gvk       schema.GroupVersionKind
		namespace string
		object    string
		want      bool
	}{
		{"a record", cm, Namespace, NamePrefix + "web", true},
		{"another ConfigMap there", cm, Namespace, "settings", false},
		{"a namesake elsewhere", cm, "default", NamePrefix + "web", false},
		{"another kind", schema.GroupVersionKind{Version: "v1", Kind: "Secret"}, Namespace, NamePrefix + "web", false},
	}
	for _, tt := range tests {
		if got := IsRecord(tt.gvk, tt.namespace, tt.object); got != tt.want {
			t.Errorf("%s: IsRecord = %v, want %v", tt.name, got, tt.want)
		}
	}
}
