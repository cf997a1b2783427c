// Command apps measures the pull-mode controller on the rivals' benchmark
// workloads: Argo CD's (N apps of one ConfigMap each) and Flux's (N apps
// of a ServiceAccount, Service, Deployment and Ingress), all from one git
// repository. It reports the time from creating the Applications to all of
// them Ready, as a ratio to the raw concurrent server-side apply of the
// same objects on the same API server; then, with nothing changing, the
// controller's requests, CPU and memory over a steady-state window; then,
// with -latency, commit-to-live and drift-correction latencies.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/tugboat-gitops/tugboat/bench"
	"github.com/tugboat-gitops/tugboat/bench/reqcount"
	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/controller"
	"github.com/tugboat-gitops/tugboat/internal/install"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
	"github.com/tugboat-gitops/tugboat/internal/webhook"
)

var applications = schema.GroupVersionResource{Group: "tugboat.dev", Version: "v1alpha1", Resource: "applications"}

type options struct {
	workload    string
	apps        int
	concurrency int
	steady      time.Duration
	interval    string
	latency     int
	cpuProfile  string
	steadyProf  string
	apiProfile  string
	logFile     string
	policy      bool
}

func main() {
	var o options
	flag.StringVar(&o.workload, "workload", "argo", "argo (one ConfigMap per app), flux (ServiceAccount, Service, Deployment, Ingress) or idle (20 objects)")
	flag.IntVar(&o.apps, "apps", 500, "number of Applications")
	flag.IntVar(&o.concurrency, "concurrency", 32, "Applications reconciled at once (the raw loop's 32 workers)")
	flag.DurationVar(&o.steady, "steady", 30*time.Second, "steady-state window with nothing changing")
	flag.StringVar(&o.interval, "interval", "1m", "the Applications' interval")
	flag.IntVar(&o.latency, "latency", 0, "tries of each latency (webhook, 10 s polling, drift); 0 skips them")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the first sync to this file")
	flag.BoolVar(&o.policy, "finalizer-policy", true, "install the admission policy that adds the prune finalizer, as tug install does")
	flag.StringVar(&o.logFile, "log", "", "write the controller's logs (JSON) to this file")
	flag.StringVar(&o.apiProfile, "apiserver-cpuprofile", "", "write a CPU profile of kube-apiserver during the first sync (up to 30 s) to this file")
	flag.StringVar(&o.steadyProf, "steady-cpuprofile", "", "write a CPU profile of the steady-state window to this file")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Minute)
	defer cancel()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "apps:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	w, ok := workloads[o.workload]
	if !ok {
		return fmt.Errorf("-workload %q: want argo, flux or idle", o.workload)
	}
	c, err := testenv.StartCluster(ctx, testenv.ClusterOptions{Name: "bench-apps", Profiling: o.apiProfile != ""})
	if err != nil {
		return err
	}
	defer c.Stop()
	rawObjs := w.rawObjects(o.apps, "default")
	rawSelf, rawPlane := cpuTime(), c.ComponentCPU()
	row, err := bench.RawApply(ctx, c.Config, rawObjs, 32)
	if err != nil {
		return err
	}
	raw := row.Wall
	fmt.Printf("raw SSA of %d objects %.2f s; CPU: %s\n", len(rawObjs), raw.Seconds(), cpuShares(raw, cpuTime()-rawSelf, rawPlane, c.ComponentCPU()))
	if waited, err := available(ctx, c.Clientset()); err != nil {
		return err
	} else if waited > 0 {
		fmt.Printf("waited %.1f s for the raw loop's Deployments to be Available\n", waited.Seconds())
	}
	git, err := w.repo(o.apps)
	if err != nil {
		return err
	}
	defer git.Stop()
	if err := c.InstallCRDs(ctx, filepath.Join("deploy", "crds", "tugboat.dev_applications.yaml")); err != nil {
		return err
	}
	cs := c.Clientset()
	if o.policy {
		if err := installPolicy(ctx, c.Config); err != nil {
			return err
		}
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "git", Namespace: "default"},
		StringData: map[string]string{"username": git.Username, "password": git.Password}}
	if _, err := cs.CoreV1().Secrets("default").Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		return err
	}
	counter := &reqcount.Counter{}
	cfg := rest.CopyConfig(c.Config)
	cfg.Wrap(counter.Wrap)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	hookAddr, err := freeAddr()
	if err != nil {
		return err
	}
	hookToken := []byte("bench-hook-token")
	logger := slog.New(slog.DiscardHandler)
	if o.logFile != "" {
		f, err := os.Create(o.logFile)
		if err != nil {
			return err
		}
		defer f.Close()
		logger = slog.New(slog.NewJSONHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	go func() {
		_ = controller.Run(runCtx, controller.Options{Config: cfg, Logger: logger, CacheDir: filepath.Join(os.TempDir(), "bench-apps-cache"),
			Concurrency: o.concurrency, WebhookAddr: hookAddr,
			Receivers: []webhook.Receiver{{Name: "bench", Provider: webhook.Generic, Secret: hookToken}}})
	}()
	dyn := dynamic.NewForConfigOrDie(c.Config)
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	apiProfiled := profileAPIServer(ctx, cs, o.apiProfile)
	cpuStart, planeStart := cpuTime(), c.ComponentCPU()
	start := time.Now()
	// Created concurrently, as `kubectl apply -f` of a list would.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(32)
	for i := range o.apps {
		g.Go(func() error {
			return createApp(gctx, dyn, name("app", i), git.HTTPURL("envs"), "apps/"+name("app", i), o.interval)
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if err := allReady(ctx, dyn, o.apps); err != nil {
		return err
	}
	synced := time.Since(start)
	pprof.StopCPUProfile()
	sync := counter.Counts()
	fmt.Printf("%s workload, %d apps of %s: raw SSA of %d objects %.2f s; all Applications Ready %.2f s after creation: %.1fx raw\n",
		o.workload, o.apps, w.name, len(rawObjs), raw.Seconds(), synced.Seconds(), synced.Seconds()/raw.Seconds())
	fmt.Printf("  controller requests for the first sync: %s\n", sync)
	if err := <-apiProfiled; err != nil {
		return err
	}
	fmt.Printf("  CPU in those %.2f s: %s\n", synced.Seconds(), cpuShares(synced, cpuTime()-cpuStart, planeStart, c.ComponentCPU()))
	counter.Reset()
	cpu0 := cpuTime()
	if o.steadyProf != "" {
		f, err := os.Create(o.steadyProf)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	time.Sleep(o.steady)
	pprof.StopCPUProfile()
	cpu := cpuTime() - cpu0
	steady := counter.Counts()
	fmt.Printf("steady state, %s with nothing changing (interval %s): %d writes; requests %s; process CPU %.1f%% of a core; RSS %d MB (peak %d MB)\n",
		o.steady, o.interval, steady.Writes, steady, 100*cpu.Seconds()/o.steady.Seconds(), rss()>>20, peakRSS()>>20)
	if o.latency > 0 {
		l := &latencies{dyn: dyn, cs: cs, git: git, hookURL: "http://" + hookAddr + "/hook/bench", hookToken: hookToken}
		if err := l.run(ctx, o.latency); err != nil {
			return err
		}
	}
	return nil
}

func createApp(ctx context.Context, dyn dynamic.Interface, name, repo, path, interval string) error {
	app := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "tugboat.dev/v1alpha1", "kind": "Application",
		"metadata": map[string]any{"name": name, "namespace": "default"},
		"spec": map[string]any{"repo": repo, "path": path,
			"interval": interval, "secretRef": map[string]any{"name": "git"}},
	}}
	_, err := dyn.Resource(applications).Namespace("default").Create(ctx, app, metav1.CreateOptions{})
	return err
}

// available waits, up to five minutes, until every Deployment in default
// is Available, so that the controller is timed on a quiet control plane.
func available(ctx context.Context, cs kubernetes.Interface) (time.Duration, error) {
	start := time.Now()
	for {
		list, err := cs.AppsV1().Deployments("default").List(ctx, metav1.ListOptions{})
		if err != nil {
			return 0, err
		}
		done := true
		for _, d := range list.Items {
			if d.Status.ObservedGeneration < d.Generation || d.Status.AvailableReplicas < 1 {
				done = false
				break
			}
		}
		if done {
			return time.Since(start), nil
		}
		if time.Since(start) > 5*time.Minute {
			return 0, fmt.Errorf("raw Deployments not Available after 5 minutes")
		}
		time.Sleep(2 * time.Second)
	}
}

// installPolicy applies the finalizer policy of tug install and waits,
// as tug install does, until new Applications get the finalizer.
func installPolicy(ctx context.Context, cfg *rest.Config) error {
	all, err := install.Objects("bench.invalid/tug:none")
	if err != nil {
		return err
	}
	_, policy := install.WithoutUnserved(all, nil)
	c, err := cluster.FromConfig("bench", cfg)
	if err != nil {
		return err
	}
	for _, o := range policy {
		if _, err := c.Apply(ctx, o, cluster.ApplyOptions{}); err != nil {
			return fmt.Errorf("apply %s: %w", o, err)
		}
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return install.WaitPolicy(wctx, dynamic.NewForConfigOrDie(cfg), "default")
}

// profileAPIServer fetches, if path is set, a 30 s CPU profile of the API
// server (its /debug/pprof, on by default) into path, and says when done.
func profileAPIServer(ctx context.Context, cs kubernetes.Interface, path string) <-chan error {
	done := make(chan error, 1)
	if path == "" {
		done <- nil
		return done
	}
	go func() {
		data, err := cs.CoreV1().RESTClient().Get().AbsPath("/debug/pprof/profile").Param("seconds", "30").Timeout(time.Minute).DoRaw(ctx)
		if err != nil {
			done <- fmt.Errorf("API server profile: %w", err)
			return
		}
		done <- os.WriteFile(path, data, 0o644)
	}()
	return done
}

// allReady waits until n Applications are Ready, from a watch: it
// notices the last one at once, and costs the API server one LIST, not
// one every few hundred milliseconds while the controller is timed.
func allReady(ctx context.Context, dyn dynamic.Interface, n int) error {
	ready := map[string]bool{}
	for {
		list, err := dyn.Resource(applications).Namespace("default").List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		clear(ready)
		for _, u := range list.Items {
			if isReady(&u) {
				ready[u.GetName()] = true
			}
		}
		if len(ready) >= n {
			return nil
		}
		w, err := dyn.Resource(applications).Namespace("default").Watch(ctx, metav1.ListOptions{ResourceVersion: list.GetResourceVersion()})
		if err != nil {
			return err
		}
		for ev := range w.ResultChan() {
			u, ok := ev.Object.(*unstructured.Unstructured)
			if !ok {
				continue
			}
			if isReady(u) && ev.Type != watch.Deleted {
				ready[u.GetName()] = true
			} else {
				delete(ready, u.GetName())
			}
			if len(ready) >= n {
				w.Stop()
				return nil
			}
		}
		// The watch ended (a timeout, the server's): list again.
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%d of %d Ready: %w", len(ready), n, err)
		}
	}
}

// cpuShares says where the CPU of a timed window went: this process (the
// controller and the harness) and each control-plane component, as a
// share of one core over the window.
func cpuShares(window, self time.Duration, before, after map[string]time.Duration) string {
	names := slices.Sorted(maps.Keys(after))
	parts := []string{fmt.Sprintf("controller+harness %.0f%%", 100*self.Seconds()/window.Seconds())}
	total := self
	for _, name := range names {
		d := after[name] - before[name]
		total += d
		parts = append(parts, fmt.Sprintf("%s %.0f%%", name, 100*d.Seconds()/window.Seconds()))
	}
	parts = append(parts, fmt.Sprintf("total %.0f%% of a core (the machine has %d)", 100*total.Seconds()/window.Seconds(), runtime.NumCPU()))
	return strings.Join(parts, ", ")
}

func isReady(u *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	var cs []metav1.Condition
	for _, c := range conds {
		m, _ := c.(map[string]any)
		s, _ := m["status"].(string)
		t, _ := m["type"].(string)
		cs = append(cs, metav1.Condition{Type: t, Status: metav1.ConditionStatus(s)})
	}
	return meta.IsStatusConditionTrue(cs, "Ready")
}
