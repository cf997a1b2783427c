package helm

import (
	"reflect"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/render"
	"github.com/tugboat-gitops/tugboat/internal/render/helm/helmref"
)

// helmTemplate renders req the reference way, with Helm's pkg/action as
// `helm template --include-crds` runs it.
func helmTemplate(t testing.TB, req render.Request) (string, error) {
	t.Helper()
	return helmref.Template(req)
}

// helmObjects renders req with Helm's pkg/action and parses the output.
func helmObjects(t testing.TB, req render.Request) []*object.Object {
	t.Helper()
	out, err := helmTemplate(t, req)
	if err != nil {
		t.Fatalf("helm template: %v", err)
	}
	objs, err := object.Decode("helm template", []byte(out), object.Limits{})
	if err != nil {
		t.Fatalf("parse helm template output: %v", err)
	}
	return objs
}

// sameObjects fails unless got and want hold equal objects in the same
// order, showing the first difference as YAML.
func sameObjects(t testing.TB, got, want []*object.Object) {
	t.Helper()
	for i := 0; i < len(got) && i < len(want); i++ {
		if !reflect.DeepEqual(got[i].Object, want[i].Object) {
			g, _ := yaml.Marshal(got[i].Object)
			w, _ := yaml.Marshal(want[i].Object)
			t.Fatalf("object %d differs from helm's:\n--- got (%s)\n%s--- helm\n%s", i, got[i].Source, g, w)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("got %d objects %v, helm renders %d: %v", len(got), ids(got), len(want), ids(want))
	}
}

func ids(objs []*object.Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.ID().String()
	}
	return out
}
