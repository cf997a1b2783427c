package cli

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/tugboat-gitops/tugboat/internal/controller"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// TestDiffApplication plans an Application of the cluster as the
// controller syncs it: its repository read with its Secret's
// credentials, its objects that name no namespace in the Application's.
// In sync with what the controller applied, the diff is empty (0); a
// pushed commit that the controller has not applied yet shows (1).
func TestDiffApplication(t *testing.T) {
	env := testenv.NewCluster(t, testenv.ClusterOptions{Name: "cli-diffapp"})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	apps := installApplicationCRD(ctx, t, env).Namespace("team")
	git, wt := webRepo(t)
	cs := env.Clientset()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "git", Namespace: "team"},
		StringData: map[string]string{"username": git.Username, "password": git.Password}}
	if _, err := cs.CoreV1().Secrets("team").Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- controller.Run(runCtx, controller.Options{Config: env.Config, CacheDir: t.TempDir()}) }()
	t.Cleanup(func() { stop(); <-done })
	// An interval of an hour: the controller applies the first commit and
	// leaves the next one to the diff.
	app := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "tugboat.dev/v1alpha1", "kind": "Application",
		"metadata": map[string]any{"name": "web", "namespace": "team"},
		"spec": map[string]any{"repo": git.HTTPURL("envs"), "path": "apps/web", "interval": "1h",
			"secretRef": map[string]any{"name": "git"}},
	}}
	if _, err := apps.Create(ctx, app, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		u, err := apps.Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		a, _, err := decodeApp(u)
		if err != nil {
			return false, err
		}
		return a.Status.LastAppliedRevision != "" && a.Status.Inventory != nil && !a.Status.Inventory.Pending, nil
	}); err != nil {
		t.Fatalf("the controller did not apply the app: %v", err)
	}

	kc := []string{"--kubeconfig", env.Kubeconfig}
	noFile := filepath.Join(t.TempDir(), "tugboat.yaml")
	checkRun(t, append([]string{"diff", "--application", "web", "-n", "team"}, kc...), ExitOK, "", []string{"app web", "1 unchanged"})
	checkRun(t, append([]string{"diff", "--app", "web", "-n", "team", "-f", noFile}, kc...), ExitOK, "", []string{"1 unchanged"})

	if err := wt.WriteFile("apps/web/cm.yaml", syncConfigMap("green")); err != nil {
		t.Fatal(err)
	}
	if _, err := wt.Commit("color green"); err != nil {
		t.Fatal(err)
	}
	if err := wt.Push(); err != nil {
		t.Fatal(err)
	}
	checkRun(t, append([]string{"diff", "--application", "web", "-n", "team"}, kc...), ExitChanges, "",
		[]string{"ConfigMap/team/web", "-  color: blue", "+  color: green", "1 to update"})
	checkRun(t, append([]string{"diff", "--app", "web", "-n", "team", "-f", noFile}, kc...), ExitChanges, "", []string{"+  color: green"})

	checkRun(t, append([]string{"diff", "--application", "nosuch", "-n", "team"}, kc...), ExitFailure, "Application team/nosuch", nil)
	checkRun(t, append([]string{"diff", "--app", "nosuch", "-n", "team", "-f", noFile}, kc...), ExitFailure, "no "+noFile, nil)
	checkRun(t, append([]string{"diff", "--application", "web", "--all"}, kc...), ExitFailure, "give --application alone", nil)
}
