package pipeline

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/action"
	ci "helm.sh/helm/v4/pkg/chart"
	"helm.sh/helm/v4/pkg/chart/loader"
	"helm.sh/helm/v4/pkg/downloader"
	"helm.sh/helm/v4/pkg/getter"
	"helm.sh/helm/v4/pkg/registry"
	releasev1 "helm.sh/helm/v4/pkg/release/v1"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

// The reference side of the chart dependency tests: what the helm CLI
// does, with Helm's own packages.

// helmDependencyUpdate runs `helm dependency update` on the chart at dir:
// it writes Chart.lock and vendors every dependency in charts/. username
// and password, if set, are for OCI registries.
func helmDependencyUpdate(t *testing.T, dir string, username, password string) {
	t.Helper()
	home := t.TempDir()
	opts := []registry.ClientOption{
		registry.ClientOptPlainHTTP(), registry.ClientOptWriter(io.Discard),
		registry.ClientOptCredentialsFile(filepath.Join(home, "config.json")),
	}
	if username != "" {
		opts = append(opts, registry.ClientOptBasicAuth(username, password))
	}
	rc, err := registry.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	m := &downloader.Manager{
		Out: io.Discard, ChartPath: dir, RegistryClient: rc,
		Getters:          getter.Getters(getter.WithRegistryClient(rc), getter.WithPlainHTTP(true)),
		RepositoryConfig: filepath.Join(home, "repositories.yaml"),
		RepositoryCache:  filepath.Join(home, "cache"),
		ContentCache:     filepath.Join(home, "content"),
	}
	if err := m.Update(); err != nil {
		t.Fatalf("helm dependency update: %v", err)
	}
}

// helmTemplate renders the chart at dir as `helm template --include-crds`
// does, with default values, the release named after the directory.
func helmTemplate(t *testing.T, dir string) []*object.Object {
	t.Helper()
	chrt, err := loader.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	ac, err := ci.NewAccessor(chrt)
	if err != nil {
		t.Fatal(err)
	}
	if err := action.CheckDependencies(chrt, ac.MetaDependencies()); err != nil {
		t.Fatal(err)
	}
	inst := action.NewInstall(action.NewConfiguration(action.ConfigurationSetLogger(slog.NewTextHandler(io.Discard, nil))))
	inst.DryRunStrategy, inst.Replace, inst.IncludeCRDs = action.DryRunClient, true, true
	inst.ReleaseName, inst.Namespace = filepath.Base(dir), "default"
	rel, err := inst.RunWithContext(context.Background(), chrt, map[string]any{})
	if err != nil {
		t.Fatalf("helm template: %v", err)
	}
	r := rel.(*releasev1.Release)
	var out strings.Builder
	fmt.Fprintln(&out, strings.TrimSpace(r.Manifest))
	for _, h := range r.Hooks {
		fmt.Fprintf(&out, "---\n%s\n", h.Manifest)
	}
	objs, err := object.Decode("helm template", []byte(out.String()), object.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return objs
}
