package helmrepo

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestUnpackRefusesHostileArchives checks that unpack applies package
// chartarchive's checks with this package's Limits; the hostile archives
// themselves are chartarchive's tests.
func TestUnpackRefusesHostileArchives(t *testing.T) {
	good := chartEntries(t, "1.0.0")
	with := func(extra ...entry) []entry { return append(append([]entry(nil), good...), extra...) }
	many := make([]entry, 20)
	for i := range many {
		many[i] = entry{Name: "mychart/f" + string(rune('a'+i)), Body: []byte{}}
	}
	tests := []struct {
		name    string
		entries []entry
		lim     Limits
		wantErr error
		wantMsg string
	}{
		{name: "parent dir", entries: with(entry{Name: "mychart/../evil", Body: []byte("x")}), wantErr: ErrUnsafeArchive, wantMsg: "parent directory references"},
		{name: "leading parent dir", entries: with(entry{Name: "../evil", Body: []byte("x")}), wantErr: ErrUnsafeArchive},
		{name: "absolute path", entries: with(entry{Name: "/etc/evil", Body: []byte("x")}), wantErr: ErrUnsafeArchive, wantMsg: "absolute"},
		{name: "symlink", entries: with(entry{Name: "mychart/templates/link.yaml", Type: tar.TypeSymlink, Linkname: "/etc/passwd"}), wantErr: ErrUnsafeArchive, wantMsg: "links are not allowed"},
		{name: "file outside top dir", entries: with(entry{Name: "evil", Body: []byte("x")}), wantErr: ErrUnsafeArchive, wantMsg: "outside the chart's top directory"},
		{name: "too many entries", entries: with(many...), lim: Limits{MaxEntries: 10}, wantErr: ErrTooLarge, wantMsg: "more than 10 entries"},
		{name: "one file too large", entries: with(entry{Name: "mychart/big", Size: 2 << 20}), lim: Limits{MaxFileBytes: 1 << 20},
			wantErr: ErrTooLarge, wantMsg: "over the 1048576-byte limit for one file"},
		{name: "sum of files too large", entries: with(
			entry{Name: "mychart/a", Size: 400 << 10}, entry{Name: "mychart/b", Size: 400 << 10}, entry{Name: "mychart/c", Size: 400 << 10},
		), lim: Limits{MaxUnpackedBytes: 1 << 20}, wantErr: ErrTooLarge, wantMsg: "mychart/c: too large: the chart unpacks to more than 1048576 bytes"},
		{name: "subchart bomb", entries: with(entry{
			Name: "mychart/charts/sub.tgz",
			Body: buildArchive(t, []entry{{Name: "sub/Chart.yaml", Body: []byte("name: sub")}, {Name: "sub/big", Size: 2 << 20}}),
		}), lim: Limits{MaxUnpackedBytes: 1 << 20}, wantErr: ErrTooLarge, wantMsg: "mychart/charts/sub.tgz:sub/big"},
		{name: "subchart with symlink", entries: with(entry{
			Name: "mychart/charts/sub.tgz",
			Body: buildArchive(t, []entry{{Name: "sub/x", Type: tar.TypeSymlink, Linkname: "/"}}),
		}), wantErr: ErrUnsafeArchive},
		{name: "good chart", entries: good},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			err := unpackInto(t, dir, buildArchive(t, tt.entries), tt.lim.withDefaults())
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("unpack: %v", err)
				}
				if _, err := os.Stat(filepath.Join(dir, "mychart", "templates", "configmap.yaml")); err != nil {
					t.Fatalf("unpacked chart incomplete: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("unpack: got %v, want %v containing %q", err, tt.wantErr, tt.wantMsg)
			}
			if _, err := os.Lstat(filepath.Join(filepath.Dir(dir), "evil")); err == nil {
				t.Fatal("an entry was written outside the target directory")
			}
		})
	}
}

// TestUnpackRefusesBombQuickly unpacks 200 MiB of zeros compressed to about
// 250 KB: the header announces the size, so it must be refused before any of
// it is decompressed, fast and without allocating.
func TestUnpackRefusesBombQuickly(t *testing.T) {
	bomb := buildArchive(t, append(chartEntries(t, "1.0.0"), entry{Name: "mychart/zeros", Size: 200 << 20}))
	t.Logf("bomb: %d bytes compressed, 200 MiB unpacked", len(bomb))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	err := unpackInto(t, t.TempDir(), bomb, Limits{}.withDefaults())
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "209715200 bytes, over the 10485760-byte limit for one file") {
		t.Fatalf("unpack: got %v, want ErrTooLarge", err)
	}
	if elapsed > 5*time.Second {
		t.Errorf("refusing the bomb took %s", elapsed)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("refusing the bomb allocated %d bytes", alloc)
	}
}

func unpackInto(t *testing.T, dir string, archive []byte, lim Limits) error {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	return unpack(bytes.NewReader(archive), root, "mychart", lim)
}
