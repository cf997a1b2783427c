package git

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/tugboat-gitops/tugboat/internal/redact"
	"github.com/tugboat-gitops/tugboat/internal/source"
)

func TestFetchAuth(t *testing.T) {
	f := newFixture(t, map[string]string{"README.md": "hello\n"})
	g := f.g
	tests := []struct {
		name  string
		url   string
		creds source.Credentials
	}{
		{"http password", g.HTTPURL("app"), f.passwordCreds()},
		{"http bearer token", g.HTTPURL("app"), source.Credentials{Token: g.Token}},
		{"http token as basic auth password", g.HTTPURL("app"), source.Credentials{Username: "anyone", Token: g.Token}},
		{"http password in URL", g.HTTPPasswordURL("app"), source.Credentials{}},
		{"http token in URL", g.HTTPTokenURL("app"), source.Credentials{}},
		{"ssh key and known_hosts", g.SSHURL("app"), f.sshCreds(t)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(Options{URL: tt.url, Credentials: tt.creds, CacheDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			art := mustFetch(t, s)
			if art.Commit != f.first || art.Revision != "main@sha1:"+f.first {
				t.Errorf("got commit %s revision %s, want %s on main", art.Commit, art.Revision, f.first)
			}
			checkFile(t, art, "README.md", "hello\n")
			for _, secret := range []string{g.Password, g.Token} {
				if strings.Contains(art.Revision+art.Dir, secret) {
					t.Errorf("artifact %+v holds a secret", art)
				}
			}
		})
	}
}

func TestFetchAuthErrors(t *testing.T) {
	f := newFixture(t, map[string]string{"README.md": "hello\n"})
	g := f.g
	const wrong = "wrong-secret-1234"
	otherKey, otherPEM := newSSHKey(t)
	sshHost := hostOf(t, g.SSHURL("app"))
	withKnownHosts := func(line string) source.Credentials {
		c := f.sshCreds(t)
		c.KnownHosts = []byte(line + "\n")
		return c
	}
	wrongKey := f.sshCreds(t)
	wrongKey.SSHPrivateKey = otherPEM
	tests := []struct {
		name    string
		url     string
		creds   source.Credentials
		kind    error
		message string
	}{
		{"wrong password", g.HTTPURL("app"), source.Credentials{Username: g.Username, Password: wrong},
			source.ErrAuthFailed, "authentication failed"},
		{"wrong token", g.HTTPURL("app"), source.Credentials{Token: wrong}, source.ErrAuthFailed, "authentication failed"},
		{"no credentials", g.HTTPURL("app"), source.Credentials{}, source.ErrAuthRequired, "authentication required"},
		{"wrong password in URL", urlWithPassword(t, g.HTTPURL("app"), g.Username, wrong), source.Credentials{},
			source.ErrAuthFailed, "authentication failed"},
		{"unknown repository", g.HTTPURL("nope"), f.passwordCreds(), source.ErrNotFound, "repository not found"},
		{"ssh wrong key", g.SSHURL("app"), wrongKey, source.ErrAuthFailed, "authentication failed"},
		{"ssh host key mismatch", g.SSHURL("app"), withKnownHosts(knownhosts.Line([]string{sshHost}, otherKey)),
			source.ErrHostKey, "host key mismatch"},
		{"ssh unknown host", g.SSHURL("app"), withKnownHosts(knownhosts.Line([]string{"[example.invalid]:22"}, g.HostPublicKey)),
			source.ErrHostKey, "not in known_hosts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(Options{URL: tt.url, Credentials: tt.creds, CacheDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			_, err = fetch(t, s)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("got error %v, want %v", err, tt.kind)
			}
			t.Logf("error: %v", err)
			msg := err.Error()
			wantPrefix := "fetch " + redact.Text(tt.url) + " ref HEAD: "
			if !strings.HasPrefix(msg, wantPrefix) || !strings.Contains(msg, tt.message) {
				t.Errorf("error %q: want it to start with %q and mention %q", msg, wantPrefix, tt.message)
			}
			for _, secret := range []string{wrong, g.Password, g.Token, g.Username + ":"} {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q holds secret %q", msg, secret)
				}
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

// hostOf returns a URL's host as known_hosts names it.
func hostOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return knownhosts.Normalize(u.Host)
}

func urlWithPassword(t *testing.T, raw, user, password string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(user, password)
	return u.String()
}

// TestNewErrors checks that New names the URL without its secret and keeps
// the meaning of what it refuses; package gittransport tests the URLs and
// credentials it refuses in full.
func TestNewErrors(t *testing.T) {
	const secret = "s3cret-value"
	tests := []struct {
		name    string
		opts    Options
		kind    error
		message string
	}{
		{"unsupported scheme with password", Options{URL: "ftp://u:" + secret + "@host/app.git"}, nil, "git source ftp://host/app.git: unsupported scheme"},
		{"invalid URL with password", Options{URL: "https://u:" + secret + "@host:x/app.git"}, nil, "invalid repository URL"},
		{"ssh without key", Options{URL: "ssh://git@host/app.git"}, source.ErrAuthRequired, "private key"},
		{"bad ssh key", Options{URL: "ssh://host/app.git", Credentials: source.Credentials{SSHPrivateKey: []byte(secret), KnownHosts: []byte("x")}},
			nil, "parse ssh private key"},
		{"two refs", Options{URL: "https://host/app.git", Ref: Ref{Branch: "a", Tag: "b"}}, nil, "only one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.CacheDir = t.TempDir()
			_, err := New(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("got error %v, want one mentioning %q", err, tt.message)
			}
			t.Logf("error: %v", err)
			if tt.kind != nil && !errors.Is(err, tt.kind) {
				t.Errorf("error %v is not %v", err, tt.kind)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q holds the secret", err)
			}
		})
	}
}
