package kustomize

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/Masterminds/semver/v3"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"

	"github.com/tugboat-gitops/tugboat/internal/confine"
	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/render"
	"github.com/tugboat-gitops/tugboat/internal/render/helm"
)

// chartSite is a kustomization with helmCharts. Tugboat renders its charts
// with its own Helm renderer (kustomize would run a helm binary) and shows
// kustomize the output as one more resource file of that kustomization, so
// that its transformers apply as they do to inflated charts. One difference
// remains: the charts' objects come before, not after, those of the
// kustomization's configMapGenerator, secretGenerator and generators.
type chartSite struct {
	dir, file string // absolute directory; kustomization file, relative to root
	k         *types.Kustomization
	charts    []types.HelmChart
	globals   types.HelmGlobals
	inherited string // namespace set by an overlay above
}

// helmChartsOf returns a kustomization's charts as kustomize reads them:
// helmCharts, then the deprecated helmChartInflationGenerator.
func helmChartsOf(k *types.Kustomization) ([]types.HelmChart, types.HelmGlobals) {
	legacy, globals := types.SplitHelmParameters(k.HelmChartInflationGenerator)
	if k.HelmGlobals != nil {
		globals = *k.HelmGlobals
	}
	return append(append([]types.HelmChart{}, k.HelmCharts...), legacy...), globals
}

// noteCharts records a kustomization with charts, or refuses it when Helm
// is off.
func (s *scan) noteCharts(dir, file string, k *types.Kustomization, inherited string) error {
	charts, globals := helmChartsOf(k)
	if len(charts) == 0 {
		return nil
	}
	if !s.enableHelm {
		return fmt.Errorf("%s: helmCharts refused: Helm chart inflation is off unless the app enables it (kustomize.enableHelm: true in the app spec, or --enable-helm)", file)
	}
	if prev, ok := s.charts[dir]; ok {
		if prev.inherited != inherited && k.Namespace == "" {
			return fmt.Errorf("%s: reached from overlays with namespaces %q and %q: its charts would be inflated twice, which is not supported", file, prev.inherited, inherited)
		}
		return nil
	}
	s.charts[dir] = &chartSite{dir: dir, file: file, k: k, charts: charts, globals: globals, inherited: inherited}
	s.order = append(s.order, dir)
	return nil
}

// inflate renders the charts of every site and shadows its kustomization.
func inflate(ctx context.Context, fsys *confinedFS, s *scan, req render.Request) error {
	for _, dir := range s.order {
		if err := s.inflateSite(ctx, fsys, s.charts[dir], req); err != nil {
			return err
		}
	}
	return nil
}

func (s *scan) inflateSite(ctx context.Context, fsys *confinedFS, site *chartSite, req render.Request) error {
	var out bytes.Buffer
	for i, c := range site.charts {
		docs, err := s.renderChart(ctx, site, c, req)
		if err != nil {
			return fmt.Errorf("%s: helmCharts[%d] %s: %w", site.file, i, c.Name, err)
		}
		out.Write(docs)
	}
	output := filepath.Join(site.dir, chartOutputName)
	if _, err := os.Lstat(output); err == nil {
		return fmt.Errorf("%s: %s is reserved for the inflated charts", site.file, filepath.Join(s.rel(site.dir), chartOutputName))
	}
	kfile, err := confine.Join(s.root, site.file)
	if err != nil {
		return err
	}
	orig, err := confine.ReadFile(s.root, site.file, s.maxFileBytes)
	if err != nil {
		return err
	}
	kust, err := withChartOutput(orig, chartOutputName)
	if err != nil {
		return fmt.Errorf("%s: %w", site.file, err)
	}
	fsys.addVirtual(output, out.Bytes())
	// Keyed by the resolved path: kustomize reads a linked kustomization
	// file by its target.
	fsys.addVirtual(kfile, kust)
	return nil
}

// chartOutputName is the virtual resource file holding a kustomization's
// inflated charts.
const chartOutputName = ".tugboat-helm-charts.yaml"

// renderChart renders one chart as `helm template` would for kustomize,
// and returns its objects as a YAML stream marked as Helm output.
func (s *scan) renderChart(ctx context.Context, site *chartSite, c types.HelmChart, req render.Request) ([]byte, error) {
	if c.NameTemplate != "" {
		return nil, fmt.Errorf("nameTemplate is not supported; set releaseName")
	}
	chartRel, err := s.chartDir(site, c)
	if err != nil {
		return nil, err
	}
	vals, err := s.chartValues(site, c, chartRel)
	if err != nil {
		return nil, err
	}
	opts := render.HelmOptions{
		ReleaseName: c.ReleaseName, Namespace: chartNamespace(site, c), Values: vals,
		KubeVersion: req.Helm.KubeVersion, APIVersions: req.Helm.APIVersions, SkipCRDs: !c.IncludeCRDs,
	}
	if c.KubeVersion != "" {
		opts.KubeVersion = c.KubeVersion
	}
	if len(c.ApiVersions) > 0 {
		opts.APIVersions = c.ApiVersions
	}
	objs, err := helm.Renderer{}.Render(ctx, render.Request{Root: s.root, Path: chartRel, Kind: render.KindHelm, Helm: opts, Limits: req.Limits})
	if err != nil {
		return nil, err
	}
	return helmOutput(objs, c)
}

// chartNamespace is the release namespace: the chart's, else the
// kustomization's, else an overlay's above it, as kustomize passes them.
func chartNamespace(site *chartSite, c types.HelmChart) string {
	for _, ns := range []string{c.Namespace, site.k.Namespace} {
		if ns != "" {
			return ns
		}
	}
	return site.inherited
}

// chartDir finds the chart where kustomize looks for it, chartHome/name
// (chartHome/name-version/name when a repo and version are given), and
// checks its version.
func (s *scan) chartDir(site *chartSite, c types.HelmChart) (string, error) {
	if c.Name == "" {
		return "", fmt.Errorf("chart name cannot be empty")
	}
	home := site.globals.ChartHome
	if home == "" {
		home = types.HelmDefaultHome
	}
	if filepath.IsAbs(home) {
		return "", fmt.Errorf("helmGlobals.chartHome %q: %w: absolute paths are not allowed", home, confine.ErrEscape)
	}
	if c.Repo != "" && c.Version != "" {
		home = filepath.Join(home, c.Name+"-"+c.Version)
	}
	rel := filepath.Join(s.rel(site.dir), home, c.Name)
	dir, err := confine.Join(s.root, rel)
	if err != nil {
		return "", err
	}
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		if c.Repo != "" {
			return "", fmt.Errorf("chart not found at %s: only charts vendored in the repository are supported for now; Tugboat does not pull from %s (vendor the chart there with `helm pull --untar`)", rel, c.Repo)
		}
		return "", fmt.Errorf("no chart found at %s", rel)
	}
	return rel, s.checkVersion(rel, c.Version)
}

// checkVersion refuses a vendored chart whose Chart.yaml does not match the
// version (or semver range) the kustomization asks for.
func (s *scan) checkVersion(chartRel, want string) error {
	if want == "" {
		return nil
	}
	data, err := confine.ReadFile(s.root, filepath.Join(chartRel, "Chart.yaml"), s.maxFileBytes)
	if err != nil {
		return err
	}
	var meta struct {
		Version string `json:"version"`
	}
	if err := yaml.Unmarshal(data, &meta); err != nil {
		return fmt.Errorf("%s/Chart.yaml: %w", chartRel, err)
	}
	if strings.TrimPrefix(meta.Version, "v") == strings.TrimPrefix(want, "v") {
		return nil
	}
	got, gerr := semver.NewVersion(meta.Version)
	rng, rerr := semver.NewConstraint(want)
	if gerr == nil && rerr == nil && rng.Check(got) {
		return nil
	}
	return fmt.Errorf("%s/Chart.yaml has version %q, helmCharts asks for %q", chartRel, meta.Version, want)
}

// helmOutput marshals a chart's objects as a YAML stream, leaving out hooks
// or tests as asked, and marks them as kustomize marks inflated charts (its
// namespace transformer leaves them to the release namespace; the mark is
// removed from the output).
func helmOutput(objs []*object.Object, c types.HelmChart) ([]byte, error) {
	var out bytes.Buffer
	for _, o := range objs {
		hook := o.GetAnnotations()["helm.sh/hook"]
		if hook != "" && (c.SkipHooks || c.SkipTests && isTestHook(hook)) {
			continue
		}
		ann := o.GetAnnotations()
		if ann == nil {
			ann = map[string]string{}
		}
		ann[konfig.HelmGeneratedAnnotation] = "true"
		// Substitution skips chart output unless the app asks for it.
		ann[object.AnnotationChartOutput] = "true"
		o.SetAnnotations(ann)
		data, err := yaml.Marshal(o.Object)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o, err)
		}
		out.WriteString("---\n")
		out.Write(data)
	}
	return out.Bytes(), nil
}

// isTestHook reports whether a helm.sh/hook annotation names a test hook,
// which `helm template --skip-tests` leaves out.
func isTestHook(hook string) bool {
	for _, h := range strings.Split(hook, ",") {
		if h = strings.TrimSpace(h); h == "test" || h == "test-success" {
			return true
		}
	}
	return false
}
