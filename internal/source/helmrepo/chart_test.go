package helmrepo

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// entry is one archive entry of a test archive. A regular file's content is
// Body, or Size zero bytes when Body is nil (cheap to make, costly to unpack).
type entry struct {
	Name     string
	Type     byte
	Body     []byte
	Size     int64
	Linkname string
}

// buildArchive returns a gzipped tar of entries, streamed so a large zero
// file never sits in memory uncompressed.
func buildArchive(t testing.TB, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		if err := writeEntry(tw, e); err != nil {
			t.Fatalf("write %s: %v", e.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeEntry(tw *tar.Writer, e entry) error {
	hd := &tar.Header{Name: e.Name, Typeflag: e.Type, Linkname: e.Linkname, Mode: 0o644, ModTime: time.Unix(0, 0)}
	if hd.Typeflag == 0 {
		hd.Typeflag = tar.TypeReg
	}
	if hd.Typeflag == tar.TypeReg {
		hd.Size = e.Size
		if e.Body != nil {
			hd.Size = int64(len(e.Body))
		}
	}
	if err := tw.WriteHeader(hd); err != nil {
		return err
	}
	if hd.Typeflag != tar.TypeReg {
		return nil
	}
	if e.Body != nil {
		_, err := tw.Write(e.Body)
		return err
	}
	_, err := io.CopyN(tw, zeros{}, e.Size)
	return err
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

var versionLine = regexp.MustCompile(`(?m)^version: .*$`)

// chartEntries returns testdata/mychart as archive entries under mychart/,
// with Chart.yaml's version set to version.
func chartEntries(t testing.TB, version string) []entry {
	t.Helper()
	var entries []entry
	root := filepath.Join("testdata", "mychart")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "Chart.yaml" {
			b = versionLine.ReplaceAll(b, []byte("version: "+version))
		}
		entries = append(entries, entry{Name: "mychart/" + filepath.ToSlash(rel), Body: b})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// packageChart packages testdata/mychart as version, as `helm package` would.
func packageChart(t testing.TB, version string) []byte {
	t.Helper()
	return buildArchive(t, chartEntries(t, version))
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
