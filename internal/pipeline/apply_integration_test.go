package pipeline

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/inventory"
	"github.com/tugboat-gitops/tugboat/internal/object"
)

const serviceYAML = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 8080
`

// TestApplyCreateUpdate creates a set, then changes one field: the plan
// shows that field, and the apply makes it so.
func TestApplyCreateUpdate(t *testing.T) {
	ctx, e := newApplyEnv(t)
	ns := e.namespace(ctx, "apply-create-update")
	dir := manifests(t, map[string]string{
		"cm.yaml":  configMapYAML("web-config", nil, map[string]string{"color": "blue", "size": "large"}),
		"svc.yaml": serviceYAML,
	})
	app := e.app("create-update", dir, ns)
	cmID, svcID := "ConfigMap/"+ns+"/web-config", "Service/"+ns+"/web"

	res := e.mustPlan(ctx, app)
	checkActions(t, res, map[string]changeset.Action{cmID: changeset.Create, svcID: changeset.Create})
	if e.configMap(ctx, ns, "web-config") != nil {
		t.Fatal("Plan created the ConfigMap")
	}
	res = e.mustApply(ctx, app)
	checkActions(t, res, map[string]changeset.Action{cmID: changeset.Create, svcID: changeset.Create})
	cm := e.configMap(ctx, ns, "web-config")
	if cm == nil || cm.Data["color"] != "blue" {
		t.Fatalf("ConfigMap after create: %+v", cm)
	}
	if cm.Labels[object.LabelManagedBy] != object.ManagedByValue || cm.Labels[object.LabelApp] != app.Name || cm.Annotations[object.AnnotationHash] == "" {
		t.Errorf("ConfigMap not stamped as the app's: labels %v, annotations %v", cm.Labels, cm.Annotations)
	}

	writeFiles(t, dir, map[string]string{
		"cm.yaml":  configMapYAML("web-config", nil, map[string]string{"color": "green", "size": "large"}),
		"svc.yaml": serviceYAML,
	})
	res = e.mustPlan(ctx, app)
	checkActions(t, res, map[string]changeset.Action{cmID: changeset.Update, svcID: changeset.Unchanged})
	diff := change(t, res, cmID).Diff
	for _, want := range []string{"-  color: blue", "+  color: green"} {
		if !strings.Contains(diff, want) {
			t.Errorf("diff lacks %q:\n%s", want, diff)
		}
	}
	if strings.Contains(diff, "-  size") || strings.Contains(diff, "+  size") {
		t.Errorf("diff shows an unchanged key as changed:\n%s", diff)
	}
	e.mustApply(ctx, app)
	if got := e.configMap(ctx, ns, "web-config").Data["color"]; got != "green" {
		t.Errorf("color after update = %q, want green", got)
	}
}

// unchangedSet applies a set of several kinds and returns its app.
func unchangedSet(ctx context.Context, t *testing.T, e *applyEnv, name string) App {
	t.Helper()
	ns := e.namespace(ctx, "apply-"+name)
	dir := manifests(t, map[string]string{
		"cm.yaml":     configMapYAML("a", nil, map[string]string{"k": "v"}) + "---\n" + configMapYAML("b", nil, map[string]string{"k": "v"}),
		"svc.yaml":    serviceYAML,
		"secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: p4ss\n",
		"deploy.yaml": deploymentYAML("web", ""),
	})
	app := e.app(name, dir, ns)
	e.mustApply(ctx, app)
	return app
}

// TestPlanUnchangedNoRequests plans a set that is applied already: every
// object is unchanged, nothing is written and each kind is listed once at
// most.
func TestPlanUnchangedNoRequests(t *testing.T) {
	ctx, e := newApplyEnv(t)
	app := unchangedSet(ctx, t, e, "unchanged-plan")
	rc := &requestCounter{}
	c := connect(t, e.env, rc)
	res, err := e.p.Plan(ctx, app, c)
	if err != nil {
		t.Fatal(err)
	}
	for id, a := range actions(res) {
		if a != changeset.Unchanged {
			t.Errorf("%s: %s, want unchanged\n%s", id, a, change(t, res, id).Diff)
		}
	}
	if len(res.ChangeSet.Changes) != 5 {
		t.Errorf("%d changes, want 5", len(res.ChangeSet.Changes))
	}
	writes, lists, all := rc.snapshot()
	if len(writes) != 0 {
		t.Errorf("a plan of an unchanged set wrote: %q", writes)
	}
	for resource, n := range lists {
		if n > 1 {
			t.Errorf("%s listed %d times, want at most once", resource, n)
		}
	}
	for _, r := range all {
		if strings.HasPrefix(r, "PATCH") {
			t.Errorf("a plan of an unchanged set dry-ran an object: %s", r)
		}
	}
	checkObjectGets(t, rc, app.Name)
	t.Logf("%d requests: %q", len(all), all)
}

// checkObjectGets fails on any GET of a single object other than the
// app's inventory: an unchanged set is decided from one LIST per kind.
func checkObjectGets(t *testing.T, rc *requestCounter, app string) {
	t.Helper()
	for _, r := range rc.objectGets() {
		if !strings.Contains(r, "/configmaps/tugboat-inventory-"+app) {
			t.Errorf("a plan of an unchanged set read an object: %s", r)
		}
	}
}

// TestApplyUnchangedNoWrites applies a set that is applied already: a
// reconcile with no change makes no write (DESIGN.md, "Unchanged objects
// cost nothing").
func TestApplyUnchangedNoWrites(t *testing.T) {
	ctx, e := newApplyEnv(t)
	app := unchangedSet(ctx, t, e, "unchanged-apply")
	before := e.inventory(ctx, app.Name)
	rc := &requestCounter{}
	c := connect(t, e.env, rc)
	res, err := e.p.Apply(ctx, app, c, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if res.ChangeSet.HasChanges() {
		t.Errorf("second apply changed: %v", actions(res))
	}
	if writes, _, _ := rc.snapshot(); len(writes) != 0 {
		t.Errorf("an apply with nothing to change wrote %d times: %q", len(writes), writes)
	}
	checkObjectGets(t, rc, app.Name)
	if after := e.inventory(ctx, app.Name); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("inventory changed:\n%+v\nwant\n%+v", after, before)
	}
}

// TestApplyCorrectsDrift edits an owned field by hand (a plain Update, as
// kubectl edit does): the next plan shows the edit as an update, and the
// apply reverts it, with or without ForceConflicts.
func TestApplyCorrectsDrift(t *testing.T) {
	for i, force := range []bool{false, true} {
		t.Run(fmt.Sprintf("force-conflicts=%v", force), func(t *testing.T) {
			ctx, e := newApplyEnv(t)
			ns := e.namespace(ctx, fmt.Sprintf("apply-drift-%d", i))
			dir := manifests(t, map[string]string{
				"cm.yaml": configMapYAML("settings", nil, map[string]string{"mode": "safe", "level": "3"}),
			})
			app := e.app(fmt.Sprintf("drift-%d", i), dir, ns)
			app.Sync.ForceConflicts = force
			e.mustApply(ctx, app)

			cm := e.configMap(ctx, ns, "settings")
			cm.Data["mode"] = "reckless"
			if _, err := e.cs.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
			id := "ConfigMap/" + ns + "/settings"
			res := e.mustPlan(ctx, app)
			checkActions(t, res, map[string]changeset.Action{id: changeset.Update})
			diff := change(t, res, id).Diff
			for _, want := range []string{"-  mode: reckless", "+  mode: safe"} {
				if !strings.Contains(diff, want) {
					t.Errorf("diff lacks %q:\n%s", want, diff)
				}
			}
			e.mustApply(ctx, app)
			if got := e.configMap(ctx, ns, "settings").Data["mode"]; got != "safe" {
				t.Errorf("mode after apply = %q, want safe restored", got)
			}
			if res := e.mustPlan(ctx, app); res.ChangeSet.HasChanges() {
				t.Errorf("plan after the correction: %v", actions(res))
			}
		})
	}
}

// TestApplyInventoryTwoSteps checks the two records of an apply: before
// the first write, previous ∪ desired marked pending; after it, exactly
// desired.
func TestApplyInventoryTwoSteps(t *testing.T) {
	ctx, e := newApplyEnv(t)
	ns := e.namespace(ctx, "apply-inventory")
	dir := manifests(t, map[string]string{
		"a.yaml": configMapYAML("a", nil, map[string]string{"k": "v"}),
		"b.yaml": configMapYAML("b", nil, map[string]string{"k": "v"}),
	})
	app := e.app("inventory", dir, ns)
	a, b, c := "ConfigMap/"+ns+"/a", "ConfigMap/"+ns+"/b", "ConfigMap/"+ns+"/c"

	steps := []struct {
		files       map[string]string
		wantPending []string
		wantFinal   []string
	}{
		{
			files:       map[string]string{"a.yaml": configMapYAML("a", nil, map[string]string{"k": "v"}), "b.yaml": configMapYAML("b", nil, map[string]string{"k": "v"})},
			wantPending: []string{a, b},
			wantFinal:   []string{a, b},
		},
		{
			files:       map[string]string{"a.yaml": configMapYAML("a", nil, map[string]string{"k": "v"}), "c.yaml": configMapYAML("c", nil, map[string]string{"k": "v"})},
			wantPending: []string{a, b, c},
			wantFinal:   []string{a, c},
		},
	}
	for i, step := range steps {
		writeFiles(t, dir, step.files)
		var once sync.Once
		var pending []string
		var pendingFlag bool
		var loadErr error
		hooks := Hooks{Applied: func(*changeset.Change) {
			once.Do(func() {
				// Not e.inventory: hooks run off the test goroutine.
				inv, err := (&inventory.Store{Cluster: e.c}).Load(ctx, app.Name)
				if err != nil {
					loadErr = err
					return
				}
				pending, pendingFlag = inventoryIDs(inv), inv.Pending
			})
		}}
		if _, err := e.p.Apply(ctx, app, e.c, hooks); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if loadErr != nil {
			t.Fatalf("step %d: load the inventory at the first write: %v", i, loadErr)
		}
		if !pendingFlag || !slices.Equal(pending, step.wantPending) {
			t.Errorf("step %d: at the first write the inventory was %v (pending %v), want %v pending", i, pending, pendingFlag, step.wantPending)
		}
		inv := e.inventory(ctx, app.Name)
		if got := inventoryIDs(inv); inv.Pending || !slices.Equal(got, step.wantFinal) {
			t.Errorf("step %d: final inventory %v (pending %v), want %v not pending", i, got, inv.Pending, step.wantFinal)
		}
		for _, en := range inv.Entries {
			if en.Version != "v1" || en.Fields == "" {
				t.Errorf("step %d: entry %+v lacks its version or fields hash", i, en)
			}
		}
	}
}

// TestApplyWaves applies wave 1 after wave 0 and wave 0 after wave -1.
func TestApplyWaves(t *testing.T) {
	ctx, e := newApplyEnv(t)
	ns := e.namespace(ctx, "apply-waves")
	wave := func(w string) map[string]string { return map[string]string{object.AnnotationWave: w} }
	dir := manifests(t, map[string]string{
		"1-late.yaml":  configMapYAML("late", wave("1"), map[string]string{"k": "v"}),
		"2-plain.yaml": configMapYAML("plain", nil, map[string]string{"k": "v"}) + "---\n" + serviceYAML,
		"3-early.yaml": configMapYAML("early", wave("-1"), map[string]string{"k": "v"}),
		"4-later.yaml": configMapYAML("z-later", wave("2"), map[string]string{"k": "v"}),
	})
	app := e.app("waves", dir, ns)
	var mu sync.Mutex
	var order []string
	hooks := Hooks{Applied: func(ch *changeset.Change) {
		mu.Lock()
		defer mu.Unlock()
		order = append(order, ch.ID.Name)
		if ch.Outcome == changeset.Failed {
			t.Errorf("%s: %s", ch.ID, ch.Error)
		}
	}}
	if _, err := e.p.Apply(ctx, app, e.c, hooks); err != nil {
		t.Fatal(err)
	}
	rank := map[string]int{"early": 0, "plain": 1, "web": 1, "late": 2, "z-later": 3}
	if len(order) != len(rank) {
		t.Fatalf("applied %v, want %d objects", order, len(rank))
	}
	for i := 1; i < len(order); i++ {
		if rank[order[i-1]] > rank[order[i]] {
			t.Errorf("apply order %v: %s (wave rank %d) before %s (rank %d)", order, order[i-1], rank[order[i-1]], order[i], rank[order[i]])
		}
	}

	// Prune goes the other way: the highest wave first.
	writeFiles(t, dir, map[string]string{"2-plain.yaml": configMapYAML("plain", nil, map[string]string{"k": "v"})})
	order = nil
	if _, err := e.p.Apply(ctx, app, e.c, hooks); err != nil {
		t.Fatal(err)
	}
	if want := []string{"z-later", "late", "web", "early"}; !slices.Equal(order, want) {
		t.Errorf("prune order %v, want %v", order, want)
	}
}

// TestApplyNamespaceWithObjects applies a new Namespace together with the
// objects that live in it: the Namespace goes first, so the set applies
// in one run.
func TestApplyNamespaceWithObjects(t *testing.T) {
	ctx, e := newApplyEnv(t)
	ns := "apply-new-namespace"
	dir := manifests(t, map[string]string{
		"cm.yaml": configMapYAML("inside", nil, map[string]string{"k": "v"}),
		"ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + ns + "\n",
	})
	app := e.app("new-namespace", dir, ns)
	var order []string
	hooks := Hooks{Applied: func(ch *changeset.Change) { order = append(order, ch.ID.String()) }}
	res, err := e.p.Apply(ctx, app, e.c, hooks)
	if err != nil {
		t.Fatal(err)
	}
	checkActions(t, res, map[string]changeset.Action{"Namespace/" + ns: changeset.Create, "ConfigMap/" + ns + "/inside": changeset.Create})
	if want := []string{"Namespace/" + ns, "ConfigMap/" + ns + "/inside"}; !slices.Equal(order, want) {
		t.Errorf("apply order %v, want %v", order, want)
	}
	if e.configMap(ctx, ns, "inside") == nil {
		t.Error("ConfigMap not created")
	}
}
