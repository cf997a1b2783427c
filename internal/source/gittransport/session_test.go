package gittransport

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/tugboat-gitops/tugboat/internal/source"
)

func TestHTTPSession(t *testing.T) {
	tests := []struct {
		name  string
		url   string
		creds source.Credentials
		want  transport.AuthMethod
	}{
		{"anonymous", "https://host/app.git", source.Credentials{}, nil},
		{"bearer token", "https://host/app.git", source.Credentials{Token: "tok"}, &githttp.TokenAuth{Token: "tok"}},
		{"token as basic auth password", "https://host/app.git", source.Credentials{Username: "u", Token: "tok", Password: "pw"},
			&githttp.BasicAuth{Username: "u", Password: "tok"}},
		{"password", "https://host/app.git", source.Credentials{Username: "u", Password: "pw"}, &githttp.BasicAuth{Username: "u", Password: "pw"}},
		{"credentials win over the URL's", "https://a:b@host/app.git", source.Credentials{Username: "u", Password: "pw"},
			&githttp.BasicAuth{Username: "u", Password: "pw"}},
		{"the URL's", "https://a:b@host/app.git", source.Credentials{}, &githttp.BasicAuth{Username: "a", Password: "b"}},
		{"ssh credentials ignored", "https://host/app.git", source.Credentials{SSHPrivateKey: []byte("k")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep, err := ParseEndpoint(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			a, err := NewAuth(ep, tt.creds)
			if err != nil {
				t.Fatal(err)
			}
			if got := a.Session().Method; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Method = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	anonymous := &Session{}
	withAuth := &Session{Method: &githttp.BasicAuth{Username: "u"}}
	other := errors.New("connection refused")
	tests := []struct {
		name    string
		s       *Session
		err     error
		kind    error
		message string
	}{
		{"credentials rejected", withAuth, transport.ErrAuthenticationRequired, source.ErrAuthFailed, "authentication failed: the server rejected the credentials"},
		{"credentials missing", anonymous, transport.ErrAuthenticationRequired, source.ErrAuthRequired, "authentication required"},
		{"access denied", withAuth, transport.ErrAuthorizationFailed, source.ErrAuthFailed, "authentication failed: access denied"},
		{"ssh key rejected", withAuth, fmt.Errorf("ssh: handshake failed: ssh: unable to authenticate"), source.ErrAuthFailed, "rejected the ssh key"},
		{"no repository", withAuth, transport.ErrRepositoryNotFound, source.ErrNotFound, "repository not found"},
		{"empty repository", anonymous, transport.ErrEmptyRemoteRepository, source.ErrNotFound, "repository is empty"},
		{"host key refused first", &Session{Method: withAuth.Method, check: &hostKeyCheck{err: &source.Error{Kind: source.ErrHostKey, Msg: "ssh host x is not in known_hosts"}}},
			fmt.Errorf("ssh: handshake failed: ssh: unable to authenticate"), source.ErrHostKey, "not in known_hosts"},
		{"anything else", withAuth, other, other, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.s.Classify(tt.err)
			if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.message) {
				t.Errorf("got %v, want %v mentioning %q", err, tt.kind, tt.message)
			}
		})
	}
}

func TestHostKeyCheck(t *testing.T) {
	known, _ := newSSHKey(t)
	other, _ := newSSHKey(t)
	revoked, _ := newSSHKey(t)
	db, err := knownHostsDB([]byte(knownhosts.Line([]string{"[host.example]:2222"}, known) + "\n" +
		"@revoked " + knownhosts.Line([]string{"*"}, revoked) + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2222}
	tests := []struct {
		name, host string
		key        ssh.PublicKey
		message    string // "" means accepted
	}{
		{"known", "host.example:2222", known, ""},
		{"mismatch", "host.example:2222", other, "ssh host key mismatch for host.example:2222"},
		{"unknown host", "elsewhere.example:22", known, "is not in known_hosts"},
		{"revoked", "host.example:2222", revoked, "is revoked in known_hosts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check := &hostKeyCheck{verify: db.HostKeyCallback()}
			err := check.callback(tt.host, addr, tt.key)
			if tt.message == "" {
				if err != nil || check.failure() != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, source.ErrHostKey) || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("got %v, want ErrHostKey mentioning %q", err, tt.message)
			}
			if check.failure() != err {
				t.Errorf("the check kept %v, want %v", check.failure(), err)
			}
		})
	}
}

// newSSHKey returns a new ed25519 public key and its private key as PEM.
func newSSHKey(t *testing.T) (ssh.PublicKey, []byte) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "test")
	if err != nil {
		t.Fatal(err)
	}
	return sshPub, pem.EncodeToMemory(block)
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
