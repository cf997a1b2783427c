package helm

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"helm.sh/helm/v4/pkg/chart/loader/archive"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/ignore"

	"github.com/tugboat-gitops/tugboat/internal/chartarchive"
)

var utf8bom = []byte{0xEF, 0xBB, 0xBF}

// loadChart loads the chart directory or archive at path within the
// limits, refuses a chart that `helm template` refuses (a library chart),
// and completes its dependencies as `helm dependency build` would.
func loadChart(ctx context.Context, path string, lim limits, deps vendorer) (*chart.Chart, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("load chart: %w", err)
	}
	b := newBudget(lim)
	var chrt *chart.Chart
	if info.IsDir() {
		chrt, err = loadDir(path, b)
	} else {
		chrt, err = loadArchive(path, b)
	}
	if err != nil {
		return nil, fmt.Errorf("load chart: %w", err)
	}
	// Helm's install action takes v1 and v2 charts only; the v2 loader
	// would read a v3 chart as v2 rather than refuse it.
	if v := chrt.Metadata.APIVersion; v != chart.APIVersionV1 && v != chart.APIVersionV2 {
		return nil, fmt.Errorf("chart apiVersion %q is not supported (want v1 or v2)", v)
	}
	if t := chrt.Metadata.Type; t != "" && t != "application" {
		return nil, fmt.Errorf("%s charts are not installable", t)
	}
	deps.b = b
	if err := deps.vendor(ctx, chrt); err != nil {
		return nil, err
	}
	return chrt, nil
}

// loadDir reads a chart directory as Helm's directory loader does
// (.helmignore honoured, symlinks followed, files in lexical order) but
// within the render's limits and refusing symlink loops, then checks the
// subchart archives in charts/ before Helm unpacks them.
func loadDir(dir string, b *chartarchive.Budget) (*chart.Chart, error) {
	rules, err := ignoreRules(dir, b)
	if err != nil {
		return nil, err
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, err
	}
	w := &dirWalker{rules: rules, b: b}
	if err := w.walk(dir, "", []string{real}); err != nil {
		return nil, err
	}
	for _, f := range w.files {
		if chartarchive.IsSubchartArchive(f.Name) {
			if err := b.Check(f.Name, bytes.NewReader(f.Data)); err != nil {
				return nil, err
			}
		}
	}
	return loader.LoadFiles(w.files)
}

func ignoreRules(dir string, b *chartarchive.Budget) (*ignore.Rules, error) {
	file := filepath.Join(dir, ignore.HelmIgnore)
	info, err := os.Stat(file)
	if os.IsNotExist(err) {
		rules := ignore.Empty()
		rules.AddDefaults()
		return rules, nil
	}
	if err != nil {
		return nil, err
	}
	if perFile := b.Limits().MaxFileBytes; info.Size() > perFile {
		return nil, fmt.Errorf("%s: %w: over %d bytes", ignore.HelmIgnore, chartarchive.ErrTooLarge, perFile)
	}
	rules, err := ignore.ParseFile(file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ignore.HelmIgnore, err)
	}
	rules.AddDefaults()
	return rules, nil
}

// dirWalker collects a chart directory's files the way Helm names them:
// slash-separated paths relative to the chart, symlinks by their own name.
type dirWalker struct {
	rules *ignore.Rules
	b     *chartarchive.Budget
	files []*archive.BufferedFile
}

// walk visits dir (chart-relative rel); stack holds the real paths of the
// directories being walked, to refuse a symlink back to one of them, which
// Helm would follow until the path grows too long.
func (w *dirWalker) walk(dir, rel string, stack []string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		path, name := filepath.Join(dir, e.Name()), e.Name()
		if rel != "" {
			name = rel + "/" + name
		}
		info, err := os.Stat(path)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if w.rules.Ignore(name, info) {
			continue
		}
		if info.IsDir() {
			err = w.walkDir(path, name, stack)
		} else {
			err = w.addFile(path, name, info)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (w *dirWalker) walkDir(path, name string, stack []string) error {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if slices.Contains(stack, real) {
		return fmt.Errorf("%s: symlink loop back to %s", name, real)
	}
	return w.walk(path, name, append(stack, real))
}

func (w *dirWalker) addFile(path, name string, info os.FileInfo) error {
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s: cannot load an irregular file (mode %s)", name, info.Mode())
	}
	if err := w.b.AddFile(name, info.Size()); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	// The file may have grown since it was measured; read no more than
	// was charged, and one byte to notice.
	data, err := io.ReadAll(io.LimitReader(f, info.Size()+1))
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(data)) > info.Size() {
		return fmt.Errorf("%s: changed while being read", name)
	}
	data = bytes.TrimPrefix(data, utf8bom)
	w.files = append(w.files, &archive.BufferedFile{Name: name, ModTime: info.ModTime(), Data: data})
	return nil
}
