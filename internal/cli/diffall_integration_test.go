package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// TestDiffAllApps plans every app of a tugboat.yaml, each against its own
// cluster, in one run: the pre-merge check a CI job posts on a pull request.
func TestDiffAllApps(t *testing.T) {
	east := testenv.NewCluster(t, testenv.ClusterOptions{Name: "east"})
	west := testenv.NewCluster(t, testenv.ClusterOptions{Name: "west"})
	repo := t.TempDir()
	files := map[string]string{
		"tugboat.yaml": `apiVersion: tugboat.dev/v1alpha1
kind: Repository
apps:
  - name: shop-east
    path: apps/shop
    vars: {REGION: east}
    destination: {context: east, namespace: shop}
  - name: shop-west
    path: apps/shop
    vars: {REGION: west}
    destination: {context: west, namespace: shop}
`,
		"apps/shop/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
		"apps/shop/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: region\ndata:\n  region: ${REGION}\n",
	}
	writeFiles(t, repo, files)
	common := []string{"--all", "-f", filepath.Join(repo, "tugboat.yaml"), "--kubeconfig", east.Kubeconfig + ":" + west.Kubeconfig}
	stdout, stderr, code := run(t, append([]string{"diff"}, common...)...)
	if code != ExitChanges {
		t.Fatalf("diff --all: exit %d, want %d\n%s%s", code, ExitChanges, stdout, stderr)
	}
	for _, want := range []string{"app shop-east on east", "app shop-west on west", "+  region: east", "+  region: west"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("diff --all output lacks %q:\n%s", want, stdout)
		}
	}
	if _, stderr, code := run(t, append([]string{"apply"}, common...)...); code != ExitOK {
		t.Fatalf("apply --all: exit %d: %s", code, stderr)
	}
	if stdout, _, code := run(t, append([]string{"diff"}, common...)...); code != ExitOK {
		t.Errorf("diff --all after apply: exit %d, want 0:\n%s", code, stdout)
	}
}
