package controller

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// deployment is a one-replica Deployment named web; stuck, it asks for a
// node that does not exist and gives up progressing after 5 s.
func deployment(stuck bool) string {
	deadline, extra := "", ""
	if stuck {
		deadline = "  progressDeadlineSeconds: 5\n"
		extra = "      nodeSelector:\n        nope: \"true\"\n"
	}
	return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
` + deadline + `  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: registry.example.com/web:1
` + extra
}

// TestControllerHealth: status.health follows the app's Deployment with
// no sync of its own (Progressing, then Degraded when its progress
// deadline passes, with Ready kept True: the apply succeeded); a fixed
// commit synced on request goes Healthy (kwok runs the pod); and once
// Healthy, routine checks read no object and write nothing.
func TestControllerHealth(t *testing.T) {
	env := testenv.NewCluster(t, testenv.ClusterOptions{Name: "health"})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	installCRD(ctx, t, env)
	git, wt := gitRepo(t, map[string]string{"apps/web/deploy.yaml": deployment(true)})
	cs := env.Clientset()
	ns := "health"
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	gitSecret(ctx, t, cs, ns, git)
	var reads atomic.Int64
	cfg := rest.CopyConfig(env.Config)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripper(func(req *http.Request) (*http.Response, error) {
			if req.Method == http.MethodGet && req.URL.Path == "/apis/apps/v1/namespaces/"+ns+"/deployments/web" {
				reads.Add(1)
			}
			return rt.RoundTrip(req)
		})
	})
	startController(ctx, t, Options{Config: cfg, CacheDir: t.TempDir()})
	dyn := dynamic.NewForConfigOrDie(env.Config)
	createApp(ctx, t, dyn, ns, map[string]any{"repo": git.HTTPURL("envs"), "path": "apps/web", "interval": "1h"})
	waitFor(ctx, t, "Ready", func() bool { return ready(ctx, t, dyn, ns) == "True" })
	synced := syncs(t, ns, "web")

	start := time.Now()
	waitFor(ctx, t, "Degraded", func() bool { return healthOf(ctx, t, dyn, ns) == v1alpha1.HealthDegraded })
	t.Logf("Degraded after %s", time.Since(start).Round(time.Millisecond))
	if n := syncs(t, ns, "web"); n != synced {
		t.Errorf("health re-checks ran %d syncs", n-synced)
	}
	if ready(ctx, t, dyn, ns) != "True" {
		t.Error("an unhealthy Deployment changed Ready without wait")
	}

	push(t, wt, "apps/web/deploy.yaml", deployment(false))
	requested := requestSync(ctx, t, dyn, ns)
	waitFor(ctx, t, "Healthy after the fixed commit", func() bool {
		u := getApp(ctx, t, dyn, ns)
		handled, _, _ := unstructured.NestedString(u.Object, "status", "lastHandledRequestedAt")
		h, _, _ := unstructured.NestedString(u.Object, "status", "health")
		return handled == requested && h == v1alpha1.HealthHealthy
	})

	// Checks every second from now on: one write for the new spec, then
	// none, and no read of the Deployment.
	patchApp(ctx, t, dyn, ns, `{"spec":{"interval":"1s"}}`)
	waitFor(ctx, t, "the new interval observed", func() bool {
		u := getApp(ctx, t, dyn, ns)
		g, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
		return g == u.GetGeneration()
	})
	time.Sleep(1500 * time.Millisecond) // a check in flight may still read
	rv, before, synced := resourceVersion(ctx, t, dyn, ns), reads.Load(), syncs(t, ns, "web")
	time.Sleep(3500 * time.Millisecond)
	if n := syncs(t, ns, "web") - synced; n < 2 {
		t.Fatalf("%d routine checks in 3.5 s at an interval of 1 s", n)
	}
	if got := reads.Load() - before; got != 0 {
		t.Errorf("routine checks of a Healthy app read the Deployment %d times", got)
	}
	if after := resourceVersion(ctx, t, dyn, ns); after != rv {
		t.Errorf("routine checks of a Healthy app wrote it: resourceVersion %s -> %s", rv, after)
	}
}

// TestControllerBacksOff: a source that keeps failing is retried after
// 0.5 s, 1 s, 2 s, 4 s, 4 s (the app's retry), and the same failure again
// writes no status.
func TestControllerBacksOff(t *testing.T) {
	env := testenv.NewCluster(t, testenv.ClusterOptions{Name: "backoff"})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	installCRD(ctx, t, env)
	var mu sync.Mutex
	var hits []time.Time
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits = append(hits, time.Now())
		mu.Unlock()
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	attempts := func() []time.Time {
		mu.Lock()
		defer mu.Unlock()
		return attemptStarts(hits, 250*time.Millisecond)
	}
	cs := env.Clientset()
	ns := "backoff"
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "git", Namespace: ns}, StringData: map[string]string{"username": "u", "password": "p"}}
	if _, err := cs.CoreV1().Secrets(ns).Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	startController(ctx, t, Options{Config: env.Config, CacheDir: t.TempDir()})
	dyn := dynamic.NewForConfigOrDie(env.Config)
	createApp(ctx, t, dyn, ns, map[string]any{"repo": down.URL + "/envs.git", "path": "apps/web", "interval": "1h",
		"retry": map[string]any{"initialInterval": "500ms", "maxInterval": "4s"}})
	waitFor(ctx, t, "Ready=False, FetchFailed, and a retry", func() bool {
		return condition(getApp(ctx, t, dyn, ns), "reason") == "FetchFailed" && len(attempts()) >= 2
	})
	rv := resourceVersion(ctx, t, dyn, ns)
	waitFor(ctx, t, "six attempts", func() bool { return len(attempts()) >= 6 })
	if after := resourceVersion(ctx, t, dyn, ns); after != rv {
		t.Errorf("the same failure again wrote the Application: resourceVersion %s -> %s", rv, after)
	}
	got := attempts()[:6]
	for i, want := range []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second} {
		gap := got[i+1].Sub(got[i])
		t.Logf("retry %d after %s (backoff %s)", i+1, gap.Round(time.Millisecond), want)
		// Up to a tenth of jitter, and the time a failed fetch takes.
		if gap < want || gap > want+want/10+time.Second {
			t.Errorf("retry %d came after %s, want %s", i+1, gap.Round(time.Millisecond), want)
		}
	}
}

// attemptStarts groups requests less than gap apart into one attempt and
// returns when each attempt began.
func attemptStarts(hits []time.Time, gap time.Duration) []time.Time {
	var out []time.Time
	for i, h := range hits {
		if i == 0 || h.Sub(hits[i-1]) > gap {
			out = append(out, h)
		}
	}
	return out
}

// syncs counts the syncs (pipeline runs) of the Application ns/name so
// far, from the controller's reconcile duration metric.
func syncs(t *testing.T, ns, name string) uint64 {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, f := range families {
		if f.GetName() != "tugboat_reconcile_duration_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["namespace"] == ns && labels["application"] == name {
				n += m.GetHistogram().GetSampleCount()
			}
		}
	}
	return n
}

func healthOf(ctx context.Context, t *testing.T, dyn dynamic.Interface, ns string) string {
	h, _, _ := unstructured.NestedString(getApp(ctx, t, dyn, ns).Object, "status", "health")
	return h
}

// requestSync does what `tug sync` does to the Application web and
// returns the value it set.
func requestSync(ctx context.Context, t *testing.T, dyn dynamic.Interface, ns string) string {
	t.Helper()
	v := time.Now().UTC().Format(time.RFC3339Nano)
	patchApp(ctx, t, dyn, ns, fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, v1alpha1.RequestedAtAnnotation, v))
	return v
}

func patchApp(ctx context.Context, t *testing.T, dyn dynamic.Interface, ns, patch string) {
	t.Helper()
	if _, err := dyn.Resource(applications).Namespace(ns).Patch(ctx, "web", types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}
