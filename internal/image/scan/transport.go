package scan

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// transport returns the authenticated transport of st, doing the auth
// handshake (a ping, and a token exchange for bearer auth) when there is
// none yet. Kept between scans, it makes a scan of an unchanged
// repository cost a single request.
func (s *Scanner) transport(ctx context.Context, repo name.Repository, st *repoState) (http.RoundTripper, error) {
	if st.transport != nil {
		return st.transport, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	reg := repo.Registry
	scheme := s.scheme(reg)
	if scheme == "http" {
		// Only an insecure registry name makes the ping try plain HTTP.
		var err error
		if reg, err = name.NewRegistry(reg.RegistryStr(), name.Insecure); err != nil {
			return nil, err
		}
	}
	base := &schemeOnly{host: reg.RegistryStr(), scheme: scheme, inner: counting{s.opts.Transport}}
	scopes := []string{repo.Scope(transport.PullScope)}
	rt, err := transport.NewWithContext(ctx, reg, s.opts.Auth, base, scopes)
	if err != nil {
		return nil, fmt.Errorf("authenticate to %s: %w", reg.RegistryStr(), err)
	}
	st.transport = rt
	return rt, nil
}

// scheme is "http" for a loopback or Insecure registry, "https" for any
// other.
func (s *Scanner) scheme(reg name.Registry) string {
	if s.opts.Insecure || isLoopback(reg.RegistryStr()) {
		return "http"
	}
	return "https"
}

// isLoopback reports whether host[:port] names this machine.
func isLoopback(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// schemeOnly refuses, without a connection, a request to the registry
// over any scheme but its own. go-containerregistry pings some registries
// (private addresses, loopback) over both HTTPS and HTTP; this keeps a
// remote registry on HTTPS and makes a loopback one cost a single ping.
type schemeOnly struct {
	host, scheme string
	inner        http.RoundTripper
}

func (t *schemeOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == t.host && req.URL.Scheme != t.scheme {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("%s is reached over %s only", t.host, t.scheme)
	}
	return t.inner.RoundTrip(req)
}

// counter counts the requests made with a context from withCounter.
type counter struct{ n atomic.Int64 }

func (c *counter) load() int { return int(c.n.Load()) }

type counterKey struct{}

// withCounter returns ctx with a new counter that counting increments for
// every request made with it, including those go-containerregistry makes
// on its own (pings, token exchanges, retries after a refreshed token).
func withCounter(ctx context.Context) (context.Context, *counter) {
	c := &counter{}
	return context.WithValue(ctx, counterKey{}, c), c
}

// counting counts the requests that reach the network.
type counting struct{ inner http.RoundTripper }

func (t counting) RoundTrip(req *http.Request) (*http.Response, error) {
	if c, ok := req.Context().Value(counterKey{}).(*counter); ok {
		c.n.Add(1)
	}
	return t.inner.RoundTrip(req)
}
