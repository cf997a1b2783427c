package pipeline

import (
	"context"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/health"
	"github.com/tugboat-gitops/tugboat/internal/render"
)

// hookChart is a chart with what podinfo and ingress-nginx use: a
// pre-install Job deleted when it succeeds, a post-install ConfigMap (the
// default policy, before-hook-creation), a post-install-only Job, and a
// test Pod that an install never applies.
var hookChart = map[string]string{
	"Chart.yaml":  "apiVersion: v2\nname: hooked\nversion: 0.1.0\n",
	"values.yaml": "color: blue\n",
	"templates/cm.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: main
data:
  color: {{ .Values.color }}
`,
	"templates/migrate.yaml": `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-5"
    helm.sh/hook-delete-policy: hook-succeeded
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: m
        image: busybox
        command: ["sh", "-c", "echo ${DB_URL}"]
`,
	"templates/post.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: post
  annotations:
    helm.sh/hook: post-install,post-upgrade
data:
  color: {{ .Values.color }}
`,
	"templates/seed.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: seed-once
  annotations:
    helm.sh/hook: post-install
`,
	"templates/tests/test.yaml": `apiVersion: v1
kind: Pod
metadata:
  name: hooked-test
  annotations:
    helm.sh/hook: test
spec:
  containers:
  - name: t
    image: busybox
    command: ["wget", "${PODINFO_SVC}"]
`,
}

// TestApplyHelmHooks: pre hooks run before the app's objects and post
// hooks after them, by weight; hook-succeeded removes a hook and the next
// apply does not miss it; an unchanged app runs no hook and writes
// nothing; a changed one runs its upgrade hooks again; test hooks never
// reach the cluster; delete leaves nothing behind.
func TestApplyHelmHooks(t *testing.T) {
	ctx, e := newApplyEnv(t)
	ns := e.namespace(ctx, "apply-hooks")
	hookChart := maps.Clone(hookChart)
	dir := manifests(t, hookChart)
	app := e.app("hooks", dir, ns)
	app.Render.Kind, app.Render.Helm.Namespace = render.KindHelm, ns

	var mu sync.Mutex
	var order []string
	applied := Hooks{Applied: func(c *changeset.Change) {
		mu.Lock()
		defer mu.Unlock()
		order = append(order, c.ID.Kind+"/"+c.ID.Name)
	}}
	if _, err := e.p.Apply(ctx, app, e.c, applied); err != nil {
		t.Fatalf("install: %v", err)
	}
	if want := []string{"Job/migrate", "ConfigMap/main"}; !slices.Equal(order[:2], want) {
		t.Errorf("applied in order %v, want %v first, then the post hooks", order, want)
	}
	if last := order[2:]; !slices.Contains(last, "ConfigMap/post") || !slices.Contains(last, "ConfigMap/seed-once") {
		t.Errorf("post hooks not applied after the app: %v", order)
	}
	if e.job(ctx, ns, "migrate") {
		t.Error("hook-succeeded Job migrate is still there")
	}
	if _, err := e.cs.CoreV1().Pods(ns).Get(ctx, "hooked-test", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("test hook pod: %v, want not found", err)
	}
	if e.configMap(ctx, ns, "post") == nil {
		t.Fatal("post hook ConfigMap missing")
	}
	status, err := e.p.Status(ctx, app.Name, e.c)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range status.Health {
		if r.Status != health.Current {
			t.Errorf("status after install: %s", r)
		}
	}

	// Nothing changed: no hook runs, nothing is written.
	res := e.mustApply(ctx, app)
	for _, c := range res.ChangeSet.Changes {
		if c.NeedsWrite() {
			t.Errorf("unchanged app: %s %s", c.Action, c.ID)
		}
	}

	// A change runs the upgrade hooks again, and not the install-only one.
	hookChart["values.yaml"] = "color: green\n"
	writeFiles(t, dir, hookChart)
	seed := e.configMap(ctx, ns, "seed-once")
	res = e.mustApply(ctx, app)
	checkActions(t, res, map[string]changeset.Action{
		"Job.batch/" + ns + "/migrate": changeset.Create, "ConfigMap/" + ns + "/post": changeset.Recreate,
		"ConfigMap/" + ns + "/main": changeset.Update, "ConfigMap/" + ns + "/seed-once": changeset.Unchanged,
	})
	if got := e.configMap(ctx, ns, "post"); got == nil || got.Data["color"] != "green" {
		t.Errorf("post hook after upgrade: %+v", got)
	}
	if got := e.configMap(ctx, ns, "seed-once"); got == nil || got.UID != seed.UID {
		t.Error("the post-install-only hook ran again on an upgrade")
	}

	if _, err := e.p.Delete(ctx, app.Name, e.c, Hooks{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"main", "post", "seed-once"} {
		if e.configMap(ctx, ns, name) != nil {
			t.Errorf("ConfigMap %s left after delete", name)
		}
	}
}

// job reports whether a Job exists (and is not being deleted).
func (e *applyEnv) job(ctx context.Context, ns, name string) bool {
	e.t.Helper()
	j, err := e.cs.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return j.DeletionTimestamp == nil
}

// TestApplyHookNeverCompletes: a pre hook Job that does not complete in
// time stops the apply before the app's objects, and hook-failed removes
// it.
func TestApplyHookNeverCompletes(t *testing.T) {
	ctx, e := newApplyEnv(t)
	ns := e.namespace(ctx, "apply-hook-stuck")
	dir := manifests(t, map[string]string{
		"Chart.yaml":        "apiVersion: v2\nname: stuck\nversion: 0.1.0\n",
		"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: main\n",
		"templates/job.yaml": `apiVersion: batch/v1
kind: Job
metadata:
  name: never
  annotations:
    helm.sh/hook: pre-install
    helm.sh/hook-delete-policy: hook-failed
spec:
  suspend: true
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: m
        image: busybox
`,
	})
	app := e.app("hook-stuck", dir, ns)
	app.Render.Kind, app.Render.Helm.Namespace = render.KindHelm, ns
	app.Sync.Timeout = 2 * time.Second
	res, err := e.p.Apply(ctx, app, e.c, Hooks{})
	errContains(t, err, "pre hooks", "Job.batch/"+ns+"/never")
	// The change set says how far the run got.
	outcomes := map[string]changeset.Outcome{}
	for _, c := range res.ChangeSet.Changes {
		outcomes[c.ID.String()] = c.Outcome
	}
	if outcomes["Job.batch/"+ns+"/never"] != changeset.Applied || outcomes["ConfigMap/"+ns+"/main"] != "" {
		t.Errorf("outcomes after the stopped run: %v", outcomes)
	}
	if e.configMap(ctx, ns, "main") != nil {
		t.Error("the app's ConfigMap was applied after its pre hook failed")
	}
	if e.job(ctx, ns, "never") {
		t.Error("hook-failed Job never is still there")
	}
}
