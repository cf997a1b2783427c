package controller

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// TestSoleCreate: an app whose only write is a new object is applied
// without a dry-run once the drift watch follows its kind; an object of
// another app is refused with no request to it; one whose fields another
// applier holds is refused by the apply itself, as a validation failure,
// and left as it was; one of no app with the same content is adopted.
func TestSoleCreate(t *testing.T) {
	env := testenv.NewCluster(t, testenv.ClusterOptions{Name: "solecreate"})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	installCRD(ctx, t, env)
	cmYAML := func(name, color string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\ndata:\n  color: " + color + "\n"
	}
	git, _ := gitRepo(t, map[string]string{
		"apps/first/cm.yaml":  cmYAML("first", "blue"),
		"apps/second/cm.yaml": cmYAML("second", "blue"),
		"apps/taken/cm.yaml":  cmYAML("first", "red"),
		"apps/held/cm.yaml":   cmYAML("held", "green"),
		"apps/plain/cm.yaml":  cmYAML("plain", "blue"),
	})
	cs := env.Clientset()
	ns := "sole"
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	gitSecret(ctx, t, cs, ns, git)
	// held: another tool applied it; plain: created by hand, same content.
	held := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"held"},"data":{"color":"blue"}}`
	if _, err := cs.CoreV1().ConfigMaps(ns).Patch(ctx, "held", types.ApplyPatchType, []byte(held), metav1.PatchOptions{FieldManager: "other-tool"}); err != nil {
		t.Fatal(err)
	}
	plain := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "plain"}, Data: map[string]string{"color": "blue"}}
	if _, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, plain, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	var dryRuns atomic.Int64
	cfg := rest.CopyConfig(env.Config)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripper(func(req *http.Request) (*http.Response, error) {
			if req.URL.Query().Get("dryRun") != "" && strings.Contains(req.URL.Path, "/configmaps/") {
				dryRuns.Add(1)
			}
			return rt.RoundTrip(req)
		})
	})
	startController(ctx, t, Options{Config: cfg, CacheDir: t.TempDir(), Concurrency: 2})
	dyn := dynamic.NewForConfigOrDie(env.Config)
	create := func(name string) {
		t.Helper()
		app := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "tugboat.dev/v1alpha1", "kind": "Application",
			"metadata": map[string]any{"name": name, "namespace": ns},
			"spec":     map[string]any{"repo": git.HTTPURL("envs"), "path": "apps/" + name, "interval": "1h", "secretRef": map[string]any{"name": "git"}},
		}}
		if _, err := dyn.Resource(applications).Namespace(ns).Create(ctx, app, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	readyOf := func(name string) (status, reason, message string) {
		u, err := dyn.Resource(applications).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return condition(u, "status"), condition(u, "reason"), condition(u, "message")
	}
	live := func(name string) *corev1.ConfigMap {
		cm, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return cm
	}

	// The first app of a kind starts its watch; it is rehearsed as before.
	create("first")
	waitFor(ctx, t, "first Ready", func() bool { s, _, _ := readyOf("first"); return s == "True" })

	tests := []struct {
		app        string
		wantReady  string
		wantReason string
		check      func(t *testing.T)
	}{
		{app: "second", wantReady: "True", check: func(t *testing.T) {
			if cm := live("second"); cm.Labels[object.LabelApp] != "second" || cm.Data["color"] != "blue" {
				t.Errorf("second: %v %v", cm.Labels, cm.Data)
			}
		}},
		{app: "taken", wantReady: "False", wantReason: "OwnedByAnotherApp", check: func(t *testing.T) {
			if cm := live("first"); cm.Labels[object.LabelApp] != "first" || cm.Data["color"] != "blue" {
				t.Errorf("another app's ConfigMap changed: %v %v", cm.Labels, cm.Data)
			}
		}},
		{app: "held", wantReady: "False", wantReason: "ConflictWithAnotherApplier", check: func(t *testing.T) {
			if cm := live("held"); cm.Labels[object.LabelApp] != "" || cm.Data["color"] != "blue" {
				t.Errorf("another applier's ConfigMap changed: %v %v", cm.Labels, cm.Data)
			}
		}},
		{app: "plain", wantReady: "True", check: func(t *testing.T) {
			if cm := live("plain"); cm.Labels[object.LabelApp] != "plain" {
				t.Errorf("plain not adopted: %v", cm.Labels)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.app, func(t *testing.T) {
			before := dryRuns.Load()
			create(tt.app)
			waitFor(ctx, t, tt.app+" Ready="+tt.wantReady, func() bool { s, _, _ := readyOf(tt.app); return s == tt.wantReady })
			if _, reason, msg := readyOf(tt.app); tt.wantReason != "" && reason != tt.wantReason {
				t.Errorf("reason %q (%s), want %q", reason, msg, tt.wantReason)
			}
			if n := dryRuns.Load() - before; n != 0 {
				t.Errorf("%d ConfigMap dry-runs, want none", n)
			}
			tt.check(t)
		})
	}
}
