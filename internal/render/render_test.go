package render_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/render"
	"github.com/tugboat-gitops/tugboat/internal/render/kustomize"
	"github.com/tugboat-gitops/tugboat/internal/render/plain"
)

func newEngine() *render.Engine {
	return &render.Engine{Renderers: map[render.Kind]render.Renderer{
		render.KindPlain:     plain.Renderer{},
		render.KindKustomize: kustomize.Renderer{},
	}}
}

// writeTree writes files into a new directory; a content starting with
// "symlink:" makes a symlink to the rest.
func writeTree(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(content, "symlink:"); ok {
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func ids(objs []*object.Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.ID().String()
	}
	return out
}

const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n"

func cmYAML(name string) string { return strings.ReplaceAll(cm, "%s", name) }

func TestRenderPlain(t *testing.T) {
	root := writeTree(t, map[string]string{
		"app/a.yaml":         cmYAML("a") + "---\n" + cmYAML("b") + "---\n",
		"app/sub/c.yml":      cmYAML("c"),
		"app/d.json":         `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"d"},"data":{"k":"dg=="}}`,
		"app/list.yaml":      "apiVersion: v1\nkind: List\nitems:\n- " + strings.ReplaceAll(strings.TrimSpace(cmYAML("e")), "\n", "\n  ") + "\n",
		"app/README.md":      "not a manifest",
		"app/.tugignore":     "# local only\nskipped.yaml\ndrafts/\n",
		"app/skipped.yaml":   cmYAML("skipped"),
		"app/drafts/x.yaml":  cmYAML("draft"),
		"app/.hidden/h.yaml": cmYAML("hidden"),
		"app/empty.yaml":     "---\n# nothing\n---\n",
		"app/ns.yaml":        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n",
	})
	objs, err := newEngine().Render(context.Background(), "", render.Request{
		Root: root, Path: "app",
		Post: render.PostOptions{Namespace: "team", Labels: map[string]string{"env": "test"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"ConfigMap/team/a", "ConfigMap/team/b", "Secret/team/d", "ConfigMap/team/e",
		"Namespace/team", "ConfigMap/team/c",
	}
	if got := ids(objs); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("ids =\n%v\nwant\n%v", got, want)
	}
	for _, o := range objs {
		if o.GetLabels()["env"] != "test" {
			t.Errorf("%s: common label missing", o)
		}
	}
}

func TestDetect(t *testing.T) {
	root := writeTree(t, map[string]string{
		"k/kustomization.yaml": "resources: []\n",
		"h/Chart.yaml":         "apiVersion: v2\nname: h\nversion: 0.1.0\n",
		"p/x.yaml":             cmYAML("x"),
	})
	for path, want := range map[string]render.Kind{"k": render.KindKustomize, "h": render.KindHelm, "p": render.KindPlain} {
		got, err := render.Detect(root, path)
		if err != nil || got != want {
			t.Errorf("Detect(%s) = %q, %v; want %q", path, got, err, want)
		}
	}
}

func TestPostRenderVars(t *testing.T) {
	deploy := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  annotations:\n    literal: $${KEEP}\n    def: ${MISSING:=fallback}\nspec:\n  replicas: ${REPLICAS}\n  template:\n    spec:\n      containers:\n      - name: web\n        image: web:${TAG}\n"
	tests := []struct {
		name    string
		vars    map[string]string
		allow   bool
		wantErr string
	}{
		{name: "all defined", vars: map[string]string{"REPLICAS": "3", "TAG": "v1"}},
		{name: "undefined is an error", vars: map[string]string{"REPLICAS": "3"}, wantErr: "undefined variable TAG"},
		{name: "undefined allowed", vars: map[string]string{"REPLICAS": "3"}, allow: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, map[string]string{"app/d.yaml": deploy})
			objs, err := newEngine().Render(context.Background(), "", render.Request{
				Root: root, Path: "app", Post: render.PostOptions{Vars: tt.vars, AllowUndefinedVars: tt.allow},
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "app/d.yaml") {
					t.Fatalf("err = %v, want %q naming app/d.yaml", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			o := objs[0]
			replicas, _, _ := unstructuredInt(o, "spec", "replicas")
			if replicas != 3 {
				t.Errorf("replicas = %v, want the number 3", o.Object["spec"].(map[string]any)["replicas"])
			}
			ann := o.GetAnnotations()
			if ann["literal"] != "${KEEP}" || ann["def"] != "fallback" {
				t.Errorf("annotations = %v", ann)
			}
		})
	}
}

func unstructuredInt(o *object.Object, fields ...string) (int64, bool, error) {
	m := o.Object
	for _, f := range fields[:len(fields)-1] {
		m = m[f].(map[string]any)
	}
	v, ok := m[fields[len(fields)-1]].(int64)
	return v, ok, nil
}

func TestPostRenderNamespaceScope(t *testing.T) {
	crd := "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: clusterthings.example.com\nspec:\n  group: example.com\n  scope: Cluster\n  names:\n    kind: ClusterThing\n    plural: clusterthings\n  versions: []\n"
	root := writeTree(t, map[string]string{
		"app/crd.yaml": crd,
		"app/ct.yaml":  "apiVersion: example.com/v1\nkind: ClusterThing\nmetadata:\n  name: ct\n",
		// A namespace on a cluster-scoped kind is dropped, as the API server ignores it.
		"app/cr.yaml":    "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\n  namespace: release-ns\n",
		"app/other.yaml": "apiVersion: other.io/v1\nkind: Widget\nmetadata:\n  name: w\n",
		"app/cm.yaml":    cmYAML("c") + "  namespace: keep\n",
	})
	objs, err := newEngine().Render(context.Background(), "", render.Request{Root: root, Path: "app", Post: render.PostOptions{Namespace: "apps"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"ClusterThing": "", "ClusterRole": "", "CustomResourceDefinition": "", "Widget": "apps", "ConfigMap": "keep"}
	for _, o := range objs {
		if got := o.GetNamespace(); got != want[o.GetKind()] {
			t.Errorf("%s namespace = %q, want %q", o.GetKind(), got, want[o.GetKind()])
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"no apiVersion", map[string]string{"app/a.yaml": "kind: ConfigMap\nmetadata:\n  name: a\n"}, []string{"app/a.yaml:1", "without apiVersion"}},
		{"no kind", map[string]string{"app/a.yaml": "apiVersion: v1\nmetadata:\n  name: a\n"}, []string{"app/a.yaml", "without kind"}},
		{"no name", map[string]string{"app/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n"}, []string{"app/a.yaml", "without metadata.name"}},
		{"generateName", map[string]string{"app/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: a-\n"}, []string{"generateName"}},
		{"duplicate", map[string]string{"app/a.yaml": cmYAML("x"), "app/b.yaml": cmYAML("x")}, []string{"duplicate object ConfigMap/default/x", "app/a.yaml:1", "app/b.yaml:1"}},
		{"malformed", map[string]string{"app/a.yaml": cmYAML("a") + "---\nkind: [unclosed\n"}, []string{"app/a.yaml: line "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, tt.files)
			_, err := newEngine().Render(context.Background(), "", render.Request{Root: root, Path: "app", Post: render.PostOptions{Namespace: "default"}})
			if err == nil {
				t.Fatal("render succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestRenderCache(t *testing.T) {
	root := writeTree(t, map[string]string{"app/a.yaml": cmYAML("a")})
	e := newEngine()
	e.Cache = render.NewCache(10)
	req := render.Request{Root: root, Path: "app"}
	first, err := e.Render(context.Background(), "abc", req)
	if err != nil {
		t.Fatal(err)
	}
	first[0].SetName("mutated-by-caller")
	// A cached revision is not read again: change the file to prove it.
	if err := os.WriteFile(filepath.Join(root, "app/a.yaml"), []byte(cmYAML("changed")), 0o644); err != nil {
		t.Fatal(err)
	}
	second, err := e.Render(context.Background(), "abc", req)
	if err != nil {
		t.Fatal(err)
	}
	if got := second[0].GetName(); got != "a" {
		t.Errorf("cached name = %q, want a (cache must hand out copies)", got)
	}
	third, err := e.Render(context.Background(), "def", req)
	if err != nil {
		t.Fatal(err)
	}
	if got := third[0].GetName(); got != "changed" {
		t.Errorf("new revision name = %q, want changed", got)
	}
	// Remote bases are outside the revision: never served from the cache.
	remote := req
	remote.Kustomize.AllowRemoteBases = true
	for _, name := range []string{"first", "second"} {
		if err := os.WriteFile(filepath.Join(root, "app/a.yaml"), []byte(cmYAML(name)), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := e.Render(context.Background(), "def", remote)
		if err != nil {
			t.Fatal(err)
		}
		if got[0].GetName() != name {
			t.Errorf("with remote bases allowed, name = %q, want %q (not cached)", got[0].GetName(), name)
		}
	}
}

// TestRenderOrderIsDeterministic renders the same files, written to disk in
// a different order each time, and gets the same objects in the same
// order: files in lexical path order, documents in file order.
func TestRenderOrderIsDeterministic(t *testing.T) {
	files := map[string]string{
		"app/z.yaml":       cmYAML("z"),
		"app/a.yaml":       cmYAML("a1") + "---\n" + cmYAML("a2"),
		"app/m/b.yaml":     cmYAML("b"),
		"app/m/c.json":     `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}`,
		"app/k/list.yaml":  "apiVersion: v1\nkind: List\nitems:\n- " + strings.ReplaceAll(strings.TrimSpace(cmYAML("l1")), "\n", "\n  ") + "\n- " + strings.ReplaceAll(strings.TrimSpace(cmYAML("l2")), "\n", "\n  ") + "\n",
		"app/0-first.yaml": cmYAML("first"),
	}
	want := "first a1 a2 l1 l2 b c z"
	for i := range 5 {
		objs, err := newEngine().Render(context.Background(), "", render.Request{Root: writeTree(t, files), Path: "app"})
		if err != nil {
			t.Fatal(err)
		}
		names := make([]string, len(objs))
		for j, o := range objs {
			names[j] = o.GetName()
		}
		if got := strings.Join(names, " "); got != want {
			t.Fatalf("render %d: order %q, want %q", i, got, want)
		}
	}
}

func TestSubstitutionModes(t *testing.T) {
	const script = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\n%sdata:\n  run.sh: echo ${HOME} $${LITERAL} ${TAG:=latest}\n"
	disabled := "  annotations:\n    tugboat.dev/substitute: disabled\n"
	tests := []struct {
		name       string
		chart      bool
		mode       render.Substitution
		vars       map[string]string
		annotation string
		want       string
		wantErr    string
	}{
		{name: "no vars: left alone", want: "echo ${HOME} $${LITERAL} ${TAG:=latest}"},
		{name: "vars: strict", vars: map[string]string{"TAG": "v1"}, wantErr: "undefined variable HOME"},
		{name: "vars: substituted", vars: map[string]string{"HOME": "/h", "TAG": "v1"}, want: "echo /h ${LITERAL} v1"},
		{name: "helm output untouched by vars", chart: true, vars: map[string]string{"TAG": "v1"}, want: "echo ${HOME} $${LITERAL} ${TAG:=latest}"},
		{name: "helm output when enabled", chart: true, mode: render.SubstituteOn, vars: map[string]string{"HOME": "/h"}, want: "echo /h ${LITERAL} latest"},
		{name: "on without vars is strict", mode: render.SubstituteOn, wantErr: "undefined variable HOME"},
		{name: "off", mode: render.SubstituteOff, vars: map[string]string{"HOME": "/h"}, want: "echo ${HOME} $${LITERAL} ${TAG:=latest}"},
		{name: "annotated disabled", annotation: disabled, vars: map[string]string{"HOME": "/h"}, want: "echo ${HOME} $${LITERAL} ${TAG:=latest}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := object.Decode("cm.yaml", []byte(fmt.Sprintf(script, tt.annotation)), object.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			objs[0].FromChart = tt.chart
			objs, err = render.PostRender(objs, render.PostOptions{Substitute: tt.mode, Vars: tt.vars})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "cm.yaml") {
					t.Fatalf("err = %v, want %q naming cm.yaml", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := objs[0].Object["data"].(map[string]any)["run.sh"]; got != tt.want {
				t.Errorf("run.sh = %q, want %q", got, tt.want)
			}
		})
	}
}
