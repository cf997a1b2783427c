package writeback

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/tugboat-gitops/tugboat/internal/source"
)

// TestCommitRefused pushes without write access: the error wraps
// ErrAuthFailed (or ErrNotFound), names the repository without any
// secret, nothing reaches the remote and no checkout is left.
func TestCommitRefused(t *testing.T) {
	const wrong = "wrong-secret-4711"
	f := newFixture(t)
	f.newRepo(t, "app")
	before := f.head(t, "app", "main")
	wrongInURL := url.URL{Scheme: "http", User: url.UserPassword(f.g.Username, wrong), Host: hostOf(t, f.g.HTTPURL("app")), Path: "/app.git"}
	tests := []struct {
		name      string
		url       string
		creds     source.Credentials
		branch    string
		kind      error
		message   string
		editsMade int // the edit runs when the clone works
	}{
		{"http no credentials", "", source.Credentials{}, "main", source.ErrAuthFailed, "none were given", 0},
		{"http wrong password", "", source.Credentials{Username: f.g.Username, Password: wrong}, "main", source.ErrAuthFailed, "rejected the credentials", 0},
		{"http wrong token", "", source.Credentials{Token: wrong}, "main", source.ErrAuthFailed, "rejected the credentials", 0},
		{"http wrong password in URL", wrongInURL.String(), source.Credentials{}, "main", source.ErrAuthFailed, "rejected the credentials", 0},
		{"http read-only user", "", source.Credentials{Username: f.g.ReadOnlyUsername, Password: f.g.ReadOnlyPassword}, "main", source.ErrAuthFailed, "push: authentication failed: access denied", 1},
		{"ssh unknown key", f.g.SSHURL("app"), source.Credentials{SSHPrivateKey: otherKey(t), KnownHosts: f.sshCreds(t).KnownHosts}, "main", source.ErrAuthFailed, "rejected the ssh key", 0},
		{"ssh no key", f.g.SSHURL("app"), source.Credentials{KnownHosts: f.sshCreds(t).KnownHosts}, "main", source.ErrAuthFailed, "ssh needs a private key", 0},
		{"missing branch", "", f.passwordCreds(), "nope", source.ErrNotFound, "branch nope not found", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := f.options("app")
			opts.Credentials, opts.Branch = tt.creds, tt.branch
			if tt.url != "" {
				opts.URL = tt.url
			}
			edits := 0
			edit := func(ctx context.Context, dir string) (string, error) {
				edits++
				return setImage("1.1.0")(ctx, dir)
			}
			res, err := f.commit(t, opts, edit)
			if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("got %v, want %v mentioning %q", err, tt.kind, tt.message)
			}
			wantURL := withoutUser(t, opts.URL)
			if !strings.Contains(err.Error(), "write back to "+wantURL) {
				t.Errorf("error %q does not name %s", err, wantURL)
			}
			for _, secret := range []string{wrong, f.g.Password, f.g.Token, f.g.ReadOnlyPassword} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q holds a secret", err)
				}
			}
			if res.Changed || edits != tt.editsMade {
				t.Errorf("got %+v after %d edits, want no commit after %d", res, edits, tt.editsMade)
			}
			if after := f.head(t, "app", "main"); after != before {
				t.Errorf("main moved from %s to %s", before, after)
			}
			f.checkWorkDirEmpty(t)
		})
	}
}

// withoutUser is raw without its user name and password.
func withoutUser(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.User = nil
	return u.String()
}

func hostOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// otherKey returns a PEM private key the SSH server does not accept.
func otherKey(t *testing.T) []byte {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "other")
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(block)
}
