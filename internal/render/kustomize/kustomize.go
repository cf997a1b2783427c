// Package kustomize renders a kustomization with the kustomize API (krusty),
// confined to the repository: no exec or legacy plugins, no remote bases
// unless allowed, no Helm inflation unless enabled, and no file outside the
// checkout, through symlinks or "../" bases.
package kustomize

import (
	"context"
	"fmt"
	"path/filepath"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"

	"github.com/tugboat-gitops/tugboat/internal/confine"
	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/render"
)

// Renderer renders kustomizations.
type Renderer struct{}

// Render builds the kustomization at req.Root/req.Path.
func (Renderer) Render(ctx context.Context, req render.Request) ([]*object.Object, error) {
	fsys, err := newConfinedFS(req.Root)
	if err != nil {
		return nil, err
	}
	dir, err := confine.Join(fsys.root, req.Path)
	if err != nil {
		return nil, fmt.Errorf("kustomize %s: %w", req.Path, err)
	}
	s := &scan{
		root: fsys.root, allowRemote: req.Kustomize.AllowRemoteBases,
		onStack: map[string]string{}, done: map[string]bool{},
		maxFileBytes: req.Limits.MaxFileBytes,
	}
	if s.maxFileBytes <= 0 {
		s.maxFileBytes = object.DefaultLimits.MaxFileBytes
	}
	if err := s.visit(dir, req.Path); err != nil {
		return nil, fmt.Errorf("kustomize %s: %w", req.Path, err)
	}
	k := krusty.MakeKustomizer(Options(req.Kustomize))
	m, err := k.Run(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize %s: %w", req.Path, err)
	}
	source := filepath.ToSlash(filepath.Join(req.Path, "kustomization.yaml"))
	out := make([]*object.Object, 0, m.Size())
	for _, r := range m.Resources() {
		u, err := r.Map()
		if err != nil {
			return nil, fmt.Errorf("kustomize %s: %s: %w", req.Path, r.CurId(), err)
		}
		obj, err := object.FromMap(u, source)
		if err != nil {
			return nil, fmt.Errorf("kustomize %s: %w", req.Path, err)
		}
		out = append(out, obj)
	}
	return out, nil
}

// Options are the krusty options Tugboat runs with: kustomize's defaults
// (load restricted to the kustomization root), plugins off, Helm inflation
// only when enabled.
func Options(o render.KustomizeOptions) *krusty.Options {
	opts := krusty.MakeDefaultOptions()
	opts.LoadRestrictions = types.LoadRestrictionsRootOnly
	opts.PluginConfig = types.DisabledPluginConfig()
	opts.PluginConfig.HelmConfig.Enabled = o.EnableHelm
	return opts
}
