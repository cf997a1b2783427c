// Package helmref renders a chart the reference way, with Helm's pkg/action
// exactly as `helm template --include-crds` runs it, so that tests can hold
// Tugboat's Helm renderer to it.
//
// It is for tests only: no non-test file may import it. pkg/action brings
// the Kubernetes client machinery, release storage drivers and registry
// clients that the helm renderer was written to avoid, and this package
// applies none of the renderer's confinement to the chart it reads.
package helmref

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"helm.sh/helm/v4/pkg/action"
	ci "helm.sh/helm/v4/pkg/chart"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/loader"
	"helm.sh/helm/v4/pkg/cli/values"
	"helm.sh/helm/v4/pkg/getter"
	releasev1 "helm.sh/helm/v4/pkg/release/v1"
	"sigs.k8s.io/yaml"

	"github.com/tugboat-gitops/tugboat/internal/render"
)

// Template renders req as `helm template --include-crds` (client-only dry
// run, Replace) and returns its output: the manifest, then the hooks, test
// hooks included. The chart is req.Helm.ChartDir, else Root/Path; values
// files are relative to Root.
func Template(req render.Request) (string, error) {
	path := req.Helm.ChartDir
	if path == "" {
		path = filepath.Join(req.Root, req.Path)
	}
	chrt, err := loader.Load(path)
	if err != nil {
		return "", err
	}
	ac, err := ci.NewAccessor(chrt)
	if err != nil {
		return "", err
	}
	if deps := ac.MetaDependencies(); len(deps) > 0 {
		if err := action.CheckDependencies(chrt, deps); err != nil {
			return "", err
		}
	}
	inst, err := install(req.Helm, path, ac.Name())
	if err != nil {
		return "", err
	}
	vals, err := mergeValues(req.Root, req.Helm)
	if err != nil {
		return "", err
	}
	rel, err := inst.RunWithContext(context.Background(), chrt, vals)
	if err != nil {
		return "", err
	}
	r := rel.(*releasev1.Release)
	var out strings.Builder
	fmt.Fprintln(&out, strings.TrimSpace(r.Manifest))
	for _, h := range r.Hooks {
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", h.Path, h.Manifest)
	}
	return out.String(), nil
}

// install configures the action as the helm CLI's template command does.
func install(opts render.HelmOptions, path, chartName string) (*action.Install, error) {
	cfg := action.NewConfiguration(action.ConfigurationSetLogger(slog.NewTextHandler(io.Discard, nil)))
	inst := action.NewInstall(cfg)
	inst.DryRunStrategy = action.DryRunClient
	inst.Replace = true
	inst.IncludeCRDs = !opts.SkipCRDs
	inst.ReleaseName = opts.ReleaseName
	if inst.ReleaseName == "" {
		inst.ReleaseName = chartName
		if info, err := os.Stat(path); err == nil && info.IsDir() {
			inst.ReleaseName = filepath.Base(path)
		}
	}
	inst.Namespace = opts.Namespace
	if inst.Namespace == "" {
		inst.Namespace = "default"
	}
	if opts.KubeVersion != "" {
		kv, err := common.ParseKubeVersion(opts.KubeVersion)
		if err != nil {
			return nil, fmt.Errorf("kube version: %w", err)
		}
		inst.KubeVersion = kv
	}
	inst.APIVersions = common.VersionSet(opts.APIVersions)
	return inst, nil
}

// mergeValues merges values as the helm CLI does, the inline values passed
// as one more values file after the others (a temporary one), so that
// --set still applies last.
func mergeValues(root string, opts render.HelmOptions) (map[string]any, error) {
	vo := values.Options{Values: opts.Set}
	for _, f := range opts.ValuesFiles {
		vo.ValueFiles = append(vo.ValueFiles, filepath.Join(root, f))
	}
	if len(opts.Values) > 0 {
		file, err := inlineFile(opts.Values)
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(filepath.Dir(file))
		vo.ValueFiles = append(vo.ValueFiles, file)
	}
	vals, err := vo.MergeValues(getter.Providers{})
	if err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	return vals, nil
}

// inlineFile writes vals to a values file in a new temporary directory.
func inlineFile(vals map[string]any) (string, error) {
	data, err := yaml.Marshal(vals)
	if err != nil {
		return "", fmt.Errorf("inline values: %w", err)
	}
	dir, err := os.MkdirTemp("", "helmref-")
	if err != nil {
		return "", fmt.Errorf("inline values: %w", err)
	}
	file := filepath.Join(dir, "inline.yaml")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("inline values: %w", err)
	}
	return file, nil
}
