// Package helmrepo fetches a packaged Helm chart, by name and version or
// semver range, from an HTTP(S) chart repository (index.yaml) or an OCI
// registry, verifies it, caches it by digest and unpacks it safely.
//
// Everything a repository serves is hostile until proven otherwise: the index
// and the archive are size-capped, archives may not climb out of their
// directory or carry links, and credentials never leave the repository's
// host nor appear in an error.
package helmrepo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tugboat-gitops/tugboat/internal/chartarchive"
	"github.com/tugboat-gitops/tugboat/internal/redact"
)

// Errors a caller can test for with errors.Is. Each is wrapped with the
// repository (credentials stripped) and the chart it concerns. A repository
// that refuses the credentials, or asks for some when none were given,
// gives an error wrapping source.ErrAuthFailed.
var (
	// ErrChartNotFound means the repository has no chart of that name.
	ErrChartNotFound = errors.New("chart not found")
	// ErrNoMatchingVersion means the chart exists but no version matches.
	ErrNoMatchingVersion = errors.New("no chart version matches")
	// ErrDigestMismatch means the downloaded archive is not the one the
	// repository's index or manifest announced.
	ErrDigestMismatch = errors.New("chart digest mismatch")
	// ErrTooLarge means an index, archive or unpacked chart exceeds a cap.
	// It is chartarchive.ErrTooLarge, which the archive checks wrap.
	ErrTooLarge = chartarchive.ErrTooLarge
	// ErrUnsafeArchive means an archive entry would leave the chart
	// directory or is a kind of file a chart never needs (links, devices).
	// It is chartarchive.ErrUnsafe.
	ErrUnsafeArchive = chartarchive.ErrUnsafe
)

// Auth holds basic-auth credentials for a repository or registry.
type Auth struct {
	Username, Password string
}

// Chart is a fetched chart, unpacked in the cache.
type Chart struct {
	// Name and Version are those of the chart's Chart.yaml.
	Name, Version string
	// Digest is "sha256:<hex>" of the chart archive (.tgz).
	Digest string
	// Dir is the unpacked chart, <cache>/charts/<hex>/<name>. It is shared
	// by every fetch of the same archive: treat it as read-only.
	Dir string
	// Archive is the verified chart archive, <cache>/charts/<hex>.tgz,
	// shared and read-only like Dir.
	Archive string
}

// Source is one chart in one repository. Its zero limits mean the defaults.
type Source struct {
	// URL is the repository: https://host/path (the index is
	// <URL>/index.yaml) or oci://host/path. For OCI, Chart is appended when
	// set; when empty, the URL's last element names the chart.
	URL string
	// Chart is the chart's name.
	Chart string
	// Version is an exact version or a semver range such as ">=1.2 <2";
	// the highest match wins. Empty means the latest stable version.
	Version string
	// Auth, when set, is sent to the repository's host only.
	Auth *Auth
	// PassCredentials also sends Auth to chart URLs on other hosts, like
	// Helm's --pass-credentials. Off by default.
	PassCredentials bool
	// CacheDir is the cache root; charts go under <CacheDir>/charts.
	CacheDir string
	// Limits caps sizes; zero fields take the defaults.
	Limits Limits
	// Client makes the requests to index repositories; nil means a client
	// with a 5 minute timeout.
	Client *http.Client
}

// Fetch resolves the version, downloads the chart unless its digest is
// already cached, verifies and unpacks it.
func (s *Source) Fetch(ctx context.Context) (Chart, error) {
	if s.CacheDir == "" {
		return Chart{}, errors.New("fetch chart: no cache directory")
	}
	if strings.HasPrefix(s.URL, "oci://") {
		return s.fetchOCI(ctx)
	}
	u, err := url.Parse(s.URL)
	if err != nil {
		// url.Parse quotes the whole URL in its error: leave it out.
		return Chart{}, fmt.Errorf("fetch chart %s: invalid repository URL", s.Chart)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return Chart{}, fmt.Errorf("fetch chart %s from %s: scheme must be http, https or oci", s.Chart, redact.URL(u))
	}
	return s.fetchIndexed(ctx, u)
}
