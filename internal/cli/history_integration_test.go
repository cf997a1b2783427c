package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// historyFiles are a repository with one app, web, beside a README.
var historyFiles = map[string]string{
	"tugboat.yaml":     "apiVersion: tugboat.dev/v1alpha1\nkind: Repository\napps:\n  - name: web\n    path: apps/web\n",
	"apps/web/cm.yaml": syncConfigMap("blue"),
	"README.md":        "env\n",
}

// commitIn commits files in the work tree wt and returns the commit.
func commitIn(t *testing.T, wt *testenv.WorkTree, msg string, files map[string]string) string {
	t.Helper()
	for rel, content := range files {
		if err := wt.WriteFile(rel, content); err != nil {
			t.Fatal(err)
		}
	}
	sha, err := wt.Commit(msg)
	if err != nil {
		t.Fatal(err)
	}
	return sha
}

// TestHistoryPush applies web from a checkout at two commits: the history
// lists the commits of its path, the one applied last marked live (through
// a later commit of another path, which changed nothing of web's), the one
// after it pending.
func TestHistoryPush(t *testing.T) {
	f := newGitFixture(t, historyFiles)
	cluster := testenv.NewCluster(t, testenv.ClusterOptions{Name: "cli-history-push"})
	wt := f.clone(t)
	first, err := wt.Head()
	if err != nil {
		t.Fatal(err)
	}
	kc := []string{"--kubeconfig", cluster.Kubeconfig}
	file := wt.Dir + "/tugboat.yaml"
	apply := append([]string{"apply", "--app", "web", "-f", file}, kc...)
	hist := append([]string{"history", "--app", "web", "-f", file}, kc...)

	checkRun(t, hist, ExitOK, "", []string{"STATE", shortSHA(first), "nothing recorded (never applied there?)"})
	checkRun(t, apply, ExitOK, "", nil)
	green := commitIn(t, wt, "web: green", map[string]string{"apps/web/cm.yaml": syncConfigMap("green")})
	other := commitIn(t, wt, "readme only", map[string]string{"README.md": "more\n"})
	checkRun(t, apply, ExitOK, "", nil)
	red := commitIn(t, wt, "web: red\n\nnot applied", map[string]string{"apps/web/cm.yaml": syncConfigMap("red")})

	out := checkRun(t, hist, ExitOK, "", []string{"SHA", "AUTHOR", "STATE", "SUBJECT"})
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := [][]string{
		{shortSHA(red), "Tugboat Test", "pending", "1 file modified", "web: red"},
		{shortSHA(green), "Tugboat Test", "live", "1 file modified", "web: green"},
		{shortSHA(first), "Tugboat Test", "-", "1 file added", "Import"},
	}
	if len(lines) != len(want)+1 {
		t.Fatalf("want a header and %d commits:\n%s", len(want), out)
	}
	for i, w := range want {
		// Every cell but the time, in order.
		got := strings.Fields(lines[i+1])
		if g := strings.Join(append(got[:1:1], got[2:]...), " "); !strings.HasPrefix(g, strings.Join(w, " ")) {
			t.Errorf("line %d: %q, want %q", i+1, g, w)
		}
	}

	var got pushHistory
	if err := json.Unmarshal([]byte(checkRun(t, append(hist, "-o", "json", "--limit", "2"), ExitOK, "", nil)), &got); err != nil {
		t.Fatal(err)
	}
	if got.App != "web" || got.Path != "apps/web" || got.Head != red || !strings.HasSuffix(got.Live, "@sha1:"+other) || len(got.Commits) != 2 {
		t.Fatalf("history: %+v", got)
	}
	if c := got.Commits[1]; c.SHA != green || c.State != stateLive || c.Author != "Tugboat Test" || c.Changes.Modified != 1 || c.Time.IsZero() {
		t.Errorf("live commit: %+v", c)
	}
}

// TestHistoryPull joins an Application's syncs, written to its status
// here as a controller would, with its repository fetched into a new
// cache: a sync older than the cache's shallow tip deepens it, a commit on
// no branch shows as not fetched, and the commit of the path after the
// last sync is pending.
func TestHistoryPull(t *testing.T) {
	env := testenv.NewCluster(t, testenv.ClusterOptions{Name: "cli-history-pull"})
	// A new fetch cache, once the cluster's binaries are found in the
	// user's: its first fetch is the branch's tip alone.
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	apps := installApplicationCRD(ctx, t, env).Namespace("default")
	git, wt := webRepo(t)
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "git", Namespace: "default"},
		StringData: map[string]string{"username": git.Username, "password": git.Password}}
	if _, err := env.Clientset().CoreV1().Secrets("default").Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	blue, err := wt.Head()
	if err != nil {
		t.Fatal(err)
	}
	commitIn(t, wt, "web: green", map[string]string{"apps/web/cm.yaml": syncConfigMap("green")})
	other := commitIn(t, wt, "readme only", map[string]string{"README.md": "more\n"})
	red := commitIn(t, wt, "web: red", map[string]string{"apps/web/cm.yaml": syncConfigMap("red")})
	if err := wt.Push(); err != nil {
		t.Fatal(err)
	}
	gone := strings.Repeat("0f", 20)
	app := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "tugboat.dev/v1alpha1", "kind": "Application",
		"metadata": map[string]any{"name": "web", "namespace": "default"},
		"spec":     map[string]any{"repo": git.HTTPURL("envs"), "path": "apps/web", "secretRef": map[string]any{"name": "git"}},
	}}
	created, err := apps.Create(ctx, app, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	record := func(sha, result, changes, message string, ago time.Duration) map[string]any {
		return map[string]any{"revision": "main@sha1:" + sha, "time": time.Now().Add(-ago).UTC().Format(time.RFC3339),
			"result": result, "changes": changes, "message": message}
	}
	created.Object["status"] = map[string]any{
		"lastAttemptedRevision": "main@sha1:" + other,
		"history": []any{
			record(other, "Applied", "1 to update", "", time.Minute),
			record(gone, "RenderFailed", "", "apps/web/x.yaml: bad", 2*time.Minute),
			record(blue, "Applied", "1 to create", "", time.Hour),
		},
	}
	if _, err := apps.UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	kc := []string{"--kubeconfig", env.Kubeconfig}

	git.ResetRequests()
	checkRun(t, append([]string{"history", "web"}, kc...), ExitOK, "",
		[]string{"RESULT", "MESSAGE", shortSHA(red), "pending", "web: red", shortSHA(other), "readme only", "(not fetched)", "apps/web/x.yaml: bad", shortSHA(blue)})
	// The tip, then the full history for the syncs before it; the commit
	// on no branch asks for nothing more.
	if n := git.Requests().Repos["envs"].Fetches; n != 2 {
		t.Errorf("%d fetches, want 2", n)
	}
	var got pullHistory
	if err := json.Unmarshal([]byte(checkRun(t, append([]string{"history", "web", "-o", "json"}, kc...), ExitOK, "", nil)), &got); err != nil {
		t.Fatal(err)
	}
	if got.Application != "default/web" || got.Path != "apps/web" || got.Head != red || len(got.Pending) != 1 || got.Pending[0].SHA != red || len(got.History) != 3 || len(got.Notes) != 0 {
		t.Fatalf("history: %+v", got)
	}
	if h := got.History[0]; h.Commit == nil || h.Commit.Subject != "readme only" || h.Commit.Author != "Tugboat Test" || h.Changes != "1 to update" {
		t.Errorf("last sync: %+v", h)
	}
	if h := got.History[1]; h.Commit != nil || !h.NotFetched || h.Message != "apps/web/x.yaml: bad" {
		t.Errorf("sync of a commit on no branch: %+v", h)
	}
	if h := got.History[2]; h.Commit == nil || h.Commit.SHA != blue {
		t.Errorf("first sync, older than the cache's tip: %+v", h)
	}
	checkRun(t, append([]string{"history", "nosuch"}, kc...), ExitFailure, "Application default/nosuch", nil)
}
