package helm

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/downloader"
	"helm.sh/helm/v4/pkg/getter"
	"sigs.k8s.io/yaml"
)

// depRepoURL is the chart repository the shop fixture's Chart.yaml names.
const depRepoURL = "https://charts.example.com/stable"

// depRepo is a chart repository held in memory, serving Helm's downloader
// as a getter and the renderer as a ChartFetcher, from the same archives.
// It counts what the renderer fetches.
type depRepo struct {
	files map[string][]byte // URL -> content
	dir   string            // the archives as files, for FetchChart

	mu      sync.Mutex
	fetches map[string]int // "name version" -> count
	// serve, when set, replaces an archive the renderer fetches: a
	// hostile repository, or a failing one when it returns an error.
	serve func(name, version string) (string, error)
}

// newDepRepo serves testdata's backend 0.1.0 and cache 2.1.0 charts.
func newDepRepo(t *testing.T) *depRepo {
	t.Helper()
	r := &depRepo{files: map[string][]byte{}, dir: t.TempDir(), fetches: map[string]int{}}
	index := map[string]any{"apiVersion": "v1", "entries": map[string]any{}}
	for _, dir := range []string{
		filepath.Join(testdataRoot(t), "charts", "app", "charts", "backend"),
		filepath.Join(testdataRoot(t), "deps", "repo", "cache"),
	} {
		c, err := loader.LoadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		name := c.Name() + "-" + c.Metadata.Version + ".tgz"
		file := filepath.Join(r.dir, name)
		packChart(t, dir, file)
		if r.files[depRepoURL+"/"+name], err = os.ReadFile(file); err != nil {
			t.Fatal(err)
		}
		index["entries"].(map[string]any)[c.Name()] = []map[string]any{{
			"apiVersion": "v2", "name": c.Name(), "version": c.Metadata.Version, "urls": []string{name},
		}}
	}
	b, err := yaml.Marshal(index)
	if err != nil {
		t.Fatal(err)
	}
	r.files[depRepoURL+"/index.yaml"] = b
	return r
}

// Get serves Helm's downloader.
func (r *depRepo) Get(url string, _ ...getter.Option) (*bytes.Buffer, error) {
	b, ok := r.files[url]
	if !ok {
		return nil, fmt.Errorf("%s: 404 Not Found", url)
	}
	return bytes.NewBuffer(b), nil
}

// FetchChart serves the renderer.
func (r *depRepo) FetchChart(_ context.Context, repository, name, version string) (string, error) {
	r.mu.Lock()
	r.fetches[name+" "+version]++
	r.mu.Unlock()
	if repository != depRepoURL {
		return "", fmt.Errorf("unknown repository %s", repository)
	}
	if r.serve != nil {
		return r.serve(name, version)
	}
	file := filepath.Join(r.dir, name+"-"+version+".tgz")
	if _, err := os.Stat(file); err != nil {
		return "", fmt.Errorf("chart %s %s not found", name, version)
	}
	return file, nil
}

func (r *depRepo) fetched() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for k, v := range r.fetches {
		out[k] = v
	}
	return out
}

// depFixture is the shop chart twice, at charts/shop below two repository
// roots: as `helm dependency update` left it (Chart.lock written, every
// dependency vendored in charts/), and as committed for Tugboat (the same
// Chart.lock, no charts/).
type depFixture struct {
	root, vendored string
	repo           *depRepo
}

func newDepFixture(t *testing.T) depFixture {
	t.Helper()
	f := depFixture{root: t.TempDir(), vendored: t.TempDir(), repo: newDepRepo(t)}
	for _, dir := range []string{f.root, f.vendored} {
		copyTree(t, filepath.Join(testdataRoot(t), "deps", "charts"), filepath.Join(dir, "charts"))
	}
	helmDependencyUpdate(t, filepath.Join(f.vendored, "charts", "shop"), f.repo)
	lock, err := os.ReadFile(filepath.Join(f.vendored, "charts", "shop", "Chart.lock"))
	if err != nil {
		t.Fatal(err)
	}
	writeTree(t, f.chart(), map[string]string{"Chart.lock": string(lock)})
	return f
}

// chart is the directory of the chart Tugboat renders.
func (f depFixture) chart() string {
	return filepath.Join(f.root, "charts", "shop")
}

// helmDependencyUpdate runs `helm dependency update` on dir with Helm's
// own downloader, against repo and no user configuration.
func helmDependencyUpdate(t *testing.T, dir string, repo *depRepo) {
	t.Helper()
	home := t.TempDir()
	m := &downloader.Manager{
		Out:       io.Discard,
		ChartPath: dir,
		Getters: getter.Providers{{Schemes: []string{"https"}, New: func(...getter.Option) (getter.Getter, error) {
			return repo, nil
		}}},
		RepositoryConfig: filepath.Join(home, "repositories.yaml"),
		RepositoryCache:  filepath.Join(home, "cache"),
		ContentCache:     filepath.Join(home, "content"),
	}
	if err := m.Update(); err != nil {
		t.Fatalf("helm dependency update: %v", err)
	}
}

// editFile replaces old by new in file, which must hold old.
func editFile(t *testing.T, file, old, new string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s does not hold %q", file, old)
	}
	if err := os.WriteFile(file, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// relock rewrites dir's Chart.lock after edit, with the digest Helm
// would write for it and the chart's current Chart.yaml.
func relock(t *testing.T, dir string, edit func(lock []*chart.Dependency)) {
	t.Helper()
	c, err := loader.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	edit(c.Lock.Dependencies)
	if c.Lock.Digest, err = digestJSON([2][]*chart.Dependency{c.Metadata.Dependencies, c.Lock.Dependencies}); err != nil {
		t.Fatal(err)
	}
	b, err := yaml.Marshal(c.Lock)
	if err != nil {
		t.Fatal(err)
	}
	writeTree(t, dir, map[string]string{"Chart.lock": string(b)})
}

// lockedRepo sets the repository of dependency name in a lock.
func lockedRepo(name, repo string) func([]*chart.Dependency) {
	return func(lock []*chart.Dependency) {
		for _, d := range lock {
			if d.Name == name {
				d.Repository = repo
			}
		}
	}
}
