package pipeline

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/failure"
	"github.com/tugboat-gitops/tugboat/internal/render"
)

// DefaultTimeout bounds a wait for health when the app sets none.
const DefaultTimeout = 5 * time.Minute

// FromSpec turns an app spec into an App. root is the local checkout that
// holds the tugboat.yaml: an app without a repo of its own is read from it.
// It is the one place that reads the API types: the rest of the pipeline
// takes its own options, so the schema can change without touching it.
func FromSpec(spec *v1alpha1.AppSpec, root string) (App, error) {
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
	var err error
	if app.Render, err = renderFromSpec(spec); err != nil {
		return App{}, err
	}
	app.Sync = syncFromSpec(spec.Sync)
	return app, nil
}

// FromApplication turns an Application into the App the controller syncs:
// its spec, named after the Application unless spec.name says otherwise,
// with objects that name no namespace going to the Application's
// namespace. The controller and tug diff --application both call it, so
// a diff shows what the controller would do.
//
// Credentials and the destination cluster are left to the caller, which
// reads the Secret that spec.secretRef names with its own client and
// passes its data to source.CredentialsFromData, and connects to what
// spec.destination names (a kubeconfig context, or a Secret's kubeconfig
// through cluster.FromKubeconfig). A spec the controller cannot sync is a
// stalled failure: it needs a new spec, not a retry.
func FromApplication(app *v1alpha1.Application) (App, error) {
	if err := app.Validate(); err != nil {
		return App{}, invalidSpec(err)
	}
	spec := app.App()
	if spec.Repo == "" && spec.Chart == nil {
		return App{}, invalidSpec(fmt.Errorf("app %s: repo: an Application needs a git repository or a chart", spec.Name))
	}
	if spec.Destination.Namespace == "" {
		// An Application's objects stay by it unless it says otherwise.
		spec.Destination.Namespace = app.Namespace
	}
	// An Application has no checkout of its own: its manifests always come
	// from its repo or chart, so there is no root to read a path from.
	a, err := FromSpec(&spec, "")
	if err != nil {
		return App{}, invalidSpec(err)
	}
	return a, nil
}

func invalidSpec(err error) error {
	return failure.New(failure.Validate, "InvalidSpec", true, err)
}

func renderFromSpec(spec *v1alpha1.AppSpec) (render.Request, error) {
	req := render.Request{
		Kind: render.Kind(spec.Renderer),
		Post: render.PostOptions{
			Namespace: spec.Destination.Namespace, Vars: spec.Vars,
			Substitute:         substitution(spec.Substitute),
			AllowUndefinedVars: spec.AllowUndefinedVars, Labels: spec.Labels,
		},
	}
	req.Helm.Namespace = spec.Destination.Namespace
	if h := spec.Helm; h != nil {
		req.Helm.ReleaseName, req.Helm.ValuesFiles = h.ReleaseName, h.ValuesFiles
		req.Helm.SkipCRDs = h.SkipCRDs
		values, err := helmValues(h.Values)
		if err != nil {
			return render.Request{}, fmt.Errorf("app %s: helm.values: %w", spec.Name, err)
		}
		req.Helm.Values = values
	}
	if k := spec.Kustomize; k != nil {
		req.Kustomize.AllowRemoteBases = k.AllowRemoteBases
		req.Kustomize.EnableHelm = k.EnableHelm
	}
	return req, nil
}

// helmValues decodes inline values as sigs.k8s.io/yaml decoded them when
// they were a map in the spec (numbers as float64), so a chart sees the
// same values as before they became JSON.
func helmValues(v *apiextensionsv1.JSON) (map[string]any, error) {
	if v == nil || len(v.Raw) == 0 {
		return nil, nil
	}
	var values map[string]any
	if err := json.Unmarshal(v.Raw, &values); err != nil {
		return nil, fmt.Errorf("want a mapping of values: %w", err)
	}
	return values, nil
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
