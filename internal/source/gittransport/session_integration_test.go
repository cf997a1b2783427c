package gittransport

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/storage/memory"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/tugboat-gitops/tugboat/internal/source"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// TestSessionAgainstServer lists a repository's refs on a real git server
// over HTTP and SSH, as any exchange (fetch or push) would authenticate,
// and classifies what the server refuses.
func TestSessionAgainstServer(t *testing.T) {
	testenv.SkipIfShort(t)
	g := testenv.NewGitServer(t)
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "README.md"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := g.CreateRepo("app", src); err != nil {
		t.Fatal(err)
	}
	known, err := os.ReadFile(g.KnownHostsPath)
	if err != nil {
		t.Fatal(err)
	}
	sshCreds := source.Credentials{SSHPrivateKey: g.ClientPrivateKeyPEM, KnownHosts: known}
	otherKey, _ := newSSHKey(t)
	sshHost := knownhosts.Normalize(mustParse(t, g.SSHURL("app")).Host)
	mismatch := source.Credentials{SSHPrivateKey: g.ClientPrivateKeyPEM, KnownHosts: []byte(knownhosts.Line([]string{sshHost}, otherKey) + "\n")}
	tests := []struct {
		name  string
		url   string
		creds source.Credentials
		kind  error // nil: the listing works
	}{
		{"http password", g.HTTPURL("app"), source.Credentials{Username: g.Username, Password: g.Password}, nil},
		{"http token", g.HTTPURL("app"), source.Credentials{Token: g.Token}, nil},
		{"http password in URL", g.HTTPPasswordURL("app"), source.Credentials{}, nil},
		{"ssh", g.SSHURL("app"), sshCreds, nil},
		{"http wrong password", g.HTTPURL("app"), source.Credentials{Username: g.Username, Password: "wrong"}, source.ErrAuthFailed},
		{"http no credentials", g.HTTPURL("app"), source.Credentials{}, source.ErrAuthRequired},
		{"http unknown repository", g.HTTPURL("nope"), source.Credentials{Token: g.Token}, source.ErrNotFound},
		{"ssh host key mismatch", g.SSHURL("app"), mismatch, source.ErrHostKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := list(t, tt.url, tt.creds)
			if tt.kind == nil && err != nil {
				t.Fatal(err)
			}
			if tt.kind != nil && !errors.Is(err, tt.kind) {
				t.Fatalf("got %v, want %v", err, tt.kind)
			}
		})
	}
}

// list lists the remote's refs with a Session of creds.
func list(t *testing.T, url string, creds source.Credentials) error {
	t.Helper()
	ep, err := ParseEndpoint(url)
	if err != nil {
		t.Fatal(err)
	}
	auth, err := NewAuth(ep, creds)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s := auth.Session()
	remote := gogit.NewRemote(memory.NewStorage(), &config.RemoteConfig{Name: "origin", URLs: []string{ep.URL}})
	if _, err := remote.ListContext(ctx, &gogit.ListOptions{Auth: s.Method}); err != nil {
		return s.Classify(err)
	}
	return nil
}
