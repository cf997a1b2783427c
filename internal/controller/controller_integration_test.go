package controller

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/pipeline"
	"github.com/tugboat-gitops/tugboat/internal/render"
	"github.com/tugboat-gitops/tugboat/internal/source"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

var applications = schema.GroupVersionResource{Group: "tugboat.dev", Version: "v1alpha1", Resource: "applications"}

// TestControllerSyncs: an app applied with `tug apply` is taken over by an
// Application with no write but the Application's status; a pushed commit
// is applied by polling; a bad commit makes it Ready=False, naming the
// file, and prunes nothing; the next good commit recovers; and checks that
// find nothing new write nothing to the Application.
func TestControllerSyncs(t *testing.T) {
	env := testenv.NewCluster(t, testenv.ClusterOptions{Name: "controller"})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	installCRD(ctx, t, env)
	git, wt := gitRepo(t, map[string]string{"apps/web/cm.yaml": configMap("blue")})
	cs := env.Clientset()
	ns := "team"
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	gitSecret(ctx, t, cs, ns, git)

	pushApply(ctx, t, env, git.HTTPURL("envs"), ns, source.Credentials{Username: git.Username, Password: git.Password})
	var writes []string
	var mu sync.Mutex
	cfg := rest.CopyConfig(env.Config)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripper(func(req *http.Request) (*http.Response, error) {
			if req.Method != http.MethodGet && req.URL.Query().Get("dryRun") == "" && !strings.Contains(req.URL.Path, "/apis/tugboat.dev/") &&
				!strings.Contains(req.URL.Path, "/leases") && !strings.HasSuffix(req.URL.Path, "/events") {
				mu.Lock()
				writes = append(writes, req.Method+" "+req.URL.Path)
				mu.Unlock()
			}
			return rt.RoundTrip(req)
		})
	})
	startController(ctx, t, Options{Config: cfg, CacheDir: t.TempDir(), Concurrency: 2, LeaderElection: true, LeaderElectionNamespace: ns})

	dyn := dynamic.NewForConfigOrDie(env.Config)
	createApp(ctx, t, dyn, ns, map[string]any{"repo": git.HTTPURL("envs"), "path": "apps/web", "interval": "1s"})
	waitFor(ctx, t, "Ready and blue", func() bool {
		return ready(ctx, t, dyn, ns) == "True" && color(ctx, t, cs, ns) == "blue"
	})
	mu.Lock()
	if len(writes) > 0 {
		t.Errorf("taking over the pushed app wrote: %v", writes)
	}
	mu.Unlock()
	if _, err := cs.CoordinationV1().Leases(ns).Get(ctx, "tugboat-controller", metav1.GetOptions{}); err != nil {
		t.Errorf("the leader's Lease: %v", err)
	}

	// Several checks of an unchanged source: no write to the Application.
	before := resourceVersion(ctx, t, dyn, ns)
	time.Sleep(3500 * time.Millisecond)
	if after := resourceVersion(ctx, t, dyn, ns); after != before {
		t.Errorf("unchanged checks wrote the Application: resourceVersion %s -> %s", before, after)
	}

	push(t, wt, "apps/web/cm.yaml", configMap("green"))
	waitFor(ctx, t, "the pushed commit applied", func() bool { return color(ctx, t, cs, ns) == "green" })

	push(t, wt, "apps/web/broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: [not, a, map\n")
	waitFor(ctx, t, "Ready=False naming the file", func() bool {
		return ready(ctx, t, dyn, ns) == "False" && strings.Contains(readyMessage(ctx, t, dyn, ns), "broken.yaml")
	})
	if color(ctx, t, cs, ns) != "green" {
		t.Error("a bad commit changed or pruned what is live")
	}
	waitFor(ctx, t, "a Warning Event for the failure", func() bool {
		list, err := cs.EventsV1().Events(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range list.Items {
			if e.Regarding.Name == "web" && e.Type == corev1.EventTypeWarning && e.Reason == "RenderFailed" {
				return true
			}
		}
		return false
	})

	if err := wt.Remove("apps/web/broken.yaml"); err != nil {
		t.Fatal(err)
	}
	push(t, wt, "apps/web/cm.yaml", configMap("red"))
	waitFor(ctx, t, "recovered by the next commit", func() bool {
		return ready(ctx, t, dyn, ns) == "True" && color(ctx, t, cs, ns) == "red"
	})

	// The git server goes away: Ready=False with the fetch's reason, and
	// what is live stays.
	git.Stop()
	waitFor(ctx, t, "Ready=False when git is unreachable", func() bool {
		return ready(ctx, t, dyn, ns) == "False" && condition(getApp(ctx, t, dyn, ns), "reason") == "FetchFailed"
	})
	if color(ctx, t, cs, ns) != "red" {
		t.Error("an unreachable source changed or pruned what is live")
	}
}

// pushApply applies the app as `tug apply` from CI would, under the name
// the Application will have.
func pushApply(ctx context.Context, t *testing.T, env *testenv.Cluster, repo, ns string, creds source.Credentials) {
	t.Helper()
	c, err := cluster.FromConfig("push", env.Config)
	if err != nil {
		t.Fatal(err)
	}
	app := pipeline.App{
		Name:   "web",
		Source: pipeline.SourceSpec{Repo: repo, Path: "apps/web", Credentials: creds},
		Render: render.Request{Post: render.PostOptions{Namespace: ns}, Helm: render.HelmOptions{Namespace: ns}},
		Sync:   pipeline.SyncOptions{Prune: true},
	}
	if _, err := pipeline.New(pipeline.Options{CacheDir: t.TempDir()}).Apply(ctx, app, c, pipeline.Hooks{}); err != nil {
		t.Fatalf("push-mode apply: %v", err)
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

func configMap(color string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  color: " + color + "\n"
}

// installCRD applies deploy/crds and waits until it is served.
func installCRD(ctx context.Context, t *testing.T, env *testenv.Cluster) {
	t.Helper()
	if err := env.InstallCRDs(ctx, filepath.Join("..", "..", "deploy", "crds", "tugboat.dev_applications.yaml")); err != nil {
		t.Fatal(err)
	}
}

func gitRepo(t *testing.T, files map[string]string) (*testenv.GitServer, *testenv.WorkTree) {
	t.Helper()
	git := testenv.NewGitServer(t)
	src := t.TempDir()
	for name, content := range files {
		path := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := git.CreateRepo("envs", src); err != nil {
		t.Fatal(err)
	}
	wt, err := git.Clone("envs")
	if err != nil {
		t.Fatal(err)
	}
	return git, wt
}

func push(t *testing.T, wt *testenv.WorkTree, rel, content string) {
	t.Helper()
	if err := wt.WriteFile(rel, content); err != nil {
		t.Fatal(err)
	}
	if _, err := wt.Commit("change " + rel); err != nil {
		t.Fatal(err)
	}
	if err := wt.Push(); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond for up to a minute.
func waitFor(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) { return cond(), nil })
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

func getApp(ctx context.Context, t *testing.T, dyn dynamic.Interface, ns string) *unstructured.Unstructured {
	t.Helper()
	u, err := dyn.Resource(applications).Namespace(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func condition(u *unstructured.Unstructured, field string) string {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == "Ready" {
			s, _ := m[field].(string)
			return s
		}
	}
	return ""
}

func ready(ctx context.Context, t *testing.T, dyn dynamic.Interface, ns string) string {
	return condition(getApp(ctx, t, dyn, ns), "status")
}

func readyMessage(ctx context.Context, t *testing.T, dyn dynamic.Interface, ns string) string {
	return condition(getApp(ctx, t, dyn, ns), "message")
}

func resourceVersion(ctx context.Context, t *testing.T, dyn dynamic.Interface, ns string) string {
	return getApp(ctx, t, dyn, ns).GetResourceVersion()
}

// color is the live ConfigMap's data.color; "" when it does not exist.
func color(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns string) string {
	cm, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, "web", metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return cm.Data["color"]
}

// gitSecret creates the Secret git in ns with the server's credentials.
func gitSecret(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns string, git *testenv.GitServer) {
	t.Helper()
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "git", Namespace: ns},
		StringData: map[string]string{"username": git.Username, "password": git.Password}}
	if _, err := cs.CoreV1().Secrets(ns).Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// startController runs a controller with opts until the test ends.
func startController(ctx context.Context, t *testing.T, opts Options) {
	t.Helper()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- Run(runCtx, opts) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("controller: %v", err)
		}
	})
}

// createApp creates the Application web in ns with spec, its source's
// credentials in the Secret git.
func createApp(ctx context.Context, t *testing.T, dyn dynamic.Interface, ns string, spec map[string]any) {
	t.Helper()
	spec["secretRef"] = map[string]any{"name": "git"}
	app := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "tugboat.dev/v1alpha1", "kind": "Application",
		"metadata": map[string]any{"name": "web", "namespace": ns}, "spec": spec,
	}}
	if _, err := dyn.Resource(applications).Namespace(ns).Create(ctx, app, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}
