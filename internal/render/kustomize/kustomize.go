// Package kustomize renders a kustomization with the kustomize API (krusty),
// confined to the repository: no exec or legacy plugins, no remote bases or
// files unless allowed, Helm charts inflated by Tugboat's own Helm renderer
// (never a helm binary) only when enabled, and no file outside the checkout,
// through symlinks or "../" bases.
package kustomize

import (
	"context"
	"fmt"
	"path/filepath"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/types"

	"github.com/tugboat-gitops/tugboat/internal/confine"
	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/redact"
	"github.com/tugboat-gitops/tugboat/internal/render"
)

// Renderer renders kustomizations.
type Renderer struct{}

// Render builds the kustomization at req.Root/req.Path. Credentials in
// URLs are removed from its errors.
func (Renderer) Render(ctx context.Context, req render.Request) ([]*object.Object, error) {
	objs, err := build(ctx, req)
	if err != nil {
		// git and kustomize repeat URLs in their errors, userinfo included.
		return nil, redact.Error(fmt.Errorf("kustomize %s: %w", req.Path, err))
	}
	return objs, nil
}

func build(ctx context.Context, req render.Request) ([]*object.Object, error) {
	fsys, err := newConfinedFS(req.Root, req.Kustomize.AllowRemoteBases)
	if err != nil {
		return nil, err
	}
	// kustomize removes its clones itself; this is in case it did not.
	defer fsys.clones.removeLeft()
	dir, err := confine.Join(fsys.root, req.Path)
	if err != nil {
		return nil, err
	}
	maxFile := req.Limits.MaxFileBytes
	if maxFile <= 0 {
		maxFile = object.DefaultLimits.MaxFileBytes
	}
	s := newScan(fsys.root, req.Kustomize.AllowRemoteBases, req.Kustomize.EnableHelm, maxFile)
	if err := s.visit(dir, req.Path, reach{}); err != nil {
		return nil, err
	}
	if err := inflate(ctx, fsys, s, req); err != nil {
		return nil, err
	}
	m, err := krusty.MakeKustomizer(Options()).Run(fsys, dir)
	if err != nil {
		return nil, err
	}
	return objects(m, filepath.ToSlash(filepath.Join(req.Path, "kustomization.yaml")))
}

func objects(m resmap.ResMap, source string) ([]*object.Object, error) {
	out := make([]*object.Object, 0, m.Size())
	for _, r := range m.Resources() {
		u, err := r.Map()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.CurId(), err)
		}
		obj, err := object.FromMap(u, source)
		if err != nil {
			return nil, err
		}
		if ann := obj.GetAnnotations(); ann[object.AnnotationChartOutput] != "" {
			delete(ann, object.AnnotationChartOutput)
			if len(ann) == 0 {
				ann = nil // as kustomize leaves it: no empty map
			}
			obj.SetAnnotations(ann)
			obj.FromChart = true
		}
		out = append(out, obj)
	}
	return out, nil
}

// Options are the krusty options Tugboat runs with: kustomize's defaults
// (load restricted to the kustomization root), builtin plugins only, and
// kustomize's Helm inflation off: Tugboat inflates helmCharts itself, with
// its Helm SDK renderer, before kustomize runs.
func Options() *krusty.Options {
	opts := krusty.MakeDefaultOptions()
	opts.LoadRestrictions = types.LoadRestrictionsRootOnly
	opts.PluginConfig = types.DisabledPluginConfig()
	opts.PluginConfig.HelmConfig.Enabled = false
	return opts
}
