package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/render"
	"github.com/tugboat-gitops/tugboat/internal/source"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// cacheChartDir is the chart the web chart depends on.
const cacheChartDir = "../render/helm/testdata/deps/repo/cache"

// webChart is a chart depending on cache at repo twice (once aliased), and,
// when common is set, on a chart next to it by file://.
func webChart(repo string, common bool) map[string]string {
	deps := fmt.Sprintf(`dependencies:
  - name: cache
    version: ">=2.0.0 <3"
    repository: %[1]s
  - name: cache
    alias: sessions
    version: ">=2.0.0 <3"
    repository: %[1]s
    condition: sessions.enabled
`, repo)
	if common {
		deps += "  - name: common\n    version: 1.0.0\n    repository: file://../common\n"
	}
	return map[string]string{
		"Chart.yaml":  "apiVersion: v2\nname: web\nversion: 1.0.0\n" + deps,
		"values.yaml": "sessions:\n  enabled: true\n  replicas: 2\n",
		"templates/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-web\n" +
			"data:\n  SESSIONS: {{ .Values.sessions.replicas | quote }}\n",
	}
}

// depCase is a chart with a Chart.lock and no charts/, and the same chart
// as `helm dependency update` vendored it.
type depCase struct {
	src      SourceSpec
	vendored string
	want     []string // the ids of the objects rendered
	// downloads counts the archives the repository served, if it can.
	downloads func() int
}

// TestRenderChartLockDependencies renders charts whose dependencies
// Chart.lock pins in an HTTP index repository and in an OCI registry, and
// compares the objects with what Helm renders once it has vendored them.
// A second render downloads no archive: they are cached by digest.
func TestRenderChartLockDependencies(t *testing.T) {
	cases := map[string]func(t *testing.T) depCase{
		"index repository, chart in git": indexRepoCase,
		"OCI registry, chart from it":    registryCase,
	}
	for name, setup := range cases {
		t.Run(name, func(t *testing.T) {
			c := setup(t)
			p := New(Options{CacheDir: t.TempDir()})
			first, err := p.Render(context.Background(), c.src, render.Request{})
			if err != nil {
				t.Fatal(err)
			}
			sameObjects(t, first.Objects, helmTemplate(t, c.vendored))
			if got := objectIDs(first.Objects); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got objects %q, want %q", got, c.want)
			}
			before := cachedArchives(t, p.CacheDir)
			second, err := p.Render(context.Background(), c.src, render.Request{})
			if err != nil {
				t.Fatal(err)
			}
			sameObjects(t, second.Objects, first.Objects)
			if after := cachedArchives(t, p.CacheDir); !reflect.DeepEqual(after, before) {
				t.Errorf("cache changed on the second render:\n%v\nthen\n%v", before, after)
			}
			if c.downloads != nil {
				if n := c.downloads(); n != 1 {
					t.Errorf("dependency archive downloaded %d times, want 1", n)
				}
			}
		})
	}
}

// indexRepoCase serves cache from an index repository; the web chart is in
// a git checkout, next to the common chart it takes by file://.
func indexRepoCase(t *testing.T) depCase {
	repo := newIndexRepo(t, cacheChartDir)
	root := t.TempDir()
	vendored := filepath.Join(t.TempDir(), "web")
	for _, dir := range []string{filepath.Join(root, "charts", "web"), vendored} {
		writeFiles(t, mkdir(t, dir), webChart(repo.URL, true))
		copyDir(t, "../render/helm/testdata/deps/charts/common", filepath.Join(filepath.Dir(dir), "common"))
	}
	mkdir(t, filepath.Join(root, ".git"))
	helmDependencyUpdate(t, vendored, "", "")
	copyFile(t, filepath.Join(vendored, "Chart.lock"), filepath.Join(root, "charts", "web", "Chart.lock"))
	helmDownloads := repo.served("/cache-2.1.0.tgz")
	return depCase{
		src: SourceSpec{Dir: filepath.Join(root, "charts", "web")}, vendored: vendored,
		want:      []string{"ConfigMap/web-common", "ConfigMap/web-web", "StatefulSet.apps/web-cache", "StatefulSet.apps/web-sessions"},
		downloads: func() int { return repo.served("/cache-2.1.0.tgz") - helmDownloads },
	}
}

// registryCase pushes cache and a web chart without charts/ to the test
// registry, whose credentials the app gives for its chart.
func registryCase(t *testing.T) depCase {
	testenv.SkipIfShort(t)
	reg := testenv.NewRegistry(t)
	push(t, reg, "charts/cache", "2.1.0", cacheChartDir)
	vendored := filepath.Join(t.TempDir(), "web")
	writeFiles(t, mkdir(t, vendored), webChart("oci://"+reg.Host+"/charts", false))
	helmDependencyUpdate(t, vendored, reg.Username, reg.Password)
	unvendored := filepath.Join(t.TempDir(), "web")
	copyDir(t, vendored, unvendored)
	if err := os.RemoveAll(filepath.Join(unvendored, "charts")); err != nil {
		t.Fatal(err)
	}
	push(t, reg, "charts/web", "1.0.0", unvendored)
	chart := &ChartSpec{Repo: "oci://" + reg.Host + "/charts", Name: "web", Version: "1.0.0", Username: reg.Username, Password: reg.Password}
	return depCase{src: SourceSpec{Chart: chart}, vendored: vendored,
		want: []string{"ConfigMap/web-web", "StatefulSet.apps/web-cache", "StatefulSet.apps/web-sessions"}}
}

// TestChartDependencyCredentialsStayHome renders a chart from a directory
// whose dependency is in a private registry: the credentials the app has
// for another repository are not sent, and the error shows none.
func TestChartDependencyCredentialsStayHome(t *testing.T) {
	testenv.SkipIfShort(t)
	reg := testenv.NewRegistry(t)
	push(t, reg, "charts/cache", "2.1.0", cacheChartDir)
	dir := filepath.Join(t.TempDir(), "web")
	writeFiles(t, mkdir(t, dir), webChart("oci://"+reg.Host+"/charts", false))
	helmDependencyUpdate(t, dir, reg.Username, reg.Password)
	if err := os.RemoveAll(filepath.Join(dir, "charts")); err != nil {
		t.Fatal(err)
	}
	p := New(Options{CacheDir: t.TempDir()})
	fetcher := p.chartFetcher(&ChartSpec{Repo: "https://charts.example.com", Username: reg.Username, Password: reg.Password})
	_, err := p.renderer.Render(context.Background(), "", render.Request{
		Root: filepath.Dir(dir), Path: "web", Kind: render.KindHelm, Helm: render.HelmOptions{Fetcher: fetcher},
	})
	if !errors.Is(err, source.ErrAuthFailed) {
		t.Fatalf("got %v, want %v", err, source.ErrAuthFailed)
	}
	errContains(t, err, "helm web", "dependency cache")
	if strings.Contains(err.Error(), reg.Password) {
		t.Fatalf("error leaks the password: %v", err)
	}
}

// sameObjects fails unless got and want are equal objects in one order.
func sameObjects(t *testing.T, got, want []*object.Object) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d objects, want %d: %v", len(got), len(want), got)
	}
	for i := range got {
		if !reflect.DeepEqual(got[i].Object, want[i].Object) {
			t.Fatalf("object %d: got\n%v\nwant\n%v", i, got[i].Object, want[i].Object)
		}
	}
}

func objectIDs(objs []*object.Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.ID().String()
	}
	return out
}

// cachedArchives lists the chart archives in the cache with their
// identity, which a new download (a rename over the file) changes.
func cachedArchives(t *testing.T, cacheDir string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(cacheDir, "charts", "*.tgz"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range files {
		info, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = fmt.Sprintf("%v %v", info.ModTime().UnixNano(), info.Sys())
	}
	return out
}
