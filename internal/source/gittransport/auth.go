package gittransport

import (
	"cmp"
	"fmt"
	"os"
	"time"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"

	"github.com/tugboat-gitops/tugboat/internal/source"
)

// sshDialTimeout bounds the SSH connection and handshake, which go-git
// does not tie to the context.
const sshDialTimeout = 30 * time.Second

// Auth is how to authenticate to one remote, prepared once; for SSH that
// is the parsed key and known_hosts database. It is safe for concurrent
// use: each exchange with the remote takes its own Session.
type Auth struct {
	ep    Endpoint
	creds source.Credentials
	ssh   *sshConfig // nil for HTTP
}

// NewAuth prepares c for ep. HTTP uses a token (bearer, or basic auth
// password when a user name is given), else a user name and password, else
// those of the URL, else nothing. SSH needs both a private key and
// known_hosts: there is no agent and no fallback to unchecked host keys.
func NewAuth(ep Endpoint, c source.Credentials) (*Auth, error) {
	a := &Auth{ep: ep, creds: c}
	if !ep.SSH {
		return a, nil
	}
	var err error
	if a.ssh, err = newSSHConfig(c, ep); err != nil {
		return nil, err
	}
	return a, nil
}

// Session returns the authentication of one exchange with the remote (a
// listing, a fetch or a push).
func (a *Auth) Session() *Session {
	if a.ssh != nil {
		return a.ssh.session()
	}
	return &Session{Method: httpAuth(a.creds, a.ep)}
}

// httpAuth picks the HTTP credentials, as NewAuth says. Nil means
// anonymous.
func httpAuth(c source.Credentials, ep Endpoint) transport.AuthMethod {
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

// sshConfig is what NewAuth prepares once for SSH: the parsed key and the
// known_hosts database. Each session then wraps the host key check anew.
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

func newSSHConfig(c source.Credentials, ep Endpoint) (*sshConfig, error) {
	if len(c.SSHPrivateKey) == 0 {
		return nil, &source.Error{Kind: source.ErrAuthRequired, Msg: "ssh needs a private key"}
	}
	if len(c.KnownHosts) == 0 {
		return nil, &source.Error{Kind: source.ErrHostKey, Msg: "ssh needs known_hosts: host keys are always checked"}
	}
	keys, err := gitssh.NewPublicKeys(cmp.Or(ep.user, c.Username, "git"), c.SSHPrivateKey, c.SSHPassphrase)
	if err != nil {
		// The credentials given cannot work: as refused as a rejected
		// key, and no retry will cure it.
		return nil, &source.Error{Kind: source.ErrAuthFailed, Msg: "parse ssh private key: " + err.Error()}
	}
	db, err := knownHostsDB(c.KnownHosts)
	if err != nil {
		return nil, err
	}
	return &sshConfig{keys: keys, db: db, host: ep.Host}, nil
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

// session returns the auth method of one exchange, with the host key
// check whose failure explains a failed connection better than go-git's
// error does.
func (c *sshConfig) session() *Session {
	check := &hostKeyCheck{verify: c.db.HostKeyCallback()}
	a := &sshAuth{PublicKeys: *c.keys}
	a.HostKeyCallback = check.callback
	// Offer only the key types known_hosts lists for the host, so a server
	// with several keys presents one that can be checked.
	a.HostKeyAlgorithms = c.db.HostKeyAlgorithms(c.host)
	return &Session{Method: a, check: check}
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
