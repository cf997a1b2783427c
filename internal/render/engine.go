package render

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tugboat-gitops/tugboat/internal/confine"
	"github.com/tugboat-gitops/tugboat/internal/object"
)

// DefaultMaxTotalBytes caps a render's output when Limits leave it unset.
const DefaultMaxTotalBytes = 100 << 20

// Engine picks the renderer for a request, post-renders and validates its
// output, and caches results by revision.
type Engine struct {
	// Renderers by kind; the drivers wire plain, kustomize and helm in.
	Renderers map[Kind]Renderer
	// Cache, if set, keeps results by revision, path and options.
	Cache *Cache
}

// Render renders req. revision identifies the content of req.Root (a commit
// SHA); when it is empty the result is not cached, since the directory may
// change under us. The returned objects belong to the caller.
func (e *Engine) Render(ctx context.Context, revision string, req Request) ([]*object.Object, error) {
	if req.Kind == KindAuto {
		kind, err := Detect(req.Root, req.Path)
		if err != nil {
			return nil, err
		}
		req.Kind = kind
	}
	key, cacheable := cacheKey(revision, req)
	if cacheable && e.Cache != nil {
		if objs, ok := e.Cache.get(key); ok {
			return objs, nil
		}
	}
	objs, err := e.render(ctx, req)
	if err != nil {
		return nil, err
	}
	if cacheable && e.Cache != nil {
		e.Cache.put(key, objs)
	}
	return objs, nil
}

func (e *Engine) render(ctx context.Context, req Request) ([]*object.Object, error) {
	r, ok := e.Renderers[req.Kind]
	if !ok {
		return nil, fmt.Errorf("render %s: unknown renderer %q (want plain, kustomize or helm)", req.Path, req.Kind)
	}
	objs, err := r.Render(ctx, req)
	if err != nil {
		return nil, err
	}
	max := req.Limits.MaxTotalBytes
	if max <= 0 {
		max = DefaultMaxTotalBytes
	}
	if err := checkTotalSize(objs, max); err != nil {
		return nil, fmt.Errorf("render %s: %w", req.Path, err)
	}
	if objs, err = PostRender(objs, req.Post); err != nil {
		return nil, fmt.Errorf("render %s: %w", req.Path, err)
	}
	if err := Validate(objs); err != nil {
		return nil, fmt.Errorf("render %s: %w", req.Path, err)
	}
	return objs, nil
}

// Detect names the renderer for root/path: a kustomization file means
// kustomize, Chart.yaml means helm, anything else plain.
func Detect(root, path string) (Kind, error) {
	dir, err := confine.Join(root, path)
	if err != nil {
		return "", fmt.Errorf("render %s: %w", path, err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("render %s: %w", path, err)
	}
	if !info.IsDir() {
		return "", fmt.Errorf("render %s: not a directory", path)
	}
	for _, probe := range []struct {
		file string
		kind Kind
	}{
		{"kustomization.yaml", KindKustomize}, {"kustomization.yml", KindKustomize}, {"Kustomization", KindKustomize},
		{"Chart.yaml", KindHelm},
	} {
		if _, err := os.Lstat(filepath.Join(dir, probe.file)); err == nil {
			return probe.kind, nil
		}
	}
	return KindPlain, nil
}

// checkTotalSize refuses a render whose output, estimated by the bytes of
// its keys and scalars, exceeds max.
func checkTotalSize(objs []*object.Object, max int64) error {
	var total int64
	for _, o := range objs {
		total += estimateSize(o.Object)
		if total > max {
			return fmt.Errorf("output exceeds the %d-byte limit at %s", max, o)
		}
	}
	return nil
}

func estimateSize(v any) int64 {
	switch t := v.(type) {
	case map[string]any:
		var n int64
		for k, e := range t {
			n += int64(len(k)) + 2 + estimateSize(e)
		}
		return n
	case []any:
		var n int64
		for _, e := range t {
			n += 2 + estimateSize(e)
		}
		return n
	case string:
		return int64(len(t))
	default:
		return 8
	}
}
