// Package webhook receives git push webhooks so that a push triggers a
// check of the repository at once instead of at the next poll.
//
// A Handler serves one endpoint per Receiver, POST /hook/<name>, for
// GitHub, GitLab, Gitea and Forgejo, Bitbucket Cloud, or a generic sender
// that posts {"repository": url, "ref": ref} with a bearer token. Every
// request is authenticated (an HMAC signature or a token, compared in
// constant time) before its body is parsed; a valid push becomes a Push
// handed to a callback, which RepoKey lets match against the repository
// URLs of Applications however each is written. A Coalescer in front of
// that callback folds a flood of pushes into one trigger per repository.
//
// The package knows nothing of the controller or Kubernetes: it turns
// HTTP requests into Push values and nothing more.
package webhook

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// PathPrefix is the path under which receivers are served: a receiver
// named "github" answers POST /hook/github.
const PathPrefix = "/hook/"

// DefaultMaxBodyBytes caps a request body unless WithMaxBodyBytes says
// otherwise. Push payloads are usually a few KiB, but GitHub's list every
// commit with its changed files (up to 25 MB): a push that large is
// refused with 413 and left to the next poll.
const DefaultMaxBodyBytes = 1 << 20

// Receiver is one webhook endpoint, served at PathPrefix + Name.
type Receiver struct {
	// Name is the last path segment of the endpoint.
	Name string
	// Provider is the kind of server that sends to it.
	Provider Provider
	// Secret is the shared HMAC key or token; never empty.
	Secret []byte
}

// Push is what a push webhook says changed.
type Push struct {
	// Receiver is the name of the receiver that accepted the push.
	Receiver string
	// Repos is every URL the payload gives for the repository (clone,
	// SSH, web), as written; compare them through RepoKey.
	Repos []string
	// Branches are the pushed branches, without refs/heads/.
	Branches []string
	// Tags are the pushed tags, without refs/tags/.
	Tags []string
}

// AnyRef reports whether the sender did not say which ref changed (a
// generic push without a ref): every ref of the repository may have.
func (p Push) AnyRef() bool {
	return len(p.Branches) == 0 && len(p.Tags) == 0
}

// Option configures a Handler.
type Option func(*Handler)

// WithMaxBodyBytes caps request bodies at n bytes (DefaultMaxBodyBytes if
// n <= 0); a larger body is refused with 413.
func WithMaxBodyBytes(n int64) Option {
	return func(h *Handler) {
		if n > 0 {
			h.maxBody = n
		}
	}
}

// Handler is the http.Handler of a set of receivers.
type Handler struct {
	receivers map[string]receiver
	onPush    func(Push)
	maxBody   int64
}

// receiver is a Receiver with its provider resolved.
type receiver struct {
	name     string
	provider provider
	secret   []byte
}

// NewHandler serves receivers and calls onPush, on the request's
// goroutine, for every authenticated push: onPush should only enqueue
// (a Coalescer's Add does). Names must be unique and free of slashes,
// providers known and secrets non-empty.
func NewHandler(receivers []Receiver, onPush func(Push), opts ...Option) (*Handler, error) {
	if onPush == nil {
		return nil, errors.New("webhook: nil push callback")
	}
	h := &Handler{receivers: map[string]receiver{}, onPush: onPush, maxBody: DefaultMaxBodyBytes}
	for _, o := range opts {
		o(h)
	}
	for _, r := range receivers {
		rc, err := newReceiver(r)
		if err != nil {
			return nil, fmt.Errorf("webhook: %w", err)
		}
		if _, dup := h.receivers[r.Name]; dup {
			return nil, fmt.Errorf("webhook: receiver %q defined twice", r.Name)
		}
		h.receivers[r.Name] = rc
	}
	return h, nil
}

// newReceiver checks r; its errors name the receiver, never the secret.
func newReceiver(r Receiver) (receiver, error) {
	if r.Name == "" || strings.Contains(r.Name, "/") {
		return receiver{}, fmt.Errorf("receiver name %q: must be non-empty and without '/'", r.Name)
	}
	p, ok := providers[r.Provider]
	if !ok {
		return receiver{}, fmt.Errorf("receiver %q: unknown provider %q (want one of %s)", r.Name, r.Provider, providerNames())
	}
	// An empty HMAC key or token would let anyone trigger.
	if len(r.Secret) == 0 {
		return receiver{}, fmt.Errorf("receiver %q: empty secret", r.Name)
	}
	// A copy, so that the caller reusing its slice changes nothing here.
	return receiver{name: r.Name, provider: p, secret: append([]byte(nil), r.Secret...)}, nil
}

// ServeHTTP answers one webhook delivery. The order matters: the
// signature is checked over the raw body before any JSON is parsed, so an
// unauthenticated caller never reaches the parser or the callback.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, PathPrefix)
	rc, found := h.receivers[name]
	if !ok || !found {
		reply(w, http.StatusNotFound, "not found")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		reply(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	body, err := readBody(w, r, h.maxBody)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		reply(w, http.StatusRequestEntityTooLarge, "payload too large")
		return
	case err != nil:
		reply(w, http.StatusBadRequest, "bad request")
		return
	}
	if !rc.provider.authenticate(r.Header, body, rc.secret) {
		reply(w, http.StatusUnauthorized, "unauthorized")
		return
	}
	h.dispatch(w, r, rc, body)
}

// dispatch handles an authenticated delivery by its event.
func (h *Handler) dispatch(w http.ResponseWriter, r *http.Request, rc receiver, body []byte) {
	switch rc.provider.event(r.Header) {
	case eventPing:
		reply(w, http.StatusOK, "ok")
		return
	case eventOther:
		reply(w, http.StatusOK, "ignored")
		return
	}
	push, err := rc.provider.parse(r.Header, body)
	switch {
	case errors.Is(err, errIgnoredRef):
		reply(w, http.StatusOK, "ignored")
		return
	case errors.Is(err, errNoRepository):
		reply(w, http.StatusBadRequest, "missing repository")
		return
	case err != nil:
		reply(w, http.StatusBadRequest, "bad payload")
		return
	}
	push.Receiver = rc.name
	h.onPush(push)
	reply(w, http.StatusAccepted, "accepted")
}

// readBody reads at most limit bytes; past that it returns an
// *http.MaxBytesError, refusing early on a declared Content-Length.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	return body, nil
}

// reply writes a short plain-text answer; it never echoes the request.
func reply(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, msg+"\n")
}
