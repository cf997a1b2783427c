package scan

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// manifestTypes are the manifests and indexes a tag may point to. A
// registry asked for none of these may convert the manifest to an older
// schema, whose digest is not the one pushed.
var manifestTypes = strings.Join([]string{
	string(types.OCIManifestSchema1),
	string(types.OCIImageIndex),
	string(types.DockerManifestSchema2),
	string(types.DockerManifestList),
}, ", ")

// DigestResult is the digest a tag points to.
type DigestResult struct {
	// Digest is the manifest's digest, "sha256:...".
	Digest string
	// Requests is the number of HTTP requests it took, auth handshakes
	// and token exchanges included.
	Requests int
}

// Digest resolves tag of repository (see Tags) to the digest of the
// manifest or index it points to, with a HEAD of the manifest: the
// registry sends the digest in its Docker-Content-Digest header.
func (s *Scanner) Digest(ctx context.Context, repository, tag string) (DigestResult, error) {
	repo, err := s.parse(repository)
	if err != nil {
		return DigestResult{}, err
	}
	if _, err := name.NewTag(repo.Name()+":"+tag, name.StrictValidation); err != nil {
		return DigestResult{}, fmt.Errorf("tag %q of %s: %w", tag, repo, err)
	}
	st := s.state(repo)
	st.mu.Lock()
	defer st.mu.Unlock()
	ctx, n := withCounter(ctx)
	d, err := s.headDigest(ctx, repo, st, tag)
	res := DigestResult{Digest: d, Requests: n.load()}
	if err != nil {
		return res, s.fail(st, fmt.Sprintf("resolve %s:%s", repo, tag), err)
	}
	return res, nil
}

func (s *Scanner) headDigest(ctx context.Context, repo name.Repository, st *repoState, tag string) (string, error) {
	rt, err := s.transport(ctx, repo, st)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	u := url.URL{
		Scheme: s.scheme(repo.Registry),
		Host:   repo.RegistryStr(),
		Path:   "/v2/" + repo.RepositoryStr() + "/manifests/" + tag,
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u.String(), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", manifestTypes)
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		return "", err
	}
	defer drain(resp)
	if err := transport.CheckError(resp, http.StatusOK); err != nil {
		return "", err
	}
	d := resp.Header.Get("Docker-Content-Digest")
	if d == "" {
		return "", fmt.Errorf("the registry sent no Docker-Content-Digest for %s", u.String())
	}
	if _, err := v1.NewHash(d); err != nil {
		return "", fmt.Errorf("the registry's Docker-Content-Digest: %w", err)
	}
	return d, nil
}
