package helm

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"helm.sh/helm/v4/pkg/chart/v2/loader"

	"github.com/tugboat-gitops/tugboat/internal/render"
)

// TestDependenciesFromLock renders a chart whose dependencies Chart.lock
// pins and charts/ lacks (remote ones behind a condition, a tag and an
// alias; a file:// one), and compares the result with what Helm's pkg/action renders
// once `helm dependency update` has vendored them. The Chart.lock is
// Helm's own, so its digest check is Helm's too.
func TestDependenciesFromLock(t *testing.T) {
	f := newDepFixture(t)
	tests := []struct {
		name string
		opts render.HelmOptions
		want []string
	}{
		{name: "defaults", want: []string{
			"ConfigMap/shop-common", "ConfigMap/shop-shop", "Service/shop-backend",
			"Deployment.apps/default/shop-backend", "StatefulSet.apps/shop-sessions",
		}},
		{name: "tag and conditions flipped", opts: render.HelmOptions{
			ReleaseName: "web", Namespace: "store", Set: []string{"tags.cache=true", "backend.enabled=false", "sessions.enabled=false"},
		}, want: []string{"ConfigMap/web-common", "ConfigMap/web-shop", "StatefulSet.apps/web-cache"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			opts.Fetcher = f.repo
			got, err := Renderer{}.Render(context.Background(), render.Request{Root: f.root, Path: "charts/shop", Helm: opts})
			if err != nil {
				t.Fatal(err)
			}
			sameObjects(t, got, helmObjects(t, render.Request{Root: f.vendored, Path: "charts/shop", Helm: tc.opts}))
			if !reflect.DeepEqual(ids(got), tc.want) {
				t.Errorf("got objects\n%q\nwant\n%q", ids(got), tc.want)
			}
		})
	}
	// One fetch per chart and version per render, aliases included; the
	// file:// dependency comes from the repository.
	want := map[string]int{"backend 0.1.0": 2, "cache 2.1.0": 2}
	if got := f.repo.fetched(); !reflect.DeepEqual(got, want) {
		t.Errorf("fetched %v, want %v", got, want)
	}
}

// TestVendoredDependenciesNeedNoLock renders the vendored chart without a
// fetcher, and without reading its Chart.lock: only what charts/ lacks is
// fetched, and nothing is.
func TestVendoredDependenciesNeedNoLock(t *testing.T) {
	f := newDepFixture(t)
	dir := filepath.Join(f.vendored, "charts", "shop")
	editFile(t, filepath.Join(dir, "Chart.lock"), "digest: sha256:", "digest: sha256:0")
	req := render.Request{Root: f.vendored, Path: "charts/shop"}
	got, err := Renderer{}.Render(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	sameObjects(t, got, helmObjects(t, req))
}

// TestLockDigestMatchesHelm checks the digest against locks Helm wrote,
// and that any change to the dependencies breaks it.
func TestLockDigestMatchesHelm(t *testing.T) {
	f := newDepFixture(t)
	c, err := loader.LoadDir(f.chart())
	if err != nil {
		t.Fatal(err)
	}
	if err := checkLock(c); err != nil {
		t.Fatalf("Helm's own lock: %v", err)
	}
	c.Metadata.Dependencies[0].Condition = "backend.on"
	if err := checkLock(c); err == nil {
		t.Fatal("a changed condition leaves the lock in sync")
	}
}
