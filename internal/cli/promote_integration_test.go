package cli

import (
	"strings"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// promoteFiles are an environment repository with a kustomize base and a
// staging and a production overlay that pin its image.
var promoteFiles = map[string]string{
	"tugboat.yaml": `apiVersion: tugboat.dev/v1alpha1
kind: Repository
apps:
  - name: staging
    path: apps/staging
  - name: production
    path: apps/production
`,
	"apps/base/kustomization.yaml": "resources: [deploy.yaml]\n",
	"apps/base/deploy.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: reg.example/team/web:1.0.0
`,
	"apps/staging/kustomization.yaml":    overlay("staging", "1.2.0"),
	"apps/production/kustomization.yaml": overlay("production", "1.1.0"),
}

func overlay(ns, tag string) string {
	return "namespace: default\nnamePrefix: " + ns + "-\nresources: [../base]\nimages:\n  - name: reg.example/team/web\n    newTag: " + tag + " # pinned by promotion\n"
}

// TestPromote promotes staging to production through the server: refused
// while staging does not run the commit, then pushed once it does, then
// refused again for a newer commit not yet applied, and pushed to a review
// branch without the gate.
func TestPromote(t *testing.T) {
	f := newGitFixture(t, promoteFiles)
	cluster := testenv.NewCluster(t, testenv.ClusterOptions{})
	t.Setenv("TUGBOAT_GIT_USERNAME", f.g.Username)
	t.Setenv("TUGBOAT_GIT_PASSWORD", f.g.Password)
	promote := []string{"promote", "--from", "staging", "--to", "production", "--push", "--repo", f.g.HTTPURL("env"), "--kubeconfig", cluster.Kubeconfig}
	gated := append(append([]string{}, promote...), "--require-healthy")
	production := func() string { return f.git(t, "show", "main:apps/production/kustomization.yaml") }

	before := f.git(t, "rev-parse", "main")
	checkRun(t, gated, ExitFailure, "app staging: nothing recorded", nil)
	if f.git(t, "rev-parse", "main") != before {
		t.Fatal("a refused promotion pushed")
	}

	wt := f.clone(t)
	checkRun(t, []string{"apply", "--app", "staging", "-f", wt.Dir + "/tugboat.yaml", "--wait", "--kubeconfig", cluster.Kubeconfig}, ExitOK, "", nil)
	checkRun(t, gated, ExitOK, "", []string{"apps/production/kustomization.yaml:6: production: reg.example/team/web 1.1.0 -> 1.2.0", "pushed "})
	if got := production(); got != strings.TrimSuffix(overlay("production", "1.2.0"), "\n") {
		t.Errorf("production's overlay:\n%s", got)
	}
	if got, want := f.git(t, "log", "-1", "--format=%B", "main"), "tugboat: promote staging to production\n\nproduction: reg.example/team/web 1.1.0 -> 1.2.0"; got != want {
		t.Errorf("commit message %q, want %q", got, want)
	}
	checkRun(t, gated, ExitOK, "", []string{"nothing to change"})

	f.pushCommit(t, "staging: 1.3.0", map[string]string{"apps/staging/kustomization.yaml": overlay("staging", "1.3.0")})
	before = f.git(t, "rev-parse", "main")
	checkRun(t, gated, ExitFailure, `changes apps/staging/kustomization.yaml since; apply it`, nil)
	if f.git(t, "rev-parse", "main") != before {
		t.Fatal("a refused promotion pushed")
	}

	checkRun(t, append(promote, "--branch", "promote/production"), ExitOK, "", []string{"1.2.0 -> 1.3.0", "to promote/production of"})
	if got := f.git(t, "show", "promote/production:apps/production/kustomization.yaml"); got != strings.TrimSuffix(overlay("production", "1.3.0"), "\n") {
		t.Errorf("the review branch has:\n%s", got)
	}
	if f.git(t, "rev-parse", "main") != before {
		t.Error("a promotion to a review branch moved main")
	}
}

// TestPromoteChart promotes a chart version between two apps that deploy
// the same chart from an OCI registry, and leaves it with --images-only.
func TestPromoteChart(t *testing.T) {
	reg := testenv.NewRegistry(t)
	archive, err := testenv.PackageChart("../render/helm/testdata/charts/app")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"1.1.0", "1.2.0"} {
		if _, err := reg.PushChartArchive(t.Context(), "charts/app", v, archive); err != nil {
			t.Fatal(err)
		}
	}
	app := func(name, version string) string {
		return "  - name: " + name + "\n    chart: {repo: oci://" + reg.Host + "/charts, name: app, version: " + version + "}\n"
	}
	f := newGitFixture(t, map[string]string{"tugboat.yaml": "apiVersion: tugboat.dev/v1alpha1\nkind: Repository\napps:\n" + app("staging", "1.2.0") + app("production", "1.1.0")})
	t.Setenv("TUGBOAT_GIT_USERNAME", f.g.Username)
	t.Setenv("TUGBOAT_GIT_PASSWORD", f.g.Password)
	t.Setenv("TUGBOAT_HELM_USERNAME", reg.Username)
	t.Setenv("TUGBOAT_HELM_PASSWORD", reg.Password)
	promote := []string{"promote", "--from", "staging", "--to", "production", "--push", "--repo", f.g.HTTPURL("env")}

	checkRun(t, append(promote, "--images-only"), ExitFailure, "app production has no files in this repository and no chart version to promote into", nil)
	checkRun(t, promote, ExitOK, "", []string{"tugboat.yaml:7: production: chart oci://" + reg.Host + "/charts/app 1.1.0 -> 1.2.0", "pushed "})
	if got := f.git(t, "show", "main:tugboat.yaml"); !strings.Contains(got, app("production", "1.2.0")[:len(app("production", "1.2.0"))-1]) {
		t.Errorf("tugboat.yaml on the server:\n%s", got)
	}
}
