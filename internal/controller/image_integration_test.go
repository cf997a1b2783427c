package controller

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

var imagePolicies = schema.GroupVersionResource{Group: "tugboat.dev", Version: "v1alpha1", Resource: "imagepolicies"}

// imageFixture is a cluster running the controller, a registry holding
// team/app:1.0.0, and a repository whose Deployment names that image by a
// marker, deployed by the Application web with image updates on.
type imageFixture struct {
	env   *testenv.Cluster
	reg   *testenv.Registry
	git   *testenv.GitServer
	cs    kubernetes.Interface
	dyn   dynamic.Interface
	ns    string
	image string
	// policyWrites counts the controller's writes of ImagePolicy status.
	policyWrites atomic.Int64
}

func newImageFixture(ctx context.Context, t *testing.T, scanInterval, appInterval string) *imageFixture {
	t.Helper()
	f := &imageFixture{env: testenv.NewCluster(t, testenv.ClusterOptions{Name: "image"}), reg: testenv.NewRegistry(t), ns: "team"}
	f.image = f.reg.Host + "/team/app"
	for _, crd := range []string{"tugboat.dev_applications.yaml", "tugboat.dev_imagepolicies.yaml"} {
		if err := f.env.InstallCRDs(ctx, filepath.Join("..", "..", "deploy", "crds", crd)); err != nil {
			t.Fatal(err)
		}
	}
	f.pushImage(ctx, t, "1.0.0")
	f.git, _ = gitRepo(t, map[string]string{"apps/web/deploy.yaml": markedDeployment(f.image + ":1.0.0")})
	f.cs, f.dyn = f.env.Clientset(), dynamic.NewForConfigOrDie(f.env.Config)
	if _, err := f.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: f.ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	gitSecret(ctx, t, f.cs, f.ns, f.git)
	f.registrySecret(ctx, t, f.reg.Password)

	cfg := rest.CopyConfig(f.env.Config)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripper(func(req *http.Request) (*http.Response, error) {
			if req.Method != http.MethodGet && strings.Contains(req.URL.Path, "/imagepolicies/") && strings.HasSuffix(req.URL.Path, "/status") {
				f.policyWrites.Add(1)
			}
			return rt.RoundTrip(req)
		})
	})
	startController(ctx, t, Options{Config: cfg, CacheDir: t.TempDir(), Concurrency: 2})
	f.createPolicy(ctx, t, scanInterval)
	createApp(ctx, t, f.dyn, f.ns, map[string]any{"repo": f.git.HTTPURL("envs"), "path": "apps/web", "interval": appInterval,
		"imageUpdate": map[string]any{"enabled": true, "author": map[string]any{"name": "Image Bot", "email": "bot@example.com"}}})
	return f
}

// TestImageAutomation, end to end: a new tag in range is committed to git
// (author, message) and deployed; a routine re-check commits, clones and
// writes nothing; a tag out of range commits nothing; a refused push
// leaves the app Ready and running what it ran, until credentials that
// may push commit it; refused registry credentials make the policy
// Ready=False, keeping its image, and commit nothing.
func TestImageAutomation(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	f := newImageFixture(ctx, t, "1s", "2s")
	waitFor(ctx, t, "1.0.0 running", func() bool { return f.running(ctx, t, "1.0.0") })
	waitFor(ctx, t, "the policy at 1.0.0", func() bool { return f.policyField(ctx, t, "latestImage") == f.image+":1.0.0" })
	waitFor(ctx, t, "ImageUpdate UpToDate", func() bool {
		return imageCondition(getApp(ctx, t, f.dyn, f.ns), "reason") == "UpToDate"
	})
	if n := f.pushes(); n != 0 {
		t.Errorf("%d pushes while the files already named the latest image", n)
	}

	fetches := f.git.Requests().Repos["envs"].Fetches
	start := time.Now()
	f.pushImage(ctx, t, "1.1.0")
	waitFor(ctx, t, "1.1.0 running", func() bool { return f.running(ctx, t, "1.1.0") })
	t.Logf("image push to Pod running: %s", time.Since(start).Round(time.Millisecond))
	// The write-back's clone and the app's fetch of the commit: the sync
	// that deploys the commit knows it made it, and clones nothing.
	if n := f.git.Requests().Repos["envs"].Fetches - fetches; n != 2 {
		t.Errorf("%d fetches with objects for one image update, want 2", n)
	}
	app := getApp(ctx, t, f.dyn, f.ns)
	if c, msg := imageCondition(app, "reason"), imageCondition(app, "message"); c != "Committed" || !strings.Contains(msg, "web: "+f.image+" 1.0.0 -> 1.1.0") {
		t.Errorf("ImageUpdate %s %q, want Committed naming the update", c, msg)
	}
	log := f.lastCommit(ctx, t)
	for _, want := range []string{"Image Bot <bot@example.com>", "tugboat: update images", "web: " + f.image + " 1.0.0 -> 1.1.0"} {
		if !strings.Contains(log, want) {
			t.Errorf("the last commit lacks %q:\n%s", want, log)
		}
	}
	if n := f.pushes(); n != 1 {
		t.Errorf("%d pushes, want 1", n)
	}
	waitFor(ctx, t, "an ImageUpdated Event", func() bool { return f.event(ctx, t, "web", "ImageUpdated") })

	t.Run("a routine re-check writes nothing", func(t *testing.T) {
		waitFor(ctx, t, "the app Healthy", func() bool { return healthOf(ctx, t, f.dyn, f.ns) == "Healthy" })
		writes, stats, appRV := f.policyWrites.Load(), f.git.Requests().Repos["envs"], resourceVersion(ctx, t, f.dyn, f.ns)
		time.Sleep(4500 * time.Millisecond) // about four scans and two app checks
		after := f.git.Requests().Repos["envs"]
		if n := f.policyWrites.Load() - writes; n != 0 {
			t.Errorf("%d ImagePolicy status writes by scans that found nothing new", n)
		}
		if after.ReceivePack != stats.ReceivePack || after.Fetches != stats.Fetches {
			t.Errorf("re-checks cloned or pushed: %+v -> %+v", stats, after)
		}
		if rv := resourceVersion(ctx, t, f.dyn, f.ns); rv != appRV {
			t.Errorf("re-checks wrote the Application: resourceVersion %s -> %s", appRV, rv)
		}
	})

	t.Run("a tag out of range commits nothing", func(t *testing.T) {
		f.pushImage(ctx, t, "2.0.0")
		waitFor(ctx, t, "the scan to see 2.0.0", func() bool { return f.policyField(ctx, t, "observedTags") == "3" })
		time.Sleep(2 * time.Second)
		if n := f.pushes(); n != 1 {
			t.Errorf("%d pushes, want still 1", n)
		}
		if got := f.policyField(ctx, t, "latestImage"); got != f.image+":1.1.0" {
			t.Errorf("latest image %s, want 1.1.0", got)
		}
	})

	t.Run("a refused push leaves the app Ready", func(t *testing.T) {
		secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "git-readonly", Namespace: f.ns},
			StringData: map[string]string{"username": f.git.ReadOnlyUsername, "password": f.git.ReadOnlyPassword}}
		if _, err := f.cs.CoreV1().Secrets(f.ns).Create(ctx, secret, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		f.patchApp(ctx, t, `{"spec":{"imageUpdate":{"secretRef":{"name":"git-readonly"}}}}`)
		f.pushImage(ctx, t, "1.2.0")
		waitFor(ctx, t, "ImageUpdate=False PushRefused", func() bool {
			return imageCondition(getApp(ctx, t, f.dyn, f.ns), "reason") == "PushRefused"
		})
		if r := ready(ctx, t, f.dyn, f.ns); r != "True" {
			t.Errorf("Ready %s after a refused push, want True", r)
		}
		if !f.running(ctx, t, "1.1.0") {
			t.Error("a refused push changed what runs")
		}
		if !f.event(ctx, t, "web", "PushRefused") {
			t.Error("no PushRefused Event")
		}
		if msg := imageCondition(getApp(ctx, t, f.dyn, f.ns), "message"); strings.Contains(msg, f.git.ReadOnlyPassword) {
			t.Errorf("the condition shows the password: %s", msg)
		}
		f.patchApp(ctx, t, `{"spec":{"imageUpdate":{"secretRef":null}}}`)
		waitFor(ctx, t, "1.2.0 running", func() bool { return f.running(ctx, t, "1.2.0") })
		if log := f.lastCommit(ctx, t); !strings.Contains(log, "1.1.0 -> 1.2.0") {
			t.Errorf("the last commit is not the update to 1.2.0:\n%s", log)
		}
	})

	t.Run("refused registry credentials", func(t *testing.T) {
		f.registrySecret(ctx, t, "wrong")
		waitFor(ctx, t, "the policy Ready=False", func() bool {
			p := f.policy(ctx, t)
			return condition(p, "status") == "False" && condition(p, "reason") == "AuthFailed"
		})
		pushes := f.pushes()
		f.pushImage(ctx, t, "1.3.0")
		time.Sleep(3 * time.Second)
		if n := f.pushes(); n != pushes {
			t.Errorf("%d pushes, want still %d", n, pushes)
		}
		if got := f.policyField(ctx, t, "latestImage"); got != f.image+":1.2.0" {
			t.Errorf("latest image %s, want 1.2.0 kept", got)
		}
		if !f.event(ctx, t, "app", "AuthFailed") {
			t.Error("no AuthFailed Event for the policy")
		}
		if msg := condition(f.policy(ctx, t), "message"); strings.Contains(msg, "wrong") {
			t.Errorf("the condition shows the password: %s", msg)
		}
	})
}

func markedDeployment(image string) string {
	return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: ` + image + ` # {"tugboat": "app"}
`
}

func (f *imageFixture) pushImage(ctx context.Context, t *testing.T, tag string) {
	t.Helper()
	if _, err := f.reg.PushRandomImage(ctx, "team/app", tag); err != nil {
		t.Fatal(err)
	}
}

// registrySecret creates or updates the Secret registry with password.
func (f *imageFixture) registrySecret(ctx context.Context, t *testing.T, password string) {
	t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "registry", Namespace: f.ns},
		StringData: map[string]string{"username": f.reg.Username, "password": password}}
	secrets := f.cs.CoreV1().Secrets(f.ns)
	if _, err := secrets.Update(ctx, s, metav1.UpdateOptions{}); err == nil {
		return
	}
	if _, err := secrets.Create(ctx, s, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// createPolicy creates the ImagePolicy app: semver ^1 of team/app.
func (f *imageFixture) createPolicy(ctx context.Context, t *testing.T, interval string) {
	t.Helper()
	p := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "tugboat.dev/v1alpha1", "kind": "ImagePolicy",
		"metadata": map[string]any{"name": "app", "namespace": f.ns},
		"spec": map[string]any{"image": f.image, "interval": interval, "secretRef": map[string]any{"name": "registry"},
			"policy": map[string]any{"semver": map[string]any{"range": "^1"}}},
	}}
	if _, err := f.dyn.Resource(imagePolicies).Namespace(f.ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func (f *imageFixture) policy(ctx context.Context, t *testing.T) *unstructured.Unstructured {
	t.Helper()
	p, err := f.dyn.Resource(imagePolicies).Namespace(f.ns).Get(ctx, "app", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// policyField is a status field of the policy, as text; "" when unset.
func (f *imageFixture) policyField(ctx context.Context, t *testing.T, field string) string {
	t.Helper()
	v, ok, _ := unstructured.NestedFieldNoCopy(f.policy(ctx, t).Object, "status", field)
	if !ok {
		return ""
	}
	return fmt.Sprint(v)
}

// running reports whether the Deployment names tag and a Pod of it runs.
func (f *imageFixture) running(ctx context.Context, t *testing.T, tag string) bool {
	t.Helper()
	want := f.image + ":" + tag
	d, err := f.cs.AppsV1().Deployments(f.ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil || d.Spec.Template.Spec.Containers[0].Image != want {
		return false
	}
	pods, err := f.cs.CoreV1().Pods(f.ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil && p.Spec.Containers[0].Image == want {
			return true
		}
	}
	return false
}

func (f *imageFixture) patchApp(ctx context.Context, t *testing.T, patch string) {
	t.Helper()
	if _, err := f.dyn.Resource(applications).Namespace(f.ns).Patch(ctx, "web", types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}

// imageCondition is a field of the app's ImageUpdate condition.
func imageCondition(u *unstructured.Unstructured, field string) string {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		if m, _ := c.(map[string]any); m["type"] == imageUpdateCondition {
			s, _ := m[field].(string)
			return s
		}
	}
	return ""
}

// pushes counts the pushes the git server received.
func (f *imageFixture) pushes() int {
	return f.git.Requests().Repos["envs"].ReceivePack
}

// lastCommit is the author and message of the repository's last commit.
func (f *imageFixture) lastCommit(ctx context.Context, t *testing.T) string {
	t.Helper()
	wt, err := f.git.Clone("envs")
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.git.Git(ctx, wt.Dir, f.git.GitEnv(), "log", "-1", "--format=%an <%ae>%n%B")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// event reports whether an Event with reason regards the object name.
func (f *imageFixture) event(ctx context.Context, t *testing.T, name, reason string) bool {
	t.Helper()
	list, err := f.cs.EventsV1().Events(f.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range list.Items {
		if e.Regarding.Name == name && e.Reason == reason {
			return true
		}
	}
	return false
}

// TestImageLatency measures, with a 5 s scan interval and an app interval
// of an hour (so only the policy's watch deploys), the time from an image
// push to a Pod of it running, and the registry requests a scan costs.
// It asserts nothing about time: run it with TUGBOAT_IMAGE_LATENCY=1.
func TestImageLatency(t *testing.T) {
	if os.Getenv("TUGBOAT_IMAGE_LATENCY") == "" {
		t.Skip("a measurement: set TUGBOAT_IMAGE_LATENCY=1")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	f := newImageFixture(ctx, t, "5s", "1h")
	waitFor(ctx, t, "1.0.0 running", func() bool { return f.running(ctx, t, "1.0.0") })
	waitFor(ctx, t, "the policy at 1.0.0", func() bool { return f.policyField(ctx, t, "latestImage") == f.image+":1.0.0" })

	scans, requests := scanCount(), testutil.ToFloat64(imageRegistryRequests)
	time.Sleep(21 * time.Second)
	n := scanCount() - scans
	t.Logf("idle: %.0f scans, %.1f registry requests per scan", n, (testutil.ToFloat64(imageRegistryRequests)-requests)/n)

	// A push lands at a random point of the scan interval, as a CI's does.
	var took, afterScan []time.Duration
	for _, tag := range []string{"1.1.0", "1.2.0", "1.3.0", "1.4.0", "1.5.0", "1.6.0"} {
		time.Sleep(rand.N(5 * time.Second))
		scans, requests := scanCount(), testutil.ToFloat64(imageRegistryRequests)
		start := time.Now()
		f.pushImage(ctx, t, tag)
		waitFor(ctx, t, tag+" running", func() bool { return f.running(ctx, t, tag) })
		end := time.Now()
		scanned := f.newImageAt(ctx, t, tag)
		took, afterScan = append(took, end.Sub(start)), append(afterScan, end.Sub(scanned))
		t.Logf("%s: push to Pod running %s, of which after the scan %s (%.0f scans, %.0f registry requests)", tag,
			end.Sub(start).Round(10*time.Millisecond), end.Sub(scanned).Round(10*time.Millisecond),
			scanCount()-scans, testutil.ToFloat64(imageRegistryRequests)-requests)
	}
	t.Logf("push to Pod running, %d pushes: %s; from the scan that saw it: %s", len(took), spread(took), spread(afterScan))
}

// newImageAt is when the policy's NewImage Event for tag was emitted,
// right after the scan that found it.
func (f *imageFixture) newImageAt(ctx context.Context, t *testing.T, tag string) time.Time {
	t.Helper()
	list, err := f.cs.EventsV1().Events(f.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range list.Items {
		if e.Reason == "NewImage" && strings.HasPrefix(e.Note, "latest image "+f.image+":"+tag+" ") {
			return e.EventTime.Time
		}
	}
	t.Fatalf("no NewImage Event for %s", tag)
	return time.Time{}
}

// spread is the min, median and max of ds.
func spread(ds []time.Duration) string {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	r := func(d time.Duration) time.Duration { return d.Round(10 * time.Millisecond) }
	return fmt.Sprintf("min %s, median %s, max %s", r(ds[0]), r(ds[len(ds)/2]), r(ds[len(ds)-1]))
}

// scanCount is the scans counted so far, whatever their result.
func scanCount() float64 {
	var n float64
	for _, result := range []string{"ok", "AuthFailed", "AuthRequired", "NotFound", "NoMatch", "ScanFailed", "InvalidSpec", "SecretNotFound", "InvalidSecret"} {
		n += testutil.ToFloat64(imageScans.WithLabelValues(result))
	}
	return n
}
