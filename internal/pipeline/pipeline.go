// Package pipeline is the engine both drivers call: the tug CLI from CI and
// the controller in the cluster. It runs source -> render (and, later,
// plan -> apply -> health) with the same options for both.
package pipeline

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/inventory"
	"github.com/tugboat-gitops/tugboat/internal/plan"
	"github.com/tugboat-gitops/tugboat/internal/render"
	"github.com/tugboat-gitops/tugboat/internal/render/helm"
	"github.com/tugboat-gitops/tugboat/internal/render/kustomize"
	"github.com/tugboat-gitops/tugboat/internal/render/plain"
)

// Pipeline holds what lives longer than one run: the source cache on disk
// and the render cache in memory.
type Pipeline struct {
	// CacheDir holds git mirrors and downloaded charts.
	CacheDir string
	renderer *render.Engine
	log      *slog.Logger
	fetches  fetchGroup
	reader   func(*cluster.Cluster) plan.Reader
	onFetch  func(repo string, took time.Duration, err error)
}

// Options configure New.
type Options struct {
	// CacheDir holds git mirrors and charts (default: the user cache dir).
	CacheDir string
	// RenderCacheSize is how many renders to keep in memory (default 256).
	RenderCacheSize int
	// Reader gives the reads a plan of a cluster makes; nil reads the
	// cluster directly. The controller answers them from its watches.
	Reader func(*cluster.Cluster) plan.Reader
	// OnFetch is told of every fetch from a git remote (not of the
	// callers a shared fetch served), with the repository's URL redacted.
	OnFetch func(repo string, took time.Duration, err error)
	// Logger receives what the pipeline does: fetches, renders and plan
	// decisions at debug, changes at info. No credential or object
	// content is ever logged. Nil logs nothing.
	Logger *slog.Logger
}

// New returns a pipeline with every renderer wired in.
func New(opts Options) *Pipeline {
	if opts.RenderCacheSize <= 0 {
		opts.RenderCacheSize = 256
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Pipeline{
		CacheDir: cacheDir(opts.CacheDir),
		log:      opts.Logger,
		reader:   opts.Reader,
		onFetch:  opts.OnFetch,
		renderer: &render.Engine{
			Renderers: map[render.Kind]render.Renderer{
				render.KindPlain:     plain.Renderer{},
				render.KindKustomize: kustomize.Renderer{},
				render.KindHelm:      helm.Renderer{},
			},
			Cache: render.NewCache(opts.RenderCacheSize),
		},
	}
}

func cacheDir(dir string) string {
	if dir != "" {
		return dir
	}
	if user, err := os.UserCacheDir(); err == nil {
		return filepath.Join(user, "tugboat")
	}
	return filepath.Join(os.TempDir(), "tugboat-cache")
}

// emptyRoot is the repository root of an app that has none (a chart from a
// chart repository alone): an empty directory, so nothing can be read.
func (p *Pipeline) emptyRoot() (string, error) {
	dir := filepath.Join(p.CacheDir, "empty")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("cache %s: %w", p.CacheDir, err)
	}
	return dir, nil
}

// inventories reads and writes the inventories of c through the plan's
// reader when it keeps them too (the controller's watch-fed view), so
// that a check with nothing new reads none from the API server.
func (p *Pipeline) inventories(c *cluster.Cluster) *inventory.Store {
	if ic, ok := p.readsOf(c).(inventory.Client); ok {
		return &inventory.Store{Cluster: ic}
	}
	return &inventory.Store{Cluster: c}
}

// readsOf is what a plan of c reads from.
func (p *Pipeline) readsOf(c *cluster.Cluster) plan.Reader {
	if p.reader == nil {
		return c
	}
	return p.reader(c)
}
