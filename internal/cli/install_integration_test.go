package cli

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// TestInstall: --export prints the CRD, the controller with the image and
// the finalizer policy; install applies them and waits until the
// controller is ready and the policy in effect, so that an Application
// created right after it has the prune finalizer; a second install
// changes nothing; uninstall removes the controller, the policy and the
// CRD and keeps tugboat-system, which holds every app's inventory.
func TestInstall(t *testing.T) {
	image := "127.0.0.1:5000/tug@sha256:" + strings.Repeat("ab", 32)
	checkRun(t, []string{"install", "--export", "--image", image}, ExitOK, "",
		[]string{"kind: CustomResourceDefinition", "kind: Deployment", "image: " + image, "name: tugboat-controller",
			"kind: MutatingAdmissionPolicy", "name: tugboat-prune-finalizer"})
	checkRun(t, []string{"install", "--export"}, ExitFailure, "no controller image", nil)

	env := testenv.NewCluster(t, testenv.ClusterOptions{Name: "cli-install"})
	kc := []string{"--kubeconfig", env.Kubeconfig}
	checkRun(t, append([]string{"install", "--image", image, "--timeout", "2m"}, kc...), ExitOK, "", []string{"tugboat on", "to create"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	apps := dynamic.NewForConfigOrDie(env.Config).Resource(applicationsResource).Namespace("default")
	app := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "tugboat.dev/v1alpha1", "kind": "Application",
		"metadata": map[string]any{"name": "web"}, "spec": map[string]any{"path": "apps/web"}}}
	if got, err := apps.Create(ctx, app, metav1.CreateOptions{}); err != nil {
		t.Errorf("an Application created right after tug install: %v", err)
	} else if fins := got.GetFinalizers(); !slices.Equal(fins, []string{"tugboat.dev/prune"}) {
		t.Errorf("an Application created right after tug install has the finalizers %q, want the policy's tugboat.dev/prune", fins)
	}
	checkRun(t, append([]string{"install", "--image", image}, kc...), ExitOK, "", []string{"0 to create, 0 to update, 0 to prune"})
	checkRun(t, append([]string{"uninstall"}, kc...), ExitOK, "", []string{"tugboat removed"})

	cs := env.Clientset()
	if _, err := cs.AdmissionregistrationV1().MutatingAdmissionPolicies().Get(ctx, "tugboat-prune-finalizer", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the finalizer policy after uninstall: %v, want it gone", err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := cs.AppsV1().Deployments("tugboat-system").Get(ctx, "tugboat-controller", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	}); err != nil {
		t.Error("the controller's Deployment is still there after uninstall")
	}
	if ns, err := cs.CoreV1().Namespaces().Get(ctx, "tugboat-system", metav1.GetOptions{}); err != nil || ns.DeletionTimestamp != nil {
		t.Errorf("tugboat-system, which holds the inventories, was deleted: %v", err)
	}
}

// TestInstallPinsDigest: tug install --export --image REPO:TAG resolves
// the tag in the local registry, with the credentials of
// --registry-username and --registry-password-file, and exports the
// Deployment with REPO@DIGEST; without credentials the lookup fails, and
// --no-resolve keeps the tag.
func TestInstallPinsDigest(t *testing.T) {
	reg := testenv.NewRegistry(t)
	digest, err := reg.PushRandomImage(context.Background(), "tugboat/tug", "v0.1.0")
	if err != nil {
		t.Fatal(err)
	}
	password := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(password, []byte(reg.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tag := reg.Host + "/tugboat/tug:v0.1.0"
	out := checkRun(t, []string{"install", "--export", "--image", tag, "--insecure-registry",
		"--registry-username", reg.Username, "--registry-password-file", password},
		ExitOK, "", []string{"image: " + reg.Host + "/tugboat/tug@" + digest})
	if strings.Contains(out, tag) {
		t.Errorf("the export still names the tag %s", tag)
	}
	checkRun(t, []string{"install", "--export", "--image", tag}, ExitFailure, "resolve "+tag+" to a digest", nil)
	checkRun(t, []string{"install", "--export", "--image", tag, "--no-resolve"}, ExitOK, "is a tag", []string{"image: " + tag})
}
