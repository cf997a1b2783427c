package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

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

// TestRenderChartFromRegistry renders a chart pulled from the local OCI
// registry with a values file taken from a git repository.
func TestRenderChartFromRegistry(t *testing.T) {
	testenv.SkipIfShort(t)
	reg := testenv.NewRegistry(t)
	ctx := context.Background()
	archive, err := testenv.PackageChart("../render/helm/testdata/charts/app")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.PushChartArchive(ctx, "charts/app", "1.2.0", archive); err != nil {
		t.Fatal(err)
	}
	values := t.TempDir()
	if err := os.WriteFile(filepath.Join(values, "prod.yaml"), []byte("replicaCount: 4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := New(Options{CacheDir: t.TempDir()})
	chart := &ChartSpec{Repo: "oci://" + reg.Host + "/charts", Name: "app", Version: ">=1.2 <2", Username: reg.Username, Password: reg.Password}
	out, err := p.Render(ctx, SourceSpec{Dir: values, Chart: chart}, render.Request{Helm: render.HelmOptions{ValuesFiles: []string{"prod.yaml"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.Revision, "app@1.2.0") {
		t.Errorf("revision = %q, want app@1.2.0...", out.Revision)
	}
	var replicas int64
	for _, o := range out.Objects {
		if o.GetKind() == "Deployment" && strings.Contains(o.GetName(), "app") {
			replicas, _, _ = unstructured.NestedInt64(o.Object, "spec", "replicas")
		}
	}
	if replicas != 4 {
		t.Errorf("deployment replicas = %d, want 4 from the values file", replicas)
	}
	chart.Password = "wrong-password"
	if _, err := p.Render(ctx, SourceSpec{Chart: chart}, render.Request{}); err == nil || strings.Contains(err.Error(), "wrong-password") {
		t.Errorf("wrong registry password: err = %v, want an error without the password", err)
	}
}
