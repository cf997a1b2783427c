package pipeline

import (
	"context"

	"github.com/tugboat-gitops/tugboat/internal/source/helmrepo"
)

func (p *Pipeline) fetchChart(ctx context.Context, c *ChartSpec) (helmrepo.Chart, error) {
	s := &helmrepo.Source{URL: c.Repo, Chart: c.Name, Version: c.Version, CacheDir: p.CacheDir}
	if c.Username != "" || c.Password != "" {
		s.Auth = &helmrepo.Auth{Username: c.Username, Password: c.Password}
	}
	return s.Fetch(ctx)
}

// joinRevision names a chart and the repository revision its values came
// from, e.g. "podinfo@6.5.0+main@sha1:...".
func joinRevision(chart, repo string) string {
	if repo == "" {
		return chart
	}
	return chart + "+" + repo
}
