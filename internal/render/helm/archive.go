package helm

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// maxArchiveEntries caps the files of one chart, nested archives included:
// Helm keeps every one of them in memory.
const maxArchiveEntries = 10_000

// maxArchiveDepth caps archives inside archives (a subchart's subchart).
const maxArchiveDepth = 8

// errTooLarge is wrapped by every error about a chart over the limits.
var errTooLarge = errors.New("chart too large")

// budget is what is left of a chart's byte and file allowance. One budget
// covers a chart's directory and every archive in it, however nested, so a
// chart cannot multiply its allowance by nesting archives.
type budget struct {
	perFile, total, left int64
	files                int
}

func newBudget(l limits) *budget {
	return &budget{perFile: l.file, total: l.chart, left: l.chart}
}

// addFile charges one file of size bytes, refusing it over the per-file
// limit or beyond what is left.
func (b *budget) addFile(name string, size int64) error {
	b.files++
	if b.files > maxArchiveEntries {
		return fmt.Errorf("%s: %w: more than %d files", name, errTooLarge, maxArchiveEntries)
	}
	if size > b.perFile {
		return fmt.Errorf("%s: %w: %d bytes, over the %d-byte limit for one file", name, errTooLarge, size, b.perFile)
	}
	if size > b.left {
		return b.overdrawn(name)
	}
	return nil
}

func (b *budget) overdrawn(name string) error {
	return fmt.Errorf("%s: %w: unpacks to more than %d bytes in all", name, errTooLarge, b.total)
}

// meter charges every byte decompressed from an archive, tar headers and
// padding included, so a bomb of any shape is refused as soon as it
// crosses the limit, with no more in memory than the decompressor's window.
type meter struct {
	r    io.Reader
	b    *budget
	name string
}

func (m *meter) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	m.b.left -= int64(n)
	if m.b.left < 0 {
		return n, m.b.overdrawn(m.name)
	}
	return n, err
}

// checkArchive streams the gzipped tar r to its end, keeping nothing, and
// refuses it if any entry leaves the chart (absolute or "../" names) or is
// over the per-file limit, or if the unpacked content, nested subchart
// archives included, exceeds the budget. Helm's loader reads an archive
// wholly into memory (up to a process-wide 100 MiB each, nested ones each
// anew), so this runs first, with the render's own limits.
func (b *budget) checkArchive(name string, r io.Reader, depth int) error {
	if depth > maxArchiveDepth {
		return fmt.Errorf("%s: archives nest deeper than %d levels", name, maxArchiveDepth)
	}
	zr, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("%s: not a gzipped chart archive: %w", name, err)
	}
	defer zr.Close()
	tr := tar.NewReader(&meter{r: zr, b: b, name: name})
	for {
		hd, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := b.checkEntry(name, hd, tr, depth); err != nil {
			return err
		}
	}
}

func (b *budget) checkEntry(archive string, hd *tar.Header, tr io.Reader, depth int) error {
	rel, err := entryName(hd.Name)
	if err != nil {
		return fmt.Errorf("%s: %w", archive, err)
	}
	if hd.FileInfo().IsDir() {
		return nil
	}
	// Helm keeps every other entry, links and devices as empty files. The
	// tar reader never returns more than the header's size.
	name := archive + ":" + hd.Name
	if err := b.addFile(name, hd.Size); err != nil {
		return err
	}
	if isSubchartArchive(rel) {
		if err := b.checkArchive(name, tr, depth+1); err != nil {
			return err
		}
	}
	if _, err := io.Copy(io.Discard, tr); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// entryName returns an archive entry's path inside the chart (Helm drops
// the first component, the chart's directory), refusing names that are
// absolute or climb out. Helm refuses most of these itself; checking here
// too also refuses "../x", which Helm would quietly read as "x".
func entryName(name string) (string, error) {
	n := strings.ReplaceAll(name, `\`, "/")
	if path.IsAbs(n) || (len(n) > 1 && n[1] == ':') {
		return "", fmt.Errorf("entry %q: absolute paths are not allowed in a chart", name)
	}
	for _, part := range strings.Split(n, "/") {
		if part == ".." {
			return "", fmt.Errorf("entry %q: parent directory references are not allowed in a chart", name)
		}
	}
	_, rel, _ := strings.Cut(n, "/")
	return path.Clean(rel), nil
}

// isSubchartArchive reports whether Helm unpacks the chart file at rel as a
// subchart archive: charts/x.tgz, charts/a/charts/x.tgz and so on.
func isSubchartArchive(rel string) bool {
	parts := strings.Split(rel, "/")
	if len(parts)%2 != 0 {
		return false
	}
	for i := 0; i < len(parts); i += 2 {
		if parts[i] != "charts" {
			return false
		}
	}
	last := parts[len(parts)-1]
	return path.Ext(last) == ".tgz" && !strings.HasPrefix(last, "_") && !strings.HasPrefix(last, ".")
}

// readArchive reads a chart archive file, refusing one whose compressed
// size already exceeds the per-file limit.
func readArchive(file string, b *budget) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, b.perFile+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > b.perFile {
		return nil, fmt.Errorf("%s: %w: archive over %d bytes, the limit for one file", file, errTooLarge, b.perFile)
	}
	return data, nil
}
