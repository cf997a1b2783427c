package pipeline

import (
	"context"

	"github.com/tugboat-gitops/tugboat/internal/source/helmrepo"
)

func (p *Pipeline) fetchChart(ctx context.Context, c *ChartSpec) (helmrepo.Chart, error) {
	s := &helmrepo.Source{URL: c.Repo, Chart: c.Name, Version: c.Version, CacheDir: p.CacheDir, Auth: c.auth()}
	return s.Fetch(ctx)
}

// chartFetcher fetches the dependencies a chart's Chart.lock pins. The
// app's chart repository credentials go to that repository's host only:
// a chart may name any host among its dependencies.
func (p *Pipeline) chartFetcher(c *ChartSpec) *helmrepo.Fetcher {
	f := &helmrepo.Fetcher{CacheDir: p.CacheDir}
	if c != nil {
		f.Auth, f.AuthRepo = c.auth(), c.Repo
	}
	return f
}

func (c *ChartSpec) auth() *helmrepo.Auth {
	if c.Username == "" && c.Password == "" {
		return nil
	}
	return &helmrepo.Auth{Username: c.Username, Password: c.Password}
}

// joinRevision names a chart and the repository revision its values came
// from, e.g. "podinfo@6.5.0+main@sha1:...".
func joinRevision(chart, repo string) string {
	if repo == "" {
		return chart
	}
	return chart + "+" + repo
}
