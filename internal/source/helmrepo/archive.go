package helmrepo

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
	// MaxEntries caps the archive entries, subcharts' included; default 10000.
	MaxEntries int
}

// Default limits. A chart is mostly YAML templates; the largest public
// charts (CRD-heavy operators) are a few MiB packed.
const (
	DefaultMaxIndexBytes    = 50 << 20
	DefaultMaxArchiveBytes  = 20 << 20
	DefaultMaxUnpackedBytes = 100 << 20
	DefaultMaxEntries       = 10000
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
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	return l
}

// budget is what is left of the limits while an archive, and the subchart
// archives inside it, are read.
type budget struct {
	bytes   int64
	entries int
	lim     Limits
}

// unpack extracts the gzipped tar r into root/<name>, dropping each entry's
// first path element as Helm does. root is an os.Root, so even a bug in the
// checks below could not write outside it.
func unpack(r io.Reader, root *os.Root, name string, lim Limits) error {
	b := &budget{bytes: lim.MaxUnpackedBytes, entries: lim.MaxEntries, lim: lim}
	if err := root.Mkdir(name, 0o755); err != nil {
		return fmt.Errorf("unpack chart: %w", err)
	}
	return walkArchive(r, b, func(rel string, dir bool, body io.Reader) error {
		target := name + "/" + rel
		if dir {
			return root.MkdirAll(target, 0o755)
		}
		if err := root.MkdirAll(path.Dir(target), 0o755); err != nil {
			return err
		}
		if err := writeFile(root, target, body); err != nil {
			return err
		}
		if !isSubchartArchive(rel) {
			return nil
		}
		// Helm's loader unpacks subchart archives in memory: hold them to
		// the same budget before it ever sees them.
		f, err := root.Open(target)
		if err != nil {
			return err
		}
		defer f.Close()
		return scanNested(rel, f, b)
	})
}

func writeFile(root *os.Root, target string, body io.Reader) error {
	// Charts need no executable or private files: one mode for all.
	f, err := root.OpenFile(target, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// scanNested reads a subchart archive without writing it, only to apply
// the checks and the shared budget to its content, recursively.
func scanNested(rel string, r io.Reader, b *budget) error {
	err := walkArchive(r, b, func(inner string, dir bool, body io.Reader) error {
		if !dir && isSubchartArchive(inner) {
			return scanNested(inner, body, b)
		}
		_, err := io.Copy(io.Discard, body)
		return err
	})
	if err != nil {
		return fmt.Errorf("subchart %s: %w", rel, err)
	}
	return nil
}

// isSubchartArchive reports whether Helm's loader would unpack the file at
// rel (relative to a chart) as a dependency: charts/<name>.tgz.
func isSubchartArchive(rel string) bool {
	return path.Base(path.Dir(rel)) == "charts" && strings.HasSuffix(rel, ".tgz")
}

// walkArchive calls visit for each directory and regular file of the
// gzipped tar r, with the entry's path minus its first element. It refuses
// unsafe entries and stops as soon as a header announces more bytes or
// entries than the budget has left, before decompressing them.
func walkArchive(r io.Reader, b *budget, visit func(rel string, dir bool, body io.Reader) error) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("read chart archive: %w", err)
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	for {
		hd, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read chart archive: %w", err)
		}
		rel, dir, err := checkEntry(hd, b)
		if err != nil {
			return err
		}
		if rel == "" {
			continue
		}
		// The tar reader yields exactly hd.Size bytes, already counted;
		// the limit only restates that.
		if err := visit(rel, dir, io.LimitReader(tr, hd.Size)); err != nil {
			return fmt.Errorf("unpack %s: %w", hd.Name, err)
		}
	}
}

// checkEntry charges hd to the budget and returns its path below the
// archive's top directory, or "" for an entry to skip (metadata, the top
// directory itself).
func checkEntry(hd *tar.Header, b *budget) (rel string, dir bool, err error) {
	if b.entries--; b.entries < 0 {
		return "", false, fmt.Errorf("%w: chart archive has more than %d entries", ErrTooLarge, b.lim.MaxEntries)
	}
	switch hd.Typeflag {
	case tar.TypeXGlobalHeader, tar.TypeXHeader:
		return "", false, nil
	case tar.TypeDir:
		dir = true
	case tar.TypeReg:
	case tar.TypeSymlink, tar.TypeLink:
		return "", false, fmt.Errorf("%w: %q is a link", ErrUnsafeArchive, hd.Name)
	default:
		return "", false, fmt.Errorf("%w: %q has unsupported type %q", ErrUnsafeArchive, hd.Name, hd.Typeflag)
	}
	if rel, err = entryPath(hd.Name); err != nil {
		return "", false, err
	}
	if dir {
		return rel, true, nil
	}
	if rel == "" {
		return "", false, fmt.Errorf("%w: %q is outside the chart directory", ErrUnsafeArchive, hd.Name)
	}
	if hd.Size > b.bytes {
		return "", false, fmt.Errorf("%w: chart unpacks to more than %d bytes (at %q)", ErrTooLarge, b.lim.MaxUnpackedBytes, hd.Name)
	}
	b.bytes -= hd.Size
	return rel, false, nil
}

// entryPath turns an archive entry name into a clean slash path below the
// archive's top directory. Any ".." is refused, even one that would stay
// inside: no honest chart needs it.
func entryPath(name string) (string, error) {
	// Charts packed on Windows may use backslashes, which Helm accepts.
	n := strings.ReplaceAll(name, `\`, "/")
	if strings.HasPrefix(n, "/") || hasDrive(n) {
		return "", fmt.Errorf("%w: %q is an absolute path", ErrUnsafeArchive, name)
	}
	for _, part := range strings.Split(n, "/") {
		if part == ".." {
			return "", fmt.Errorf("%w: %q leaves the chart directory", ErrUnsafeArchive, name)
		}
	}
	_, rest, _ := strings.Cut(path.Clean(n), "/")
	return rest, nil
}

// hasDrive reports whether n starts with a Windows drive such as "C:".
func hasDrive(n string) bool {
	return len(n) >= 2 && n[1] == ':' &&
		(n[0] >= 'a' && n[0] <= 'z' || n[0] >= 'A' && n[0] <= 'Z')
}
