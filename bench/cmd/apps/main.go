// Command apps measures the pull-mode controller on Argo CD's benchmark
// workload: N apps of one ConfigMap each, all from one git repository.
// It reports the time from creating the Applications to all of them
// Ready, as a ratio to the raw concurrent server-side apply of the same N
// ConfigMaps on the same API server; then, with nothing changing, the
// controller's writes and CPU over a steady-state window.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/tugboat-gitops/tugboat/bench"
	"github.com/tugboat-gitops/tugboat/internal/controller"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

var applications = schema.GroupVersionResource{Group: "tugboat.dev", Version: "v1alpha1", Resource: "applications"}

func main() {
	n := flag.Int("apps", 500, "number of Applications (one ConfigMap each)")
	concurrency := flag.Int("concurrency", 8, "Applications reconciled at once")
	steady := flag.Duration("steady", 30*time.Second, "steady-state window with nothing changing")
	interval := flag.String("interval", "1m", "the Applications' interval")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	if err := run(ctx, *n, *concurrency, *steady, *interval); err != nil {
		fmt.Fprintln(os.Stderr, "apps:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, n, concurrency int, steady time.Duration, interval string) error {
	c, err := testenv.StartCluster(ctx, testenv.ClusterOptions{Name: "bench-apps"})
	if err != nil {
		return err
	}
	defer c.Stop()
	raw, err := rawBaseline(ctx, c.Config, n)
	if err != nil {
		return err
	}
	git, err := repo(n)
	if err != nil {
		return err
	}
	defer git.Stop()
	if err := c.InstallCRDs(ctx, filepath.Join("deploy", "crds", "tugboat.dev_applications.yaml")); err != nil {
		return err
	}
	cs := c.Clientset()
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "git", Namespace: "default"},
		StringData: map[string]string{"username": git.Username, "password": git.Password}}
	if _, err := cs.CoreV1().Secrets("default").Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		return err
	}
	var writes atomic.Int64
	cfg := rest.CopyConfig(c.Config)
	cfg.Wrap(countWrites(&writes))
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		_ = controller.Run(runCtx, controller.Options{Config: cfg, CacheDir: filepath.Join(os.TempDir(), "bench-apps-cache"), Concurrency: concurrency})
	}()
	dyn := dynamic.NewForConfigOrDie(c.Config)
	start := time.Now()
	// Created concurrently, as `kubectl apply -f` of a list would.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(32)
	for i := range n {
		g.Go(func() error {
			app := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "tugboat.dev/v1alpha1", "kind": "Application",
				"metadata": map[string]any{"name": fmt.Sprintf("app-%04d", i), "namespace": "default"},
				"spec": map[string]any{"repo": git.HTTPURL("envs"), "path": fmt.Sprintf("apps/app-%04d", i),
					"interval": interval, "secretRef": map[string]any{"name": "git"}},
			}}
			_, err := dyn.Resource(applications).Namespace("default").Create(gctx, app, metav1.CreateOptions{})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if err := allReady(ctx, dyn, n); err != nil {
		return err
	}
	synced := time.Since(start)
	fmt.Printf("%d apps: raw SSA of %d ConfigMaps %.2f s; all Applications Ready %.2f s after creation: %.1fx raw\n",
		n, n, raw.Seconds(), synced.Seconds(), synced.Seconds()/raw.Seconds())
	before, cpu0 := writes.Load(), cpuTime()
	time.Sleep(steady)
	cpu := cpuTime() - cpu0
	fmt.Printf("steady state, %s with nothing changing (interval %s): %d writes; process CPU %.1f%% of a core; peak RSS %d MB\n",
		steady, interval, writes.Load()-before, 100*cpu.Seconds()/steady.Seconds(), peakRSS()>>20)
	return nil
}

// rawBaseline is the raw concurrent server-side apply of n ConfigMaps.
func rawBaseline(ctx context.Context, cfg *rest.Config, n int) (time.Duration, error) {
	objs := make([]*unstructured.Unstructured, n)
	for i := range objs {
		objs[i] = &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": fmt.Sprintf("raw-%04d", i), "namespace": "default"},
			"data":     map[string]any{"k": "v"},
		}}
	}
	row, err := bench.RawApply(ctx, cfg, objs, 32)
	return row.Wall, err
}

// repo makes the git repository of n apps, one ConfigMap each.
func repo(n int) (*testenv.GitServer, error) {
	git, err := testenv.StartGitServer(testenv.GitServerOptions{})
	if err != nil {
		return nil, err
	}
	src, err := os.MkdirTemp("", "bench-apps-repo-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(src)
	for i := range n {
		dir := filepath.Join(src, "apps", fmt.Sprintf("app-%04d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		cm := fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-%04d\ndata:\n  k: v\n", i)
		if err := os.WriteFile(filepath.Join(dir, "cm.yaml"), []byte(cm), 0o644); err != nil {
			return nil, err
		}
	}
	return git, git.CreateRepo("envs", src)
}

func allReady(ctx context.Context, dyn dynamic.Interface, n int) error {
	for {
		list, err := dyn.Resource(applications).Namespace("default").List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		ready := 0
		for _, u := range list.Items {
			conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
			var cs []metav1.Condition
			for _, c := range conds {
				m, _ := c.(map[string]any)
				s, _ := m["status"].(string)
				t, _ := m["type"].(string)
				cs = append(cs, metav1.Condition{Type: t, Status: metav1.ConditionStatus(s)})
			}
			if meta.IsStatusConditionTrue(cs, "Ready") {
				ready++
			}
		}
		if ready == n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d Ready: %w", ready, n, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func peakRSS() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Maxrss << 10
}

// countWrites counts the requests that write: anything but a GET, a dry
// run aside.
func countWrites(n *atomic.Int64) func(http.RoundTripper) http.RoundTripper {
	return func(rt http.RoundTripper) http.RoundTripper {
		return roundTripper(func(req *http.Request) (*http.Response, error) {
			if req.Method != http.MethodGet && req.URL.Query().Get("dryRun") == "" {
				n.Add(1)
			}
			return rt.RoundTrip(req)
		})
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
