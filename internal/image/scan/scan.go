// Package scan reads what an image repository holds: its tags, and the
// digest a tag points to. It speaks the registry API itself over a
// transport that go-containerregistry authenticates (basic auth or the
// bearer-token challenge), so that it can page through tags, ask the
// registry whether anything changed since the last scan (ETag), and count
// the requests a scan costs.
//
// Credentials never appear in its errors. Errors wrap source.ErrAuthFailed
// (credentials refused), source.ErrAuthRequired (credentials demanded and
// none given) and source.ErrNotFound (no such repository or tag); network
// failures and timeouts keep their own error.
package scan

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/tugboat-gitops/tugboat/internal/redact"
	"github.com/tugboat-gitops/tugboat/internal/source"
)

// Defaults of Options.
const (
	// DefaultMaxTags is the number of tags a scan reads at most.
	DefaultMaxTags = 10000
	// DefaultTimeout bounds each request, the auth handshake included.
	DefaultTimeout = 30 * time.Second
)

// Options configures a Scanner. The zero value scans anonymously.
type Options struct {
	// Auth authenticates to the registry; nil means anonymous. See
	// AuthFromDockerConfig and AuthFromSecretData.
	Auth authn.Authenticator
	// Insecure reaches the registry over plain HTTP. Loopback registries
	// (127.0.0.0/8, ::1, localhost) are reached so anyway; any other over
	// HTTPS only, unless Insecure is set.
	Insecure bool
	// PageSize is the n= of each tag-list request; 0 leaves the page size
	// to the registry.
	PageSize int
	// MaxTags caps the tags a scan reads; 0 means DefaultMaxTags.
	MaxTags int
	// Timeout bounds each request; 0 means DefaultTimeout.
	Timeout time.Duration
	// Transport carries the requests; nil means http.DefaultTransport.
	Transport http.RoundTripper
}

// Result is what a tag scan found.
type Result struct {
	// Tags are the repository's tags in the order the registry listed them.
	Tags []string
	// Requests is the number of HTTP requests the scan made, auth
	// handshakes and token exchanges included.
	Requests int
	// NotModified is true when the registry answered every page with 304
	// Not Modified: Tags are those of the previous scan.
	NotModified bool
	// Truncated is true when the repository holds more than MaxTags tags
	// and reading stopped there.
	Truncated bool
}

// Scanner scans the repositories of registries with one set of
// credentials. It keeps, per repository, an authenticated transport (so
// that later scans skip the handshake) and the ETags of the last scan. It
// is safe for concurrent use.
type Scanner struct {
	opts Options

	mu    sync.Mutex
	repos map[string]*repoState
}

// repoState is what a Scanner keeps of one repository between scans.
type repoState struct {
	// mu serializes the scans of the repository: they share its state.
	mu        sync.Mutex
	transport http.RoundTripper
	pages     []page
}

// New returns a Scanner with opts, defaults filled in.
func New(opts Options) *Scanner {
	if opts.Auth == nil {
		opts.Auth = authn.Anonymous
	}
	if opts.MaxTags <= 0 {
		opts.MaxTags = DefaultMaxTags
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Transport == nil {
		opts.Transport = http.DefaultTransport
	}
	return &Scanner{opts: opts, repos: map[string]*repoState{}}
}

// Tags lists the tags of repository, a reference without tag such as
// "ghcr.io/org/app" or "127.0.0.1:5000/team/app" ("nginx" means Docker
// Hub's library/nginx). When the registry sent ETags in the previous scan
// of repository, it asks for each page only if it changed.
func (s *Scanner) Tags(ctx context.Context, repository string) (Result, error) {
	repo, err := s.parse(repository)
	if err != nil {
		return Result{}, err
	}
	st := s.state(repo)
	st.mu.Lock()
	defer st.mu.Unlock()
	ctx, n := withCounter(ctx)
	res, err := s.listTags(ctx, repo, st)
	res.Requests = n.load()
	if err != nil {
		return res, s.fail(st, fmt.Sprintf("list tags of %s", repo), err)
	}
	return res, nil
}

func (s *Scanner) parse(repository string) (name.Repository, error) {
	if host, _, _ := strings.Cut(repository, "/"); strings.Contains(host, "@") {
		// Errors name the repository: it must not hold a secret.
		return name.Repository{}, fmt.Errorf("image repository %q: credentials in a repository are not supported; use Options.Auth", redact.OCIRef(repository))
	}
	var opts []name.Option
	if s.opts.Insecure {
		opts = append(opts, name.Insecure)
	}
	repo, err := name.NewRepository(repository, opts...)
	if err != nil {
		return name.Repository{}, fmt.Errorf("image repository %q: %w", repository, err)
	}
	return repo, nil
}

// state returns what the Scanner keeps of repo, creating it if needed.
func (s *Scanner) state(repo name.Repository) *repoState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.repos[repo.Name()]
	if !ok {
		st = &repoState{}
		s.repos[repo.Name()] = st
	}
	return st
}

// fail gives err its meaning, names what failed and masks the
// credentials. A refusal of the credentials also drops the repository's
// transport, so that the next scan starts with a fresh handshake.
func (s *Scanner) fail(st *repoState, what string, err error) error {
	err = classify(err, s.opts.Auth == authn.Anonymous)
	if errors.Is(err, source.ErrAuthFailed) || errors.Is(err, source.ErrAuthRequired) {
		st.transport = nil
	}
	return redactError(fmt.Errorf("%s: %w", what, err), s.opts.Auth)
}
