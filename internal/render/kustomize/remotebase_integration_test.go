package kustomize_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/confine"
	"github.com/tugboat-gitops/tugboat/internal/render"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// gitEnv makes the git CLI that kustomize runs hermetic (no user or system
// config, no prompt) and, with auth, authenticates it to g with a bearer
// token through git's own configuration, as an operator's credential
// helper or config would. Clones go to a fresh temporary directory, which
// is returned.
func gitEnv(t *testing.T, g *testenv.GitServer, auth bool) string {
	t.Helper()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("HOME", t.TempDir())
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_TERMINAL_PROMPT", "0")
	t.Setenv("GIT_CONFIG_COUNT", "0")
	if auth {
		for _, kv := range g.BearerEnv() {
			k, v, _ := strings.Cut(kv, "=")
			t.Setenv(k, v)
		}
	}
	return tmp
}

// TestRemoteGitBase clones a remote base from the local git server:
// refused unless allowed, then built with the clone read through the
// confined file system and removed afterwards; a symlink in the clone
// stays inside it, and credentials in a URL never reach an error.
func TestRemoteGitBase(t *testing.T) {
	testenv.SkipIfShort(t)
	g := testenv.NewGitServer(t)
	repo := writeTree(t, map[string]string{
		"deploy/kustomization.yaml": "resources: [cm.yaml]\n",
		"deploy/cm.yaml":            cmYAML("from-git"),
		"leak/kustomization.yaml":   "resources: [passwd.yaml]\n",
		"leak/passwd.yaml":          "symlink:/etc/passwd",
	})
	if err := g.CreateRepo("base", repo); err != nil {
		t.Fatal(err)
	}
	app := func(ref string) string {
		return writeTree(t, map[string]string{"app/kustomization.yaml": "namePrefix: x-\nresources:\n- " + ref + "\n"})
	}
	t.Run("refused unless allowed", func(t *testing.T) {
		gitEnv(t, g, true)
		g.ResetRequests()
		_, err := renderDir(app(g.HTTPURL("base")+"//deploy?ref=main"), "app", render.KustomizeOptions{})
		wantErrContaining(t, err, "app/kustomization.yaml", "remote resource", "allowRemoteBases")
		if s := g.Requests(); s.Total+s.Unauthorized != 0 {
			t.Errorf("git server got %d requests, want 0", s.Total+s.Unauthorized)
		}
	})
	t.Run("allowed", func(t *testing.T) {
		tmp := gitEnv(t, g, true)
		g.ResetRequests()
		objs, err := renderDir(app(g.HTTPURL("base")+"//deploy?ref=main"), "app", render.KustomizeOptions{AllowRemoteBases: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(objs) != 1 || objs[0].GetName() != "x-from-git" {
			t.Errorf("got %v, want the remote base's ConfigMap, prefixed", objIDs(objs))
		}
		if g.Requests().Repos["base"].Fetches == 0 {
			t.Errorf("no fetch from the git server")
		}
		assertNoClonesLeft(t, tmp)
	})
	t.Run("symlink out of the clone", func(t *testing.T) {
		tmp := gitEnv(t, g, true)
		_, err := renderDir(app(g.HTTPURL("base")+"//leak?ref=main"), "app", render.KustomizeOptions{AllowRemoteBases: true})
		wantErrContaining(t, err, "passwd.yaml")
		if !errors.Is(err, confine.ErrEscape) {
			t.Errorf("error %q does not wrap confine.ErrEscape", err)
		}
		if strings.Contains(err.Error(), "root:x:0:0") {
			t.Errorf("error leaks file content: %q", err)
		}
		assertNoClonesLeft(t, tmp)
	})
	t.Run("credentials in the URL", func(t *testing.T) {
		tmp := gitEnv(t, g, false)
		objs, err := renderDir(app(g.HTTPTokenURL("base")+"//deploy?ref=main"), "app", render.KustomizeOptions{AllowRemoteBases: true})
		if err != nil || len(objs) != 1 {
			t.Fatalf("got %v, %v; want the remote base's ConfigMap", objIDs(objs), err)
		}
		for _, tc := range []struct {
			opts render.KustomizeOptions
			want string
		}{{render.KustomizeOptions{AllowRemoteBases: true}, "no-such-branch"}, {render.KustomizeOptions{}, "app/kustomization.yaml"}} {
			_, err = renderDir(app(g.HTTPTokenURL("base")+"//deploy?ref=no-such-branch"), "app", tc.opts)
			wantErrContaining(t, err, tc.want, "127.0.0.1")
			if strings.Contains(err.Error(), g.Token) {
				t.Errorf("error shows the token: %q", err)
			}
		}
		assertNoClonesLeft(t, tmp)
	})
}

func assertNoClonesLeft(t *testing.T, tmp string) {
	t.Helper()
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "kustomize-") {
			t.Errorf("clone %s left in %s", e.Name(), tmp)
		}
	}
}

// TestRemoteHTTPFile reads an http resource file when remote bases are
// allowed, and refuses it, without a request, when not.
func TestRemoteHTTPFile(t *testing.T) {
	srv := newCountingServer(t, cmYAML("from-http"))
	root := writeTree(t, map[string]string{"app/kustomization.yaml": "resources:\n- " + srv.URL + "/cm.yaml\n"})
	_, err := renderDir(root, "app", render.KustomizeOptions{})
	wantErrContaining(t, err, "app/kustomization.yaml", "remote resource", srv.URL)
	if n := srv.n.Load(); n != 0 {
		t.Fatalf("server got %d requests while refused", n)
	}
	objs, err := renderDir(root, "app", render.KustomizeOptions{AllowRemoteBases: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 || objs[0].GetName() != "from-http" || srv.n.Load() != 1 {
		t.Errorf("got %v after %d requests, want the ConfigMap after 1", objIDs(objs), srv.n.Load())
	}
}
