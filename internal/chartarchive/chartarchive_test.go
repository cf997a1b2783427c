package chartarchive

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

func TestCheckRefusesHostileArchives(t *testing.T) {
	sparse := map[string]string{"GNU.sparse.major": "0", "GNU.sparse.minor": "1", "GNU.sparse.size": "1000000",
		"GNU.sparse.numblocks": "1", "GNU.sparse.map": "0,5"}
	many := make([]entry, 20)
	for i := range many {
		many[i] = entry{name: "app/files/" + string(rune('a'+i))}
	}
	small := Limits{MaxFileBytes: 1 << 20, MaxTotalBytes: 1 << 20}
	tests := []struct {
		name    string
		archive []byte
		lim     Limits
		wantErr error  // nil: accepted
		wantMsg string // in the error, besides the archive's name
	}{
		{"good chart", archive(t, chart("app")...), Limits{}, nil, ""},
		{"global header skipped", archive(t, chart("app", entry{name: "pax_global_header", typ: tar.TypeXGlobalHeader, pax: map[string]string{"comment": "x"}})...), Limits{}, nil, ""},
		{"backslashes", archive(t, chart("app", entry{name: `app\templates\win.yaml`, body: []byte("x: 1\n")})...), Limits{}, nil, ""},

		{"parent dir", archive(t, chart("app", entry{name: "app/../evil", body: []byte("x")})...), Limits{}, ErrUnsafe, `app:app/../evil: unsafe chart archive: parent directory references are not allowed`},
		{"leading parent dir", archive(t, chart("app", entry{name: "../evil", body: []byte("x")})...), Limits{}, ErrUnsafe, "parent directory"},
		{"parent dir inside", archive(t, chart("app", entry{name: "app/templates/../values.yaml", body: []byte("x")})...), Limits{}, ErrUnsafe, "parent directory"},
		{"backslash parent dir", archive(t, chart("app", entry{name: `app\..\..\evil`, body: []byte("x")})...), Limits{}, ErrUnsafe, "parent directory"},
		{"parent dir directory", archive(t, chart("app", entry{name: "app/../../", typ: tar.TypeDir})...), Limits{}, ErrUnsafe, "parent directory"},
		{"absolute path", archive(t, chart("app", entry{name: "/etc/evil", body: []byte("x")})...), Limits{}, ErrUnsafe, "absolute paths"},
		{"absolute below the top", archive(t, chart("app", entry{name: "app//etc/evil", body: []byte("x")})...), Limits{}, ErrUnsafe, "absolute paths"},
		{"drive path", archive(t, chart("app", entry{name: "C:/evil", body: []byte("x")})...), Limits{}, ErrUnsafe, "absolute paths"},
		{"drive below the top", archive(t, chart("app", entry{name: "app/c:/evil", body: []byte("x")})...), Limits{}, ErrUnsafe, "absolute paths"},
		{"mixed separators", archive(t, chart("app", entry{name: `app/x\charts\sub.tgz`, body: []byte("x")})...), Limits{}, ErrUnsafe, "mixing"},
		{"file beside the top dir", archive(t, chart("app", entry{name: "evil", body: []byte("x")})...), Limits{}, ErrUnsafe, "outside the chart's top directory"},
		{"symlink", archive(t, chart("app", entry{name: "app/templates/link.yaml", typ: tar.TypeSymlink, linkname: "/etc/passwd"})...), Limits{}, ErrUnsafe, "links are not allowed"},
		{"hardlink", archive(t, chart("app", entry{name: "app/values.yaml", typ: tar.TypeLink, linkname: "app/Chart.yaml"})...), Limits{}, ErrUnsafe, "links are not allowed"},
		{"device", archive(t, chart("app", entry{name: "app/null", typ: tar.TypeChar})...), Limits{}, ErrUnsafe, "type '3'"},
		{"fifo", archive(t, chart("app", entry{name: "app/fifo", typ: tar.TypeFifo})...), Limits{}, ErrUnsafe, "type '6'"},
		{"file with directory mode", archive(t, chart("app", entry{name: "app/dir", mode: 0o40755, body: []byte("x")})...), Limits{}, ErrUnsafe, "mode d"},
		{"sparse file", archive(t, chart("app", entry{name: "app/sparse", body: []byte("hello"), raw: paxHeader(sparse)})...), Limits{}, ErrUnsafe, "sparse files"},

		{"too many entries", archive(t, chart("app", many...)...), Limits{MaxEntries: 10}, ErrTooLarge, "more than 10 entries"},
		{"one file too large", archive(t, chart("app", entry{name: "app/big", zeros: 2 << 20})...), Limits{MaxFileBytes: 1 << 20}, ErrTooLarge, "app:app/big: too large: 2097152 bytes, over the 1048576-byte limit for one file"},
		{"sum of files too large", archive(t, chart("app", entry{name: "app/a", zeros: 400 << 10}, entry{name: "app/b", zeros: 400 << 10}, entry{name: "app/c", zeros: 400 << 10})...),
			small, ErrTooLarge, "app:app/c: too large: the chart unpacks to more than 1048576 bytes in all"},
		{"tar headers too large", archive(t, chart("app", headerBloat(8)...)...), Limits{MaxTotalBytes: 2 << 20}, ErrTooLarge, "more than 2097152 bytes in all"},
		{"not gzip", []byte("not a chart"), Limits{}, nil, "not a gzipped chart archive"},

		{"subchart bomb", archive(t, chart("app", entry{name: "app/charts/sub.tgz", body: archive(t, chart("sub", entry{name: "sub/big", zeros: 2 << 20})...)})...),
			small, ErrTooLarge, "app:app/charts/sub.tgz:sub/big: too large"},
		{"subchart with symlink", archive(t, chart("app", entry{name: "app/charts/sub.tgz", body: archive(t, entry{name: "sub/x", typ: tar.TypeSymlink, linkname: "/"})})...), Limits{}, ErrUnsafe, "app:app/charts/sub.tgz:sub/x"},
		{"subchart not gzip", archive(t, chart("app", entry{name: "app/charts/_old.tgz", body: []byte("junk")})...), Limits{}, nil, "app:app/charts/_old.tgz: not a gzipped chart archive"},
		{"subchart of a subchart dir", archive(t, chart("app", entry{name: "app/charts/sub/charts/deep.tgz", body: archive(t, entry{name: "deep/x", typ: tar.TypeLink, linkname: "deep/y"})})...), Limits{}, ErrUnsafe, "links"},
		{"subcharts nested 8 deep", nested(t, 7, archive(t, chart("leaf")...)), Limits{}, nil, ""},
		{"subcharts nested too deep", nested(t, 8, archive(t, chart("leaf")...)), Limits{}, ErrUnsafe, "nest deeper than 8 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := NewBudget(tt.lim).Check("app", bytes.NewReader(tt.archive))
			if tt.wantErr == nil && tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), "app") || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("got %v, want an error naming the archive and containing %q", err, tt.wantMsg)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v does not wrap %v", err, tt.wantErr)
			}
		})
	}
}

// headerBloat returns n empty files, each with a 512 KiB PAX record: their
// bulk is all in tar headers, which count all the same.
func headerBloat(n int) []entry {
	out := make([]entry, n)
	for i := range out {
		out[i] = entry{name: "app/files/" + string(rune('a'+i)), pax: map[string]string{"SCHILY.xattr.user.pad": strings.Repeat("x", 512<<10)}}
	}
	return out
}

// TestBombRefusedQuickly checks 200 MiB of zeros compressed to about 200
// KB: the header announces the size, so it is refused before any of it is
// decompressed, fast and without allocating.
func TestBombRefusedQuickly(t *testing.T) {
	bomb := archive(t, chart("app", entry{name: "app/zeros", zeros: 200 << 20})...)
	for name, lim := range map[string]Limits{"per file": {}, "in all": {MaxFileBytes: 1 << 30}} {
		t.Run(name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			err := NewBudget(lim).Check("bomb.tgz", bytes.NewReader(bomb))
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("got %v, want ErrTooLarge", err)
			}
			if elapsed > 5*time.Second {
				t.Errorf("refusing the bomb took %s", elapsed)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
				t.Errorf("refusing the bomb allocated %d bytes", alloc)
			}
		})
	}
}

// TestBudgetIsShared charges a chart directory's files and its archives
// to one budget: neither alone is over it, both are.
func TestBudgetIsShared(t *testing.T) {
	a := archive(t, chart("app", entry{name: "app/big", zeros: 600 << 10})...)
	b := NewBudget(Limits{MaxTotalBytes: 1 << 20})
	if err := b.AddFile("values.yaml", 500<<10); err != nil {
		t.Fatal(err)
	}
	err := b.Check("charts/app.tgz", bytes.NewReader(a))
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "charts/app.tgz:app/big") {
		t.Fatalf("got %v, want the archive refused", err)
	}
	b = NewBudget(Limits{MaxEntries: 2})
	for i, want := range []bool{true, true, false} {
		if err := b.AddFile("f", 1); (err == nil) != want {
			t.Errorf("file %d: got %v", i, err)
		}
	}
}

// TestExtract writes a chart through a Sink into an os.Root, a subchart
// archive whole although it is checked as it streams, and refuses a
// hostile one having written nothing outside.
func TestExtract(t *testing.T) {
	sub := archive(t, chart("sub")...)
	good := archive(t, chart("app", entry{name: "app/charts/sub.tgz", body: sub}, entry{name: "app/big", zeros: 100 << 10})...)
	dir := t.TempDir()
	if err := extractInto(t, dir, good); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "charts", "sub.tgz"))
	if err != nil || !bytes.Equal(got, sub) {
		t.Errorf("subchart archive extracted as %d bytes (%v), want %d", len(got), err, len(sub))
	}
	if info, err := os.Stat(filepath.Join(dir, "big")); err != nil || info.Size() != 100<<10 {
		t.Errorf("big: %v, %v", info, err)
	}
	evil := archive(t, chart("app", entry{name: "app/../evil", body: []byte("x")})...)
	inner := filepath.Join(t.TempDir(), "inner")
	if err := os.Mkdir(inner, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := extractInto(t, inner, evil); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("got %v, want ErrUnsafe", err)
	}
	if _, err := os.Lstat(filepath.Join(filepath.Dir(inner), "evil")); err == nil {
		t.Fatal("an entry was written outside the target directory")
	}
}

func extractInto(t *testing.T, dir string, data []byte) error {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	return NewBudget(Limits{}).Extract("app.tgz", bytes.NewReader(data), func(rel string, isDir bool) (io.WriteCloser, error) {
		if isDir {
			return nil, root.MkdirAll(rel, 0o755)
		}
		if err := root.MkdirAll(path.Dir(rel), 0o755); err != nil {
			return nil, err
		}
		return root.Create(rel)
	})
}

func TestIsSubchartArchive(t *testing.T) {
	for rel, want := range map[string]bool{
		"charts/a.tgz": true, "charts/a/charts/b.tgz": true, "charts/_a.tgz": true, "templates/charts/a.tgz": true,
		"charts/a.tar.gz": false, "a.tgz": false, "charts/a/b.tgz": false, "charts": false,
	} {
		if got := IsSubchartArchive(rel); got != want {
			t.Errorf("IsSubchartArchive(%q) = %v, want %v", rel, got, want)
		}
	}
}

// TestDefaultFileCap keeps the default cap of one file in a chart archive
// that of one file in a repository: a chart a repository serves is
// rendered, and refused, with the latter.
func TestDefaultFileCap(t *testing.T) {
	if DefaultMaxFileBytes != object.DefaultLimits.MaxFileBytes {
		t.Errorf("DefaultMaxFileBytes = %d, object.DefaultLimits.MaxFileBytes = %d", DefaultMaxFileBytes, object.DefaultLimits.MaxFileBytes)
	}
}
