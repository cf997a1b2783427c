package gittransport

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing/transport"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/tugboat-gitops/tugboat/internal/source"
)

// Session is the authentication of one exchange with a remote.
type Session struct {
	// Method is what go-git is given as Auth; nil means anonymous.
	Method transport.AuthMethod
	// check is the SSH host key check; nil for HTTP.
	check *hostKeyCheck
}

// Classify turns a go-git transport error of the session's exchange into
// one that says what went wrong in words a user can act on and carries a
// source.Err* meaning. A refused host key explains any failure; other
// errors are returned as they are.
func (s *Session) Classify(err error) error {
	if hk := s.check.failure(); hk != nil {
		return hk
	}
	kind, msg := source.ErrAuthFailed, ""
	switch {
	case errors.Is(err, transport.ErrAuthenticationRequired) && s.Method != nil:
		msg = "authentication failed: the server rejected the credentials"
	case errors.Is(err, transport.ErrAuthenticationRequired):
		kind, msg = source.ErrAuthRequired, "authentication required: the server asks for credentials and none were given"
	case errors.Is(err, transport.ErrAuthorizationFailed):
		msg = "authentication failed: access denied"
	case strings.Contains(err.Error(), "unable to authenticate"):
		msg = "authentication failed: the server rejected the ssh key"
	case errors.Is(err, transport.ErrRepositoryNotFound):
		kind, msg = source.ErrNotFound, "repository not found"
	case errors.Is(err, transport.ErrEmptyRemoteRepository):
		kind, msg = source.ErrNotFound, "repository is empty"
	default:
		return err
	}
	return &source.Error{Kind: kind, Msg: msg}
}

// hostKeyCheck verifies host keys strictly against known_hosts and keeps
// the reason of a refusal, which the SSH handshake error flattens.
type hostKeyCheck struct {
	verify ssh.HostKeyCallback
	mu     sync.Mutex
	err    error
}

func (h *hostKeyCheck) callback(host string, remote net.Addr, key ssh.PublicKey) error {
	err := h.verify(host, remote, key)
	if err == nil {
		return nil
	}
	err = hostKeyError(host, key, err)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.err = err
	return err
}

// failure returns the refusal, if any; nil for a nil check (HTTP).
func (h *hostKeyCheck) failure() error {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

func hostKeyError(host string, key ssh.PublicKey, err error) error {
	presented := fmt.Sprintf("%s key %s", key.Type(), ssh.FingerprintSHA256(key))
	var keyErr *knownhosts.KeyError
	var revoked *knownhosts.RevokedError
	var msg string
	switch {
	case errors.As(err, &revoked):
		msg = fmt.Sprintf("ssh host key of %s is revoked in known_hosts (%s)", host, presented)
	case errors.As(err, &keyErr) && len(keyErr.Want) > 0:
		msg = fmt.Sprintf("ssh host key mismatch for %s: the server presented %s, known_hosts lists another", host, presented)
	case errors.As(err, &keyErr):
		msg = fmt.Sprintf("ssh host %s is not in known_hosts (it presented %s)", host, presented)
	default:
		msg = fmt.Sprintf("ssh host key of %s not verified: %v", host, err)
	}
	return &source.Error{Kind: source.ErrHostKey, Msg: msg}
}
