package git

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/tugboat-gitops/tugboat/internal/source"
)

// sshDialTimeout bounds the SSH connection and handshake, which go-git
// does not tie to the context.
const sshDialTimeout = 30 * time.Second

// httpAuth picks the HTTP credentials: a token (bearer, or basic auth
// password when a user name is given), else a user name and password, else
// those of the URL. Nil means anonymous.
func httpAuth(c source.Credentials, ep endpoint) transport.AuthMethod {
	switch {
	case c.Token != "" && c.Username == "":
		return &githttp.TokenAuth{Token: c.Token}
	case c.Token != "":
		return &githttp.BasicAuth{Username: c.Username, Password: c.Token}
	case c.Username != "" || c.Password != "":
		return &githttp.BasicAuth{Username: c.Username, Password: c.Password}
	case ep.user != "" || ep.password != "":
		return &githttp.BasicAuth{Username: ep.user, Password: ep.password}
	}
	return nil
}

// sshConfig is what New prepares once for SSH: the parsed key and the
// known_hosts database. Each fetch then wraps the host key check anew.
type sshConfig struct {
	keys *gitssh.PublicKeys
	db   hostKeyDB
	host string // host:port as known_hosts is searched for
}

// hostKeyDB is the part of go-git's known_hosts database used here.
type hostKeyDB interface {
	HostKeyCallback() ssh.HostKeyCallback
	HostKeyAlgorithms(hostWithPort string) []string
}

// newSSHConfig parses the key and known_hosts. Both are required: there is
// no agent and no fallback to unchecked host keys.
func newSSHConfig(c source.Credentials, ep endpoint) (*sshConfig, error) {
	if len(c.SSHPrivateKey) == 0 {
		return nil, &source.Error{Kind: source.ErrAuthRequired, Msg: "ssh needs a private key"}
	}
	if len(c.KnownHosts) == 0 {
		return nil, &source.Error{Kind: source.ErrHostKey, Msg: "ssh needs known_hosts: host keys are always checked"}
	}
	user := firstNonEmpty(ep.user, c.Username, "git")
	keys, err := gitssh.NewPublicKeys(user, c.SSHPrivateKey, c.SSHPassphrase)
	if err != nil {
		return nil, fmt.Errorf("parse ssh private key: %w", err)
	}
	db, err := knownHostsDB(c.KnownHosts)
	if err != nil {
		return nil, err
	}
	return &sshConfig{keys: keys, db: db, host: ep.host}, nil
}

// knownHostsDB parses known_hosts content. The parsers read files only, so
// the content goes through a temporary file that is removed at once.
func knownHostsDB(content []byte) (hostKeyDB, error) {
	f, err := os.CreateTemp("", "tugboat-known-hosts-")
	if err != nil {
		return nil, fmt.Errorf("write known_hosts: %w", err)
	}
	defer os.Remove(f.Name())
	_, err = f.Write(content)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("write known_hosts: %w", err)
	}
	db, err := gitssh.NewKnownHostsDb(f.Name())
	if err != nil {
		return nil, fmt.Errorf("parse known_hosts: %w", err)
	}
	return db, nil
}

// auth returns the auth method for one fetch and the host key check whose
// failure explains a failed connection better than go-git's error does.
func (c *sshConfig) auth() (transport.AuthMethod, *hostKeyCheck) {
	check := &hostKeyCheck{verify: c.db.HostKeyCallback()}
	a := &sshAuth{PublicKeys: *c.keys}
	a.HostKeyCallback = check.callback
	// Offer only the key types known_hosts lists for the host, so a server
	// with several keys presents one that can be checked.
	a.HostKeyAlgorithms = c.db.HostKeyAlgorithms(c.host)
	return a, check
}

// sshAuth adds a dial timeout to go-git's public key auth.
type sshAuth struct {
	gitssh.PublicKeys
}

// ClientConfig returns the SSH client configuration with sshDialTimeout.
func (a *sshAuth) ClientConfig() (*ssh.ClientConfig, error) {
	cfg, err := a.PublicKeys.ClientConfig()
	if cfg != nil {
		cfg.Timeout = sshDialTimeout
	}
	return cfg, err
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

// classify turns go-git's transport errors into errors that say what went
// wrong in words a user can act on, and carry a source.Err* meaning.
func classify(err error, authGiven bool, check *hostKeyCheck) error {
	if hk := check.failure(); hk != nil {
		return hk
	}
	kind, msg := source.ErrAuthFailed, ""
	switch {
	case errors.Is(err, transport.ErrAuthenticationRequired) && authGiven:
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

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
