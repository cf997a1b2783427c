package pipeline

import (
	"errors"
	"fmt"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/failure"
	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/plan"
)

// TestApplyConflictWithApplier has another tool server-side apply a field
// of an object the app owns: unlike a hand edit (TestApplyCorrectsDrift),
// that is another declared intent, so the apply is refused naming the
// manager, and only ForceConflicts takes the field back.
func TestApplyConflictWithApplier(t *testing.T) {
	ctx, e := newApplyEnv(t)
	ns := e.namespace(ctx, "apply-conflict")
	app := e.app("conflict", manifests(t, map[string]string{
		"cm.yaml": configMapYAML("settings", nil, map[string]string{"mode": "safe"}),
	}), ns)
	e.mustApply(ctx, app)

	other := fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings","namespace":%q},"data":{"mode":"theirs"}}`, ns)
	force := true
	if _, err := e.cs.CoreV1().ConfigMaps(ns).Patch(ctx, "settings", types.ApplyPatchType, []byte(other),
		metav1.PatchOptions{FieldManager: "other-tool", Force: &force}); err != nil {
		t.Fatal(err)
	}
	_, err := e.p.Apply(ctx, app, e.c, Hooks{})
	errContains(t, err, "ConfigMap/"+ns+"/settings", `"other-tool"`, "another field manager owns these fields")
	var conflict *plan.ConflictError
	if f, ok := failure.Of(err); !errors.As(err, &conflict) || !ok || f.Stage != failure.Validate || f.Retryable() {
		t.Errorf("err = %v (%v): want a plan.ConflictError, a stalled validate failure", err, f)
	}
	if got := e.configMap(ctx, ns, "settings").Data["mode"]; got != "theirs" {
		t.Errorf("refused apply changed mode to %q", got)
	}

	app.Sync.ForceConflicts = true
	e.mustApply(ctx, app)
	if got := e.configMap(ctx, ns, "settings").Data["mode"]; got != "safe" {
		t.Errorf("mode after a forced apply = %q, want safe", got)
	}
}

// TestApplyFailedStageStops makes a wave fail at apply time: once wave 1 is
// applied, another tool server-side applies the object of wave 2 first,
// which no dry-run could foresee. The waves after it are never applied, the
// error names the object, the change set says how far the run got, and
// the pending inventory still records everything.
func TestApplyFailedStageStops(t *testing.T) {
	ctx, e := newApplyEnv(t)
	ns := e.namespace(ctx, "apply-stage-fails")
	wave := func(w string) map[string]string { return map[string]string{object.AnnotationWave: w} }
	names := []string{"first", "second", "third"}
	files := map[string]string{}
	for i, name := range names {
		files[fmt.Sprintf("%d-%s.yaml", i+1, name)] = configMapYAML(name, wave(fmt.Sprint(i+1)), map[string]string{"k": "v"})
	}
	app := e.app("stage-fails", manifests(t, files), ns)
	theirs := fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"second","namespace":%q},"data":{"k":"theirs"}}`, ns)
	hooks := Hooks{Applied: func(c *changeset.Change) {
		if c.ID.Name != "first" {
			return
		}
		if _, err := e.cs.CoreV1().ConfigMaps(ns).Patch(ctx, "second", types.ApplyPatchType, []byte(theirs),
			metav1.PatchOptions{FieldManager: "other-tool"}); err != nil {
			t.Errorf("the other tool's apply: %v", err)
		}
	}}
	res, err := e.p.Apply(ctx, app, e.c, hooks)
	errContains(t, err, "wave 2", "ConfigMap/"+ns+"/second")
	if e.configMap(ctx, ns, "third") != nil {
		t.Error("third was applied after wave 2 failed")
	}
	outcomes := map[string]changeset.Outcome{}
	for _, c := range res.ChangeSet.Changes {
		outcomes[c.ID.Name] = c.Outcome
	}
	if outcomes["first"] != changeset.Applied || outcomes["second"] != changeset.Failed || outcomes["third"] != "" {
		t.Errorf("outcomes %v, want first applied, second failed, third not reached", outcomes)
	}
	inv := e.inventory(ctx, app.Name)
	if !inv.Pending || len(inv.Entries) != len(files) {
		t.Errorf("inventory after a failed apply: pending %v, %v; want the pending record of all %d", inv.Pending, inventoryIDs(inv), len(files))
	}
}

// TestDelete removes what an app owns except objects marked prune:
// disabled, and then its inventory; status then finds nothing.
func TestDelete(t *testing.T) {
	ctx, e := newApplyEnv(t)
	ns := e.namespace(ctx, "delete")
	app := e.app("delete", manifests(t, map[string]string{
		"a.yaml":    configMapYAML("a", nil, map[string]string{"k": "v"}),
		"keep.yaml": configMapYAML("keep", map[string]string{object.AnnotationPrune: "disabled"}, map[string]string{"k": "v"}),
	}), ns)
	e.mustApply(ctx, app)

	res, err := e.p.Delete(ctx, app.Name, e.c, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	checkActions(t, res, map[string]changeset.Action{"ConfigMap/" + ns + "/a": changeset.Prune, "ConfigMap/" + ns + "/keep": changeset.Skip})
	if cm := e.configMap(ctx, ns, "a"); cm != nil && cm.DeletionTimestamp == nil {
		t.Error("a was not deleted")
	}
	if e.configMap(ctx, ns, "keep") == nil {
		t.Error("keep (prune: disabled) was deleted")
	}
	if _, err := e.cs.CoreV1().ConfigMaps("tugboat-system").Get(ctx, "tugboat-inventory-delete", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("inventory after delete: %v, want not found", err)
	}
	_, err = e.p.Status(ctx, app.Name, e.c)
	errContains(t, err, "nothing recorded")
}
