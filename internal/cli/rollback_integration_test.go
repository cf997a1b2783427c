package cli

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// pushCommit commits files (path -> content) to env's main through a
// clone of the server's file system, as another writer would, and
// returns the commit's SHA.
func (f *gitFixture) pushCommit(t *testing.T, msg string, files map[string]string) string {
	t.Helper()
	wt, err := f.g.Clone("env")
	if err != nil {
		t.Fatal(err)
	}
	for rel, content := range files {
		if err := wt.WriteFile(rel, content); err != nil {
			t.Fatal(err)
		}
	}
	sha, err := wt.Commit(msg)
	if err != nil {
		t.Fatal(err)
	}
	if err := wt.Push(); err != nil {
		t.Fatal(err)
	}
	return sha
}

// TestRollbackRepo rolls the web app of an environment repository back
// with --repo, step by step on one history: the last commit (which also
// bumped api, left as it is), a restore, every commit after a tag, a
// conflicting --revert that pushes nothing, and from a local checkout.
func TestRollbackRepo(t *testing.T) {
	f := newGitFixture(t, webFiles)
	t.Setenv("TUGBOAT_GIT_USERNAME", f.g.Username)
	t.Setenv("TUGBOAT_GIT_PASSWORD", f.g.Password)
	tagged := f.git(t, "rev-parse", "main")
	f.git(t, "tag", "v1", "main")
	bump := f.pushCommit(t, "bump web and api", map[string]string{
		"apps/web/deploy.yaml": strings.ReplaceAll(webFiles["apps/web/deploy.yaml"], "1.0.0", "1.1.0"),
		"apps/api/deploy.yaml": "image: reg/api:1.1.0\n",
	})
	f.pushCommit(t, "readme", map[string]string{"README.md": "hello\n"})
	repo := []string{"rollback", "--repo", f.g.HTTPURL("env"), "--app", "web", "--author-name", "Ops", "--author-email", "ops@example.com"}
	webImage := func() string {
		t.Helper()
		out := f.git(t, "show", "main:apps/web/deploy.yaml")
		return out[strings.Index(out, "reg/web:")+len("reg/web:"):][:5]
	}

	checkRun(t, repo, ExitOK, "", []string{`reverted ` + bump[:12] + ` "bump web and api"`, "(apps/web/deploy.yaml)", "pushed ", "to main of " + f.g.HTTPURL("env")})
	if got, want := f.git(t, "log", "-1", "--format=%an <%ae>|%B", "main"), "Ops <ops@example.com>|Revert \"bump web and api\"\n\nThis reverts commit "+bump+"."; got != want {
		t.Errorf("the server's head:\n%s\nwant:\n%s", got, want)
	}
	if webImage() != "1.0.0" || f.git(t, "show", "main:apps/api/deploy.yaml") != "image: reg/api:1.1.0" {
		t.Errorf("web is at %s and api at %q; want web reverted and api as it was", webImage(), f.git(t, "show", "main:apps/api/deploy.yaml"))
	}

	out := checkRun(t, append(repo, "--restore", "--to", bump[:10], "-o", "json"), ExitOK, "", nil)
	var res rollbackResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if head := f.git(t, "rev-parse", "main"); res.Restored == nil || res.Restored.Commit != bump || res.Restored.NewCommit != head ||
		!res.Pushed || res.Commit != head || res.Path != "apps/web" {
		t.Errorf("json %s; want a restore to %s pushed as %s", out, bump, head)
	}
	if webImage() != "1.1.0" {
		t.Errorf("web is at %s after the restore, want 1.1.0", webImage())
	}

	// After the tag: the restore, the revert and the bump, newest first.
	out = checkRun(t, append(repo, "--to", "v1"), ExitOK, "", []string{`"Restore apps/web to `, `"Revert \"bump web and api\""`, `"bump web and api"`})
	if n := strings.Count(out, "reverted "); n != 3 {
		t.Errorf("%d reverts, want 3:\n%s", n, out)
	}
	if got, want := f.git(t, "rev-parse", "main:apps/web"), f.git(t, "rev-parse", tagged+":apps/web"); got != want {
		t.Errorf("web's tree is %s, want the tag's %s", got, want)
	}

	f.pushCommit(t, "web 1.2.0", map[string]string{"apps/web/deploy.yaml": strings.ReplaceAll(webFiles["apps/web/deploy.yaml"], "1.0.0", "1.2.0")})
	head := f.git(t, "rev-parse", "main")
	_, stderr, code := run(t, append(repo, "--revert", bump)...)
	if code != ExitFailure || !strings.Contains(stderr, "nothing pushed: ") ||
		!strings.Contains(stderr, "changed again since, so not reverted: apps/web/deploy.yaml") {
		t.Errorf("exit %d, stderr %q; want a conflict naming apps/web/deploy.yaml", code, stderr)
	}
	if after := f.git(t, "rev-parse", "main"); after != head {
		t.Errorf("a conflict moved main to %s", after)
	}

	local := f.clone(t)
	checkRun(t, []string{"rollback", "web", "-f", local.Dir + "/tugboat.yaml"}, ExitOK, "",
		[]string{`"web 1.2.0"`, "the local main is now at"})
	if localHead, err := local.Head(); err != nil || localHead != f.git(t, "rev-parse", "main") {
		t.Errorf("the local checkout is at %s (%v), want the server's main", localHead, err)
	}
	if webImage() != "1.0.0" {
		t.Errorf("web is at %s, want 1.0.0", webImage())
	}
	if strings.Contains(stderr, f.g.Password) {
		t.Errorf("the output holds the password")
	}
}

// TestRollbackNothing pushes nothing when no commit touched the app
// since --to, or --to names nothing.
func TestRollbackNothing(t *testing.T) {
	f := newGitFixture(t, webFiles)
	t.Setenv("TUGBOAT_GIT_USERNAME", f.g.Username)
	t.Setenv("TUGBOAT_GIT_PASSWORD", f.g.Password)
	head := f.git(t, "rev-parse", "main")
	repo := []string{"rollback", "--repo", f.g.HTTPURL("env"), "--app", "web"}
	checkRun(t, append(repo, "--to", "main"), ExitOK, "", []string{"nothing to roll back"})
	checkRun(t, append(repo, "--to", "nosuch"), ExitFailure, `revision "nosuch"`, nil)
	if after := f.git(t, "rev-parse", "main"); after != head {
		t.Errorf("main moved to %s", after)
	}
}

// TestRollbackApply rolls an app back in push mode with --apply, which
// applies the local checkout fast-forwarded to the revert, and an
// Application in pull mode with the credentials of its secretRef.
func TestRollbackApply(t *testing.T) {
	f := newGitFixture(t, map[string]string{
		"tugboat.yaml":     "apiVersion: tugboat.dev/v1alpha1\nkind: Repository\napps:\n  - name: web\n    path: apps/web\n    destination: {namespace: default}\n",
		"apps/web/cm.yaml": syncConfigMap("blue"),
	})
	env := testenv.NewCluster(t, testenv.ClusterOptions{Name: "cli-rollback"})
	ctx, cancel := context.WithTimeout(f.ctx, 2*time.Minute)
	defer cancel()
	kc := []string{"--kubeconfig", env.Kubeconfig}
	local := f.clone(t)
	green := f.pushCommit(t, "color green", map[string]string{"apps/web/cm.yaml": syncConfigMap("green")})
	other, err := f.g.Clone("env")
	if err != nil {
		t.Fatal(err)
	}
	checkRun(t, append([]string{"apply", "--app", "web", "-f", filepath.Join(other.Dir, "tugboat.yaml")}, kc...), ExitOK, "", []string{"created"})
	color := func() string {
		t.Helper()
		cm, err := env.Clientset().CoreV1().ConfigMaps("default").Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return cm.Data["color"]
	}

	t.Setenv("TUGBOAT_GIT_USERNAME", f.g.Username)
	t.Setenv("TUGBOAT_GIT_PASSWORD", f.g.Password)
	checkRun(t, append([]string{"rollback", "web", "-f", filepath.Join(local.Dir, "tugboat.yaml"), "--apply", "--wait"}, kc...), ExitOK, "",
		[]string{`reverted ` + green[:12] + ` "color green"`, "the local main is now at", "ConfigMap/default/web configured", "1 to update"})
	if got := color(); got != "blue" {
		t.Errorf("color %q after the rollback, want blue", got)
	}

	// Pull mode: the Application's Secret has the credentials, the
	// environment none.
	t.Setenv("TUGBOAT_GIT_USERNAME", "")
	t.Setenv("TUGBOAT_GIT_PASSWORD", "")
	apps := installApplicationCRD(ctx, t, env).Namespace("default")
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "git", Namespace: "default"},
		StringData: map[string]string{"username": f.g.Username, "password": f.g.Password}}
	if _, err := env.Clientset().CoreV1().Secrets("default").Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	app := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "tugboat.dev/v1alpha1", "kind": "Application",
		"metadata": map[string]any{"name": "web", "namespace": "default"},
		"spec":     map[string]any{"repo": f.g.HTTPURL("env"), "ref": "main", "path": "apps/web", "secretRef": map[string]any{"name": "git"}},
	}}
	if _, err := apps.Create(ctx, app, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	checkRun(t, append([]string{"rollback", "--application", "web"}, kc...), ExitOK, "",
		[]string{`"Revert \"color green\""`, "pushed ", "Application default/web"})
	if got := f.git(t, "show", "main:apps/web/cm.yaml"); got != strings.TrimSpace(syncConfigMap("green")) {
		t.Errorf("the server's cm.yaml:\n%s\nwant green again", got)
	}
}
