package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// indexRepo is an HTTP chart repository counting what it serves.
type indexRepo struct {
	*httptest.Server
	mu     sync.Mutex
	counts map[string]int
}

// newIndexRepo serves the chart at dir, packaged, and its index.
func newIndexRepo(t *testing.T, dir string) *indexRepo {
	t.Helper()
	archive, err := testenv.PackageChart(dir)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(archive)
	index := fmt.Sprintf("apiVersion: v1\nentries:\n  cache:\n    - apiVersion: v2\n      name: cache\n      version: 2.1.0\n"+
		"      urls: [cache-2.1.0.tgz]\n      digest: %s\n", hex.EncodeToString(sum[:]))
	files := map[string][]byte{"/index.yaml": []byte(index), "/cache-2.1.0.tgz": archive}
	r := &indexRepo{counts: map[string]int{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.counts[req.URL.Path]++
		r.mu.Unlock()
		if b, ok := files[req.URL.Path]; ok {
			w.Write(b)
			return
		}
		http.NotFound(w, req)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *indexRepo) served(path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[path]
}

// push packages the chart at dir and pushes it to reg as repo:version.
func push(t *testing.T, reg *testenv.Registry, repo, version, dir string) {
	t.Helper()
	archive, err := testenv.PackageChart(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.PushChartArchive(context.Background(), repo, version, archive); err != nil {
		t.Fatal(err)
	}
}

// mkdir creates dir and returns it.
func mkdir(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// copyDir copies the files below src to dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		copyFile(t, path, filepath.Join(dst, rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	mkdir(t, filepath.Dir(dst))
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
