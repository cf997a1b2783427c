package helmrepo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/tugboat-gitops/tugboat/internal/redact"
	"github.com/tugboat-gitops/tugboat/internal/source"
)

// defaultTimeout bounds one request of the default client, body included.
const defaultTimeout = 5 * time.Minute

// maxRedirects is the standard library's own default limit.
const maxRedirects = 10

// httpClient returns a copy of s.Client (or a default client) whose
// redirects drop the credentials when they leave the original scheme and
// host. The standard library already drops them for another domain, but
// keeps them on a downgrade from https to http.
func (s *Source) httpClient() *http.Client {
	c := http.Client{Timeout: defaultTimeout}
	if s.Client != nil {
		c = *s.Client
	}
	next := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !sameOrigin(via[0].URL, req.URL) {
			req.Header.Del("Authorization")
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		return nil
	}
	return &c
}

// sameOrigin reports whether credentials meant for a may be sent to b: the
// rule of Helm's --pass-credentials default.
func sameOrigin(a, b *url.URL) bool {
	return a.Scheme == b.Scheme && a.Host == b.Host
}

// splitUserinfo strips credentials embedded in the repository URL, so they
// cannot reach an error, and uses them when auth is not given otherwise.
func splitUserinfo(u *url.URL, auth *Auth) (*url.URL, *Auth) {
	if u.User == nil {
		return u, auth
	}
	if auth == nil {
		pw, _ := u.User.Password()
		auth = &Auth{Username: u.User.Username(), Password: pw}
	}
	c := *u
	c.User = nil
	return &c, auth
}

// get sends GET u, with basic auth when auth is set, and returns the
// response if its status is 200 or 304; otherwise it closes the body and
// returns an error naming u without credentials.
func get(ctx context.Context, client *http.Client, u *url.URL, auth *Auth, header http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", redact.URL(u), err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if auth != nil {
		req.SetBasicAuth(auth.Username, auth.Password)
	}
	resp, err := client.Do(req)
	if err != nil {
		// A *url.Error repeats the URL, which may hold userinfo taken from
		// an index: keep only its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("GET %s: %w", redact.URL(u), err)
	}
	switch resp.StatusCode {
	case http.StatusOK, http.StatusNotModified:
		return resp, nil
	}
	// Drain a little so the connection can be reused; the body is not shown
	// because a server may echo the request, credentials included.
	_, _ = io.CopyN(io.Discard, resp.Body, 4096)
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return nil, fmt.Errorf("%w for %s (%s)", source.ErrAuthFailed, redact.URL(u), resp.Status)
	}
	return nil, fmt.Errorf("GET %s: %s", redact.URL(u), resp.Status)
}

// readCapped reads r whole, refusing more than max bytes.
func readCapped(r io.Reader, max int64, what string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrTooLarge, what, max)
	}
	return b, nil
}
