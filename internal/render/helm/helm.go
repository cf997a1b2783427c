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

	"github.com/tugboat-gitops/tugboat/internal/confine"
	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/render"
)

// defaultMaxTotalBytes caps a render's output and a chart's unpacked size
// when req.Limits leaves MaxTotalBytes unset.
const defaultMaxTotalBytes = 100 << 20

// defaultNamespace is the release namespace when the request names none,
// as with `helm template` outside any kubeconfig context.
const defaultNamespace = "default"

// Renderer renders Helm charts. The zero value is ready to use and safe for
// concurrent calls.
type Renderer struct{}

var _ render.Renderer = Renderer{}

// Render renders the chart of req with `helm template` semantics: CRDs from
// crds/ first (unless req.Helm.SkipCRDs), then the templates' manifests in
// Helm's install order, then hooks (test hooks included); NOTES.txt and
// partials are left out. Every path taken from the request stays inside
// req.Root.
func (Renderer) Render(ctx context.Context, req render.Request) ([]*object.Object, error) {
	where := req.Path
	if req.Helm.ChartDir != "" {
		where = req.Helm.ChartDir
	}
	objs, err := renderRequest(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("helm %s: %w", where, err)
	}
	return objs, nil
}

func renderRequest(ctx context.Context, req render.Request) ([]*object.Object, error) {
	lim := limitsOf(req.Limits)
	path, err := chartPath(req)
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
	chrt, err := loadChart(path, lim)
	if err != nil {
		return nil, err
	}
	opts, err := releaseOptions(req.Helm, path, chrt.Name())
	if err != nil {
		return nil, err
	}
	docs, err := renderChart(ctx, chrt, vals, opts)
	if err != nil {
		return nil, err
	}
	return decodeDocs(docs, req.Limits.Limits, lim.total)
}

// chartPath returns the chart to load: req.Helm.ChartDir as given (it was
// fetched by Tugboat, not taken from the repository), or req.Path confined
// to req.Root with every symlink below it checked.
func chartPath(req render.Request) (string, error) {
	if dir := req.Helm.ChartDir; dir != "" {
		if !filepath.IsAbs(dir) {
			return "", fmt.Errorf("chart directory %q is not absolute", dir)
		}
		return dir, checkChartSymlinks(dir, dir)
	}
	path, err := confine.Join(req.Root, req.Path)
	if err != nil {
		return "", fmt.Errorf("chart: %w", err)
	}
	return path, checkChartSymlinks(req.Root, path)
}

// checkChartSymlinks refuses a chart directory holding a symlink out of
// root before Helm's loader, which follows symlinks, reads it.
func checkChartSymlinks(root, path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	if !info.IsDir() {
		return nil
	}
	if err := confine.CheckSymlinks(root, path); err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	return nil
}

// limits are the byte caps of one render.
type limits struct {
	// file caps one file: a values file, a chart archive, one unpacked
	// file in an archive.
	file int64
	// total caps the unpacked size of all archives of a chart together,
	// and the rendered output.
	total int64
}

func limitsOf(l render.Limits) limits {
	out := limits{file: l.MaxFileBytes, total: l.MaxTotalBytes}
	if out.file <= 0 {
		out.file = object.DefaultLimits.MaxFileBytes
	}
	if out.total <= 0 {
		out.total = defaultMaxTotalBytes
	}
	return out
}
