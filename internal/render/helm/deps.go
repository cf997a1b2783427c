package helm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
	chart "helm.sh/helm/v4/pkg/chart/v2"

	"github.com/tugboat-gitops/tugboat/internal/chartarchive"
	"github.com/tugboat-gitops/tugboat/internal/confine"
	"github.com/tugboat-gitops/tugboat/internal/redact"
	"github.com/tugboat-gitops/tugboat/internal/render"
)

// vendorer completes a chart with the dependencies its Chart.yaml declares
// but its charts/ directory lacks, as `helm dependency build` would vendor
// them: at the versions Chart.lock pins, from their repositories through
// the fetcher, or from the repository itself for file:// ones.
type vendorer struct {
	fetcher render.ChartFetcher
	// root confines file:// dependencies; dir is the chart directory they
	// are relative to. Both are empty for a chart archive.
	root, dir string
	// b is the chart's budget, which its dependencies share.
	b *chartarchive.Budget
}

// vendor adds c's missing dependencies to it. Dependencies already in
// charts/ are used as they are, and nothing is checked when none is
// missing, as with `helm template`.
func (v vendorer) vendor(ctx context.Context, c *chart.Chart) error {
	missing := missingDependencies(c)
	if len(missing) == 0 {
		return nil
	}
	if v.fetcher == nil && slices.ContainsFunc(missing, func(d *chart.Dependency) bool { return !isLocal(d.Repository) }) {
		return errMissing(missing)
	}
	if err := checkLock(c); err != nil {
		return err
	}
	for _, d := range missing {
		sc, err := v.load(ctx, c.Lock, d.Name)
		if err != nil {
			return fmt.Errorf("chart %s: dependency %s: %w", c.Name(), d.Name, err)
		}
		c.AddDependency(sc)
	}
	return nil
}

// missingDependencies returns the dependencies of c that no chart in
// charts/ provides, one per name (aliases share their chart).
func missingDependencies(c *chart.Chart) []*chart.Dependency {
	var missing []*chart.Dependency
	for _, d := range c.Metadata.Dependencies {
		vendored := slices.ContainsFunc(c.Dependencies(), func(sc *chart.Chart) bool { return sc.Name() == d.Name })
		seen := slices.ContainsFunc(missing, func(m *chart.Dependency) bool { return m.Name == d.Name })
		if !vendored && !seen {
			missing = append(missing, d)
		}
	}
	return missing
}

func errMissing(missing []*chart.Dependency) error {
	names := make([]string, len(missing))
	for i, d := range missing {
		names[i] = d.Name
	}
	return fmt.Errorf("dependencies declared in Chart.yaml but missing from charts/: %s (vendor them with `helm dependency build`; no chart repository is reachable from this render)",
		strings.Join(names, ", "))
}

// load loads dependency name at the version and from the repository the
// lock pins, and checks it is that very chart.
func (v vendorer) load(ctx context.Context, lock *chart.Lock, name string) (*chart.Chart, error) {
	i := slices.IndexFunc(lock.Dependencies, func(d *chart.Dependency) bool { return d != nil && d.Name == name })
	if i < 0 {
		return nil, fmt.Errorf("not in the lock file")
	}
	locked := lock.Dependencies[i]
	var sc *chart.Chart
	var err error
	switch repo := locked.Repository; {
	case isLocal(repo):
		sc, err = v.loadLocal(repo)
	case strings.HasPrefix(repo, "oci://"), strings.HasPrefix(repo, "https://"), strings.HasPrefix(repo, "http://"):
		sc, err = v.fetch(ctx, locked)
	case repo == "":
		err = fmt.Errorf("no repository to fetch it from: it belongs in charts/")
	default:
		err = fmt.Errorf("repository %s: want https://, http://, oci:// or file://", redact.URLString(repo))
	}
	if err != nil {
		return nil, err
	}
	return sc, checkIdentity(sc, locked)
}

// fetch fetches the locked chart and loads its archive within the
// chart's budget, after the same checks as an archive in charts/.
func (v vendorer) fetch(ctx context.Context, locked *chart.Dependency) (*chart.Chart, error) {
	if v.fetcher == nil {
		return nil, errMissing([]*chart.Dependency{locked})
	}
	if _, err := semver.NewVersion(locked.Version); err != nil {
		return nil, fmt.Errorf("the lock pins %q, not a version", locked.Version)
	}
	file, err := v.fetcher.FetchChart(ctx, locked.Repository, locked.Name, locked.Version)
	if err != nil {
		return nil, err
	}
	return loadArchive(file, v.b)
}

// loadLocal loads a file:// dependency: a directory relative to the
// chart, which may not leave the repository, nor hold symlinks that do.
func (v vendorer) loadLocal(repo string) (*chart.Chart, error) {
	if v.dir == "" {
		return nil, fmt.Errorf("%s: a packaged chart's file:// dependencies must be in its charts/", repo)
	}
	realRoot, err := filepath.EvalSymlinks(v.root)
	if err != nil {
		return nil, err
	}
	realDir, err := filepath.EvalSymlinks(v.dir)
	if err != nil {
		return nil, err
	}
	chartRel, err := filepath.Rel(realRoot, realDir)
	if err != nil {
		return nil, err
	}
	rel := strings.TrimPrefix(repo, "file://")
	if filepath.IsAbs(rel) || strings.HasPrefix(rel, "/") {
		return nil, fmt.Errorf("%s: %w: absolute paths are not allowed", repo, confine.ErrEscape)
	}
	dir, err := confine.Join(v.root, filepath.Join(chartRel, filepath.FromSlash(rel)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", repo, err)
	}
	if info, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("%s: %w", repo, err)
	} else if !info.IsDir() {
		return nil, fmt.Errorf("%s: not a chart directory", repo)
	}
	if err := confine.CheckSymlinks(v.root, dir); err != nil {
		return nil, fmt.Errorf("%s: %w", repo, err)
	}
	return loadDir(dir, v.b)
}

// checkIdentity refuses a dependency that is not the chart and version the
// lock names: Helm would leave a misnamed one out without a word.
func checkIdentity(sc *chart.Chart, locked *chart.Dependency) error {
	if sc.Name() != locked.Name {
		return fmt.Errorf("got chart %q, want %q", sc.Name(), locked.Name)
	}
	got, err1 := semver.NewVersion(sc.Metadata.Version)
	want, err2 := semver.NewVersion(locked.Version)
	if err1 != nil || err2 != nil || !got.Equal(want) {
		return fmt.Errorf("got version %s, the lock pins %s", sc.Metadata.Version, locked.Version)
	}
	return nil
}

func isLocal(repo string) bool {
	return strings.HasPrefix(repo, "file://")
}
