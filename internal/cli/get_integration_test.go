package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// TestGetApps lists Applications as a table, with their Ready condition,
// revision and health, in one namespace or all; -o wide adds the Ready
// message, the source, the last sync and the inventory; -w prints a row
// when an Application's status changes.
func TestGetApps(t *testing.T) {
	env := testenv.NewCluster(t, testenv.ClusterOptions{Name: "cli-get"})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	apps := installApplicationCRD(ctx, t, env).Namespace("default")
	for name, ready := range map[string]string{"web": "True", "api": "False"} {
		u := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "tugboat.dev/v1alpha1", "kind": "Application",
			"metadata": map[string]any{"name": name, "namespace": "default"},
			"spec":     map[string]any{"repo": "https://git.example.com/envs.git", "path": "apps/" + name},
		}}
		created, err := apps.Create(ctx, u, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		created.Object["status"] = map[string]any{
			"lastAppliedRevision": "main@sha1:abc",
			"health":              "Healthy",
			"conditions": []any{map[string]any{"type": "Ready", "status": ready, "reason": map[string]string{"True": "Applied", "False": "RenderFailed"}[ready],
				"message": "apps/api/x.yaml: bad", "lastTransitionTime": "2026-12-02T00:00:00Z"}},
			"history":   []any{map[string]any{"time": time.Now().Add(-30 * time.Minute).UTC().Format(time.RFC3339), "result": "Applied"}},
			"inventory": map[string]any{"objects": int64(7)},
		}
		if _, err := apps.UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	kc := []string{"--kubeconfig", env.Kubeconfig}
	// status.health comes with a newer CRD; an older one prunes it, and
	// the column shows "-".
	health := "Healthy"
	if u, err := apps.Get(ctx, "web", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	} else if _, ok, _ := unstructured.NestedString(u.Object, "status", "health"); !ok {
		health = "-"
	}

	out := checkRun(t, append([]string{"get", "apps"}, kc...), ExitOK, "",
		[]string{"NAME", "READY", "REVISION", "HEALTH", "AGE", "web", "True", "main@sha1:abc", health, "api", "False"})
	if strings.Contains(out, "STATUS") || strings.Contains(out, "x.yaml") {
		t.Errorf("the default columns have wide's:\n%s", out)
	}
	checkRun(t, append([]string{"get", "apps", "-o", "wide"}, kc...), ExitOK, "",
		[]string{"STATUS", "REPO", "PATH", "LAST SYNC", "INVENTORY", "apps/api/x.yaml: bad", "https://git.example.com/envs.git", "apps/web", " 30m ", " 7\n"})
	checkRun(t, append([]string{"get", "apps", "web", "-A"}, kc...), ExitOK, "", []string{"NAMESPACE", "default", "web"})
	checkRun(t, append([]string{"get", "apps", "-o", "json"}, kc...), ExitOK, "", []string{`"items"`, `"lastAppliedRevision": "main@sha1:abc"`})

	t.Run("watch", func(t *testing.T) {
		var stdout syncBuffer
		wctx, stop := context.WithTimeout(ctx, 30*time.Second)
		type result struct {
			code   int
			stderr string
		}
		done := make(chan result, 1)
		go func() {
			var stderr bytes.Buffer
			cmd := NewRootCommand(IOStreams{In: strings.NewReader(""), Out: &stdout, ErrOut: &stderr})
			cmd.SetArgs(append([]string{"get", "apps", "web", "-w", "-o", "wide"}, kc...))
			done <- result{Execute(wctx, cmd), stderr.String()}
		}()
		// end interrupts the watch, as ^C does, once.
		var ended *result
		end := func() result {
			stop()
			if ended == nil {
				r := <-done
				ended = &r
			}
			return *ended
		}
		defer end()
		waitFor := func(s string) {
			t.Helper()
			if err := wait.PollUntilContextCancel(wctx, 50*time.Millisecond, true, func(context.Context) (bool, error) {
				return strings.Contains(stdout.String(), s), nil
			}); err != nil {
				t.Fatalf("no %q in the output of -w:\n%s", s, stdout.String())
			}
		}
		waitFor("main@sha1:abc")
		u, err := apps.Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := unstructured.SetNestedField(u.Object, "main@sha1:def", "status", "lastAppliedRevision"); err != nil {
			t.Fatal(err)
		}
		if _, err := apps.UpdateStatus(ctx, u, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitFor("main@sha1:def")
		if r := end(); r.code != ExitOK {
			t.Errorf("-w ended with exit code %d, want %d; stderr %q", r.code, ExitOK, r.stderr)
		}
		lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
		if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME ") || !strings.HasPrefix(lines[2], "web ") {
			t.Fatalf("want a header, the app's row, and a row for its change:\n%s", stdout.String())
		}
		// The new row lines up under the header.
		if strings.Index(lines[2], "main@sha1:def") != strings.Index(lines[0], "REVISION") {
			t.Errorf("the watch's row is not aligned with the header:\n%s", stdout.String())
		}
	})
}

// syncBuffer is a buffer that a command writes while a test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// installApplicationCRD applies deploy/crds to env and waits until
// Applications are served.
func installApplicationCRD(ctx context.Context, t *testing.T, env *testenv.Cluster) dynamic.NamespaceableResourceInterface {
	t.Helper()
	if err := env.InstallCRDs(ctx, filepath.Join("..", "..", "deploy", "crds", "tugboat.dev_applications.yaml")); err != nil {
		t.Fatal(err)
	}
	return dynamic.NewForConfigOrDie(env.Config).Resource(applicationsResource)
}
