package conformance

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"

	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/inventory"
	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/pipeline"
	"github.com/tugboat-gitops/tugboat/internal/render"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// applyTimeout bounds the wait for one entry to become healthy.
const applyTimeout = 2 * time.Minute

// TestApplyCorpus drives every entry marked apply: true through what a
// user does with it, on a local cluster whose pods kwok runs: `tug apply
// --wait` succeeds, a second apply makes no write, and `tug delete`
// leaves nothing of the app behind. Entries run one after another, each
// deleted before the next, so each meets a cluster with nothing of the
// corpus in it.
func TestApplyCorpus(t *testing.T) {
	testenv.SkipIfShort(t)
	entries, err := loadEntries()
	if err != nil {
		t.Fatal(err)
	}
	env := testenv.NewCluster(t, testenv.ClusterOptions{Name: "conformance"})
	writes := &writeCounter{}
	cfg := rest.CopyConfig(env.Config)
	cfg.Wrap(writes.wrap)
	c, err := cluster.FromConfig("conformance", cfg)
	if err != nil {
		t.Fatal(err)
	}
	a := &applier{env: env, c: c, writes: writes, p: pipeline.New(pipeline.Options{CacheDir: t.TempDir()})}
	var rows []string
	for _, e := range entries {
		if !*e.Apply {
			rows = append(rows, fmt.Sprintf("%-28s not applied: %s", e.name, e.NotApplied))
			continue
		}
		t.Run(e.name, func(t *testing.T) {
			rows = append(rows, fmt.Sprintf("%-28s %s", e.name, a.entry(t, e)))
		})
	}
	t.Logf("apply results:\n%s", strings.Join(rows, "\n"))
}

type applier struct {
	env    *testenv.Cluster
	c      *cluster.Cluster
	writes *writeCounter
	p      *pipeline.Pipeline
}

// entry applies, re-applies and deletes e, and returns its table cell.
func (a *applier) entry(t *testing.T, e *entry) string {
	ctx, cancel := context.WithTimeout(context.Background(), 3*applyTimeout)
	defer cancel()
	app := a.app(t, e)
	if ns := app.Render.Post.Namespace; ns != "" {
		a.namespace(ctx, t, ns)
	}

	if e.ApplyError != "" {
		return a.refused(ctx, t, e, app)
	}
	start := time.Now()
	first, err := a.p.Apply(ctx, app, a.c, pipeline.Hooks{})
	if err != nil {
		t.Fatalf("apply --wait: %v", err)
	}
	took := time.Since(start)
	a.writes.reset()
	second, err := a.p.Apply(ctx, app, a.c, pipeline.Hooks{})
	if err != nil {
		t.Fatalf("second apply: %v", err)
	}
	rewrites := a.writes.list()
	if len(rewrites) > 0 || second.ChangeSet.HasChanges() {
		t.Errorf("second apply wrote %d times: %v (%s)", len(rewrites), rewrites, second.ChangeSet.Summary())
	}
	if _, err := a.p.Delete(ctx, app.Name, a.c, pipeline.Hooks{}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if left := a.leftBehind(ctx, t, app.Name, first); len(left) > 0 {
		t.Errorf("left behind after delete: %v", left)
	}
	return fmt.Sprintf("applied %d objects, healthy in %s; re-apply: %d writes; delete: nothing left",
		len(first.ChangeSet.Changes), took.Round(100*time.Millisecond), len(rewrites))
}

// refused checks that applying e fails with its applyError before the
// first write.
func (a *applier) refused(ctx context.Context, t *testing.T, e *entry, app pipeline.App) string {
	a.writes.reset()
	_, err := a.p.Apply(ctx, app, a.c, pipeline.Hooks{})
	if err == nil || !strings.Contains(err.Error(), e.ApplyError) {
		t.Fatalf("apply: err = %v, want one containing %q", err, e.ApplyError)
	}
	if w := a.writes.list(); len(w) > 0 {
		t.Errorf("a refused apply wrote: %v", w)
	}
	msg := err.Error()
	if i := strings.Index(msg, e.ApplyError); i > 80 {
		msg = "..." + msg[i-60:]
	}
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	return "refused before any write: " + msg
}

// app is e as a user's app: its repo/ copied out of this repository (whose
// checkout would otherwise be taken for its root), rendered as the
// conformance test renders it, applied to its namespace (the context's
// when it names none), pruned, waited for.
func (a *applier) app(t *testing.T, e *entry) pipeline.App {
	root := t.TempDir()
	if err := os.CopyFS(root, os.DirFS(e.root)); err != nil {
		t.Fatal(err)
	}
	// A checkout's root, for the pipeline to confine the render to.
	if err := os.Mkdir(filepath.Join(root, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	h := helmOptions(e, "")
	for i, f := range h.ValuesFiles {
		// As given on the command line: the pipeline places it in root.
		h.ValuesFiles[i] = filepath.Join(root, f)
	}
	return pipeline.App{
		Name:   e.name,
		Source: pipeline.SourceSpec{Dir: filepath.Join(root, e.Path)},
		Render: render.Request{
			Kind: render.Kind(e.Renderer), Helm: h,
			Kustomize: render.KustomizeOptions{EnableHelm: e.Kustomize.EnableHelm},
			// None for most overlays and manifests: their objects go to
			// the context's namespace, "default" here, as with kubectl.
			Post: render.PostOptions{Namespace: e.Namespace},
		},
		Sync: pipeline.SyncOptions{Prune: true, Wait: true, Timeout: applyTimeout},
	}
}

// namespace creates ns if it is missing, as `kubectl create namespace`
// (or Argo CD's CreateNamespace) before a first deploy.
func (a *applier) namespace(ctx context.Context, t *testing.T, ns string) {
	_, err := a.env.Clientset().CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// leftBehind lists what of the app is still there once deletion settles:
// its inventory, the objects it applied, and anything labelled as its own.
func (a *applier) leftBehind(ctx context.Context, t *testing.T, app string, applied *pipeline.Result) []string {
	var left []string
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		var err error
		left, err = a.remaining(ctx, app, applied)
		return err == nil && len(left) == 0, nil
	})
	if err != nil && len(left) == 0 {
		t.Fatalf("check what delete left: %v", err)
	}
	return left
}

// remaining lists what of the app is there now, terminating objects aside.
func (a *applier) remaining(ctx context.Context, app string, applied *pipeline.Result) ([]string, error) {
	var left []string
	inv, err := (&inventory.Store{Cluster: a.c}).Load(ctx, app)
	if err != nil {
		return nil, err
	}
	if len(inv.Entries) > 0 {
		left = append(left, "inventory")
	}
	kinds := map[schema.GroupVersionKind]bool{}
	for _, ch := range applied.ChangeSet.Changes {
		gvk := schema.GroupVersionKind{Group: ch.ID.Group, Version: ch.Version, Kind: ch.ID.Kind}
		kinds[gvk] = true
		u, err := a.c.Get(ctx, gvk, ch.ID.Namespace, ch.ID.Name)
		if err != nil && !strings.Contains(err.Error(), "could not find the requested resource") {
			return nil, err
		}
		if u != nil && u.GetDeletionTimestamp() == nil {
			left = append(left, ch.ID.String())
		}
	}
	for gvk := range kinds {
		// A CRD deleted with the app takes its kind along.
		list, err := a.c.ListMetadata(ctx, gvk, "", object.LabelApp+"="+app)
		if err != nil {
			continue
		}
		for _, m := range list {
			if m.DeletionTimestamp == nil && !contains(left, m.Name) {
				left = append(left, gvk.Kind+"/"+m.Namespace+"/"+m.Name)
			}
		}
	}
	return left, nil
}

func contains(list []string, name string) bool {
	for _, s := range list {
		if strings.HasSuffix(s, "/"+name) {
			return true
		}
	}
	return false
}

// writeCounter records the writes a connection sends: POST, PUT, DELETE,
// and PATCH other than a dry-run.
type writeCounter struct {
	mu     sync.Mutex
	writes []string
}

func (w *writeCounter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		switch req.Method {
		case http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch:
			if req.URL.Query().Get("dryRun") == "" {
				w.mu.Lock()
				w.writes = append(w.writes, req.Method+" "+req.URL.Path)
				w.mu.Unlock()
			}
		}
		return rt.RoundTrip(req)
	})
}

func (w *writeCounter) reset() {
	w.mu.Lock()
	w.writes = nil
	w.mu.Unlock()
}

func (w *writeCounter) list() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.writes...)
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
