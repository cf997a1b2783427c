package helmrepo

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/Masterminds/semver/v3"

	"github.com/tugboat-gitops/tugboat/internal/redact"
)

// Fetcher fetches charts at exact versions for the helm renderer: the
// dependencies a chart's Chart.lock pins and its charts/ directory lacks.
// It satisfies the renderer's ChartFetcher without this package knowing
// the renderer. The repository URLs it is given come from charts, which
// are repository content: Auth is sent only to AuthRepo's scheme and host.
// A Fetcher is safe for concurrent use.
type Fetcher struct {
	// CacheDir is the cache root, shared with Source.
	CacheDir string
	// Auth, when set, is sent to repositories with the scheme and host of
	// AuthRepo (the app's own chart repository), and to no other.
	Auth     *Auth
	AuthRepo string
	// Limits caps sizes; zero fields take the defaults.
	Limits Limits
	// Client makes the requests to index repositories; nil means a client
	// with a 5 minute timeout.
	Client *http.Client
}

// FetchChart fetches chart name at exactly version from repository
// (https://, http:// or oci://), unless its digest is already cached, and
// returns the path of its verified archive in the cache.
func (f *Fetcher) FetchChart(ctx context.Context, repository, name, version string) (string, error) {
	want, err := semver.NewVersion(version)
	if err != nil {
		return "", fmt.Errorf("fetch chart %s: %q is not an exact version", name, version)
	}
	s := &Source{
		URL: repository, Chart: name, Version: version, Auth: f.authFor(repository),
		CacheDir: f.CacheDir, Limits: f.Limits, Client: f.Client,
	}
	ch, err := s.Fetch(ctx)
	if err != nil {
		return "", err
	}
	// A bare "1.2" selects the highest 1.2.x: only the very version will do.
	if got, err := semver.NewVersion(ch.Version); err != nil || !got.Equal(want) {
		return "", fmt.Errorf("fetch chart %s from %s: got version %s, want exactly %s", name, redact.URLString(repository), ch.Version, version)
	}
	return ch.Archive, nil
}

// authFor returns Auth if repository has AuthRepo's scheme and host.
func (f *Fetcher) authFor(repository string) *Auth {
	if f.Auth == nil {
		return nil
	}
	a, err := url.Parse(f.AuthRepo)
	if err != nil {
		return nil
	}
	b, err := url.Parse(repository)
	if err != nil || !sameOrigin(a, b) {
		return nil
	}
	return f.Auth
}
