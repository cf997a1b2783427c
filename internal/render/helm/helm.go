// Package helm renders a Helm chart the way `helm template` does, with the
// Helm SDK's chart loader, values coalescing, template engine and manifest
// sorter, but without pkg/action: that package drags in the Kubernetes
// client machinery, release storage drivers and OCI registry clients, none
// of which rendering needs.
//
// Chart content is hostile: symlinks may not leave the repository, values
// files stay inside it, archives are checked for path tricks and
// decompression bombs before Helm unpacks them, and values schemas may not
// reach files or the network.
package helm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tugboat-gitops/tugboat/internal/chartarchive"
	"github.com/tugboat-gitops/tugboat/internal/confine"
	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/render"
)

// DefaultMaxChartBytes caps a chart's unpacked size when the Renderer sets
// no cap: Helm's own default.
const DefaultMaxChartBytes = chartarchive.DefaultMaxTotalBytes

// defaultNamespace is the release namespace when the request names none,
// as with `helm template` outside any kubeconfig context.
const defaultNamespace = "default"

// Renderer renders Helm charts. The zero value is ready to use; a
// Renderer is safe for concurrent use.
type Renderer struct {
	// MaxChartBytes caps a chart's unpacked size: its files and those of
	// every archive in it, however nested (default DefaultMaxChartBytes).
	// Each file is also capped by the request's Limits.MaxFileBytes.
	MaxChartBytes int64
}

var _ render.Renderer = Renderer{}

// Render renders the chart of req with `helm template` semantics: CRDs from
// crds/ first (unless req.Helm.SkipCRDs), then the templates' manifests in
// Helm's install order, then hooks (test hooks included); NOTES.txt and
// partials are left out. Every path taken from the request stays inside
// req.Root.
func (r Renderer) Render(ctx context.Context, req render.Request) ([]*object.Object, error) {
	where := req.Path
	if req.Helm.ChartDir != "" {
		where = req.Helm.ChartDir
	}
	objs, err := renderRequest(ctx, req, r.limits(req.Limits))
	if err != nil {
		return nil, fmt.Errorf("helm %s: %w", where, err)
	}
	return objs, nil
}

func renderRequest(ctx context.Context, req render.Request, lim limits) ([]*object.Object, error) {
	root, path, isDir, err := chartPath(req)
	if err != nil {
		return nil, err
	}
	vals, err := mergeValues(req.Root, req.Helm, lim.file)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	deps := vendorer{fetcher: req.Helm.Fetcher}
	if isDir {
		deps.root, deps.dir = root, path
	}
	chrt, err := loadChart(ctx, path, lim, deps)
	if err != nil {
		return nil, err
	}
	rel, err := newRelease(req.Helm, path, isDir, chrt.Name())
	if err != nil {
		return nil, err
	}
	docs, err := renderChart(ctx, chrt, vals, rel)
	if err != nil {
		return nil, err
	}
	return decodeDocs(docs, req.Limits.Limits, lim.output)
}

// chartPath returns the chart to load, the root it is confined to, and
// whether it is a directory (else an archive): req.Helm.ChartDir as given
// (Tugboat fetched it, it is not repository content), or req.Path confined
// to req.Root. Either way no symlink in a chart directory may lead out of
// root (the chart itself, or the repository for a chart in one).
func chartPath(req render.Request) (root, path string, isDir bool, err error) {
	root, path = req.Helm.ChartDir, req.Helm.ChartDir
	if path != "" && !filepath.IsAbs(path) {
		return "", "", false, fmt.Errorf("chart directory %q is not absolute", path)
	}
	if path == "" {
		root = req.Root
		if path, err = confine.Join(req.Root, req.Path); err != nil {
			return "", "", false, fmt.Errorf("chart: %w", err)
		}
	}
	info, err := os.Stat(path)
	if err != nil {
		return "", "", false, fmt.Errorf("chart: %w", err)
	}
	if !info.IsDir() {
		return root, path, false, nil
	}
	// Helm's loader follows symlinks: judge them before it reads.
	if err := confine.CheckSymlinks(root, path); err != nil {
		return "", "", false, fmt.Errorf("chart: %w", err)
	}
	return root, path, true, nil
}

// limits are the byte caps of one render.
type limits struct {
	// file caps one file: a values file, a chart archive, a file of a
	// chart unpacked or not.
	file int64
	// chart caps the unpacked size of a chart and its archives together.
	chart int64
	// output caps the rendered manifests.
	output int64
}

func (r Renderer) limits(l render.Limits) limits {
	out := limits{file: l.MaxFileBytes, chart: r.MaxChartBytes, output: l.MaxTotalBytes}
	if out.file <= 0 {
		out.file = object.DefaultLimits.MaxFileBytes
	}
	if out.chart <= 0 {
		out.chart = DefaultMaxChartBytes
	}
	if out.output <= 0 {
		out.output = render.DefaultMaxTotalBytes
	}
	return out
}
