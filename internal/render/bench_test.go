package render_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/tugboat-gitops/tugboat/internal/render"
	"github.com/tugboat-gitops/tugboat/internal/render/helm"
)

const benchApps = 200

var benchOverlays = []string{"dev", "staging", "prod"}

// writeBenchRepo generates a repository of benchApps apps, each a
// kustomize base (Deployment, Service, ConfigMap generator) and three
// overlays (namespace, name prefix, image tag, replicas patch).
func writeBenchRepo(b *testing.B) string {
	root := b.TempDir()
	write := func(rel, content string) {
		path := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for i := range benchApps {
		app := fmt.Sprintf("apps/app-%03d", i)
		write(app+"/base/kustomization.yaml", "resources: [deployment.yaml, service.yaml]\nconfigMapGenerator:\n- name: config\n  literals: [MODE=base]\nlabels:\n- pairs: {app: web}\n  includeSelectors: true\n")
		write(app+"/base/deployment.yaml", fmt.Sprintf("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-%03d\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {name: app-%03d}\n  template:\n    metadata:\n      labels: {name: app-%03d}\n    spec:\n      containers:\n      - name: app\n        image: registry.local/app-%03d:1.0.0\n        envFrom: [{configMapRef: {name: config}}]\n", i, i, i, i))
		write(app+"/base/service.yaml", fmt.Sprintf("apiVersion: v1\nkind: Service\nmetadata:\n  name: app-%03d\nspec:\n  selector: {name: app-%03d}\n  ports: [{port: 80}]\n", i, i))
		for j, env := range benchOverlays {
			write(app+"/overlays/"+env+"/kustomization.yaml", fmt.Sprintf("namespace: %s\nnamePrefix: %s-\nresources: [../../base]\nimages:\n- name: registry.local/app-%03d\n  newTag: 1.0.%d\npatches:\n- target: {kind: Deployment}\n  patch: |-\n    - op: replace\n      path: /spec/replicas\n      value: %d\n", env, env, i, j, j+1))
		}
	}
	return root
}

// BenchmarkRenderKustomizeRepo renders every overlay of the generated
// repository: "krusty" with the kustomize API alone (the baseline), "cold"
// with Tugboat's engine, "cached" the same commit again.
// One op is the whole repository (600 overlays).
func BenchmarkRenderKustomizeRepo(b *testing.B) {
	root := writeBenchRepo(b)
	ctx := context.Background()
	renderAll := func(e *render.Engine, revision string) {
		for i := range benchApps {
			for _, env := range benchOverlays {
				req := render.Request{Root: root, Path: fmt.Sprintf("apps/app-%03d/overlays/%s", i, env)}
				if _, err := e.Render(ctx, revision, req); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	// The baseline: the kustomize API alone on the same overlays, with no
	// confinement, post-rendering or validation.
	b.Run("krusty", func(b *testing.B) {
		k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
		fsys := filesys.MakeFsOnDisk()
		for b.Loop() {
			for i := range benchApps {
				for _, env := range benchOverlays {
					if _, err := k.Run(fsys, filepath.Join(root, fmt.Sprintf("apps/app-%03d/overlays/%s", i, env))); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
	})
	b.Run("cold", func(b *testing.B) {
		e := newEngine()
		for b.Loop() {
			renderAll(e, "")
		}
	})
	b.Run("cached", func(b *testing.B) {
		e := newEngine()
		e.Cache = render.NewCache(benchApps * len(benchOverlays))
		renderAll(e, "commit-1")
		b.ResetTimer()
		for b.Loop() {
			renderAll(e, "commit-1")
		}
	})
}

// BenchmarkRenderHelmChart renders the test chart with 200 different
// values: "cold" renders each, "cached" renders the same 200 again at the
// same revision. One op is all 200 renders.
func BenchmarkRenderHelmChart(b *testing.B) {
	root, err := filepath.Abs("helm/testdata")
	if err != nil {
		b.Fatal(err)
	}
	e := newEngine()
	e.Renderers[render.KindHelm] = helm.Renderer{}
	ctx := context.Background()
	renderAll := func(revision string) {
		for i := range benchApps {
			req := render.Request{Root: root, Path: "charts/app", Helm: render.HelmOptions{
				ReleaseName: fmt.Sprintf("app-%03d", i),
				Set:         []string{fmt.Sprintf("replicaCount=%d", i%5+1), fmt.Sprintf("image.tag=1.0.%d", i)},
			}}
			if _, err := e.Render(ctx, revision, req); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			renderAll("")
		}
	})
	b.Run("cached", func(b *testing.B) {
		e.Cache = render.NewCache(benchApps)
		renderAll("commit-1")
		b.ResetTimer()
		for b.Loop() {
			renderAll("commit-1")
		}
	})
}
