package gittransport

import (
	"errors"
	"strings"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/source"
)

func TestParseEndpoint(t *testing.T) {
	tests := []struct {
		raw                   string
		url, host, normalized string
		ssh                   bool
	}{
		{"https://user:s3cret@Git.Example.com/org/app.git/", "https://Git.Example.com/org/app.git/", "Git.Example.com:443",
			"https://git.example.com:443/org/app.git", false},
		{"HTTP://host:8080/app", "HTTP://host:8080/app", "host:8080", "http://host:8080/app", false},
		{"ssh://git@host:2222/app.git", "ssh://host:2222/app.git", "host:2222", "ssh://host:2222/app.git", true},
		// go-git gives an scp-like path without its leading slash; the
		// normalized form has always been written so, and git cache
		// entries are named by it.
		{"git@github.com:org/app.git", "git@github.com:org/app.git", "github.com:22", "ssh://github.com:22org/app.git", true},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			ep, err := ParseEndpoint(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			if ep.URL != tt.url || ep.Host != tt.host || ep.Normalized != tt.normalized || ep.SSH != tt.ssh {
				t.Errorf("got %+v, want URL %q host %q normalized %q ssh %v", ep, tt.url, tt.host, tt.normalized, tt.ssh)
			}
		})
	}
	a, _ := ParseEndpoint("https://HOST/app/")
	b, _ := ParseEndpoint("https://u:p@host:443/app")
	if a.Normalized != b.Normalized {
		t.Errorf("spellings of one URL differ: %q and %q", a.Normalized, b.Normalized)
	}
	if got := b.Secrets(); len(got) != 1 || got[0] != "p" {
		t.Errorf("Secrets() = %q, want the URL's password", got)
	}
}

func TestParseEndpointErrors(t *testing.T) {
	const secret = "s3cret-value"
	tests := []struct{ raw, message string }{
		{"file:///srv/app.git", "unsupported scheme"},
		{"ftp://u:" + secret + "@host/app.git", "unsupported scheme"},
		{"https://u:" + secret + "@host:x/app.git", "invalid repository URL"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			_, err := ParseEndpoint(tt.raw)
			if err == nil || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("got %v, want an error mentioning %q", err, tt.message)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q holds the secret", err)
			}
		})
	}
}

func TestNewAuthErrors(t *testing.T) {
	const secret = "s3cret-key"
	_, key := newSSHKey(t)
	tests := []struct {
		name    string
		url     string
		creds   source.Credentials
		kind    error
		message string
	}{
		{"ssh without key", "ssh://git@host/app.git", source.Credentials{}, source.ErrAuthRequired, "ssh needs a private key"},
		{"ssh without known_hosts", "git@host:app.git", source.Credentials{SSHPrivateKey: key}, source.ErrHostKey, "ssh needs known_hosts"},
		{"bad ssh key", "ssh://host/app.git", source.Credentials{SSHPrivateKey: []byte(secret), KnownHosts: []byte("x")}, nil, "parse ssh private key"},
		{"bad known_hosts", "ssh://host/app.git", source.Credentials{SSHPrivateKey: key, KnownHosts: []byte("x")}, nil, "parse known_hosts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep, err := ParseEndpoint(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			_, err = NewAuth(ep, tt.creds)
			if err == nil || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("got %v, want an error mentioning %q", err, tt.message)
			}
			if tt.kind != nil && !errors.Is(err, tt.kind) {
				t.Errorf("error %v is not %v", err, tt.kind)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q holds the secret", err)
			}
		})
	}
}
