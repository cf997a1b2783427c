package health

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/utils/ptr"

	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// The package's integration tests share one cluster (the machine has two
// cores); each test works in a namespace of its own.
var shared struct {
	once    sync.Once
	cluster *testenv.Cluster
	err     error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if c := shared.cluster; c != nil {
		if code != 0 || os.Getenv("TUGBOAT_KEEP_TESTENV") != "" {
			c.Keep()
			fmt.Fprintf(os.Stderr, "cluster %s: component logs kept in %s\n", c.Name, c.LogDir)
		}
		if err := c.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "stop cluster: %v\n", err)
		}
	}
	os.Exit(code)
}

// env is one test's view of the shared cluster.
type env struct {
	cluster   *testenv.Cluster
	clientset kubernetes.Interface
	dynamic   dynamic.Interface
	mapper    *restmapper.DeferredDiscoveryRESTMapper
	namespace string
	// requests counts the dynamic client's requests, by "METHOD path".
	requests *requestCounter
}

func newEnv(t *testing.T) *env {
	t.Helper()
	testenv.SkipIfShort(t)
	shared.once.Do(func() {
		shared.cluster, shared.err = testenv.StartCluster(context.Background(),
			testenv.ClusterOptions{Name: "health", Progress: os.Stderr})
	})
	if shared.err != nil {
		t.Fatalf("start cluster: %v", shared.err)
	}
	c := shared.cluster
	e := &env{cluster: c, clientset: c.Clientset(), requests: &requestCounter{counts: map[string]int{}}}
	counted := rest.CopyConfig(c.Config)
	counted.Wrap(e.requests.wrap)
	e.dynamic = dynamic.NewForConfigOrDie(counted)
	e.mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(discovery.NewDiscoveryClientForConfigOrDie(c.Config)))
	e.namespace = "health-" + strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: e.namespace}}
	if _, err := e.clientset.CoreV1().Namespaces().Create(t.Context(), ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	t.Cleanup(func() {
		_ = e.clientset.CoreV1().Namespaces().Delete(context.Background(), e.namespace, metav1.DeleteOptions{})
	})
	return e
}

// requestCounter counts requests, to check that Wait lists instead of
// getting object by object.
type requestCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func (c *requestCounter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		c.mu.Lock()
		c.counts[req.Method+" "+req.URL.Path]++
		c.mu.Unlock()
		return rt.RoundTrip(req)
	})
}

func (c *requestCounter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.counts))
	for k, v := range c.counts {
		out[k] = v
	}
	return out
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// run is the outcome of one Wait.
type run struct {
	results []Result
	err     error
	// polls holds the waiting objects Progress saw, poll by poll.
	polls   [][]Result
	elapsed time.Duration
}

// wait runs Wait bounded by limit, recording each poll's progress.
func (e *env) wait(t *testing.T, ids []object.ID, limit time.Duration, opts WaitOptions) run {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), limit)
	defer cancel()
	var r run
	opts.Progress = func(ready, total int, waiting []Result) {
		r.polls = append(r.polls, waiting)
		t.Logf("poll %d: ready %d/%d %v", len(r.polls), ready, total, waiting)
	}
	start := time.Now()
	r.results, r.err = Wait(ctx, e.dynamic, e.mapper, ids, opts)
	r.elapsed = time.Since(start)
	return r
}

func deployment(namespace, name string, mutate func(*appsv1.Deployment)) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27"}}},
			},
		},
	}
	if mutate != nil {
		mutate(d)
	}
	return d
}

func deploymentID(namespace, name string) object.ID {
	return object.ID{Group: "apps", Kind: "Deployment", Namespace: namespace, Name: name}
}

func configMapID(namespace, name string) object.ID {
	return object.ID{Kind: "ConfigMap", Namespace: namespace, Name: name}
}

func (e *env) createConfigMaps(t *testing.T, names ...string) {
	t.Helper()
	for _, name := range names {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: e.namespace}, Data: map[string]string{"k": "v"}}
		if _, err := e.clientset.CoreV1().ConfigMaps(e.namespace).Create(t.Context(), cm, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create configmap %s: %v", name, err)
		}
	}
}

func TestWaitDeploymentAvailable(t *testing.T) {
	e := newEnv(t)
	var ids []object.ID
	var names []string
	for i := range 20 {
		names = append(names, fmt.Sprint("settings-", i))
		ids = append(ids, configMapID(e.namespace, names[i]))
	}
	e.createConfigMaps(t, names...)
	// Created last, so the wait starts before it is Available.
	d := deployment(e.namespace, "web", nil)
	if _, err := e.clientset.AppsV1().Deployments(e.namespace).Create(t.Context(), d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ids = append(ids, deploymentID(e.namespace, "web"))

	r := e.wait(t, ids, 60*time.Second, WaitOptions{Interval: 200 * time.Millisecond})
	if r.err != nil {
		t.Fatalf("Wait: %v", r.err)
	}
	web := r.results[len(r.results)-1]
	if want := (Result{ID: ids[len(ids)-1], Status: Current, Message: "2/2 replicas available"}); web != want {
		t.Errorf("deployment: %+v, want %+v", web, want)
	}
	// One LIST per kind and namespace per poll, never a GET per object.
	counts := e.requests.snapshot()
	polls := len(r.polls)
	for path, n := range counts {
		t.Logf("%s: %d", path, n)
		if strings.HasPrefix(path, "GET ") && (strings.Contains(path, "/configmaps/") || strings.Contains(path, "/deployments/")) {
			t.Errorf("Wait got an object by name: %s", path)
		}
	}
	for _, list := range []string{"/api/v1/namespaces/%s/configmaps", "/apis/apps/v1/namespaces/%s/deployments"} {
		if n := counts["GET "+fmt.Sprintf(list, e.namespace)]; n != polls {
			t.Errorf("%d LISTs of %s in %d polls", n, fmt.Sprintf(list, e.namespace), polls)
		}
	}
	if n := counts["GET "+fmt.Sprintf("/api/v1/namespaces/%s/pods", e.namespace)]; n > polls-1 {
		t.Errorf("%d pod LISTs in %d polls; the last poll, all Current, needs none", n, polls)
	}
}

func TestWaitDeploymentUnschedulable(t *testing.T) {
	e := newEnv(t)
	d := deployment(e.namespace, "stuck", func(d *appsv1.Deployment) {
		d.Spec.Replicas = ptr.To[int32](1)
		d.Spec.ProgressDeadlineSeconds = ptr.To[int32](3)
		d.Spec.Template.Spec.NodeSelector = map[string]string{"nope": "true"}
	})
	if _, err := e.clientset.AppsV1().Deployments(e.namespace).Create(t.Context(), d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	id := deploymentID(e.namespace, "stuck")
	r := e.wait(t, []object.ID{id}, 60*time.Second, WaitOptions{Interval: 500 * time.Millisecond, Timeout: 50 * time.Second})
	var we *WaitError
	if !errors.As(r.err, &we) || we.Err != nil {
		t.Fatalf("Wait: %v, want a WaitError for a failed object", r.err)
	}
	if r.elapsed > 40*time.Second {
		t.Errorf("Wait took %s to see a 3s progress deadline pass", r.elapsed)
	}
	msg := r.err.Error()
	for _, want := range []string{id.String(), "Failed: ProgressDeadlineExceeded", "0/1 replicas available", "Unschedulable", "node affinity/selector"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if got := r.results[0]; got.Status != Failed || got.Reason != "ProgressDeadlineExceeded" {
		t.Errorf("result %+v, want Failed with ProgressDeadlineExceeded", got)
	}
}

func TestWaitConfigMapCurrent(t *testing.T) {
	e := newEnv(t)
	e.createConfigMaps(t, "settings")
	id := configMapID(e.namespace, "settings")
	r := e.wait(t, []object.ID{id}, 30*time.Second, WaitOptions{})
	if r.err != nil {
		t.Fatalf("Wait: %v", r.err)
	}
	if len(r.polls) != 1 || r.results[0].Status != Current {
		t.Errorf("%d polls, result %+v; want Current at the first poll", len(r.polls), r.results[0])
	}
}

func TestWaitMissingTimesOut(t *testing.T) {
	e := newEnv(t)
	e.createConfigMaps(t, "present")
	ids := []object.ID{configMapID(e.namespace, "present"), configMapID(e.namespace, "missing")}
	r := e.wait(t, ids, 30*time.Second, WaitOptions{Interval: 200 * time.Millisecond, Timeout: 2 * time.Second})
	if !errors.Is(r.err, context.DeadlineExceeded) {
		t.Fatalf("Wait: %v, want a timeout", r.err)
	}
	want := fmt.Sprintf("timed out after 2s waiting for 1 object: ConfigMap/%s/missing: NotFound", e.namespace)
	if r.err.Error() != want {
		t.Errorf("error %q\nwant  %q", r.err, want)
	}
	if r.results[0].Status != Current || r.results[1].Status != NotFound {
		t.Errorf("results %+v, want Current and NotFound", r.results)
	}
	if r.elapsed > 10*time.Second {
		t.Errorf("a 2s timeout took %s", r.elapsed)
	}
}

// TestWaitCustomResourceOfNewKind waits on an object whose kind the
// cluster does not serve yet: the CRD comes during the wait, and the
// mapper must be reset to find it.
func TestWaitCustomResourceOfNewKind(t *testing.T) {
	e := newEnv(t)
	id := object.ID{Group: "health.example.com", Kind: "Widget", Namespace: e.namespace, Name: "blue"}
	var r run
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		r = e.wait(t, []object.ID{id}, 60*time.Second, WaitOptions{Interval: 300 * time.Millisecond})
	}()
	t.Cleanup(func() { <-finished }) // the wait logs; it must end before the test does

	time.Sleep(time.Second)
	crds := e.dynamic.Resource(crdResource)
	crd := readFixture(t, "crd-established.yaml")[0].Unstructured
	crd.SetName("widgets.health.example.com")
	_ = unstructured.SetNestedField(crd.Object, "health.example.com", "spec", "group")
	unstructured.RemoveNestedField(crd.Object, "status")
	unstructured.RemoveNestedField(crd.Object, "metadata", "generation")
	if _, err := crds.Create(t.Context(), crd, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create CRD: %v", err)
	}
	t.Cleanup(func() { _ = crds.Delete(context.Background(), crd.GetName(), metav1.DeleteOptions{}) })
	widget := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "health.example.com/v1", "kind": "Widget",
		"metadata": map[string]any{"name": "blue", "namespace": e.namespace},
		"spec":     map[string]any{"color": "blue"},
	}}
	widgets := e.dynamic.Resource(widgetResource).Namespace(e.namespace)
	if err := retry(t.Context(), 30*time.Second, func() error {
		_, err := widgets.Create(t.Context(), widget, metav1.CreateOptions{})
		return err
	}); err != nil {
		t.Fatalf("create widget: %v", err)
	}
	<-finished
	if r.err != nil {
		t.Fatalf("Wait: %v", r.err)
	}
	if first := r.polls[0]; len(first) != 1 || first[0].Status != NotFound {
		t.Errorf("first poll %+v, want the widget NotFound", first)
	}
}

func TestWaitForbidden(t *testing.T) {
	e := newEnv(t)
	sa, err := e.cluster.ServiceAccountCredentials(t.Context(), e.namespace, "nobody")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, err = Wait(ctx, dynamic.NewForConfigOrDie(sa.Config), e.mapper,
		[]object.ID{configMapID(e.namespace, "any")}, WaitOptions{Timeout: 20 * time.Second})
	var we *WaitError
	if err == nil || errors.As(err, &we) || !strings.Contains(err.Error(), "forbidden") {
		t.Fatalf("Wait: %v, want a forbidden error at once", err)
	}
}

var (
	crdResource    = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	widgetResource = schema.GroupVersionResource{Group: "health.example.com", Version: "v1", Resource: "widgets"}
)

// retry calls f until it succeeds or limit passes.
func retry(ctx context.Context, limit time.Duration, f func() error) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		err := f()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func TestCheck(t *testing.T) {
	e := newEnv(t)
	e.createConfigMaps(t, "present")
	ids := []object.ID{configMapID(e.namespace, "present"), configMapID(e.namespace, "missing")}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	results, err := Check(ctx, e.dynamic, e.mapper, ids)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if results[0].Status != Current || results[1] != NotFoundResult(ids[1]) {
		t.Errorf("Check = %+v, want Current and NotFound", results)
	}
}
