package controller

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/inventory"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// TestControllerRemoteDestination: an Application in cluster "home" whose
// destination.cluster.secretRef names the kubeconfig of cluster "remote"
// deploys there and only there, keeps its inventory there, has a hand
// edit there put back by the drift watch (its interval is an hour), prunes
// there a file removed from git, and deleting it deletes there what it
// owns. An Application whose destination.context names the remote
// cluster's context in the controller's kubeconfig deploys there too. A
// Secret whose kubeconfig runs a command is refused, naming the Secret,
// without running it; deleting that Application keeps its finalizer
// (nothing could be pruned) until prune is turned off.
func TestControllerRemoteDestination(t *testing.T) {
	home := testenv.NewCluster(t, testenv.ClusterOptions{Name: "home"})
	remote := testenv.NewCluster(t, testenv.ClusterOptions{Name: "remote"})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	installCRD(ctx, t, home)
	git, wt := gitRepo(t, map[string]string{"apps/web/cm.yaml": configMap("blue"), "apps/web/extra.yaml": namedConfigMap("extra")})
	hcs, rcs := home.Clientset(), remote.Clientset()
	dyn := dynamic.NewForConfigOrDie(home.Config)
	for _, ns := range []string{"team", "hostile", "bycontext"} {
		createNamespace(ctx, t, hcs, ns)
		gitSecret(ctx, t, hcs, ns, git)
	}
	createNamespace(ctx, t, rcs, "team")
	createNamespace(ctx, t, rcs, "bycontext")
	kubeconfig, err := os.ReadFile(remote.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	kubeconfigSecret(ctx, t, hcs, "team", "remote", kubeconfig)
	marker := filepath.Join(t.TempDir(), "ran")
	kubeconfigSecret(ctx, t, hcs, "hostile", "remote", execKubeconfig(t, remote.Kubeconfig, marker))

	startController(ctx, t, Options{Config: home.Config, Kubeconfig: mergedKubeconfig(t, home, remote),
		CacheDir: t.TempDir(), Concurrency: 2})
	dest := map[string]any{"cluster": map[string]any{"secretRef": map[string]any{"name": "remote"}}}
	createApp(ctx, t, dyn, "team", map[string]any{"repo": git.HTTPURL("envs"), "path": "apps/web", "interval": "1h", "destination": dest})
	createApp(ctx, t, dyn, "hostile", map[string]any{"name": "hostile", "repo": git.HTTPURL("envs"), "path": "apps/web", "interval": "1h", "destination": dest})
	createApp(ctx, t, dyn, "bycontext", map[string]any{"name": "bycontext", "repo": git.HTTPURL("envs"), "path": "apps/web", "interval": "1h",
		"destination": map[string]any{"context": "remote"}})

	waitFor(ctx, t, "Ready and blue in the remote cluster", func() bool {
		return ready(ctx, t, dyn, "team") == "True" && color(ctx, t, rcs, "team") == "blue"
	})
	if color(ctx, t, hcs, "team") != "" || configMapExists(ctx, t, hcs, "team", "extra") {
		t.Error("the controller's own cluster got the app's objects")
	}
	if !configMapExists(ctx, t, rcs, inventory.Namespace, "tugboat-inventory-web") || configMapExists(ctx, t, hcs, inventory.Namespace, "tugboat-inventory-web") {
		t.Error("the inventory is not (only) in the remote cluster")
	}
	waitFor(ctx, t, "Healthy, read in the remote cluster", func() bool {
		h, _, _ := unstructured.NestedString(getApp(ctx, t, dyn, "team").Object, "status", "health")
		return h == v1alpha1.HealthHealthy
	})
	waitFor(ctx, t, "the app by context Ready in the remote cluster", func() bool {
		return ready(ctx, t, dyn, "bycontext") == "True" && color(ctx, t, rcs, "bycontext") == "blue"
	})
	if color(ctx, t, hcs, "bycontext") != "" {
		t.Error("the app by context went to the controller's own cluster")
	}

	waitFor(ctx, t, "the exec kubeconfig refused, naming the Secret", func() bool {
		u := getApp(ctx, t, dyn, "hostile")
		return condition(u, "status") == "False" && condition(u, "reason") == "InvalidKubeconfig" &&
			strings.Contains(condition(u, "message"), "Secret hostile/remote")
	})
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the kubeconfig's exec plugin ran")
	}

	// The remote cluster's drift watch: with an hour's interval, only it
	// can notice a hand edit there.
	cm, err := rcs.CoreV1().ConfigMaps("team").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data["color"] = "by-hand"
	if _, err := rcs.CoreV1().ConfigMaps("team").Update(ctx, cm, metav1.UpdateOptions{FieldManager: "kubectl-edit"}); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the remote hand edit put back", func() bool { return color(ctx, t, rcs, "team") == "blue" })

	if err := wt.Remove("apps/web/extra.yaml"); err != nil {
		t.Fatal(err)
	}
	push(t, wt, "apps/web/cm.yaml", configMap("green"))
	requestSync(ctx, t, dyn, "team")
	waitFor(ctx, t, "the removed file pruned in the remote cluster", func() bool {
		return color(ctx, t, rcs, "team") == "green" && !configMapExists(ctx, t, rcs, "team", "extra")
	})

	if err := dyn.Resource(applications).Namespace("team").Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the deleted Application's objects gone from the remote cluster", func() bool {
		_, err := dyn.Resource(applications).Namespace("team").Get(ctx, "web", metav1.GetOptions{})
		return apierrors.IsNotFound(err) && color(ctx, t, rcs, "team") == "" && !configMapExists(ctx, t, rcs, inventory.Namespace, "tugboat-inventory-web")
	})

	// Nothing could be pruned where the hostile app points: the finalizer
	// stays and says why, until prune is turned off.
	if err := dyn.Resource(applications).Namespace("hostile").Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the finalizer kept, and why", func() bool {
		return strings.Contains(readyMessage(ctx, t, dyn, "hostile"), "finalizer")
	})
	patchApp(ctx, t, dyn, "hostile", `{"spec":{"sync":{"prune":false}}}`)
	waitFor(ctx, t, "the Application let go with prune off", func() bool {
		_, err := dyn.Resource(applications).Namespace("hostile").Get(ctx, "web", metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	})
}

// mergedKubeconfig is the kubeconfig of both clusters, current context
// home's, as `tug controller --kubeconfig a:b` loads it.
func mergedKubeconfig(t *testing.T, home, remote *testenv.Cluster) *clientcmdapi.Config {
	t.Helper()
	merged, err := clientcmd.LoadFromFile(home.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	other, err := clientcmd.LoadFromFile(remote.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(merged.Clusters, other.Clusters)
	maps.Copy(merged.AuthInfos, other.AuthInfos)
	maps.Copy(merged.Contexts, other.Contexts)
	return merged
}

func namedConfigMap(name string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\ndata:\n  a: b\n"
}

func createNamespace(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns string) {
	t.Helper()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// kubeconfigSecret creates the Secret name in ns with kubeconfig under
// the key "value", as Cluster API writes it.
func kubeconfigSecret(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns, name string, kubeconfig []byte) {
	t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Data: map[string][]byte{"value": kubeconfig}}
	if _, err := cs.CoreV1().Secrets(ns).Create(ctx, s, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// execKubeconfig is the kubeconfig at path with its user's credentials
// replaced by an exec plugin that would create marker.
func execKubeconfig(t *testing.T, path, marker string) []byte {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name := range cfg.AuthInfos {
		cfg.AuthInfos[name] = &clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{
			APIVersion: "client.authentication.k8s.io/v1", Command: "/bin/sh", Args: []string{"-c", "touch " + marker},
			InteractiveMode: clientcmdapi.NeverExecInteractiveMode,
		}}
	}
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// exists reports whether the ConfigMap ns/name exists.
func configMapExists(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns, name string) bool {
	t.Helper()
	_, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	return err == nil
}
