package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/inventory"
	"github.com/tugboat-gitops/tugboat/internal/render"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// applyTimeout bounds each apply test.
const applyTimeout = 90 * time.Second

// shared is the one cluster the apply tests share, started by the first
// test that asks for it and stopped by TestMain. Other tests of the package
// start their own clusters and servers and never touch it.
var shared struct {
	once sync.Once
	env  *testenv.Cluster
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if env := shared.env; env != nil {
		if code != 0 || os.Getenv("TUGBOAT_KEEP_TESTENV") != "" {
			env.Keep()
			fmt.Fprintf(os.Stderr, "cluster %s: component logs kept in %s\n", env.Name, env.LogDir)
		}
		if err := env.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "stop cluster %s: %v\n", env.Name, err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

// sharedCluster returns the shared cluster, starting it on first use; it
// skips the test under -short.
func sharedCluster(t *testing.T) *testenv.Cluster {
	t.Helper()
	testenv.SkipIfShort(t)
	shared.once.Do(func() {
		shared.env, shared.err = testenv.StartCluster(context.Background(), testenv.ClusterOptions{Name: "apply", Progress: os.Stderr})
	})
	if shared.err != nil {
		t.Fatalf("start shared cluster: %v", shared.err)
	}
	return shared.env
}

// applyEnv is one apply test's view of the shared cluster.
type applyEnv struct {
	t   *testing.T
	env *testenv.Cluster
	// c is the engine's connection, cs a clientset for checks and edits.
	c  *cluster.Cluster
	cs kubernetes.Interface
	p  *Pipeline
}

// newApplyEnv runs t in parallel with the other apply tests, on the shared
// cluster, bounded by applyTimeout.
func newApplyEnv(t *testing.T) (context.Context, *applyEnv) {
	t.Helper()
	env := sharedCluster(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), applyTimeout)
	t.Cleanup(cancel)
	return ctx, &applyEnv{t: t, env: env, c: connect(t, env, nil), cs: env.Clientset(), p: New(Options{CacheDir: t.TempDir()})}
}

// connect returns a new engine connection to env, its requests counted by
// rc when given.
func connect(t *testing.T, env *testenv.Cluster, rc *requestCounter) *cluster.Cluster {
	t.Helper()
	cfg := rest.CopyConfig(env.Config)
	if rc != nil {
		cfg.Wrap(rc.wrap)
	}
	c, err := cluster.FromConfig("test", cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// namespace creates a namespace for the test.
func (e *applyEnv) namespace(ctx context.Context, name string) string {
	e.t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := e.cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		e.t.Fatalf("create namespace %s: %v", name, err)
	}
	return name
}

// app returns an app named name that renders dir into namespace ns and
// prunes.
func (e *applyEnv) app(name, dir, ns string) App {
	return App{
		Name:   name,
		Source: SourceSpec{Dir: dir},
		Render: render.Request{Post: render.PostOptions{Namespace: ns}},
		Sync:   SyncOptions{Prune: true},
	}
}

// mustApply applies app and fails the test on an error.
func (e *applyEnv) mustApply(ctx context.Context, app App) *Result {
	e.t.Helper()
	res, err := e.p.Apply(ctx, app, e.c, Hooks{})
	if err != nil {
		e.t.Fatalf("apply %s: %v", app.Name, err)
	}
	return res
}

// mustPlan plans app and fails the test on an error.
func (e *applyEnv) mustPlan(ctx context.Context, app App) *Result {
	e.t.Helper()
	res, err := e.p.Plan(ctx, app, e.c)
	if err != nil {
		e.t.Fatalf("plan %s: %v", app.Name, err)
	}
	return res
}

// configMap reads a ConfigMap; nil if it does not exist.
func (e *applyEnv) configMap(ctx context.Context, ns, name string) *corev1.ConfigMap {
	e.t.Helper()
	cm, err := e.cs.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		e.t.Fatalf("get ConfigMap %s/%s: %v", ns, name, err)
	}
	return cm
}

// inventory loads the app's inventory.
func (e *applyEnv) inventory(ctx context.Context, app string) *inventory.Inventory {
	e.t.Helper()
	inv, err := (&inventory.Store{Cluster: e.c}).Load(ctx, app)
	if err != nil {
		e.t.Fatal(err)
	}
	return inv
}

// inventoryIDs lists an inventory's object ids, sorted.
func inventoryIDs(inv *inventory.Inventory) []string {
	ids := make([]string, 0, len(inv.Entries))
	for _, e := range inv.Entries {
		ids = append(ids, e.ID().String())
	}
	sort.Strings(ids)
	return ids
}

// actions maps each change of a result to its action, by object id.
func actions(res *Result) map[string]changeset.Action {
	out := map[string]changeset.Action{}
	if res == nil || res.ChangeSet == nil {
		return out
	}
	for _, c := range res.ChangeSet.Changes {
		out[c.ID.String()] = c.Action
	}
	return out
}

// change returns the change of id in res.
func change(t *testing.T, res *Result, id string) changeset.Change {
	t.Helper()
	for _, c := range res.ChangeSet.Changes {
		if c.ID.String() == id {
			return c
		}
	}
	t.Fatalf("no change for %s in %v", id, actions(res))
	return changeset.Change{}
}

// checkActions compares a result's actions with want.
func checkActions(t *testing.T, res *Result, want map[string]changeset.Action) {
	t.Helper()
	got := actions(res)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("actions = %v\nwant %v", got, want)
	}
}

// writeFiles makes dir hold exactly files (name -> content).
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// manifests writes files into a new directory and returns it.
func manifests(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, files)
	return dir
}

// configMapYAML is a ConfigMap manifest without a namespace; annotations
// and data are "k: v" lines.
func configMapYAML(name string, annotations map[string]string, data map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n", name)
	if len(annotations) > 0 {
		b.WriteString("  annotations:\n")
		for _, k := range sortedKeys(annotations) {
			fmt.Fprintf(&b, "    %s: %q\n", k, annotations[k])
		}
	}
	if len(data) > 0 {
		b.WriteString("data:\n")
		for _, k := range sortedKeys(data) {
			fmt.Fprintf(&b, "  %s: %q\n", k, data[k])
		}
	}
	return b.String()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// errContains fails unless err is an error whose message holds every one
// of parts.
func errContains(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one mentioning %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error does not mention %q:\n%v", p, err)
		}
	}
}
