package chartarchive

import (
	"archive/tar"
	"fmt"
	"path"
	"strings"
)

// kind is what an entry is to the chart.
type kind int

const (
	skip kind = iota // metadata
	dir
	file
)

// admit counts hd and returns its path below the archive's top directory
// ("" for the top directory itself) and its kind, or why it is refused.
func (b *Budget) admit(hd *tar.Header) (string, kind, error) {
	if err := b.count(); err != nil {
		return "", skip, err
	}
	k, err := entryKind(hd)
	if err != nil || k == skip {
		return "", skip, err
	}
	rel, err := entryPath(hd.Name)
	if err != nil {
		return "", skip, err
	}
	if k == dir {
		return rel, dir, nil
	}
	if rel == "" {
		return "", skip, fmt.Errorf("%w: files outside the chart's top directory are not allowed in a chart", ErrUnsafe)
	}
	return rel, file, b.fits(hd.Size)
}

// entryKind refuses what a chart never holds: links, devices, FIFOs and
// sparse files, whose few stored bytes can stand for a large file.
// Helm would load links and devices as empty files.
func entryKind(hd *tar.Header) (kind, error) {
	switch hd.Typeflag {
	case tar.TypeXGlobalHeader, tar.TypeXHeader:
		return skip, nil
	case tar.TypeDir:
		return dir, nil
	case tar.TypeSymlink, tar.TypeLink:
		return skip, fmt.Errorf("%w: links are not allowed in a chart", ErrUnsafe)
	case tar.TypeReg:
	default:
		return skip, fmt.Errorf("%w: entries of type %q are not allowed in a chart", ErrUnsafe, hd.Typeflag)
	}
	if m := hd.FileInfo().Mode(); !m.IsRegular() {
		// Helm goes by the mode bits, which may say a directory.
		return skip, fmt.Errorf("%w: a regular file entry with mode %s is not allowed in a chart", ErrUnsafe, m)
	}
	for k := range hd.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return skip, fmt.Errorf("%w: sparse files are not allowed in a chart", ErrUnsafe)
		}
	}
	return file, nil
}

// entryPath returns an entry's clean slash path below the archive's top
// directory, as Helm's loader names it. Any ".." is refused, even one that
// would stay inside: no honest chart needs it.
func entryPath(name string) (string, error) {
	// Helm reads "\" as the separator when a name has one (charts packed
	// on Windows); a name with both could be split two ways.
	if strings.Contains(name, "/") && strings.Contains(name, `\`) {
		return "", fmt.Errorf("%w: names mixing / and \\ are not allowed in a chart", ErrUnsafe)
	}
	n := strings.ReplaceAll(name, `\`, "/")
	if strings.HasPrefix(n, "/") || hasDrive(n) {
		return "", fmt.Errorf("%w: absolute paths are not allowed in a chart", ErrUnsafe)
	}
	for _, part := range strings.Split(n, "/") {
		if part == ".." {
			return "", fmt.Errorf("%w: parent directory references are not allowed in a chart", ErrUnsafe)
		}
	}
	_, rest, _ := strings.Cut(n, "/")
	if strings.HasPrefix(rest, "/") || hasDrive(rest) {
		return "", fmt.Errorf("%w: absolute paths are not allowed in a chart", ErrUnsafe)
	}
	if rel := path.Clean(rest); rel != "." {
		return rel, nil
	}
	return "", nil
}

// hasDrive reports whether n starts like a Windows drive ("C:"); any
// character before the colon counts, to be safe.
func hasDrive(n string) bool {
	return len(n) > 1 && n[1] == ':'
}

// IsSubchartArchive reports whether the chart file at rel (a slash path
// below the chart's directory) is to be checked as a subchart archive: a
// .tgz in a directory named charts, at any depth. Helm unpacks fewer
// (charts/x.tgz, charts/a/charts/x.tgz, not _x.tgz); checking every one of
// these costs an honest chart nothing.
func IsSubchartArchive(rel string) bool {
	return path.Ext(rel) == ".tgz" && path.Base(path.Dir(rel)) == "charts"
}
