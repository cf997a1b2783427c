package helm

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/render"
)

// field is a value the rendered object id must hold at path: checks that
// do not depend on Helm agreeing with us.
type field struct {
	id   string
	path []string
	want any
}

type goldenCase struct {
	name string
	req  render.Request
	// want is the rendered objects' ids, in order.
	want   []string
	fields []field
}

func goldenCases(t *testing.T) []goldenCase {
	root := testdataRoot(t)
	archived := vendorArchived(t)
	operatorTgz := filepath.Join(t.TempDir(), "operator-0.3.0.tgz")
	packChart(t, filepath.Join(root, "charts", "operator"), operatorTgz)
	appTgz := filepath.Join(t.TempDir(), "app-1.2.0.tgz")
	packChart(t, filepath.Join(archived, "charts", "app"), appTgz)

	appDefault := []string{
		"CustomResourceDefinition.apiextensions.k8s.io/gadgets.example.com",
		"ServiceAccount/app-app", "ConfigMap/app-app", "Service/app-backend", "Service/app-app",
		"Deployment.apps/default/app-backend", "Deployment.apps/default/app-app",
		"Pod/app-app-test", "Job.batch/app-app-migrate",
	}
	full := helmOptions(root)
	return []goldenCase{
		{name: "app defaults", req: render.Request{Root: root, Path: "charts/app"}, want: appDefault,
			fields: []field{
				{"Deployment.apps/default/app-app", []string{"spec", "replicas"}, int64(1)},
				{"ConfigMap/app-app", []string{"data", "NAMESPACE"}, "default"},
			}},
		{name: "app values files, inline values, --set, capabilities", req: render.Request{Root: root, Path: "charts/app", Helm: full},
			want: []string{
				"CustomResourceDefinition.apiextensions.k8s.io/gadgets.example.com",
				"ServiceAccount/web-app", "ConfigMap/web-app", "Service/web-backend", "Service/web-app",
				"Deployment.apps/shop/web-backend", "Deployment.apps/shop/web-app",
				"Ingress.networking.k8s.io/web-app", "ServiceMonitor.monitoring.coreos.com/web-app",
				"Pod/web-app-test", "Job.batch/web-app-migrate",
			},
			fields: []field{
				{"Deployment.apps/shop/web-app", []string{"spec", "replicas"}, int64(5)},
				{"Deployment.apps/shop/web-app", []string{"metadata", "annotations", "example.com/kube-version"}, "v1.33.2"},
				{"ConfigMap/web-app", []string{"data", "GREETING"}, "inline"},
				{"ConfigMap/web-app", []string{"data", "FEATURES"}, "a,b"},
				{"ConfigMap/web-app", []string{"data", "NAMESPACE"}, "shop"},
				{"ConfigMap/web-app", []string{"data", "KUBE"}, "modern"},
				{"Service/web-app", []string{"spec", "type"}, "LoadBalancer"},
				{"Deployment.apps/shop/web-backend", []string{"spec", "replicas"}, int64(2)},
			}},
		{name: "app with backend disabled on an old cluster", req: render.Request{Root: root, Path: "charts/app",
			Helm: render.HelmOptions{Set: []string{"backend.enabled=false"}, KubeVersion: "1.27.3"}},
			want: []string{
				"CustomResourceDefinition.apiextensions.k8s.io/gadgets.example.com",
				"ServiceAccount/app-app", "ConfigMap/app-app", "Service/app-app", "Deployment.apps/default/app-app",
				"Pod/app-app-test", "Job.batch/app-app-migrate",
			},
			fields: []field{{"ConfigMap/app-app", []string{"data", "KUBE"}, "legacy"}}},
		{name: "app with its dependency vendored as an archive", req: render.Request{Root: archived, Path: "charts/app", Helm: full},
			want: nil},
		{name: "app as an archive holding an archived dependency", req: render.Request{Root: root, Helm: render.HelmOptions{ChartDir: appTgz}},
			want: appDefault},
		{name: "operator with crds", req: render.Request{Root: root, Path: "charts/operator", Helm: render.HelmOptions{Namespace: "operators"}},
			want: operatorIDs(true)},
		{name: "operator skipping crds", req: render.Request{Root: root, Path: "charts/operator", Helm: render.HelmOptions{Namespace: "operators", SkipCRDs: true}},
			want: operatorIDs(false)},
		{name: "operator archive", req: render.Request{Root: root, Helm: render.HelmOptions{ChartDir: operatorTgz, Namespace: "operators"}},
			want: operatorIDs(true)},
	}
}

// helmOptions sets every option: the values sources in their three
// layers, names, and the cluster's capabilities.
func helmOptions(root string) render.HelmOptions {
	return render.HelmOptions{
		ReleaseName: "web",
		Namespace:   "shop",
		ValuesFiles: []string{"values/base.yaml", "values/prod.yaml"},
		Values: map[string]any{
			"config":  map[string]any{"greeting": "inline"},
			"ingress": map[string]any{"enabled": true},
			"backend": map[string]any{"image": "overridden-by-set"},
		},
		Set:         []string{"replicaCount=5", "config.features={a,b}", "backend.image=ghcr.io/example/backend:1.0"},
		KubeVersion: "v1.33.2",
		APIVersions: []string{"monitoring.coreos.com/v1", "monitoring.coreos.com/v1/ServiceMonitor"},
	}
}

func operatorIDs(crds bool) []string {
	var ids []string
	if crds {
		ids = []string{
			"CustomResourceDefinition.apiextensions.k8s.io/sprockets.example.com",
			"CustomResourceDefinition.apiextensions.k8s.io/cogs.example.com",
			"CustomResourceDefinition.apiextensions.k8s.io/widgets.example.com",
		}
	}
	// Helm sorts a List by its own kind, unknown, so its items come after
	// every known kind, and before Widget, alphabetically.
	return append(ids,
		"Namespace/operators",
		"ConfigMap/operator-annotated",
		"ClusterRole.rbac.authorization.k8s.io/operator-operator",
		"ClusterRoleBinding.rbac.authorization.k8s.io/operator-operator",
		"ServiceAccount/operator", "Secret/operator-token",
		"Widget.example.com/operators/small", "Widget.example.com/operators/large",
		"ConfigMap/operator-pre-install", "Job.batch/operator-post-install",
	)
}

// TestRenderMatchesHelm renders sample charts and compares the result,
// object for object and in order, with what Helm's own pkg/action renders
// for `helm template --include-crds`. Order is compared too because it is
// part of the contract: Helm's install order, hooks last.
func TestRenderMatchesHelm(t *testing.T) {
	for _, tc := range goldenCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Renderer{}.Render(context.Background(), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			sameObjects(t, got, helmObjects(t, tc.req))
			if tc.want != nil && !reflect.DeepEqual(ids(got), tc.want) {
				t.Errorf("got objects\n%q\nwant\n%q", ids(got), tc.want)
			}
			for _, f := range tc.fields {
				checkField(t, got, f)
			}
		})
	}
}

// checkField checks one field of one object.
func checkField(t *testing.T, objs []*object.Object, f field) {
	t.Helper()
	for _, o := range objs {
		if o.ID().String() != f.id {
			continue
		}
		v, ok, err := unstructured.NestedFieldNoCopy(o.Object, f.path...)
		if err != nil || !ok {
			t.Errorf("%s: no field %v", f.id, f.path)
		} else if !reflect.DeepEqual(v, f.want) {
			t.Errorf("%s %v = %#v, want %#v", f.id, f.path, v, f.want)
		}
		return
	}
	t.Errorf("no object %s", f.id)
}

// TestRenderSources names each object after its template or CRD file.
func TestRenderSources(t *testing.T) {
	got, err := Renderer{}.Render(context.Background(), render.Request{Root: testdataRoot(t), Path: "charts/app"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"CustomResourceDefinition.apiextensions.k8s.io/gadgets.example.com": "app/crds/gadgets.example.com.yaml",
		"Deployment.apps/default/app-backend":                               "app/charts/backend/templates/deployment.yaml",
		"Job.batch/app-app-migrate":                                         "app/templates/migrate-job.yaml",
	}
	for _, o := range got {
		if w, ok := want[o.ID().String()]; ok && o.Source != w {
			t.Errorf("%s: source %q, want %q", o.ID(), o.Source, w)
		}
	}
}

// TestRenderDoesNotChangeRequest renders twice from one request: inline
// values and --set must not leak into the caller's map.
func TestRenderDoesNotChangeRequest(t *testing.T) {
	opts := helmOptions(testdataRoot(t))
	req := render.Request{Root: testdataRoot(t), Path: "charts/app", Helm: opts}
	for range 2 {
		if _, err := (Renderer{}).Render(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	want := helmOptions(testdataRoot(t)).Values
	if !reflect.DeepEqual(req.Helm.Values, want) {
		t.Errorf("inline values changed to %v", req.Helm.Values)
	}
}

// TestRenderConcurrently renders with one Renderer from several
// goroutines, as the controller does for several apps; run with -race.
func TestRenderConcurrently(t *testing.T) {
	root := testdataRoot(t)
	reqs := []render.Request{
		{Root: root, Path: "charts/app"},
		{Root: root, Path: "charts/app", Helm: helmOptions(root)},
		{Root: root, Path: "charts/operator"},
	}
	want := make([][]*object.Object, len(reqs))
	for i, req := range reqs {
		objs, err := Renderer{}.Render(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = objs
	}
	var r Renderer
	errs := make(chan error, 4*len(reqs))
	for range 4 {
		for i, req := range reqs {
			go func() {
				objs, err := r.Render(context.Background(), req)
				if err == nil && !reflect.DeepEqual(ids(objs), ids(want[i])) {
					err = fmt.Errorf("request %d rendered %v", i, ids(objs))
				}
				errs <- err
			}()
		}
	}
	for range 4 * len(reqs) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
