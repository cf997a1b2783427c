package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// latencies measures, on their own repository so that the workload's apps
// are not triggered with them, the time from a pushed commit to its
// object live (by webhook, and by polling at a 10 s interval) and from an
// out-of-band edit to its correction.
type latencies struct {
	dyn       dynamic.Interface
	cs        kubernetes.Interface
	git       *testenv.GitServer
	hookURL   string
	hookToken []byte
}

const latencyRepo = "latency"

func (l *latencies) run(ctx context.Context, tries int) error {
	w, err := l.setUp(ctx)
	if err != nil {
		return err
	}
	var hook, poll, drift []time.Duration
	for i := range tries {
		d, err := l.commitToLive(ctx, w, "hook", fmt.Sprintf("v%d", i), true)
		if err != nil {
			return fmt.Errorf("webhook try %d: %w", i, err)
		}
		hook = append(hook, d)
		if d, err = l.driftCorrected(ctx, "hook", fmt.Sprintf("v%d", i)); err != nil {
			return fmt.Errorf("drift try %d: %w", i, err)
		}
		drift = append(drift, d)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range tries {
		// Pushed at a random point of the 10 s interval, not right after
		// the check that applied the last one.
		time.Sleep(time.Duration(rng.Int64N(int64(10 * time.Second))))
		d, err := l.commitToLive(ctx, w, "poll", fmt.Sprintf("v%d", i), false)
		if err != nil {
			return fmt.Errorf("polling try %d: %w", i, err)
		}
		poll = append(poll, d)
	}
	report("commit to live through the webhook", hook)
	report("commit to live by polling at 10 s", poll)
	report("drift corrected", drift)
	return nil
}

// setUp makes the repository of two one-ConfigMap apps, hook (interval
// 1h: only a webhook or drift wakes it) and poll (interval 10s), and
// waits for both Ready.
func (l *latencies) setUp(ctx context.Context) (*testenv.WorkTree, error) {
	dir, err := os.MkdirTemp("", "bench-latency-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	for _, app := range []string{"hook", "poll"} {
		if err := os.MkdirAll(filepath.Join(dir, app), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, app, "cm.yaml"), []byte(configMapYAML(app, "v")), 0o644); err != nil {
			return nil, err
		}
	}
	if err := l.git.CreateRepo(latencyRepo, dir); err != nil {
		return nil, err
	}
	w, err := l.git.Clone(latencyRepo)
	if err != nil {
		return nil, err
	}
	for app, interval := range map[string]string{"hook": "1h", "poll": "10s"} {
		if err := createApp(ctx, l.dyn, "latency-"+app, l.git.HTTPURL(latencyRepo), app, interval); err != nil {
			return nil, err
		}
	}
	for _, app := range []string{"hook", "poll"} {
		if _, err := l.until(ctx, app, "v", time.Minute); err != nil {
			return nil, fmt.Errorf("latency app %s never applied: %w", app, err)
		}
	}
	return w, nil
}

func configMapYAML(name, value string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  k: %s\n", name, value)
}

// commitToLive pushes a commit that sets app's value, sends the webhook if
// asked, and times the push's end to the value live.
func (l *latencies) commitToLive(ctx context.Context, w *testenv.WorkTree, app, value string, hook bool) (time.Duration, error) {
	if err := w.WriteFile(app+"/cm.yaml", configMapYAML(app, value)); err != nil {
		return 0, err
	}
	if _, err := w.Commit(app + " " + value); err != nil {
		return 0, err
	}
	if err := w.Push(); err != nil {
		return 0, err
	}
	start := time.Now()
	if hook {
		body := fmt.Sprintf(`{"repository": %q, "ref": "main"}`, l.git.HTTPURL(latencyRepo))
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.hookURL, bytes.NewBufferString(body))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Authorization", "Bearer "+string(l.hookToken))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return 0, fmt.Errorf("webhook: %s", resp.Status)
		}
	}
	if _, err := l.until(ctx, app, value, time.Minute); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// driftCorrected edits app's ConfigMap out of band, as kubectl edit would,
// and times the edit to its correction back to value.
func (l *latencies) driftCorrected(ctx context.Context, app, value string) (time.Duration, error) {
	cm, err := l.cs.CoreV1().ConfigMaps("default").Get(ctx, app, metav1.GetOptions{})
	if err != nil {
		return 0, err
	}
	cm.Data["k"] = "edited"
	if _, err := l.cs.CoreV1().ConfigMaps("default").Update(ctx, cm, metav1.UpdateOptions{FieldManager: "kubectl-edit"}); err != nil {
		return 0, err
	}
	start := time.Now()
	if _, err := l.until(ctx, app, value, time.Minute); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// until polls app's ConfigMap every 10 ms until its value is value.
func (l *latencies) until(ctx context.Context, app, value string, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	for time.Since(start) < timeout {
		cm, err := l.cs.CoreV1().ConfigMaps("default").Get(ctx, app, metav1.GetOptions{})
		if err == nil && cm.Data["k"] == value {
			return time.Since(start), nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return 0, fmt.Errorf("ConfigMap %s not %q after %s", app, value, timeout)
}

func report(what string, ds []time.Duration) {
	s := slices.Clone(ds)
	slices.Sort(s)
	fmt.Printf("%s, %d tries: p50 %.3f s, p95 %.3f s, max %.3f s\n", what, len(s),
		quantile(s, 0.5).Seconds(), quantile(s, 0.95).Seconds(), s[len(s)-1].Seconds())
}

// quantile is the nearest-rank quantile of sorted s.
func quantile(s []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(s))+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}
