package pipeline

import (
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tugboat-gitops/tugboat/internal/health"
)

// deploymentYAML is a one-replica Deployment; extra lines go at the end of
// its spec (two-space indent), podExtra at the end of its pod spec (six).
func deploymentYAML(name, extra string, podExtra ...string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
spec:
  replicas: 1
  selector:
    matchLabels:
      app: %[1]s
  template:
    metadata:
      labels:
        app: %[1]s
    spec:
      containers:
      - name: app
        image: registry.example.com/%[1]s:1
%[3]s%[2]s`, name, extra, strings.Join(podExtra, ""))
}

// TestApplyWait waits for a Deployment to become available, and reports a
// Deployment that cannot with the reason, well before the timeout.
func TestApplyWait(t *testing.T) {
	tests := []struct {
		name     string
		manifest string
		// wantErr lists what the error must mention ({ns}: the test's
		// namespace); none means success.
		wantErr []string
	}{
		{name: "available", manifest: deploymentYAML("ready", "")},
		{
			name:     "unschedulable",
			manifest: deploymentYAML("stuck", "  progressDeadlineSeconds: 5\n", "      nodeSelector:\n        nope: \"true\"\n"),
			wantErr:  []string{"Deployment.apps/{ns}/stuck", "ProgressDeadlineExceeded", "Unschedulable"},
		},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, e := newApplyEnv(t)
			ns := e.namespace(ctx, fmt.Sprintf("apply-wait-%d", i))
			app := e.app(fmt.Sprintf("wait-%d", i), manifests(t, map[string]string{"deploy.yaml": tc.manifest}), ns)
			app.Sync.Wait, app.Sync.Timeout = true, 60*time.Second
			start := time.Now()
			res, err := e.p.Apply(ctx, app, e.c, Hooks{})
			took := time.Since(start)
			t.Logf("apply and wait took %s", took)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Health) != 1 || res.Health[0].Status != health.Current {
					t.Errorf("health %+v, want the Deployment Current", res.Health)
				}
				return
			}
			t.Logf("error: %v", err)
			for _, want := range tc.wantErr {
				errContains(t, err, strings.ReplaceAll(want, "{ns}", ns))
			}
			if took >= app.Sync.Timeout {
				t.Errorf("failure reported after %s, not before the %s timeout", took, app.Sync.Timeout)
			}
			if d, gerr := e.cs.AppsV1().Deployments(ns).Get(ctx, "stuck", metav1.GetOptions{}); gerr != nil || d == nil {
				t.Errorf("the Deployment was not applied before the wait: %v", gerr)
			}
		})
	}
}
