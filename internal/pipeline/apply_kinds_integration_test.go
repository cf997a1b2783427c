package pipeline

import (
	"context"
	"fmt"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/object"
)

const widgetCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.apply.tugboat.dev
spec:
  group: apply.tugboat.dev
  scope: Namespaced
  names:
    kind: Widget
    plural: widgets
    singular: widget
    listKind: WidgetList
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size:
                type: integer
`

const widget = `apiVersion: apply.tugboat.dev/v1
kind: Widget
metadata:
  name: w1
spec:
  size: 3
`

// TestApplyCRDWithCustomObject applies a CRD and an object of its kind in
// one set; a second plan finds both unchanged.
func TestApplyCRDWithCustomObject(t *testing.T) {
	ctx, e := newApplyEnv(t)
	ns := e.namespace(ctx, "apply-crd")
	app := e.app("crd", manifests(t, map[string]string{"crd.yaml": widgetCRD, "widget.yaml": widget}), ns)
	crdID, wID := "CustomResourceDefinition.apiextensions.k8s.io/widgets.apply.tugboat.dev", "Widget.apply.tugboat.dev/"+ns+"/w1"

	res := e.mustApply(ctx, app)
	checkActions(t, res, map[string]changeset.Action{crdID: changeset.Create, wID: changeset.Create})
	gvr := schema.GroupVersionResource{Group: "apply.tugboat.dev", Version: "v1", Resource: "widgets"}
	w, err := e.c.Dynamic.Resource(gvr).Namespace(ns).Get(ctx, "w1", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("custom object after apply: %v", err)
	}
	if w.GetLabels()[object.LabelApp] != app.Name {
		t.Errorf("custom object labels %v", w.GetLabels())
	}
	res = e.mustPlan(ctx, app)
	checkActions(t, res, map[string]changeset.Action{crdID: changeset.Unchanged, wID: changeset.Unchanged})
}

// TestApplyCRDWithInvalidCustomObject declares a CRD and an object of its
// kind that its schema rejects: the cluster cannot dry-run the object yet,
// so the plan checks it against the CRD in the set, and nothing (not even
// the CRD) is written.
func TestApplyCRDWithInvalidCustomObject(t *testing.T) {
	ctx, e := newApplyEnv(t)
	ns := e.namespace(ctx, "apply-crd-invalid")
	crd := strings.NewReplacer("widgets", "sprockets", "Widget", "Sprocket", "widget", "sprocket").Replace(widgetCRD)
	app := e.app("crd-invalid", manifests(t, map[string]string{
		"crd.yaml":      crd,
		"sprocket.yaml": "apiVersion: apply.tugboat.dev/v1\nkind: Sprocket\nmetadata:\n  name: s1\nspec:\n  size: large\n",
	}), ns)
	_, err := e.p.Apply(ctx, app, e.c, Hooks{})
	errContains(t, err, "Sprocket.apply.tugboat.dev/"+ns+"/s1", "spec.size")
	crds := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	if _, err := e.c.Dynamic.Resource(crds).Get(ctx, "sprockets.apply.tugboat.dev", metav1.GetOptions{}); err == nil {
		t.Error("the CRD of a set that failed to plan was applied")
	}
}

// TestApplyUnknownKind declares an object whose CRD is neither in the set
// nor in the cluster: a clear error, and nothing applied.
func TestApplyUnknownKind(t *testing.T) {
	ctx, e := newApplyEnv(t)
	ns := e.namespace(ctx, "apply-unknown-kind")
	app := e.app("unknown-kind", manifests(t, map[string]string{
		"cm.yaml":     configMapYAML("bystander", nil, map[string]string{"k": "v"}),
		"gadget.yaml": "apiVersion: nowhere.tugboat.dev/v1\nkind: Gadget\nmetadata:\n  name: g1\n",
	}), ns)
	_, err := e.p.Apply(ctx, app, e.c, Hooks{})
	errContains(t, err, "Gadget.nowhere.tugboat.dev", "g1")
	if err != nil && !strings.Contains(err.Error(), "CRD") && !strings.Contains(err.Error(), "no kind") && !strings.Contains(err.Error(), "no matches for kind") {
		t.Errorf("error does not say the kind is unknown: %v", err)
	}
	if e.configMap(ctx, ns, "bystander") != nil {
		t.Error("the ConfigMap of a set that failed to plan was applied")
	}
	if inv := e.inventory(ctx, app.Name); len(inv.Entries) != 0 {
		t.Errorf("inventory written for a failed plan: %+v", inv)
	}
}

// TestApplySchemaValidation declares three valid objects and a Deployment
// with an unknown field: an error naming the object and the field, and
// none of the valid objects written.
func TestApplySchemaValidation(t *testing.T) {
	ctx, e := newApplyEnv(t)
	ns := e.namespace(ctx, "apply-schema")
	bad := strings.Replace(deploymentYAML("typo", ""), "  replicas: 1\n", "  replicass: 2\n", 1)
	app := e.app("schema", manifests(t, map[string]string{
		"a.yaml":      configMapYAML("valid-a", nil, map[string]string{"k": "v"}),
		"b.yaml":      configMapYAML("valid-b", nil, map[string]string{"k": "v"}),
		"svc.yaml":    serviceYAML,
		"deploy.yaml": bad,
	}), ns)
	_, err := e.p.Apply(ctx, app, e.c, Hooks{})
	errContains(t, err, "Deployment.apps/"+ns+"/typo", "replicass")
	for _, name := range []string{"valid-a", "valid-b"} {
		if e.configMap(ctx, ns, name) != nil {
			t.Errorf("ConfigMap %s written before validation failed", name)
		}
	}
	if _, err := e.cs.CoreV1().Services(ns).Get(ctx, "web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("Service written before validation failed (get: %v)", err)
	}
	if _, err := e.cs.AppsV1().Deployments(ns).Get(ctx, "typo", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("invalid Deployment written (get: %v)", err)
	}
}

const jobYAML = `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
%s
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: migrate
        image: registry.example.com/migrate:1
        args: [%q]
`

const clusterIPServiceYAML = `apiVersion: v1
kind: Service
metadata:
  name: fixed
%s
spec:
  clusterIP: %s
  ports:
  - port: 80
`

// TestApplyImmutableField changes an immutable field: refused with an
// error naming the field, then re-created (a new UID) when asked, by
// option or by annotation.
func TestApplyImmutableField(t *testing.T) {
	recreate := "  annotations:\n    " + object.AnnotationRecreate + `: "true"`
	tests := []struct {
		name, kind, field string
		// manifest renders the object: ask adds the recreate annotation.
		manifest   func(version int, ask bool) string
		byOption   bool
		uid        func(ctx context.Context, e *applyEnv, ns string) (types.UID, error)
		wantLiveOf func(ctx context.Context, e *applyEnv, ns string) (string, error)
		wantLive   string
	}{
		{
			name: "job template, force option", kind: "Job.batch", field: "spec.template", byOption: true,
			manifest: func(v int, ask bool) string {
				return fmt.Sprintf(jobYAML, annotationsIf(ask, recreate), fmt.Sprintf("--step=%d", v))
			},
			uid:        jobUID,
			wantLiveOf: jobArg,
			wantLive:   "--step=2",
		},
		{
			name: "job template, annotation", kind: "Job.batch", field: "spec.template",
			manifest: func(v int, ask bool) string {
				return fmt.Sprintf(jobYAML, annotationsIf(ask, recreate), fmt.Sprintf("--step=%d", v))
			},
			uid:        jobUID,
			wantLiveOf: jobArg,
			wantLive:   "--step=2",
		},
		{
			name: "service clusterIP, annotation", kind: "Service", field: "spec.clusterIP",
			manifest: func(v int, ask bool) string {
				return fmt.Sprintf(clusterIPServiceYAML, annotationsIf(ask, recreate), fmt.Sprintf("10.0.201.%d", v))
			},
			uid: func(ctx context.Context, e *applyEnv, ns string) (types.UID, error) {
				s, err := e.cs.CoreV1().Services(ns).Get(ctx, "fixed", metav1.GetOptions{})
				if err != nil {
					return "", err
				}
				return s.UID, nil
			},
			wantLiveOf: func(ctx context.Context, e *applyEnv, ns string) (string, error) {
				s, err := e.cs.CoreV1().Services(ns).Get(ctx, "fixed", metav1.GetOptions{})
				if err != nil {
					return "", err
				}
				return s.Spec.ClusterIP, nil
			},
			wantLive: "10.0.201.2",
		},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, e := newApplyEnv(t)
			ns := e.namespace(ctx, fmt.Sprintf("apply-recreate-%d", i))
			dir := manifests(t, map[string]string{"obj.yaml": tc.manifest(1, false)})
			app := e.app(fmt.Sprintf("recreate-%d", i), dir, ns)
			e.mustApply(ctx, app)
			before, err := tc.uid(ctx, e, ns)
			if err != nil {
				t.Fatal(err)
			}

			writeFiles(t, dir, map[string]string{"obj.yaml": tc.manifest(2, false)})
			_, err = e.p.Apply(ctx, app, e.c, Hooks{})
			errContains(t, err, tc.kind+"/"+ns+"/", tc.field, "immutable")
			t.Logf("refused: %v", err)
			if uid, err := tc.uid(ctx, e, ns); err != nil || uid != before {
				t.Errorf("refused change touched the object: uid %s, err %v", uid, err)
			}

			if tc.byOption {
				app.Sync.ForceRecreate = true
			} else {
				writeFiles(t, dir, map[string]string{"obj.yaml": tc.manifest(2, true)})
			}
			res, err := e.p.Apply(ctx, app, e.c, Hooks{})
			if err != nil {
				t.Fatal(err)
			}
			if n := res.ChangeSet.Count(changeset.Recreate); n != 1 {
				t.Errorf("actions %v, want one recreate", actions(res))
			}
			after, err := tc.uid(ctx, e, ns)
			if err != nil {
				t.Fatal(err)
			}
			if after == before {
				t.Errorf("UID unchanged (%s): not re-created", after)
			}
			if got, err := tc.wantLiveOf(ctx, e, ns); err != nil || got != tc.wantLive {
				t.Errorf("live field %q (err %v), want %q", got, err, tc.wantLive)
			}
		})
	}
}

func jobUID(ctx context.Context, e *applyEnv, ns string) (types.UID, error) {
	j, err := e.cs.BatchV1().Jobs(ns).Get(ctx, "migrate", metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	return j.UID, nil
}

func jobArg(ctx context.Context, e *applyEnv, ns string) (string, error) {
	j, err := e.cs.BatchV1().Jobs(ns).Get(ctx, "migrate", metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	return j.Spec.Template.Spec.Containers[0].Args[0], nil
}

// annotationsIf returns block when ask is set, else an empty metadata
// line.
func annotationsIf(ask bool, block string) string {
	if ask {
		return block
	}
	return ""
}

// TestApplyRecreateOnlyImmutable changes objects in ways the API server
// rejects for more than an immutable field, with ForceRecreate on:
// refused, and the live object neither deleted nor re-created (re-creating
// could only fail after the delete). A name holding "immutable" must not
// pass for the API server saying a field is immutable, and an immutable
// field must not hide another error.
func TestApplyRecreateOnlyImmutable(t *testing.T) {
	job := func(arg string) string { return fmt.Sprintf(jobYAML, "", arg) }
	tests := []struct {
		name, id, wantErr string
		before, after     string
		uid               func(ctx context.Context, e *applyEnv, ns string) (types.UID, error)
	}{
		{
			name: "invalid key, name says immutable", id: "ConfigMap/%s/immutable-settings", wantErr: "bad key",
			before: configMapYAML("immutable-settings", nil, map[string]string{"mode": "safe"}),
			after:  configMapYAML("immutable-settings", nil, map[string]string{"mode": "safe", "bad key": "x"}),
			uid: func(ctx context.Context, e *applyEnv, ns string) (types.UID, error) {
				cm, err := e.cs.CoreV1().ConfigMaps(ns).Get(ctx, "immutable-settings", metav1.GetOptions{})
				if err != nil {
					return "", err
				}
				return cm.UID, nil
			},
		},
		{
			name: "immutable and invalid", id: "Job.batch/%s/migrate", wantErr: "backoffLimit",
			before: job("--step=1"),
			after:  strings.Replace(job("--step=2"), "backoffLimit: 0", "backoffLimit: -1", 1),
			uid:    jobUID,
		},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, e := newApplyEnv(t)
			ns := e.namespace(ctx, fmt.Sprintf("apply-recreate-invalid-%d", i))
			dir := manifests(t, map[string]string{"obj.yaml": tc.before})
			app := e.app(fmt.Sprintf("recreate-invalid-%d", i), dir, ns)
			app.Sync.ForceRecreate = true
			e.mustApply(ctx, app)
			before, err := tc.uid(ctx, e, ns)
			if err != nil {
				t.Fatal(err)
			}

			writeFiles(t, dir, map[string]string{"obj.yaml": tc.after})
			res, err := e.p.Apply(ctx, app, e.c, Hooks{})
			errContains(t, err, fmt.Sprintf(tc.id, ns), tc.wantErr)
			if res != nil && res.ChangeSet.Count(changeset.Recreate) > 0 {
				t.Errorf("planned a recreate of an object that cannot be created: %v", actions(res))
			}
			after, err := tc.uid(ctx, e, ns)
			switch {
			case apierrors.IsNotFound(err):
				t.Fatal("the live object was deleted for a change the API server rejects anyway")
			case err != nil:
				t.Fatal(err)
			case after != before:
				t.Errorf("the live object was re-created: uid %s, was %s", after, before)
			}
		})
	}
}
