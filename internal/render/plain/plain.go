// Package plain renders a directory of manifests: every *.yaml, *.yml and
// *.json file below it, recursively and in lexical order, multi-document,
// List kinds expanded, files matched by a .tugignore skipped.
package plain

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/tugboat-gitops/tugboat/internal/confine"
	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/render"
)

// Renderer renders plain manifest directories.
type Renderer struct{}

// Render reads the manifests below req.Root/req.Path.
func (Renderer) Render(ctx context.Context, req render.Request) ([]*object.Object, error) {
	dir, err := confine.Join(req.Root, req.Path)
	if err != nil {
		return nil, fmt.Errorf("plain %s: %w", req.Path, err)
	}
	ignore, err := readIgnore(req.Root, req.Path)
	if err != nil {
		return nil, err
	}
	files, err := manifestFiles(dir, ignore)
	if err != nil {
		return nil, fmt.Errorf("plain %s: %w", req.Path, err)
	}
	limits := req.Limits.Limits
	if limits.MaxFileBytes <= 0 {
		limits.MaxFileBytes = object.DefaultLimits.MaxFileBytes
	}
	maxTotal := req.Limits.MaxTotalBytes
	if maxTotal <= 0 {
		maxTotal = render.DefaultMaxTotalBytes
	}
	// The engine caps the output after rendering; counting the input too
	// stops a huge directory before all of it is decoded into memory.
	var out []*object.Object
	var total int64
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rel := filepath.ToSlash(filepath.Join(req.Path, f))
		data, err := confine.ReadFile(req.Root, rel, limits.MaxFileBytes)
		if err != nil {
			return nil, err
		}
		if total += int64(len(data)); total > maxTotal {
			return nil, fmt.Errorf("plain %s: manifests exceed the %d-byte limit for one render at %s", req.Path, maxTotal, rel)
		}
		objs, err := object.Decode(rel, data, limits)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

// manifestFiles lists the manifest files below dir, relative to it, in
// lexical order (WalkDir's order). Symlinked files are listed and judged
// when read; symlinked directories are not followed.
func manifestFiles(dir string, ignore *ignoreList) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") || ignore.match(rel, true) {
				return filepath.SkipDir
			}
			return nil
		}
		if isManifest(d.Name()) && !ignore.match(rel, false) {
			files = append(files, rel)
		}
		return nil
	})
	return files, err
}

func isManifest(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}
