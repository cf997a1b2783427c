package controller

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/inventory"
	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// errKilled is what every request of a "killed" controller gets: from its
// death on, nothing it sends reaches the API server.
var errKilled = errors.New("controller killed")

// TestControllerSurvivesKills: twenty times, the set an Application
// declares shrinks or grows, and a controller dies after a random number
// of requests, anywhere in a reconcile (between the pending inventory and
// the apply, between the apply and the prune, ...). A last controller
// then converges: exactly the last set is live, nothing orphaned, nothing
// of the app's missing, and the inventory records it, not pending.
func TestControllerSurvivesKills(t *testing.T) {
	env := testenv.NewCluster(t, testenv.ClusterOptions{Name: "crash"})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	installCRD(ctx, t, env)
	git, wt := gitRepo(t, manifestsOf(names(5)))
	cs := env.Clientset()
	ns := "default"
	gitSecret(ctx, t, cs, ns, git)
	dyn := dynamic.NewForConfigOrDie(env.Config)
	createApp(ctx, t, dyn, ns, map[string]any{"repo": git.HTTPURL("envs"), "path": "apps/web", "interval": "1s"})
	rng := rand.New(rand.NewPCG(1, 2))
	var want []string
	for i := range 20 {
		want = names(1 + rng.IntN(10))
		for _, n := range names(10) {
			_ = wt.Remove("apps/web/" + n + ".yaml")
		}
		for name, content := range manifestsOf(want) {
			if err := wt.WriteFile(name, content); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := wt.Commit(fmt.Sprintf("set %d: %d objects", i, len(want))); err != nil {
			t.Fatal(err)
		}
		if err := wt.Push(); err != nil {
			t.Fatal(err)
		}
		dieAfter(ctx, t, env.Config, int64(10+rng.IntN(70)))
	}
	startController(ctx, t, Options{Config: env.Config, CacheDir: t.TempDir()})
	c, err := cluster.FromConfig("check", env.Config)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, fmt.Sprintf("exactly %v live and recorded", want), func() bool {
		live, err := cs.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{LabelSelector: object.LabelApp + "=web"})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, cm := range live.Items {
			got = append(got, cm.Name)
		}
		sort.Strings(got)
		inv, err := (&inventory.Store{Cluster: c}).Load(ctx, "web")
		if err != nil {
			t.Fatal(err)
		}
		return slices.Equal(got, want) && !inv.Pending && len(inv.Entries) == len(want) && ready(ctx, t, dyn, ns) == "True"
	})
}

// dieAfter runs a controller whose requests fail from the limit-th on,
// as if the process had been killed there, and waits until it has died
// (or 4 s passed, it being idle).
func dieAfter(ctx context.Context, t *testing.T, cfg *rest.Config, limit int64) {
	t.Helper()
	var sent atomic.Int64
	dead := make(chan struct{})
	cfg = rest.CopyConfig(cfg)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripper(func(req *http.Request) (*http.Response, error) {
			if n := sent.Add(1); n >= limit {
				if n == limit {
					close(dead)
				}
				return nil, errKilled
			}
			return rt.RoundTrip(req)
		})
	})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- Run(runCtx, Options{Config: cfg, CacheDir: t.TempDir()}) }()
	select {
	case <-dead:
	case <-time.After(4 * time.Second):
	}
	stop()
	<-done
}

func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("cm-%d", i)
	}
	sort.Strings(out)
	return out
}

func manifestsOf(names []string) map[string]string {
	files := map[string]string{}
	for _, n := range names {
		files["apps/web/"+n+".yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + n + "\ndata:\n  k: v\n"
	}
	return files
}
