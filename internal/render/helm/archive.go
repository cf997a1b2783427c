package helm

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"

	"github.com/tugboat-gitops/tugboat/internal/chartarchive"
)

// newBudget returns the budget of one chart: its directory's files and
// every archive in it, however nested. Helm's loader reads an archive
// wholly into memory (up to a process-wide 100 MiB each, nested ones each
// anew), so every archive is checked against the render's own limits
// before Helm sees it.
func newBudget(l limits) *chartarchive.Budget {
	return chartarchive.NewBudget(chartarchive.Limits{MaxFileBytes: l.file, MaxTotalBytes: l.chart})
}

// loadArchive checks a chart archive, then has Helm load it from the very
// bytes that were checked.
func loadArchive(file string, b *chartarchive.Budget) (*chart.Chart, error) {
	data, err := readArchive(file, b)
	if err != nil {
		return nil, err
	}
	if err := b.Check(filepath.Base(file), bytes.NewReader(data)); err != nil {
		return nil, err
	}
	return loader.LoadArchive(bytes.NewReader(data))
}

// readArchive reads a chart archive file, refusing one whose compressed
// size already exceeds the per-file limit.
func readArchive(file string, b *chartarchive.Budget) ([]byte, error) {
	perFile := b.Limits().MaxFileBytes
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, perFile+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > perFile {
		return nil, fmt.Errorf("%s: %w: archive over %d bytes, the limit for one file", file, chartarchive.ErrTooLarge, perFile)
	}
	return data, nil
}
