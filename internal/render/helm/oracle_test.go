package helm

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/action"
	ci "helm.sh/helm/v4/pkg/chart"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/loader"
	"helm.sh/helm/v4/pkg/cli/values"
	"helm.sh/helm/v4/pkg/getter"
	releasev1 "helm.sh/helm/v4/pkg/release/v1"
	"sigs.k8s.io/yaml"

	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/render"
)

// helmTemplate renders req the reference way, with Helm's pkg/action as
// `helm template --include-crds` runs it (client-only dry run, Replace),
// and returns its output: the manifest, then the hooks.
func helmTemplate(t testing.TB, req render.Request) (string, error) {
	t.Helper()
	path := req.Helm.ChartDir
	if path == "" {
		path = filepath.Join(req.Root, req.Path)
	}
	chrt, err := loader.Load(path)
	if err != nil {
		return "", err
	}
	ac, err := ci.NewAccessor(chrt)
	if err != nil {
		return "", err
	}
	if deps := ac.MetaDependencies(); len(deps) > 0 {
		if err := action.CheckDependencies(chrt, deps); err != nil {
			return "", err
		}
	}
	inst, err := helmInstall(req, path, ac.Name())
	if err != nil {
		return "", err
	}
	rel, err := inst.RunWithContext(context.Background(), chrt, helmValues(t, req))
	if err != nil {
		return "", err
	}
	r := rel.(*releasev1.Release)
	var out strings.Builder
	fmt.Fprintln(&out, strings.TrimSpace(r.Manifest))
	for _, h := range r.Hooks {
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", h.Path, h.Manifest)
	}
	return out.String(), nil
}

func helmInstall(req render.Request, path, chartName string) (*action.Install, error) {
	cfg := action.NewConfiguration(action.ConfigurationSetLogger(slog.NewTextHandler(io.Discard, nil)))
	inst := action.NewInstall(cfg)
	inst.DryRunStrategy = action.DryRunClient
	inst.Replace = true
	inst.IncludeCRDs = !req.Helm.SkipCRDs
	inst.ReleaseName = req.Helm.ReleaseName
	if inst.ReleaseName == "" {
		inst.ReleaseName = chartName
		if info, err := os.Stat(path); err == nil && info.IsDir() {
			inst.ReleaseName = filepath.Base(path)
		}
	}
	inst.Namespace = req.Helm.Namespace
	if inst.Namespace == "" {
		inst.Namespace = "default"
	}
	if req.Helm.KubeVersion != "" {
		kv, err := common.ParseKubeVersion(req.Helm.KubeVersion)
		if err != nil {
			return nil, err
		}
		inst.KubeVersion = kv
	}
	inst.APIVersions = common.VersionSet(req.Helm.APIVersions)
	return inst, nil
}

// helmValues merges values as the helm CLI does, the inline values passed
// as one more values file after the others.
func helmValues(t testing.TB, req render.Request) map[string]any {
	t.Helper()
	opts := values.Options{Values: req.Helm.Set}
	for _, f := range req.Helm.ValuesFiles {
		opts.ValueFiles = append(opts.ValueFiles, filepath.Join(req.Root, f))
	}
	if len(req.Helm.Values) > 0 {
		data, err := yaml.Marshal(req.Helm.Values)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "inline.yaml")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		opts.ValueFiles = append(opts.ValueFiles, file)
	}
	vals, err := opts.MergeValues(getter.Providers{})
	if err != nil {
		t.Fatal(err)
	}
	return vals
}

// helmObjects renders req with Helm's pkg/action and parses the output.
func helmObjects(t testing.TB, req render.Request) []*object.Object {
	t.Helper()
	out, err := helmTemplate(t, req)
	if err != nil {
		t.Fatalf("helm template: %v", err)
	}
	objs, err := object.Decode("helm template", []byte(out), object.Limits{})
	if err != nil {
		t.Fatalf("parse helm template output: %v", err)
	}
	return objs
}

// sameObjects fails unless got and want hold equal objects in the same
// order, showing the first difference as YAML.
func sameObjects(t testing.TB, got, want []*object.Object) {
	t.Helper()
	for i := 0; i < len(got) && i < len(want); i++ {
		if !reflect.DeepEqual(got[i].Object, want[i].Object) {
			g, _ := yaml.Marshal(got[i].Object)
			w, _ := yaml.Marshal(want[i].Object)
			t.Fatalf("object %d differs from helm's:\n--- got (%s)\n%s--- helm\n%s", i, got[i].Source, g, w)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("got %d objects %v, helm renders %d: %v", len(got), ids(got), len(want), ids(want))
	}
}

func ids(objs []*object.Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.ID().String()
	}
	return out
}
