package pipeline

import (
	"fmt"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/object"
)

// TestApplyPrune applies ConfigMaps a and b, then a second set, and checks
// what was pruned, kept and recorded.
func TestApplyPrune(t *testing.T) {
	a := configMapYAML("a", nil, map[string]string{"k": "v"})
	b := configMapYAML("b", nil, map[string]string{"k": "v"})
	keepB := configMapYAML("b", map[string]string{object.AnnotationPrune: "disabled"}, map[string]string{"k": "v"})
	tests := []struct {
		name         string
		before       map[string]string
		after        map[string]string
		allowEmpty   bool
		noPrune      bool
		unlabel      []string // names whose app label is removed by hand in between
		wantErr      string
		wantActions  map[string]changeset.Action // by name, when no error
		wantLive     []string
		wantGone     []string
		wantRecorded []string
	}{
		{
			name:         "removed file",
			before:       map[string]string{"a.yaml": a, "b.yaml": b},
			after:        map[string]string{"a.yaml": a},
			wantActions:  map[string]changeset.Action{"a": changeset.Unchanged, "b": changeset.Prune},
			wantLive:     []string{"a"},
			wantGone:     []string{"b"},
			wantRecorded: []string{"a"},
		},
		{
			name:         "render failure",
			before:       map[string]string{"a.yaml": a, "b.yaml": b},
			after:        map[string]string{"a.yaml": a + "data: [unclosed\n"},
			wantErr:      "a.yaml",
			wantLive:     []string{"a", "b"},
			wantRecorded: []string{"a", "b"},
		},
		{
			name:        "prune disabled",
			before:      map[string]string{"a.yaml": a, "b.yaml": keepB},
			after:       map[string]string{"a.yaml": a},
			wantActions: map[string]changeset.Action{"a": changeset.Unchanged, "b": changeset.Skip},
			wantLive:    []string{"a", "b"},
		},
		{
			name:         "empty set refused",
			before:       map[string]string{"a.yaml": a, "b.yaml": b},
			after:        map[string]string{"empty.yaml": "# nothing here\n"},
			wantErr:      "renders to no objects",
			wantLive:     []string{"a", "b"},
			wantRecorded: []string{"a", "b"},
		},
		{
			name:         "empty set allowed",
			before:       map[string]string{"a.yaml": a, "b.yaml": b},
			after:        map[string]string{"empty.yaml": "# nothing here\n"},
			allowEmpty:   true,
			wantActions:  map[string]changeset.Action{"a": changeset.Prune, "b": changeset.Prune},
			wantGone:     []string{"a", "b"},
			wantRecorded: []string{},
		},
		{
			name:         "prune off",
			before:       map[string]string{"a.yaml": a, "b.yaml": b},
			after:        map[string]string{"a.yaml": a},
			noPrune:      true,
			wantActions:  map[string]changeset.Action{"a": changeset.Unchanged},
			wantLive:     []string{"a", "b"},
			wantRecorded: []string{"a", "b"},
		},
		{
			name:        "no longer labelled as the app's",
			before:      map[string]string{"a.yaml": a, "b.yaml": b},
			after:       map[string]string{"a.yaml": a},
			unlabel:     []string{"b"},
			wantActions: map[string]changeset.Action{"a": changeset.Unchanged},
			wantLive:    []string{"a", "b"},
		},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, e := newApplyEnv(t)
			ns := e.namespace(ctx, fmt.Sprintf("apply-prune-%d", i))
			dir := manifests(t, tc.before)
			app := e.app(fmt.Sprintf("prune-%d", i), dir, ns)
			app.Sync.AllowEmpty = tc.allowEmpty
			e.mustApply(ctx, app)

			for _, name := range tc.unlabel {
				cm := e.configMap(ctx, ns, name)
				delete(cm.Labels, object.LabelApp)
				if _, err := e.cs.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			app.Sync.Prune = !tc.noPrune
			writeFiles(t, dir, tc.after)
			res, err := e.p.Apply(ctx, app, e.c, Hooks{})
			if tc.wantErr != "" {
				errContains(t, err, tc.wantErr)
			} else if err != nil {
				t.Fatal(err)
			} else {
				want := map[string]changeset.Action{}
				for name, a := range tc.wantActions {
					want["ConfigMap/"+ns+"/"+name] = a
				}
				checkActions(t, res, want)
			}
			for _, name := range tc.wantLive {
				if e.configMap(ctx, ns, name) == nil {
					t.Errorf("ConfigMap %s was deleted", name)
				}
			}
			for _, name := range tc.wantGone {
				if cm := e.configMap(ctx, ns, name); cm != nil && cm.DeletionTimestamp == nil {
					t.Errorf("ConfigMap %s was not pruned", name)
				}
			}
			if tc.wantRecorded != nil {
				want := []string{}
				for _, name := range tc.wantRecorded {
					want = append(want, "ConfigMap/"+ns+"/"+name)
				}
				inv := e.inventory(ctx, app.Name)
				if got := inventoryIDs(inv); !slices.Equal(got, want) || inv.Pending {
					t.Errorf("inventory %v (pending %v), want %v", got, inv.Pending, want)
				}
			}
		})
	}
}

// TestApplyOwnedByAnotherApp declares, in app B, a ConfigMap app A owns:
// refused, naming A, and the object left alone; with Adopt, B takes it.
func TestApplyOwnedByAnotherApp(t *testing.T) {
	ctx, e := newApplyEnv(t)
	ns := e.namespace(ctx, "apply-owner")
	appA := e.app("owner-a", manifests(t, map[string]string{
		"x.yaml": configMapYAML("x", nil, map[string]string{"owner": "a"}),
	}), ns)
	e.mustApply(ctx, appA)
	appB := e.app("owner-b", manifests(t, map[string]string{
		"x.yaml": configMapYAML("x", nil, map[string]string{"owner": "b"}),
		"y.yaml": configMapYAML("y", nil, map[string]string{"owner": "b"}),
	}), ns)

	_, err := e.p.Plan(ctx, appB, e.c)
	errContains(t, err, "ConfigMap/"+ns+"/x", `"owner-a"`)
	_, err = e.p.Apply(ctx, appB, e.c, Hooks{})
	errContains(t, err, "ConfigMap/"+ns+"/x", `"owner-a"`)
	x := e.configMap(ctx, ns, "x")
	if x.Data["owner"] != "a" || x.Labels[object.LabelApp] != "owner-a" {
		t.Errorf("refused apply changed x: data %v, labels %v", x.Data, x.Labels)
	}
	if e.configMap(ctx, ns, "y") != nil {
		t.Error("refused apply created y")
	}

	appB.Sync.Adopt = true
	e.mustApply(ctx, appB)
	x = e.configMap(ctx, ns, "x")
	if x.Data["owner"] != "b" || x.Labels[object.LabelApp] != "owner-b" {
		t.Errorf("adopted x: data %v, labels %v; want app owner-b's", x.Data, x.Labels)
	}
	if got := inventoryIDs(e.inventory(ctx, appB.Name)); !slices.Equal(got, []string{"ConfigMap/" + ns + "/x", "ConfigMap/" + ns + "/y"}) {
		t.Errorf("inventory of owner-b: %v", got)
	}
}
