// Package chartarchive checks Helm chart archives (.tgz), and extracts
// them, before anything else reads them: an archive comes from a
// repository or a chart server and is hostile until proven otherwise.
//
// An entry may not leave the chart's directory (absolute paths, "..",
// Windows drives, files beside the top directory), may not be a link, a
// device or a sparse file, and the whole is held to a Budget: bytes per
// file, bytes in all (every decompressed byte, tar headers included, and
// those of every subchart archive inside, however nested) and entries. A
// size a header announces is refused before it is decompressed, so a
// decompression bomb costs no more memory than the decompressor's window.
package chartarchive

import (
	"errors"
	"fmt"
	"io"
)

var (
	// ErrUnsafe is wrapped by every error about an entry that would leave
	// the chart's directory or is a kind of file a chart never holds, and
	// about archives nested deeper than MaxDepth.
	ErrUnsafe = errors.New("unsafe chart archive")
	// ErrTooLarge is wrapped by every error about a chart over its Limits.
	ErrTooLarge = errors.New("too large")
)

// Default limits. A chart is mostly YAML templates; the largest public
// charts (CRD-heavy operators) are a few MiB packed.
const (
	// DefaultMaxFileBytes is the default cap of one file, the renderers'
	// default cap of a file read from a repository.
	DefaultMaxFileBytes = 10 << 20
	// DefaultMaxTotalBytes is Helm's own cap of a decompressed chart.
	DefaultMaxTotalBytes = 100 << 20
	// DefaultMaxEntries is the default cap of entries: Helm keeps every
	// file of a chart in memory.
	DefaultMaxEntries = 10_000
)

// MaxDepth caps archives inside archives (a subchart's subchart).
const MaxDepth = 8

// Limits cap one chart; zero fields take the defaults.
type Limits struct {
	// MaxFileBytes caps one file, a subchart archive included.
	MaxFileBytes int64
	// MaxTotalBytes caps the chart's decompressed size.
	MaxTotalBytes int64
	// MaxEntries caps the chart's entries and files.
	MaxEntries int
}

func (l Limits) withDefaults() Limits {
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = DefaultMaxFileBytes
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = DefaultMaxTotalBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	return l
}

// Budget is what is left of one chart's Limits. One Budget covers a chart
// directory's files and every archive in it, however nested, so that a
// chart cannot multiply its allowance by nesting archives. A Budget is not
// safe for concurrent use.
type Budget struct {
	lim     Limits
	left    int64
	entries int
}

// NewBudget returns the full budget of l.
func NewBudget(l Limits) *Budget {
	l = l.withDefaults()
	return &Budget{lim: l, left: l.MaxTotalBytes}
}

// Limits returns the limits the budget started from, defaults filled in.
func (b *Budget) Limits() Limits { return b.lim }

// AddFile charges a file that is in no archive (a file of a chart
// directory) of size bytes, which the caller then reads no more of.
func (b *Budget) AddFile(name string, size int64) error {
	if err := b.count(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := b.fits(size); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	b.left -= size
	return nil
}

// count counts one entry or file, refusing it over the cap.
func (b *Budget) count() error {
	if b.entries++; b.entries > b.lim.MaxEntries {
		return fmt.Errorf("%w: the chart has more than %d entries", ErrTooLarge, b.lim.MaxEntries)
	}
	return nil
}

// fits refuses a file of size bytes over the per-file cap or what is
// left. It charges nothing: an archive's bytes are charged as they are
// decompressed, headers included (see meter).
func (b *Budget) fits(size int64) error {
	if size > b.lim.MaxFileBytes {
		return fmt.Errorf("%w: %d bytes, over the %d-byte limit for one file", ErrTooLarge, size, b.lim.MaxFileBytes)
	}
	if size > b.left {
		return b.overdrawn()
	}
	return nil
}

func (b *Budget) overdrawn() error {
	return fmt.Errorf("%w: the chart unpacks to more than %d bytes in all", ErrTooLarge, b.lim.MaxTotalBytes)
}

// meter charges every byte decompressed from an archive, tar headers and
// padding included, so a bomb of any shape is refused as soon as it
// crosses the limit.
type meter struct {
	r io.Reader
	b *Budget
}

func (m *meter) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	m.b.left -= int64(n)
	if m.b.left < 0 {
		return n, m.b.overdrawn()
	}
	return n, err
}
