package chartarchive

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
)

// Sink receives the entries of an archive being extracted, by their paths
// below the archive's top directory (Helm drops that first element, the
// chart's name). For a directory it makes it and returns nil. For a file
// it returns where the content goes, which the extraction closes, or nil
// to discard it.
type Sink func(rel string, dir bool) (io.WriteCloser, error)

// Check reads the gzipped tar r to its end, keeping nothing, and refuses
// it as the package says; name names the archive in errors.
func (b *Budget) Check(name string, r io.Reader) error {
	return b.walk(name, r, nil, 1)
}

// Extract checks r as Check does and hands its directories and files to
// sink as it reads them; subchart archives are checked as they stream to
// sink. A refusal may come after sink has received part of the archive,
// so extract into a place that is dropped on error.
func (b *Budget) Extract(name string, r io.Reader, sink Sink) error {
	return b.walk(name, r, sink, 1)
}

func (b *Budget) walk(name string, r io.Reader, sink Sink, depth int) error {
	if depth > MaxDepth {
		return fmt.Errorf("%s: %w: archives nest deeper than %d levels", name, ErrUnsafe, MaxDepth)
	}
	zr, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("%s: not a gzipped chart archive: %w", name, err)
	}
	defer zr.Close()
	tr := tar.NewReader(&meter{r: zr, b: b})
	for {
		hd, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := b.entry(name+":"+hd.Name, hd, tr, sink, depth); err != nil {
			return err
		}
	}
}

// entry checks one entry, hands it to sink and checks it as an archive if
// it is a subchart archive; name is "<archive>:<entry>", for errors.
func (b *Budget) entry(name string, hd *tar.Header, tr io.Reader, sink Sink, depth int) error {
	rel, k, err := b.admit(hd)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	switch {
	case k == skip || rel == "":
		return nil
	case k == dir && sink != nil:
		if _, err := sink(rel, true); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	case k == dir:
		return nil
	}
	// The tar reader yields at most hd.Size bytes; the limit restates it.
	return b.file(name, rel, io.LimitReader(tr, hd.Size), sink, depth)
}

func (b *Budget) file(name, rel string, body io.Reader, sink Sink, depth int) (err error) {
	if sink != nil {
		w, err := sink(rel, false)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if w != nil {
			body = io.TeeReader(body, w)
			defer func() {
				if cerr := w.Close(); err == nil && cerr != nil {
					err = fmt.Errorf("%s: %w", name, cerr)
				}
			}()
		}
	}
	if IsSubchartArchive(rel) {
		// Helm unpacks it in memory: hold it to the same budget first.
		if err := b.walk(name, body, nil, depth+1); err != nil {
			return err
		}
	}
	if _, err := io.Copy(io.Discard, body); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
