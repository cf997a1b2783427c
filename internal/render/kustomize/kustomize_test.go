package kustomize_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/tugboat-gitops/tugboat/internal/render"
	"github.com/tugboat-gitops/tugboat/internal/render/kustomize"
)

// TestMatchesKustomize renders sample overlays and compares, object for
// object and in order, with what the kustomize API builds directly with its
// default options.
func TestMatchesKustomize(t *testing.T) {
	root, err := filepath.Abs("../testdata/kustomize")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"base", "overlays/prod", "overlays/staging"} {
		t.Run(path, func(t *testing.T) {
			got, err := kustomize.Renderer{}.Render(context.Background(), render.Request{Root: root, Path: path})
			if err != nil {
				t.Fatal(err)
			}
			m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), filepath.Join(root, path))
			if err != nil {
				t.Fatal(err)
			}
			want := m.Resources()
			if len(got) != len(want) {
				t.Fatalf("got %d objects, kustomize builds %d", len(got), len(want))
			}
			for i, r := range want {
				wantJSON, err := r.MarshalJSON()
				if err != nil {
					t.Fatal(err)
				}
				gotJSON, err := json.Marshal(got[i].Object)
				if err != nil {
					t.Fatal(err)
				}
				if !jsonEqual(t, gotJSON, wantJSON) {
					t.Errorf("object %d:\n got %s\nwant %s", i, gotJSON, wantJSON)
				}
			}
		})
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	ax, _ := json.Marshal(x)
	by, _ := json.Marshal(y)
	return string(ax) == string(by)
}
