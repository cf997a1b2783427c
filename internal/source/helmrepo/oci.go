package helmrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/tugboat-gitops/tugboat/internal/redact"
	"github.com/tugboat-gitops/tugboat/internal/source"
)

// Media types of a chart pushed by `helm push`.
const (
	// ChartConfigMediaType is the config of a chart manifest (Chart.yaml as JSON).
	ChartConfigMediaType = "application/vnd.cncf.helm.config.v1+json"
	// ChartLayerMediaType is the layer holding the chart archive (.tgz).
	ChartLayerMediaType = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
)

// fetchOCI fetches the chart from the registry repository s.URL names.
func (s *Source) fetchOCI(ctx context.Context) (Chart, error) {
	ref := strings.TrimSuffix(strings.TrimPrefix(s.URL, "oci://"), "/")
	if s.Chart != "" {
		ref += "/" + s.Chart
	}
	ch, err := s.fetchFromRegistry(ctx, ref)
	if err != nil {
		return Chart{}, fmt.Errorf("fetch chart from %s: %w", redact.OCIRef("oci://"+ref), registryError(err))
	}
	return ch, nil
}

func (s *Source) fetchFromRegistry(ctx context.Context, ref string) (Chart, error) {
	lim := s.Limits.withDefaults()
	if host, _, _ := strings.Cut(ref, "/"); strings.Contains(host, "@") {
		// The caller's error names ref: it must not hold a secret.
		return Chart{}, errors.New("credentials in an oci:// URL are not supported; use Auth")
	}
	repo, err := name.NewRepository(ref, nameOptions(ref)...)
	if err != nil {
		return Chart{}, err
	}
	chartName := path.Base(repo.RepositoryStr())
	if err := checkName(chartName); err != nil {
		return Chart{}, err
	}
	cache, err := openCache(s.CacheDir, lim)
	if err != nil {
		return Chart{}, err
	}
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuth(s.registryAuth())}
	tag, version, err := pickTag(repo, s.Version, opts)
	if err != nil {
		return Chart{}, err
	}
	layer, err := chartLayer(tag, lim, opts)
	if err != nil {
		return Chart{}, err
	}
	w := wanted{name: chartName, version: version, digest: layer.Digest.Hex}
	return cache.obtain(w, func() (io.ReadCloser, error) {
		l, err := remote.Layer(repo.Digest(layer.Digest.String()), opts...)
		if err != nil {
			return nil, err
		}
		return l.Compressed()
	})
}

// pickTag lists the repository's tags and returns the one want selects,
// with the chart version it stands for.
func pickTag(repo name.Repository, want string, opts []remote.Option) (name.Tag, string, error) {
	tags, err := remote.List(repo, opts...)
	if err != nil {
		return name.Tag{}, "", fmt.Errorf("list tags: %w", err)
	}
	versions := make([]string, len(tags))
	for i, t := range tags {
		// OCI tags cannot hold "+", so `helm push` writes "_" for it.
		versions[i] = strings.ReplaceAll(t, "_", "+")
	}
	i, err := pickVersion(versions, want)
	if err != nil {
		return name.Tag{}, "", err
	}
	return repo.Tag(tags[i]), versions[i], nil
}

// chartLayer reads the manifest tag points to and returns the descriptor of
// its chart layer, refusing what is not a Helm chart or is too large.
func chartLayer(tag name.Tag, lim Limits, opts []remote.Option) (v1.Descriptor, error) {
	desc, err := remote.Get(tag, opts...)
	if err != nil {
		return v1.Descriptor{}, err
	}
	if desc.MediaType != types.OCIManifestSchema1 {
		return v1.Descriptor{}, fmt.Errorf("%s is a %s, not a Helm chart manifest", tag.TagStr(), desc.MediaType)
	}
	m, err := v1.ParseManifest(bytes.NewReader(desc.Manifest))
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("%s: %w", tag.TagStr(), err)
	}
	if m.Config.MediaType != ChartConfigMediaType {
		return v1.Descriptor{}, fmt.Errorf("%s has config %s, not a Helm chart", tag.TagStr(), m.Config.MediaType)
	}
	for _, l := range m.Layers {
		if l.MediaType != ChartLayerMediaType {
			continue
		}
		if l.Digest.Algorithm != "sha256" {
			return v1.Descriptor{}, fmt.Errorf("%s: chart layer digest %s is not sha256", tag.TagStr(), l.Digest)
		}
		if l.Size > lim.MaxArchiveBytes {
			return v1.Descriptor{}, fmt.Errorf("%w: chart layer of %s is %d bytes, limit %d", ErrTooLarge, tag.TagStr(), l.Size, lim.MaxArchiveBytes)
		}
		return l, nil
	}
	return v1.Descriptor{}, fmt.Errorf("%s has no layer of type %s", tag.TagStr(), ChartLayerMediaType)
}

func (s *Source) registryAuth() authn.Authenticator {
	if s.Auth == nil {
		return authn.Anonymous
	}
	return authn.FromConfig(authn.AuthConfig{Username: s.Auth.Username, Password: s.Auth.Password})
}

// nameOptions allows plain HTTP for a registry on loopback only.
func nameOptions(ref string) []name.Option {
	host, _, _ := strings.Cut(ref, "/")
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	switch strings.Trim(host, "[]") {
	case "localhost", "127.0.0.1", "::1":
		return []name.Option{name.Insecure}
	}
	return nil
}

// registryError gives the registry's refusals the package's meaning.
func registryError(err error) error {
	var te *transport.Error
	if !errors.As(err, &te) {
		return err
	}
	switch te.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("%w (%s)", source.ErrAuthFailed, http.StatusText(te.StatusCode))
	case http.StatusNotFound:
		return fmt.Errorf("%w: %w", ErrChartNotFound, err)
	}
	return err
}
