package writeback

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tugboat-gitops/tugboat/internal/source"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// testTimeout bounds every Commit and git command a test makes, so a hung
// transfer fails the test instead of stalling it.
const testTimeout = 60 * time.Second

// author is the commit author of every test.
var author = Signature{Name: "Tugboat Bot", Email: "bot@tugboat.invalid"}

// fixture is a git server and a work directory for the temporary
// checkouts, which tests check is left empty.
type fixture struct {
	g       *testenv.GitServer
	workDir string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	testenv.SkipIfShort(t)
	return &fixture{g: testenv.NewGitServer(t), workDir: t.TempDir()}
}

// newRepo creates the repository name with a deployment and a README on
// main.
func (f *fixture) newRepo(t *testing.T, name string) {
	t.Helper()
	src := t.TempDir()
	for rel, content := range map[string]string{"app/deploy.yaml": "image: app:1.0.0\n", "README.md": "hello\n"} {
		writeFile(t, filepath.Join(src, rel), content)
	}
	if err := f.g.CreateRepo(name, src); err != nil {
		t.Fatal(err)
	}
}

// options are the Options of a write-back to main of repo over HTTP with
// a password.
func (f *fixture) options(repo string) Options {
	return Options{URL: f.g.HTTPURL(repo), Credentials: f.passwordCreds(), Branch: "main", Author: author, WorkDir: f.workDir}
}

func (f *fixture) passwordCreds() source.Credentials {
	return source.Credentials{Username: f.g.Username, Password: f.g.Password}
}

func (f *fixture) sshCreds(t *testing.T) source.Credentials {
	t.Helper()
	known, err := os.ReadFile(f.g.KnownHostsPath)
	if err != nil {
		t.Fatal(err)
	}
	return source.Credentials{SSHPrivateKey: f.g.ClientPrivateKeyPEM, KnownHosts: known}
}

// commit runs Commit with the test timeout.
func (f *fixture) commit(t *testing.T, opts Options, edit Edit) (Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	return Commit(ctx, opts, edit)
}

// git runs the git CLI on the server's bare repository repo, to see what
// was pushed.
func (f *fixture) git(t *testing.T, repo string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	out, err := f.g.Git(ctx, f.g.Root, nil, append([]string{"--git-dir=" + repo + ".git"}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// head returns the commit branch points to on the server, "" if none.
func (f *fixture) head(t *testing.T, repo, branch string) string {
	t.Helper()
	out := f.git(t, repo, "for-each-ref", "--format=%(objectname)", "refs/heads/"+branch)
	return strings.TrimSpace(out)
}

// pushConcurrent pushes a commit adding rel to main through a clone of
// its own, as another writer would.
func (f *fixture) pushConcurrent(t *testing.T, repo, rel string) {
	t.Helper()
	wt, err := f.g.Clone(repo)
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(wt.Dir)
	if err := wt.WriteFile(rel, "concurrent\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := wt.Commit("concurrent " + rel); err != nil {
		t.Fatal(err)
	}
	if err := wt.Push(); err != nil {
		t.Fatal(err)
	}
}

// checkWorkDirEmpty fails the test if a temporary checkout was left.
func (f *fixture) checkWorkDirEmpty(t *testing.T) {
	t.Helper()
	entries, err := os.ReadDir(f.workDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("the work directory holds %d entries, want none left", len(entries))
	}
}

// setImage is an edit that sets the deployment's image to tag.
func setImage(tag string) Edit {
	return func(_ context.Context, dir string) (string, error) {
		path := filepath.Join(dir, "app", "deploy.yaml")
		if err := os.WriteFile(path, []byte("image: app:"+tag+"\n"), 0o644); err != nil {
			return "", err
		}
		return "app: app 1.0.0 -> " + tag, nil
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
