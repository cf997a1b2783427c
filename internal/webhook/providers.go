package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
)

// Provider is the kind of git server that sends a receiver's webhooks; it
// decides how a request is authenticated and its payload read.
type Provider string

// The providers.
const (
	// GitHub signs the body: X-Hub-Signature-256: sha256=<hex HMAC-SHA256>.
	GitHub Provider = "github"
	// GitLab sends the secret itself in X-Gitlab-Token.
	GitLab Provider = "gitlab"
	// Gitea signs the body: X-Gitea-Signature: <hex HMAC-SHA256>.
	Gitea Provider = "gitea"
	// Forgejo is Gitea under another name (X-Forgejo-* headers, which it
	// sends alongside the X-Gitea-* ones); both names work.
	Forgejo Provider = "forgejo"
	// Bitbucket is Bitbucket Cloud: X-Hub-Signature: sha256=<hex HMAC>.
	Bitbucket Provider = "bitbucket"
	// Generic takes {"repository": url, "ref": ref} with
	// Authorization: Bearer <secret>, for CI jobs and other servers.
	Generic Provider = "generic"
)

// event is what kind of delivery a request is.
type event int

const (
	// eventOther is any event that is not a push: answered, ignored.
	eventOther event = iota
	eventPush
	// eventPing is the test delivery sent when a hook is created.
	eventPing
)

// provider is one sender's protocol. authenticate sees only headers and
// the raw body, so that nothing is parsed before it has said yes.
type provider interface {
	authenticate(h http.Header, body, secret []byte) bool
	event(h http.Header) event
	parse(h http.Header, body []byte) (Push, error)
}

// providers resolves a Provider to its protocol.
var providers = map[Provider]provider{
	GitHub:    github{},
	GitLab:    gitlab{},
	Gitea:     gitea{},
	Forgejo:   gitea{},
	Bitbucket: bitbucket{},
	Generic:   generic{},
}

// providerNames lists the known providers for error messages.
func providerNames() string {
	names := make([]string, 0, len(providers))
	for p := range providers {
		names = append(names, string(p))
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

type github struct{}

func (github) authenticate(h http.Header, body, secret []byte) bool {
	return validHMAC(h.Get("X-Hub-Signature-256"), "sha256=", body, secret)
}

func (github) event(h http.Header) event {
	switch h.Get("X-GitHub-Event") {
	case "push":
		return eventPush
	case "ping":
		return eventPing
	}
	return eventOther
}

func (github) parse(h http.Header, body []byte) (Push, error) { return parseGitHub(h, body) }

type gitlab struct{}

func (gitlab) authenticate(h http.Header, _, secret []byte) bool {
	return equalToken(h.Get("X-Gitlab-Token"), secret)
}

// event: GitLab has no ping; its "Test" button sends a sample Push Hook.
func (gitlab) event(h http.Header) event {
	switch h.Get("X-Gitlab-Event") {
	case "Push Hook", "Tag Push Hook":
		return eventPush
	}
	return eventOther
}

func (gitlab) parse(_ http.Header, body []byte) (Push, error) { return parseGitLab(body) }

type gitea struct{}

// authenticate prefers Forgejo's header: a Forgejo server sends both.
func (gitea) authenticate(h http.Header, body, secret []byte) bool {
	sig := h.Get("X-Forgejo-Signature")
	if sig == "" {
		sig = h.Get("X-Gitea-Signature")
	}
	return validHMAC(sig, "", body, secret)
}

// event: Gitea's "Test Delivery" sends a push built from the last commit.
func (gitea) event(h http.Header) event {
	e := h.Get("X-Forgejo-Event")
	if e == "" {
		e = h.Get("X-Gitea-Event")
	}
	if e == "push" {
		return eventPush
	}
	return eventOther
}

func (gitea) parse(_ http.Header, body []byte) (Push, error) { return parseGitea(body) }

type bitbucket struct{}

func (bitbucket) authenticate(h http.Header, body, secret []byte) bool {
	return validHMAC(h.Get("X-Hub-Signature"), "sha256=", body, secret)
}

func (bitbucket) event(h http.Header) event {
	switch h.Get("X-Event-Key") {
	case "repo:push":
		return eventPush
	case "diagnostics:ping":
		return eventPing
	}
	return eventOther
}

func (bitbucket) parse(_ http.Header, body []byte) (Push, error) { return parseBitbucket(body) }

type generic struct{}

func (generic) authenticate(h http.Header, _, secret []byte) bool {
	scheme, token, ok := strings.Cut(h.Get("Authorization"), " ")
	return ok && strings.EqualFold(scheme, "Bearer") && equalToken(strings.TrimSpace(token), secret)
}

// event: every generic delivery is a push; there is nothing else to say.
func (generic) event(http.Header) event { return eventPush }

func (generic) parse(_ http.Header, body []byte) (Push, error) { return parseGeneric(body) }

// validHMAC reports whether header is prefix + hex(HMAC-SHA256(secret,
// body)); hmac.Equal compares in constant time.
func validHMAC(header, prefix string, body, secret []byte) bool {
	digest, ok := strings.CutPrefix(header, prefix)
	if !ok || digest == "" {
		return false
	}
	got, err := hex.DecodeString(digest)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// equalToken compares a presented token with the secret in constant time.
// Both are hashed first because subtle.ConstantTimeCompare returns at once
// on a length mismatch, which would tell the secret's length.
func equalToken(token string, secret []byte) bool {
	if token == "" {
		return false
	}
	got, want := sha256.Sum256([]byte(token)), sha256.Sum256(secret)
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}
