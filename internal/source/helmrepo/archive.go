package helmrepo

import (
	"fmt"
	"io"
	"os"
	"path"

	"github.com/tugboat-gitops/tugboat/internal/chartarchive"
)

// Limits caps what a repository can make Tugboat read and write. Zero
// fields take the defaults.
type Limits struct {
	// MaxIndexBytes caps index.yaml; default 50 MiB.
	MaxIndexBytes int64
	// MaxArchiveBytes caps a downloaded chart archive; default 20 MiB.
	MaxArchiveBytes int64
	// MaxUnpackedBytes caps the decompressed size of a chart, subchart
	// archives inside it included; default 100 MiB, as in Helm.
	MaxUnpackedBytes int64
	// MaxFileBytes caps one file of a chart, a subchart archive included;
	// default 10 MiB, the renderers' default cap of one file.
	MaxFileBytes int64
	// MaxEntries caps the archive entries, subcharts' included; default 10000.
	MaxEntries int
}

// Default limits. A chart is mostly YAML templates; the largest public
// charts (CRD-heavy operators) are a few MiB packed.
const (
	DefaultMaxIndexBytes    = 50 << 20
	DefaultMaxArchiveBytes  = 20 << 20
	DefaultMaxUnpackedBytes = chartarchive.DefaultMaxTotalBytes
	DefaultMaxFileBytes     = chartarchive.DefaultMaxFileBytes
	DefaultMaxEntries       = chartarchive.DefaultMaxEntries
)

func (l Limits) withDefaults() Limits {
	if l.MaxIndexBytes <= 0 {
		l.MaxIndexBytes = DefaultMaxIndexBytes
	}
	if l.MaxArchiveBytes <= 0 {
		l.MaxArchiveBytes = DefaultMaxArchiveBytes
	}
	if l.MaxUnpackedBytes <= 0 {
		l.MaxUnpackedBytes = DefaultMaxUnpackedBytes
	}
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = DefaultMaxFileBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	return l
}

// unpack extracts the gzipped tar r into root/<name>, dropping each entry's
// first path element as Helm does, after the checks of package
// chartarchive. root is an os.Root, so even a bug in those checks could
// not write outside it.
func unpack(r io.Reader, root *os.Root, name string, lim Limits) error {
	if err := root.Mkdir(name, 0o755); err != nil {
		return fmt.Errorf("unpack chart: %w", err)
	}
	b := chartarchive.NewBudget(chartarchive.Limits{
		MaxFileBytes: lim.MaxFileBytes, MaxTotalBytes: lim.MaxUnpackedBytes, MaxEntries: lim.MaxEntries,
	})
	return b.Extract(name+".tgz", r, func(rel string, dir bool) (io.WriteCloser, error) {
		target := name + "/" + rel
		if dir {
			return nil, root.MkdirAll(target, 0o755)
		}
		if err := root.MkdirAll(path.Dir(target), 0o755); err != nil {
			return nil, err
		}
		// Charts need no executable or private files: one mode for all.
		return root.OpenFile(target, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	})
}
