package pipeline

import (
	"path/filepath"
	"time"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/render"
)

// DefaultTimeout bounds a wait for health when the app sets none.
const DefaultTimeout = 5 * time.Minute

// FromSpec turns an app spec into an App. root is the local checkout that
// holds the tugboat.yaml: an app without a repo of its own is read from it.
func FromSpec(spec *v1alpha1.AppSpec, root string) App {
	app := App{Name: spec.Name}
	if spec.Repo != "" {
		app.Source = SourceSpec{Repo: spec.Repo, Ref: spec.Ref, Path: spec.Path}
	} else {
		app.Source = SourceSpec{Dir: filepath.Join(root, filepath.FromSlash(spec.Path))}
	}
	if spec.Chart != nil {
		app.Source.Chart = &ChartSpec{Repo: spec.Chart.Repo, Name: spec.Chart.Name, Version: spec.Chart.Version}
		if spec.Path == "" && spec.Repo == "" {
			app.Source.Dir = root
		}
	}
	app.Render = render.Request{
		Kind: render.Kind(spec.Renderer),
		Post: render.PostOptions{
			Namespace: spec.Destination.Namespace, Vars: spec.Vars,
			Substitute:         substitution(spec.Substitute),
			AllowUndefinedVars: spec.AllowUndefinedVars, Labels: spec.Labels,
		},
	}
	app.Render.Helm.Namespace = spec.Destination.Namespace
	if h := spec.Helm; h != nil {
		app.Render.Helm.ReleaseName, app.Render.Helm.ValuesFiles = h.ReleaseName, h.ValuesFiles
		app.Render.Helm.Values, app.Render.Helm.SkipCRDs = h.Values, h.SkipCRDs
	}
	if k := spec.Kustomize; k != nil {
		app.Render.Kustomize.AllowRemoteBases = k.AllowRemoteBases
		app.Render.Kustomize.EnableHelm = k.EnableHelm
	}
	app.Sync = syncFromSpec(spec.Sync)
	return app
}

func substitution(on *bool) render.Substitution {
	switch {
	case on == nil:
		return render.SubstituteAuto
	case *on:
		return render.SubstituteOn
	}
	return render.SubstituteOff
}

func syncFromSpec(s v1alpha1.SyncPolicy) SyncOptions {
	out := SyncOptions{
		Prune: s.Prune == nil || *s.Prune, AllowEmpty: s.AllowEmpty, Wait: s.Wait,
		ForceConflicts: s.ForceConflicts, ForceRecreate: s.ForceRecreate, Timeout: DefaultTimeout,
	}
	if s.Timeout != nil {
		out.Timeout = s.Timeout.Duration
	}
	return out
}
