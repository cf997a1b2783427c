package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/tugboat-gitops/tugboat/internal/redact"
	"github.com/tugboat-gitops/tugboat/internal/source"
	"github.com/tugboat-gitops/tugboat/internal/source/git"
)

// fetchGit fetches src.Repo at src.Ref into the cache and returns the
// checkout and the app's path in it.
func (p *Pipeline) fetchGit(ctx context.Context, src SourceSpec) (*source.Artifact, string, error) {
	ref, err := git.ParseRef(src.Ref)
	if err != nil {
		return nil, "", fmt.Errorf("source %s: %w", redact.Text(src.Repo), err)
	}
	s, err := git.New(git.Options{URL: src.Repo, Ref: ref, Credentials: src.Credentials, CacheDir: p.CacheDir})
	if err != nil {
		return nil, "", err
	}
	art, err := p.fetches.do(fetchKey(src), src.Repo, src.MaxAge, func() (*source.Artifact, error) {
		start := time.Now()
		art, err := s.Fetch(ctx)
		if p.onFetch != nil {
			p.onFetch(redact.Text(src.Repo), time.Since(start), err)
		}
		return art, err
	})
	if err != nil {
		return nil, "", err
	}
	path := filepath.Clean(filepath.FromSlash(src.Path))
	if path == "" {
		path = "."
	}
	return art, path, nil
}

// Forget makes the next fetch of every repository for which changed is
// true go to the remote, whatever age its caller accepts: a push webhook
// said it changed.
func (p *Pipeline) Forget(changed func(repo string) bool) {
	p.fetches.forget(changed)
}
