// Package gittransport connects to a git remote with go-git: it parses the
// remote's URL, turns source.Credentials into go-git's AuthMethod, checks
// SSH host keys strictly against known_hosts, and gives go-git's
// transport errors a meaning (source.ErrAuthRequired, ErrAuthFailed,
// ErrNotFound, ErrHostKey) and words a user can act on. Fetching (package
// git) and pushing share it.
package gittransport

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"

	"github.com/tugboat-gitops/tugboat/internal/redact"
	"github.com/tugboat-gitops/tugboat/internal/source"
)

// defaultPorts fills in the port of a URL without one, so that URLs that
// differ only by an explicit default port are the same remote.
var defaultPorts = map[string]int{"http": 80, "https": 443, "ssh": 22}

// Endpoint is a parsed repository URL.
type Endpoint struct {
	// URL has no credentials: it is what go-git is given and what errors
	// and logs show.
	URL string
	// SSH is true for ssh:// and scp-like (user@host:path) URLs.
	SSH bool
	// Host is host:port, as known_hosts is searched for.
	Host string
	// Normalized names the repository whatever the spelling of its URL:
	// lower-case scheme and host, explicit port, no credentials, no
	// trailing slash.
	Normalized string
	// user and password come from the URL's userinfo.
	user, password string
}

// ParseEndpoint accepts http, https and ssh URLs, and scp-like SSH
// addresses. The credentials in a URL are taken out of it: go-git never
// sees them, so its errors cannot repeat them; HTTP uses them when no
// Credentials are given.
func ParseEndpoint(raw string) (Endpoint, error) {
	ep, err := transport.NewEndpoint(raw)
	if err != nil {
		// url.Parse quotes the URL in its error: redact before wrapping.
		return Endpoint{}, source.RedactError(fmt.Errorf("invalid repository URL: %w", err), raw)
	}
	proto := strings.ToLower(ep.Protocol)
	if _, ok := defaultPorts[proto]; !ok {
		return Endpoint{}, fmt.Errorf("unsupported scheme %q (want http, https or ssh)", ep.Protocol)
	}
	e := Endpoint{URL: redact.Text(raw), SSH: proto == "ssh", user: ep.User, password: ep.Password}
	if err := checkStripped(e.URL); err != nil {
		return Endpoint{}, err
	}
	port := ep.Port
	if port == 0 {
		port = defaultPorts[proto]
	}
	e.Host = fmt.Sprintf("%s:%d", ep.Host, port)
	e.Normalized = fmt.Sprintf("%s://%s%s", proto, strings.ToLower(e.Host), strings.TrimRight(ep.Path, "/"))
	return e, nil
}

// Secrets returns the secret the URL held (its password), for redaction.
func (e Endpoint) Secrets() []string {
	return []string{e.password}
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
