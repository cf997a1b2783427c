package helmrepo

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/tugboat-gitops/tugboat/internal/redact"
)

// indexFile is the part of a repository's index.yaml that a fetch reads.
// Helm's own type (pkg/repo/v1.IndexFile) would bring in Helm's getters,
// OCI client and plugin runtime (wazero) for these four fields.
type indexFile struct {
	APIVersion string                  `json:"apiVersion"`
	Entries    map[string][]indexEntry `json:"entries"`
}

// indexEntry is one version of one chart in an index.
type indexEntry struct {
	Version string   `json:"version"`
	URLs    []string `json:"urls"`
	// Digest is the sha256 of the archive, hex, when the index gives it.
	Digest string `json:"digest"`
}

// fetchIndexed fetches s.Chart from the index repository at repo.
func (s *Source) fetchIndexed(ctx context.Context, repo *url.URL) (Chart, error) {
	repo, auth := splitUserinfo(repo, s.Auth)
	ch, err := s.fetchFromIndex(ctx, repo, auth)
	if err != nil {
		return Chart{}, fmt.Errorf("fetch chart %s from %s: %w", s.Chart, redact.URL(repo), err)
	}
	return ch, nil
}

func (s *Source) fetchFromIndex(ctx context.Context, repo *url.URL, auth *Auth) (Chart, error) {
	if err := checkName(s.Chart); err != nil {
		return Chart{}, err
	}
	lim := s.Limits.withDefaults()
	cache, err := openCache(s.CacheDir, lim)
	if err != nil {
		return Chart{}, err
	}
	client := s.httpClient()
	idx, err := s.readIndex(ctx, client, repo, auth, lim)
	if err != nil {
		return Chart{}, err
	}
	entry, err := idx.find(s.Chart, s.Version)
	if err != nil {
		return Chart{}, err
	}
	w, chartURL, err := s.resolveEntry(repo, entry)
	if err != nil {
		return Chart{}, err
	}
	if !s.PassCredentials && !sameOrigin(repo, chartURL) {
		auth = nil
	}
	return cache.obtain(w, func() (io.ReadCloser, error) {
		resp, err := get(ctx, client, chartURL, auth, nil)
		if err != nil {
			return nil, err
		}
		return resp.Body, nil
	})
}

// readIndex downloads and parses the index, or reuses the cached copy when
// the server answers that it has not changed.
func (s *Source) readIndex(ctx context.Context, client *http.Client, repo *url.URL, auth *Auth, lim Limits) (*indexFile, error) {
	indexURL := repo.JoinPath("index.yaml")
	cached := loadCachedIndex(s.CacheDir, indexURL, auth)
	resp, err := get(ctx, client, indexURL, auth, cached.conditionalHeader())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body := cached.body
	if resp.StatusCode != http.StatusNotModified || body == nil {
		if body, err = readCapped(resp.Body, lim.MaxIndexBytes, "repository index"); err != nil {
			return nil, err
		}
		storeIndex(s.CacheDir, indexURL, auth, resp.Header, body)
	}
	return parseIndex(body)
}

func parseIndex(body []byte) (*indexFile, error) {
	idx := &indexFile{}
	if err := yaml.Unmarshal(body, idx); err != nil {
		return nil, fmt.Errorf("parse repository index: %w", err)
	}
	if idx.APIVersion == "" {
		return nil, fmt.Errorf("parse repository index: no apiVersion")
	}
	return idx, nil
}

// find returns the entry of chart name whose version want selects.
func (idx *indexFile) find(name, want string) (indexEntry, error) {
	entries := idx.Entries[name]
	if len(entries) == 0 {
		return indexEntry{}, fmt.Errorf("%w in the repository index", ErrChartNotFound)
	}
	versions := make([]string, len(entries))
	for i, e := range entries {
		versions[i] = e.Version
	}
	i, err := pickVersion(versions, want)
	if err != nil {
		return indexEntry{}, err
	}
	return entries[i], nil
}

// resolveEntry returns what the entry announces and the URL of its
// archive, which may be relative to the repository or on another host.
func (s *Source) resolveEntry(repo *url.URL, e indexEntry) (wanted, *url.URL, error) {
	w := wanted{name: s.Chart, version: e.Version}
	if e.Digest != "" {
		d, err := parseDigest(e.Digest)
		if err != nil {
			return w, nil, fmt.Errorf("version %s: %w", e.Version, err)
		}
		w.digest = d
	}
	if len(e.URLs) == 0 {
		return w, nil, fmt.Errorf("version %s has no URL in the repository index", e.Version)
	}
	ref, err := url.Parse(e.URLs[0])
	if err != nil {
		return w, nil, fmt.Errorf("version %s: invalid chart URL %s", e.Version, redact.URLString(e.URLs[0]))
	}
	// Like Helm, resolve against the repository URL as a directory and keep
	// the repository's query (some repositories carry a token there).
	base := *repo
	base.Path = strings.TrimSuffix(base.Path, "/") + "/"
	base.RawPath = ""
	abs := base.ResolveReference(ref)
	if !ref.IsAbs() {
		abs.RawQuery = repo.RawQuery
	}
	if abs.Scheme != "http" && abs.Scheme != "https" {
		return w, nil, fmt.Errorf("version %s: chart URL %s is not http(s)", e.Version, redact.URL(abs))
	}
	return w, abs, nil
}
