// Package git fetches a revision of a git repository over HTTP(S) or SSH
// into a local cache, with go-git (no git binary).
//
// Every Fetch lists the remote's refs first: one ref advertisement, which
// also proves that the credentials still work. When the commit the ref
// resolves to is checked out in the cache already, that is all it costs;
// otherwise only what is missing is fetched into the cached bare repository
// of the URL, under a file lock, and the commit's tree is checked out:
//
//	<CacheDir>/git/<sha256 of the normalized URL>/repo.git/
//	<CacheDir>/git/<sha256 of the normalized URL>/checkouts/<commit>/
//
// The first fetch of a branch or tag is shallow (its tip only); a commit at
// no tip fetches the full history.
package git

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/tugboat-gitops/tugboat/internal/redact"
	"github.com/tugboat-gitops/tugboat/internal/source"
	"github.com/tugboat-gitops/tugboat/internal/source/gittransport"
)

// Options configures a git Source.
type Options struct {
	// URL is the repository: http://, https://, ssh:// or scp-like
	// (git@host:path). Credentials in an HTTP URL are used for basic auth
	// when Credentials holds none; they never appear in errors or in the
	// Artifact.
	URL string
	// Ref is the branch, tag, semver range or commit to fetch; the zero Ref
	// is the remote's HEAD.
	Ref Ref
	// Credentials authenticate the fetch. SSH needs SSHPrivateKey and
	// KnownHosts; HTTP uses Token, else Username and Password.
	Credentials source.Credentials
	// CacheDir is the root of the cache, shared by all sources; empty means
	// "tugboat" under the user's cache directory.
	CacheDir string
	// MaxCheckoutBytes caps the file content of one checkout; zero means
	// DefaultMaxCheckoutBytes.
	MaxCheckoutBytes int64
}

// Source fetches one ref of one repository. It is safe for concurrent use,
// and several Sources (in several processes too) may share a cache.
type Source struct {
	ep       gittransport.Endpoint
	ref      Ref
	auth     *gittransport.Auth
	cache    repoCache
	maxBytes int64
	secrets  []string
}

var _ source.Source = (*Source)(nil)

// New checks the options and prepares the credentials; it does no network
// access.
func New(opts Options) (*Source, error) {
	s, err := newSource(opts)
	if err != nil {
		secrets := append(opts.Credentials.Secrets(), urlPassword(opts.URL))
		return nil, source.RedactError(fmt.Errorf("git source %s: %w", redact.Text(opts.URL), err), secrets...)
	}
	return s, nil
}

func newSource(opts Options) (*Source, error) {
	ep, err := gittransport.ParseEndpoint(opts.URL)
	if err != nil {
		return nil, err
	}
	if err := opts.Ref.Validate(); err != nil {
		return nil, fmt.Errorf("ref %s: %w", opts.Ref, err)
	}
	if opts.CacheDir == "" {
		if opts.CacheDir, err = defaultCacheDir(); err != nil {
			return nil, err
		}
	}
	s := &Source{ep: ep, ref: opts.Ref, maxBytes: opts.MaxCheckoutBytes,
		cache: newRepoCache(opts.CacheDir, ep), secrets: append(opts.Credentials.Secrets(), ep.Secrets()...)}
	if s.maxBytes == 0 {
		s.maxBytes = DefaultMaxCheckoutBytes
	}
	if s.auth, err = gittransport.NewAuth(ep, opts.Credentials); err != nil {
		return nil, err
	}
	return s, nil
}

// urlPassword returns the password in a URL, if it has one.
func urlPassword(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	p, _ := u.User.Password()
	return p
}

func defaultCacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find a cache directory (set one): %w", err)
	}
	return filepath.Join(dir, "tugboat"), nil
}

// Fetch resolves the ref and returns the checkout of its commit. Errors
// name the URL (without credentials) and the ref, never a secret, and wrap
// source.ErrAuthRequired, ErrAuthFailed, ErrNotFound or ErrHostKey when
// one of those is the cause.
func (s *Source) Fetch(ctx context.Context) (*source.Artifact, error) {
	art, err := s.fetch(ctx)
	if err != nil {
		return nil, source.RedactError(fmt.Errorf("fetch %s ref %s: %w", s.ep.URL, s.ref, err), s.secrets...)
	}
	return art, nil
}

func (s *Source) fetch(ctx context.Context) (*source.Artifact, error) {
	sess := s.newSession()
	t, err := sess.resolve(ctx)
	if err != nil {
		return nil, err
	}
	if t.commit != "" && s.cache.hasCheckout(t.commit) {
		return s.artifact(t, t.commit), nil
	}
	unlock, err := s.cache.lock(ctx, s.ep.URL)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if sess.repo, err = s.cache.open(); err != nil {
		return nil, err
	}
	commit, err := sess.ensure(ctx, t)
	if err != nil {
		return nil, err
	}
	if _, err := s.cache.checkout(sess.repo, commit, s.maxBytes); err != nil {
		return nil, err
	}
	return s.artifact(t, commit), nil
}

func (s *Source) newSession() *session {
	return &session{src: s, auth: s.auth.Session()}
}

// artifact names the revision: "<branch or tag>@sha1:<commit>", or
// "sha1:<commit>" for a ref given as a commit.
func (s *Source) artifact(t target, commit string) *source.Artifact {
	rev := "sha1:" + commit
	if t.label != "" {
		rev = t.label + "@" + rev
	}
	return &source.Artifact{Revision: rev, Commit: commit, Dir: s.cache.checkoutDir(commit)}
}
