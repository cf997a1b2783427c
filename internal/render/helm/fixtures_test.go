package helm

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/render"
)

// testdataRoot is the repository root the golden tests render from.
func testdataRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// entry is one file of a test archive: a name as written in the tar
// header, content and a number of zeros streamed in after it, and extra
// PAX header records.
type entry struct {
	name  string
	data  string
	zeros int64
	pax   map[string]string
}

// writeTgz writes a gzipped tar of entries to file, streaming zeros so
// that a bomb costs no memory to build.
func writeTgz(t testing.TB, file string, entries ...entry) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		size := int64(len(e.data)) + e.zeros
		hd := &tar.Header{Name: e.name, Mode: 0o644, Size: size, Typeflag: tar.TypeReg, Format: tar.FormatPAX, PAXRecords: e.pax}
		if err := tw.WriteHeader(hd); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, e.data); err != nil {
			t.Fatal(err)
		}
		if _, err := io.CopyN(tw, zeroReader{}, e.zeros); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []io.Closer{tw, zw} {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// packChart archives the chart directory dir into file as `helm package`
// does: .helmignore honoured, every entry below a top directory named
// after the chart.
func packChart(t testing.TB, dir, file string) {
	t.Helper()
	rules, err := ignoreRules(dir, newBudget(Renderer{}.limits(render.Limits{})))
	if err != nil {
		t.Fatal(err)
	}
	top := filepath.Base(dir)
	var entries []entry
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		info, _ := d.Info()
		if rules.Ignore(filepath.ToSlash(rel), info) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		entries = append(entries, entry{name: top + "/" + filepath.ToSlash(rel), data: string(data)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	writeTgz(t, file, entries...)
}

// copyTree copies the directory src to dst (files and directories only).
func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// writeTree writes files (slash-separated names to contents) below dir.
func writeTree(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// symlink makes link point at target, creating link's directory.
func symlink(t testing.TB, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// vendorArchived copies the app chart to a new repository root with its
// backend subchart packed as charts/backend-0.1.0.tgz instead of a
// directory, and returns the root.
func vendorArchived(t testing.TB) string {
	t.Helper()
	root := t.TempDir()
	app := filepath.Join(root, "charts", "app")
	copyTree(t, filepath.Join(testdataRoot(t), "charts", "app"), app)
	backend := filepath.Join(app, "charts", "backend")
	packChart(t, backend, filepath.Join(app, "charts", "backend-0.1.0.tgz"))
	if err := os.RemoveAll(backend); err != nil {
		t.Fatal(err)
	}
	copyTree(t, filepath.Join(testdataRoot(t), "values"), filepath.Join(root, "values"))
	return root
}

// errContains fails unless err is an error whose text holds every want.
func errContains(t testing.TB, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}
