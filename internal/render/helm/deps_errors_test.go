package helm

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	chart "helm.sh/helm/v4/pkg/chart/v2"

	"github.com/tugboat-gitops/tugboat/internal/chartarchive"
	"github.com/tugboat-gitops/tugboat/internal/confine"
	"github.com/tugboat-gitops/tugboat/internal/render"
)

// TestDependencyErrors breaks the shop fixture one way at a time: a lock
// that is missing or stale, file:// dependencies that leave the
// repository, and a repository serving hostile or wrong archives. Every
// error names the chart and the dependency where it has one.
func TestDependencyErrors(t *testing.T) {
	tests := []struct {
		name string
		// setup breaks the fixture; it may set the fetcher to nil.
		setup   func(t *testing.T, f depFixture, req *render.Request)
		wantErr error
		want    []string
		// secret must not appear in the error.
		secret string
	}{
		{name: "no fetcher", setup: func(t *testing.T, f depFixture, req *render.Request) { req.Helm.Fetcher = nil },
			want: []string{"helm charts/shop", "missing from charts/: backend, cache, common"}},
		{name: "no Chart.lock", setup: func(t *testing.T, f depFixture, req *render.Request) {
			removeFile(t, filepath.Join(f.chart(), "Chart.lock"))
		}, want: []string{"chart shop:", "no Chart.lock pins their versions", "helm dependency update"}},
		{name: "Chart.lock out of date", setup: func(t *testing.T, f depFixture, req *render.Request) {
			editFile(t, filepath.Join(f.chart(), "Chart.yaml"), "version: ~0.1.0", "version: ~0.2.0")
		}, want: []string{"chart shop:", "Chart.lock is out of date with the dependencies in Chart.yaml"}},
		{name: "repository alias", setup: func(t *testing.T, f depFixture, req *render.Request) {
			editFile(t, filepath.Join(f.chart(), "Chart.yaml"), "repository: file://../common", "repository: \"@stable\"")
		}, want: []string{"dependency common", `alias "@stable"`}},
		{name: "file:// leaves the repository", setup: func(t *testing.T, f depFixture, req *render.Request) {
			relocal(t, f, "file://../../../outside")
		}, wantErr: confine.ErrEscape, want: []string{"dependency common", "file://../../../outside"}},
		{name: "file:// absolute", setup: func(t *testing.T, f depFixture, req *render.Request) {
			relocal(t, f, "file:///etc")
		}, wantErr: confine.ErrEscape, want: []string{"file:///etc"}},
		{name: "file:// through a symlink out", setup: func(t *testing.T, f depFixture, req *render.Request) {
			common := filepath.Join(f.root, "charts", "common")
			outside := filepath.Join(t.TempDir(), "common")
			copyTree(t, common, outside)
			if err := os.RemoveAll(common); err != nil {
				t.Fatal(err)
			}
			symlink(t, outside, common)
		}, wantErr: confine.ErrEscape, want: []string{"dependency common"}},
		{name: "lock pins a range", setup: func(t *testing.T, f depFixture, req *render.Request) {
			relock(t, f.chart(), func(lock []*chart.Dependency) { lock[0].Version = "~0.1.0" })
		}, want: []string{"dependency backend", `pins "~0.1.0", not a version`}},
		{name: "unsupported repository with credentials", setup: func(t *testing.T, f depFixture, req *render.Request) {
			relock(t, f.chart(), lockedRepo("backend", "ftp://robot:hunter2@charts.example.com/stable"))
		}, want: []string{"dependency backend", "ftp://charts.example.com/stable"}, secret: "hunter2"},
		{name: "fetch fails", setup: func(t *testing.T, f depFixture, req *render.Request) {
			f.repo.serve = func(string, string) (string, error) { return "", errors.New("503 Service Unavailable") }
		}, want: []string{"chart shop: dependency backend: 503 Service Unavailable"}},
		{name: "archive climbs out", setup: func(t *testing.T, f depFixture, req *render.Request) {
			serveArchive(t, f, entry{name: "backend/Chart.yaml", data: "apiVersion: v2\nname: backend\nversion: 0.1.0\n"},
				entry{name: "backend/../../evil.yaml", data: "x: 1\n"})
		}, want: []string{"dependency backend", "parent directory references are not allowed"}},
		{name: "archive bomb", setup: func(t *testing.T, f depFixture, req *render.Request) {
			serveArchive(t, f, entry{name: "backend/Chart.yaml", data: "apiVersion: v2\nname: backend\nversion: 0.1.0\n"},
				entry{name: "backend/templates/zeros.yaml", zeros: 8 << 20})
		}, wantErr: chartarchive.ErrTooLarge, want: []string{"dependency backend"}},
		{name: "another version", setup: func(t *testing.T, f depFixture, req *render.Request) {
			serveArchive(t, f, entry{name: "backend/Chart.yaml", data: "apiVersion: v2\nname: backend\nversion: 0.1.1\n"})
		}, want: []string{"dependency backend", "got version 0.1.1, the lock pins 0.1.0"}},
		{name: "another chart", setup: func(t *testing.T, f depFixture, req *render.Request) {
			serveArchive(t, f, entry{name: "backend/Chart.yaml", data: "apiVersion: v2\nname: frontend\nversion: 0.1.0\n"})
		}, want: []string{"dependency backend", `got chart "frontend", want "backend"`}},
		{name: "packaged chart with a file:// dependency", setup: func(t *testing.T, f depFixture, req *render.Request) {
			tgz := filepath.Join(t.TempDir(), "shop-1.0.0.tgz")
			packChart(t, f.chart(), tgz)
			req.Helm.ChartDir = tgz
		}, want: []string{"dependency common", "a packaged chart's file:// dependencies must be in its charts/"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newDepFixture(t)
			req := render.Request{Root: f.root, Path: "charts/shop", Helm: render.HelmOptions{Fetcher: f.repo}}
			tc.setup(t, f, &req)
			_, err := Renderer{MaxChartBytes: 4 << 20}.Render(context.Background(), req)
			errContains(t, err, tc.want...)
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error %v is not %v", err, tc.wantErr)
			}
			if tc.secret != "" && strings.Contains(err.Error(), tc.secret) {
				t.Errorf("error leaks %q: %v", tc.secret, err)
			}
		})
	}
}

// relocal points the common dependency elsewhere, in Chart.yaml and in a
// lock that stays in sync.
func relocal(t *testing.T, f depFixture, repo string) {
	t.Helper()
	editFile(t, filepath.Join(f.chart(), "Chart.yaml"), "file://../common", repo)
	relock(t, f.chart(), lockedRepo("common", repo))
}

// serveArchive makes the fixture's repository serve an archive of entries
// for every chart.
func serveArchive(t *testing.T, f depFixture, entries ...entry) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "served.tgz")
	writeTgz(t, file, entries...)
	f.repo.serve = func(string, string) (string, error) { return file, nil }
}

func removeFile(t *testing.T, file string) {
	t.Helper()
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
}
