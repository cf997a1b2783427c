package controller

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// TestControllerSelfHeals: with an interval of an hour, so that only the
// drift watch can notice, a hand edit of a managed ConfigMap is put back
// and a deleted one re-created within seconds; with selfHeal off, the edit
// stays and the Application says it is out of sync.
func TestControllerSelfHeals(t *testing.T) {
	env := testenv.NewCluster(t, testenv.ClusterOptions{Name: "selfheal"})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	installCRD(ctx, t, env)
	git, _ := gitRepo(t, map[string]string{"apps/web/cm.yaml": configMap("blue")})
	cs := env.Clientset()
	dyn := dynamic.NewForConfigOrDie(env.Config)
	for _, ns := range []string{"heal", "watch"} {
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		gitSecret(ctx, t, cs, ns, git)
	}
	startController(ctx, t, Options{Config: env.Config, CacheDir: t.TempDir(), Concurrency: 2})
	for ns, heal := range map[string]bool{"heal": true, "watch": false} {
		// App names are unique in a destination cluster: two Applications
		// named web get their own.
		createApp(ctx, t, dyn, ns, map[string]any{"name": ns, "repo": git.HTTPURL("envs"), "path": "apps/web", "interval": "1h", "selfHeal": heal})
		waitFor(ctx, t, ns+": Ready", func() bool { return ready(ctx, t, dyn, ns) == "True" && color(ctx, t, cs, ns) == "blue" })
	}

	for _, ns := range []string{"heal", "watch"} {
		cm, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cm.Data["color"] = "by-hand"
		if _, err := cs.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{FieldManager: "kubectl-edit"}); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	waitFor(ctx, t, "the hand edit put back", func() bool { return color(ctx, t, cs, "heal") == "blue" })
	t.Logf("hand edit put back after %s", time.Since(start).Round(time.Millisecond))
	waitFor(ctx, t, "drift reported without self-heal", func() bool {
		return conditionOf(ctx, t, dyn, "watch", "Synced") == "False"
	})
	if got := color(ctx, t, cs, "watch"); got != "by-hand" {
		t.Errorf("selfHeal: false corrected the edit (color %q)", got)
	}

	if err := cs.CoreV1().ConfigMaps("heal").Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	waitFor(ctx, t, "the deleted ConfigMap re-created", func() bool { return color(ctx, t, cs, "heal") == "blue" })
	t.Logf("deleted ConfigMap re-created after %s", time.Since(start).Round(time.Millisecond))

	// Deleting an Application that prunes deletes what it owns; one that
	// does not would leave it.
	if err := dyn.Resource(applications).Namespace("heal").Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the deleted Application's objects gone", func() bool {
		_, err := dyn.Resource(applications).Namespace("heal").Get(ctx, "web", metav1.GetOptions{})
		return apierrors.IsNotFound(err) && color(ctx, t, cs, "heal") == ""
	})
}

// conditionOf is the status of the Application web's condition typ.
func conditionOf(ctx context.Context, t *testing.T, dyn dynamic.Interface, ns, typ string) string {
	conds, _, _ := unstructured.NestedSlice(getApp(ctx, t, dyn, ns).Object, "status", "conditions")
	for _, c := range conds {
		if m, _ := c.(map[string]any); m["type"] == typ {
			s, _ := m["status"].(string)
			return s
		}
	}
	return ""
}
