package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/render"
	"github.com/tugboat-gitops/tugboat/internal/source"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

func TestRenderFromGit(t *testing.T) {
	testenv.SkipIfShort(t)
	g := testenv.NewGitServer(t)
	testdata, err := filepath.Abs("../render/testdata/kustomize")
	if err != nil {
		t.Fatal(err)
	}
	if err := g.CreateRepo("envs", testdata); err != nil {
		t.Fatal(err)
	}
	p := New(Options{CacheDir: t.TempDir()})
	ctx := context.Background()
	tests := []struct {
		name    string
		src     SourceSpec
		wantErr error
	}{
		{name: "http password", src: SourceSpec{Repo: g.HTTPURL("envs"), Ref: "main", Path: "overlays/prod", Credentials: source.Credentials{Username: g.Username, Password: g.Password}}},
		{name: "http token", src: SourceSpec{Repo: g.HTTPURL("envs"), Path: "overlays/prod", Credentials: source.Credentials{Token: g.Token}}},
		{name: "ssh", src: SourceSpec{Repo: g.SSHURL("envs"), Ref: "branch:main", Path: "overlays/prod", Credentials: source.Credentials{SSHPrivateKey: g.ClientPrivateKeyPEM, KnownHosts: knownHosts(t, g)}}},
		{name: "wrong password", src: SourceSpec{Repo: g.HTTPURL("envs"), Path: "overlays/prod", Credentials: source.Credentials{Username: g.Username, Password: "hunter2-wrong"}}, wantErr: source.ErrAuthFailed},
		{name: "no credentials", src: SourceSpec{Repo: g.HTTPURL("envs"), Path: "overlays/prod"}, wantErr: source.ErrAuthRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := p.Render(ctx, tt.src, render.Request{})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), g.Password) {
					t.Errorf("error leaks a credential: %v", err)
				}
				if out != nil {
					t.Errorf("objects returned with an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(out.Revision, "main@sha1:") || len(out.Objects) != 5 {
				t.Errorf("revision %q, %d objects; want main@sha1:..., 5", out.Revision, len(out.Objects))
			}
		})
	}
}

func knownHosts(t *testing.T, g *testenv.GitServer) []byte {
	t.Helper()
	data, err := os.ReadFile(g.KnownHostsPath)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
