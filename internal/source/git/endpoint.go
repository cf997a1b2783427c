package git

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"

	"github.com/tugboat-gitops/tugboat/internal/source"
)

// defaultPorts fills in the port of a URL without one, so that URLs that
// differ only by an explicit default port share a cache entry.
var defaultPorts = map[string]int{"http": 80, "https": 443, "ssh": 22}

// endpoint is a parsed repository URL.
type endpoint struct {
	// url has no credentials: it is what go-git is given and what errors
	// and logs show.
	url string
	// ssh is true for ssh:// and scp-like (user@host:path) URLs.
	ssh bool
	// host is host:port, as known_hosts is searched for.
	host string
	// user and password come from the URL's userinfo.
	user, password string
	// key identifies the repository in the cache: a hash of the normalized
	// URL (lower-case scheme and host, explicit port, no credentials).
	key string
}

// parseEndpoint accepts http, https and ssh URLs, and scp-like SSH
// addresses. The credentials in a URL are taken out of it: go-git never
// sees them, so its errors cannot repeat them.
func parseEndpoint(raw string) (endpoint, error) {
	ep, err := transport.NewEndpoint(raw)
	if err != nil {
		// url.Parse quotes the URL in its error: redact before wrapping.
		return endpoint{}, source.RedactError(fmt.Errorf("invalid repository URL: %w", err), raw)
	}
	proto := strings.ToLower(ep.Protocol)
	if _, ok := defaultPorts[proto]; !ok {
		return endpoint{}, fmt.Errorf("unsupported scheme %q (want http, https or ssh)", ep.Protocol)
	}
	e := endpoint{url: source.RedactURL(raw), ssh: proto == "ssh", user: ep.User, password: ep.Password}
	if err := checkStripped(e.url); err != nil {
		return endpoint{}, err
	}
	port := ep.Port
	if port == 0 {
		port = defaultPorts[proto]
	}
	e.host = fmt.Sprintf("%s:%d", ep.Host, port)
	normalized := fmt.Sprintf("%s://%s%s", proto, strings.ToLower(e.host), strings.TrimRight(ep.Path, "/"))
	sum := sha256.Sum256([]byte(normalized))
	e.key = hex.EncodeToString(sum[:])
	return e, nil
}

// checkStripped makes sure the URL given to go-git holds no password:
// scp-like addresses keep their user name, which is not a secret.
func checkStripped(url string) error {
	ep, err := transport.NewEndpoint(url)
	if err != nil || ep.Password != "" {
		return errors.New("cannot take the credentials out of the repository URL")
	}
	return nil
}
