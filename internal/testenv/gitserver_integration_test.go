package testenv

import (
	"context"
	"crypto/rand"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// gitTestTimeout bounds every git command a test runs, so a prompt or a
// hung transfer fails the test instead of stalling it.
const gitTestTimeout = 30 * time.Second

// newTestGitRepo starts a server with a repository "app" holding a
// README.md and a nested file.
func newTestGitRepo(t *testing.T) *GitServer {
	t.Helper()
	g := NewGitServer(t)
	src := t.TempDir()
	writeTestFile(t, filepath.Join(src, "README.md"), "hello\n")
	writeTestFile(t, filepath.Join(src, "deploy", "app.yaml"), "kind: ConfigMap\n")
	if err := g.CreateRepo("app", src); err != nil {
		t.Fatal(err)
	}
	return g
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// gitT runs git with the server's environment and the test timeout.
func gitT(t *testing.T, g *GitServer, dir string, env []string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), gitTestTimeout)
	defer cancel()
	out, err := g.Git(ctx, dir, env, args...)
	if ctx.Err() != nil {
		t.Fatalf("git %s did not finish in %v: %v", strings.Join(args, " "), gitTestTimeout, err)
	}
	return out, err
}

// cloneT clones url into a new directory and returns it.
func cloneT(t *testing.T, g *GitServer, url string, env []string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	_, err := gitT(t, g, dir, env, "clone", "--quiet", url, ".")
	return dir, err
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func readTestFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestGitServerHTTPClone(t *testing.T) {
	g := newTestGitRepo(t)
	tests := []struct {
		name    string
		url     string
		env     []string
		wantErr bool
	}{
		{name: "password", url: g.HTTPPasswordURL("app")},
		{name: "token as password", url: g.HTTPTokenURL("app")},
		{name: "bearer token", url: g.HTTPURL("app"), env: g.BearerEnv()},
		{name: "wrong password", url: g.httpURLWith("app", g.Username, "wrong"), wantErr: true},
		{name: "wrong user", url: g.httpURLWith("app", "intruder", g.Password), wantErr: true},
		{name: "wrong bearer token", url: g.HTTPURL("app"), env: (&GitServer{Token: "wrong"}).BearerEnv(), wantErr: true},
		{name: "no credentials", url: g.HTTPURL("app"), wantErr: true},
		{name: "missing repository", url: g.HTTPPasswordURL("nope"), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, err := cloneT(t, g, tt.url, tt.env)
			if tt.wantErr {
				if err == nil {
					t.Fatal("clone succeeded, want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := readTestFile(t, filepath.Join(dir, "deploy", "app.yaml")); got != "kind: ConfigMap\n" {
				t.Errorf("deploy/app.yaml = %q", got)
			}
		})
	}
	if got := g.Requests().Unauthorized; got == 0 {
		t.Error("no unauthorized requests counted")
	}
}

func TestGitServerHTTPPush(t *testing.T) {
	g := newTestGitRepo(t)
	dir, err := cloneT(t, g, g.HTTPPasswordURL("app"), nil)
	if err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, filepath.Join(dir, "new.txt"), "pushed\n")
	// Past http.postBuffer (1 MiB), git sends the pack in chunks.
	writeTestFile(t, filepath.Join(dir, "big.bin"), string(randomBytes(t, 2<<20)))
	for _, args := range [][]string{{"add", "."}, {"commit", "--quiet", "-m", "add new.txt"}, {"push", "--quiet", "origin", "main"}} {
		if _, err := gitT(t, g, dir, nil, args...); err != nil {
			t.Fatal(err)
		}
	}
	fresh, err := cloneT(t, g, g.HTTPTokenURL("app"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := readTestFile(t, filepath.Join(fresh, "new.txt")); got != "pushed\n" {
		t.Errorf("new.txt in a fresh clone = %q", got)
	}
	if got := g.Requests().Repos["app"].ReceivePack; got == 0 {
		t.Error("push made no receive-pack request")
	}
}

func TestGitServerSSH(t *testing.T) {
	g := newTestGitRepo(t)
	keys := t.TempDir()
	_, otherKey, err := newGitSSHKey()
	if err != nil {
		t.Fatal(err)
	}
	otherKeyPath := filepath.Join(keys, "other")
	writeTestFile(t, otherKeyPath, string(otherKey))
	otherHost, _, err := newGitSSHKey()
	if err != nil {
		t.Fatal(err)
	}
	wrongKnownHosts := filepath.Join(keys, "known_hosts")
	writeTestFile(t, wrongKnownHosts, knownhosts.Line([]string{knownhosts.Normalize(g.ssh.addr)}, otherHost.PublicKey())+"\n")
	tests := []struct {
		name       string
		sshCommand string
		wantErr    bool
	}{
		{name: "client key", sshCommand: g.GitSSHCommand()},
		{name: "unauthorized key", sshCommand: gitSSHCommand(otherKeyPath, g.KnownHostsPath), wantErr: true},
		{name: "host key mismatch", sshCommand: gitSSHCommand(g.ClientKeyPath, wrongKnownHosts), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := []string{"GIT_SSH_COMMAND=" + tt.sshCommand}
			dir, err := cloneT(t, g, g.SSHURL("app"), env)
			if tt.wantErr {
				if err == nil {
					t.Fatal("clone succeeded, want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := readTestFile(t, filepath.Join(dir, "README.md")); got != "hello\n" {
				t.Errorf("README.md = %q", got)
			}
			assertSSHPush(t, g, dir)
		})
	}
}

// assertSSHPush pushes a commit from the clone in dir and checks that the
// server has it.
func assertSSHPush(t *testing.T, g *GitServer, dir string) {
	t.Helper()
	if _, err := gitT(t, g, dir, nil, "commit", "--quiet", "--allow-empty", "-m", "over ssh"); err != nil {
		t.Fatal(err)
	}
	want, _ := gitT(t, g, dir, nil, "rev-parse", "HEAD")
	if _, err := gitT(t, g, dir, nil, "push", "--quiet", "origin", "main"); err != nil {
		t.Fatal(err)
	}
	wt, err := g.Clone("app")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := wt.Head(); got != want {
		t.Errorf("server's main = %s, pushed %s", got, want)
	}
}

func TestGitServerSSHCommands(t *testing.T) {
	g := newTestGitRepo(t)
	client := sshTestClient(t, g)
	tests := []struct {
		command    string
		wantStderr string // empty: the command must succeed
	}{
		{command: "git-upload-pack '/app.git'"},
		{command: "git-upload-pack app.git"},
		{command: "git upload-pack '/app'"},
		{command: "ls /", wantStderr: "not allowed"},
		{command: "git-upload-pack '/../app.git'", wantStderr: "invalid repository name"},
		{command: "git-upload-pack 'app.git/../../etc'", wantStderr: "invalid repository name"},
		{command: "git-upload-pack '/missing.git'", wantStderr: "not found"},
		{command: "git-upload-archive '/app.git'", wantStderr: "not allowed"},
		{command: "sh -c 'git-upload-pack app.git'", wantStderr: "not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.command, func(t *testing.T) {
			session, err := client.NewSession()
			if err != nil {
				t.Fatal(err)
			}
			defer session.Close()
			var stderr strings.Builder
			// A flush packet makes upload-pack stop after the advertisement.
			session.Stdin, session.Stderr = strings.NewReader("0000"), &stderr
			out, err := session.Output(tt.command)
			var exitErr *ssh.ExitError
			switch {
			case tt.wantStderr == "" && err != nil:
				t.Fatalf("%v: %s", err, stderr.String())
			case tt.wantStderr == "" && !strings.Contains(string(out), "refs/heads/main"):
				t.Errorf("no ref advertisement in %q", out)
			case tt.wantStderr != "" && !errors.As(err, &exitErr):
				t.Fatalf("error = %v, want a non-zero exit status", err)
			case !strings.Contains(stderr.String(), tt.wantStderr):
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}

// sshTestClient connects with the Go SSH client, which also checks that the
// key and known_hosts files work outside OpenSSH.
func sshTestClient(t *testing.T, g *GitServer) *ssh.Client {
	t.Helper()
	signer, err := ssh.ParsePrivateKey(g.ClientPrivateKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	hostKeys, err := knownhosts.New(g.KnownHostsPath)
	if err != nil {
		t.Fatal(err)
	}
	client, err := ssh.Dial("tcp", g.ssh.addr, &ssh.ClientConfig{
		User:            "git",
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: hostKeys,
		Timeout:         gitTestTimeout,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

func TestGitServerRequestCounts(t *testing.T) {
	g := newTestGitRepo(t)
	tests := []struct {
		name     string
		url      string
		protocol string
	}{
		{name: "http v2", url: g.HTTPPasswordURL("app"), protocol: "2"},
		{name: "http v0", url: g.HTTPPasswordURL("app"), protocol: "0"},
		{name: "ssh v2", url: g.SSHURL("app"), protocol: "2"},
		{name: "ssh v0", url: g.SSHURL("app"), protocol: "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := []string{"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=protocol.version", "GIT_CONFIG_VALUE_0=" + tt.protocol}
			g.ResetRequests()
			dir, err := cloneT(t, g, tt.url, env)
			if err != nil {
				t.Fatal(err)
			}
			assertGitCounts(t, g, "clone", 1, 1)
			fetch := func(step string, wantTotalMin, wantFetches int) {
				t.Helper()
				if _, err := gitT(t, g, dir, env, "fetch", "--quiet", "origin"); err != nil {
					t.Fatal(err)
				}
				assertGitCounts(t, g, step, wantTotalMin, wantFetches)
			}
			fetch("fetch of unchanged refs", 2, 1)
			pushTestCommit(t, g)
			fetch("fetch of a new commit", 3, 2)
		})
	}
}

// assertGitCounts checks the requests made for "app" so far: at least
// wantTotalMin, and exactly wantFetches that transferred objects.
func assertGitCounts(t *testing.T, g *GitServer, step string, wantTotalMin, wantFetches int) {
	t.Helper()
	stats := g.Requests()
	app := stats.Repos["app"]
	t.Logf("after %s: %+v", step, app)
	if app.Total < wantTotalMin || stats.Total != app.Total || g.RequestCount("app") != app.Total {
		t.Errorf("after %s: %+v, want a total of at least %d, all for app", step, stats, wantTotalMin)
	}
	if app.Fetches != wantFetches {
		t.Errorf("after %s: %d fetches, want %d (%+v)", step, app.Fetches, wantFetches, app)
	}
}

// pushTestCommit adds a commit through the filesystem, which the request
// counts do not see.
func pushTestCommit(t *testing.T, g *GitServer) {
	t.Helper()
	wt, err := g.Clone("app")
	if err != nil {
		t.Fatal(err)
	}
	if err := wt.WriteFile("deploy/app.yaml", "kind: Secret\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := wt.Commit("change app.yaml"); err != nil {
		t.Fatal(err)
	}
	if err := wt.Push(); err != nil {
		t.Fatal(err)
	}
}

func TestGitServerWorkTree(t *testing.T) {
	g := newTestGitRepo(t)
	wt, err := g.Clone("app")
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		do   func() error
	}{
		{"write", func() error { return wt.WriteFile("a/b.txt", "b\n") }},
		{"remove", func() error { return wt.Remove("README.md") }},
		{"commit", func() error { _, err := wt.Commit("change"); return err }},
		{"tag", func() error { return wt.Tag("v1.0.0") }},
		{"push", wt.Push},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	if err := wt.WriteFile("../escape", "x"); err == nil {
		t.Error("WriteFile outside the work tree succeeded")
	}
	head, _ := wt.Head()
	out, err := gitT(t, g, g.Root, nil, "--git-dir=app.git", "rev-parse", "main", "v1.0.0", "main:a/b.txt")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(out)
	if len(lines) != 3 || lines[0] != head || lines[1] != head {
		t.Errorf("server has main and v1.0.0 at %q, want %s", out, head)
	}
	if _, err := gitT(t, g, g.Root, nil, "--git-dir=app.git", "rev-parse", "--verify", "--quiet", "main:README.md"); err == nil {
		t.Error("README.md still on main after Remove")
	}
}

func TestGitServerCreateRepoErrors(t *testing.T) {
	g := newTestGitRepo(t)
	for _, name := range []string{"app", "", "../x", "a//b", "/"} {
		if err := g.CreateRepo(name, ""); err == nil {
			t.Errorf("CreateRepo(%q) succeeded, want an error", name)
		}
	}
	if err := g.CreateRepo("org/empty", ""); err != nil {
		t.Errorf("CreateRepo(org/empty): %v", err)
	}
}

func TestGitServerStop(t *testing.T) {
	g, err := StartGitServer(GitServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	httpAddr, sshAddr, dir := g.httpAddr, g.ssh.addr, g.dir
	g.Stop()
	g.Stop() // a second Stop is harmless
	for _, addr := range []string{httpAddr, sshAddr} {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after Stop", addr)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s not removed: %v", dir, err)
	}
}

func TestGitServerStopBounded(t *testing.T) {
	g := newTestGitRepo(t)
	session, err := sshTestClient(t, g).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	// receive-pack waits for the client's commands, which never come.
	stdin, _ := session.StdinPipe()
	defer stdin.Close()
	if err := session.Start("git-receive-pack '/app.git'"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	g.Stop()
	if took := time.Since(start); took > stopGrace+2*time.Second {
		t.Errorf("Stop took %v with a session in flight", took)
	}
	if err := session.Wait(); err == nil {
		t.Error("the session in flight ended without an error")
	}
}
