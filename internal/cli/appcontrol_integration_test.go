package cli

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/tugboat-gitops/tugboat/internal/controller"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// TestSyncSuspendResume drives a controller-run Application with an
// interval of an hour from the command line: tug sync applies a pushed
// commit now, and with --wait returns once it is applied, failing on a
// bad commit; a suspended app applies nothing, even when asked; resume
// applies it; tug history lists the syncs.
func TestSyncSuspendResume(t *testing.T) {
	env := testenv.NewCluster(t, testenv.ClusterOptions{Name: "cli-sync"})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	apps := installApplicationCRD(ctx, t, env).Namespace("default")
	git, wt := webRepo(t)
	cs := env.Clientset()
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "git", Namespace: "default"},
		StringData: map[string]string{"username": git.Username, "password": git.Password}}
	if _, err := cs.CoreV1().Secrets("default").Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- controller.Run(runCtx, controller.Options{Config: env.Config, CacheDir: t.TempDir()}) }()
	t.Cleanup(func() { stop(); <-done })
	app := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "tugboat.dev/v1alpha1", "kind": "Application",
		"metadata": map[string]any{"name": "web", "namespace": "default"},
		"spec": map[string]any{"repo": git.HTTPURL("envs"), "path": "apps/web", "interval": "1h",
			"secretRef": map[string]any{"name": "git"}},
	}}
	if _, err := apps.Create(ctx, app, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	color := func() string {
		cm, err := cs.CoreV1().ConfigMaps("default").Get(ctx, "web", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return ""
		}
		if err != nil {
			t.Fatal(err)
		}
		return cm.Data["color"]
	}
	waitColor := func(want string) {
		t.Helper()
		if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
			return color() == want, nil
		}); err != nil {
			t.Fatalf("waiting for %s: %v", want, err)
		}
	}
	pushColor := func(c string) {
		t.Helper()
		if err := wt.WriteFile("apps/web/cm.yaml", syncConfigMap(c)); err != nil {
			t.Fatal(err)
		}
		if _, err := wt.Commit("color " + c); err != nil {
			t.Fatal(err)
		}
		if err := wt.Push(); err != nil {
			t.Fatal(err)
		}
	}
	kc := []string{"--kubeconfig", env.Kubeconfig}
	waitColor("blue")

	pushColor("green")
	checkRun(t, append([]string{"sync", "web"}, kc...), ExitOK, "", []string{"sync requested"})
	waitColor("green")

	pushColor("yellow")
	checkRun(t, append([]string{"sync", "web", "--wait", "--timeout", "1m"}, kc...), ExitOK, "", []string{"sync requested", "Ready=True Applied"})
	if got := color(); got != "yellow" {
		t.Errorf("sync --wait returned before the commit was applied: color %q", got)
	}
	if err := wt.WriteFile("apps/web/broken.yaml", "kind: [not, a, map\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := wt.Commit("broken"); err != nil {
		t.Fatal(err)
	}
	if err := wt.Push(); err != nil {
		t.Fatal(err)
	}
	checkRun(t, append([]string{"sync", "web", "--wait"}, kc...), ExitFailure, "Ready=False RenderFailed", []string{"sync requested"})
	if err := wt.Remove("apps/web/broken.yaml"); err != nil {
		t.Fatal(err)
	}
	pushColor("green")
	checkRun(t, append([]string{"sync", "web", "--wait"}, kc...), ExitOK, "", []string{"Ready=True"})

	checkRun(t, append([]string{"suspend", "web"}, kc...), ExitOK, "", []string{"suspended"})
	pushColor("red")
	checkRun(t, append([]string{"sync", "web"}, kc...), ExitOK, "", nil)
	checkRun(t, append([]string{"sync", "web", "--wait"}, kc...), ExitFailure, "suspended", nil)
	time.Sleep(2 * time.Second)
	if got := color(); got != "green" {
		t.Errorf("a suspended app was applied: color %q", got)
	}
	checkRun(t, append([]string{"resume", "web"}, kc...), ExitOK, "", []string{"resumed"})
	waitColor("red")

	checkRun(t, append([]string{"history", "web"}, kc...), ExitOK, "", []string{"SHA", "Applied", "1 to update", "color red"})
	checkRun(t, append([]string{"sync", "nosuch"}, kc...), ExitFailure, "Application default/nosuch", nil)
}

// webRepo serves the repository "envs" holding the app web (a blue
// ConfigMap at apps/web), with a work tree to push changes from.
func webRepo(t *testing.T) (*testenv.GitServer, *testenv.WorkTree) {
	t.Helper()
	git := testenv.NewGitServer(t)
	src := t.TempDir()
	writeFiles(t, src, map[string]string{"apps/web/cm.yaml": syncConfigMap("blue")})
	if err := git.CreateRepo("envs", src); err != nil {
		t.Fatal(err)
	}
	wt, err := git.Clone("envs")
	if err != nil {
		t.Fatal(err)
	}
	return git, wt
}

func syncConfigMap(color string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  color: " + color + "\n"
}
