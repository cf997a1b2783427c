package testenv

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cgi"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// stopGrace bounds how long Stop waits for requests in flight.
const stopGrace = 5 * time.Second

// GitServerOptions configures StartGitServer. The zero value is ready to use.
type GitServerOptions struct {
	// Root holds the bare repositories. Empty means a temporary directory,
	// removed by Stop; a given Root is left in place.
	Root string
	// Username and Password are the HTTP basic auth credentials; empty means
	// "tugboat" and a generated password.
	Username string
	Password string
	// Token is accepted as a basic auth password with any username and as a
	// bearer token; empty means a generated one.
	Token string
	// Log receives the diagnostics of git http-backend; nil discards them.
	Log io.Writer
}

// GitServer serves bare repositories on 127.0.0.1 over smart HTTP (git
// http-backend) and SSH (an in-process server running the git CLI), both
// authenticated, and counts the requests it serves.
type GitServer struct {
	// Root is the directory holding the bare repositories, as <name>.git.
	Root string
	// Username, Password and Token are the accepted HTTP credentials.
	Username string
	Password string
	Token    string
	// ReadOnlyUsername and ReadOnlyPassword are HTTP credentials that may
	// fetch but not push: the server refuses their pushes with 403, as a
	// forge does for a user with read access only.
	ReadOnlyUsername string
	ReadOnlyPassword string
	// ClientKeyPath is the SSH client private key (OpenSSH format, mode
	// 0600), whose public key is the only one the SSH server accepts.
	ClientKeyPath       string
	ClientPrivateKeyPEM []byte
	ClientPublicKey     ssh.PublicKey
	// KnownHostsPath is a known_hosts file naming HostPublicKey for the SSH
	// server's [127.0.0.1]:port.
	KnownHostsPath string
	HostPublicKey  ssh.PublicKey

	dir      string // keys, the git HOME, work trees, the default Root; removed by Stop
	httpAddr string
	httpSrv  *http.Server
	ssh      *gitSSHServer
	stats    gitRequestCounter
	stopOnce sync.Once
}

// NewGitServer starts a git server with default options and stops it when
// the test ends.
func NewGitServer(t testing.TB) *GitServer {
	t.Helper()
	g, err := StartGitServer(GitServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Stop)
	return g
}

// StartGitServer starts the HTTP and SSH listeners on free loopback ports.
// Stop releases them.
func StartGitServer(opts GitServerOptions) (*GitServer, error) {
	g, err := newGitServer(opts)
	if err != nil {
		return nil, fmt.Errorf("start git server: %w", err)
	}
	if err := g.start(opts.Log); err != nil {
		g.Stop()
		return nil, fmt.Errorf("start git server: %w", err)
	}
	return g, nil
}

// newGitServer fills in credentials and directories; it starts nothing.
func newGitServer(opts GitServerOptions) (*GitServer, error) {
	dir, err := os.MkdirTemp("", "tugboat-git-")
	if err != nil {
		return nil, err
	}
	g := &GitServer{Root: filepath.Join(dir, "repos"), Username: opts.Username, Password: opts.Password, Token: opts.Token,
		ReadOnlyUsername: "reader", ReadOnlyPassword: newGitSecret(), dir: dir}
	if opts.Root != "" {
		// http-backend needs an absolute GIT_PROJECT_ROOT.
		if g.Root, err = filepath.Abs(opts.Root); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	if g.Username == "" {
		g.Username = "tugboat"
	}
	for _, s := range []*string{&g.Password, &g.Token} {
		if *s == "" {
			*s = newGitSecret()
		}
	}
	for _, d := range []string{g.Root, g.home(), filepath.Join(dir, "worktrees")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	return g, nil
}

func (g *GitServer) start(log io.Writer) error {
	handler, err := g.newHTTPHandler(log)
	if err != nil {
		return err
	}
	ln, err := listenGitLoopback()
	if err != nil {
		return fmt.Errorf("listen for http: %w", err)
	}
	g.httpAddr = ln.Addr().String()
	g.httpSrv = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = g.httpSrv.Serve(ln) }()
	g.ssh, err = g.startSSH()
	return err
}

// Stop closes both listeners, waits a bounded time for requests in flight,
// then drops any left and removes the temporary directories. It is safe to
// call more than once.
func (g *GitServer) Stop() {
	g.stopOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), stopGrace)
		defer cancel()
		if g.httpSrv != nil {
			if err := g.httpSrv.Shutdown(ctx); err != nil {
				g.httpSrv.Close()
			}
		}
		if g.ssh != nil {
			g.ssh.stop(ctx)
		}
		os.RemoveAll(g.dir)
	})
}

// HTTPURL is the smart HTTP clone URL of a repository, without credentials.
func (g *GitServer) HTTPURL(repo string) string {
	return "http://" + g.httpAddr + "/" + gitRepoName(repo) + ".git"
}

// HTTPPasswordURL is HTTPURL with Username and Password in it.
func (g *GitServer) HTTPPasswordURL(repo string) string {
	return g.httpURLWith(repo, g.Username, g.Password)
}

// HTTPTokenURL is HTTPURL with Token as the password of a "token" user.
func (g *GitServer) HTTPTokenURL(repo string) string {
	return g.httpURLWith(repo, "token", g.Token)
}

func (g *GitServer) httpURLWith(repo, user, password string) string {
	u := url.URL{Scheme: "http", User: url.UserPassword(user, password), Host: g.httpAddr, Path: "/" + gitRepoName(repo) + ".git"}
	return u.String()
}

// BearerEnv is the environment that makes the git CLI send Token as a bearer
// token on every HTTP request, for use with the bare HTTPURL. It sets
// GIT_CONFIG_COUNT, so it cannot be combined with other such settings.
func (g *GitServer) BearerEnv() []string {
	return []string{
		"GIT_CONFIG_COUNT=1",
		"GIT_CONFIG_KEY_0=http.extraHeader",
		"GIT_CONFIG_VALUE_0=Authorization: Bearer " + g.Token,
	}
}

// SSHURL is the SSH clone URL of a repository, for user git.
func (g *GitServer) SSHURL(repo string) string {
	return "ssh://git@" + g.ssh.addr + "/" + gitRepoName(repo) + ".git"
}

func (g *GitServer) home() string { return filepath.Join(g.dir, "home") }

// listenGitLoopback listens on a port from FreePort so that servers probing
// for ports elsewhere in this process are not handed the same one.
func listenGitLoopback() (net.Listener, error) {
	var lastErr error
	for range 5 {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			return ln, nil
		}
		lastErr = err
	}
	return nil, errors.Join(errors.New("no free port after 5 tries"), lastErr)
}

func newGitSecret() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// gitHTTPRealm names the server in WWW-Authenticate, which makes the git CLI
// ask for credentials.
const gitHTTPRealm = "tugboat-git"

// maxGitHTTPBody bounds the request bodies buffered for git http-backend.
const maxGitHTTPBody = 256 << 20

// newHTTPHandler wraps git http-backend, run as CGI, in authentication and
// request counting.
func (g *GitServer) newHTTPHandler(log io.Writer) (http.Handler, error) {
	out, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		return nil, fmt.Errorf("find git exec path: %w", err)
	}
	if log == nil {
		log = io.Discard
	}
	backend := &cgi.Handler{
		Path: filepath.Join(strings.TrimSpace(string(out)), "git-http-backend"),
		Dir:  g.Root,
		Env: append(gitIsolationEnv(g.home()),
			"GIT_PROJECT_ROOT="+g.Root,
			"GIT_HTTP_EXPORT_ALL=1",
			// Pushes over HTTP are off unless enabled; this enables them
			// for every repository without touching its config.
			"GIT_CONFIG_COUNT=1",
			"GIT_CONFIG_KEY_0=http.receivepack",
			"GIT_CONFIG_VALUE_0=true",
		),
		Stderr: log,
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.serveHTTP(w, r, backend)
	}), nil
}

func (g *GitServer) serveHTTP(w http.ResponseWriter, r *http.Request, backend *cgi.Handler) {
	user, ok := g.authenticate(r)
	if !ok {
		g.stats.unauthorized()
		w.Header().Set("WWW-Authenticate", `Basic realm="`+gitHTTPRealm+`"`)
		http.Error(w, "authentication required", http.StatusUnauthorized)
		return
	}
	repo, service, err := splitGitHTTPPath(r.URL.Path)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	if g.readOnly(r) && isGitHTTPPush(r, service) {
		http.Error(w, "push refused: read-only user", http.StatusForbidden)
		return
	}
	body, err := bufferGitHTTPBody(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fetch := service == gitUploadPack && sniffGitHTTPFetch(body, r.Header.Get("Content-Encoding"))
	g.stats.record(repo, service, fetch)
	h := *backend
	// http-backend refuses receive-pack to an anonymous user.
	h.Env = append(slices.Clip(backend.Env), "REMOTE_USER="+user)
	h.ServeHTTP(w, r)
}

// authenticate accepts Username with Password, or Token as a basic auth
// password or a bearer token. It returns the user name to report to git.
func (g *GitServer) authenticate(r *http.Request) (string, bool) {
	if user, pass, ok := r.BasicAuth(); ok {
		if user == g.Username && gitSecretEqual(pass, g.Password) || gitSecretEqual(pass, g.Token) || g.readOnly(r) {
			return user, true
		}
		return "", false
	}
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if strings.EqualFold(scheme, "Bearer") && gitSecretEqual(token, g.Token) {
		return "token", true
	}
	return "", false
}

// readOnly reports whether the request authenticates as the read-only user.
func (g *GitServer) readOnly(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	return ok && user == g.ReadOnlyUsername && gitSecretEqual(pass, g.ReadOnlyPassword)
}

// isGitHTTPPush reports whether a request is part of a push: the
// receive-pack ref advertisement or the receive-pack POST.
func isGitHTTPPush(r *http.Request, service string) bool {
	return service == gitReceivePack || service == gitInfoRefs && r.URL.Query().Get("service") == gitReceivePack
}

// gitSecretEqual compares in constant time so timing does not reveal how
// much of a guess was right.
func gitSecretEqual(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// splitGitHTTPPath splits /<repo>.git/<rest> into the repository name and
// the smart HTTP service, empty for other (dumb HTTP) paths.
func splitGitHTTPPath(p string) (repo, service string, err error) {
	name, rest, ok := strings.Cut(strings.TrimPrefix(p, "/"), ".git/")
	if !ok || slices.Contains(strings.Split(rest, "/"), "..") {
		return "", "", fmt.Errorf("not a repository path: %s", p)
	}
	if err := validGitRepoName(name); err != nil {
		return "", "", err
	}
	switch rest {
	case gitInfoRefs, gitUploadPack, gitReceivePack:
		return name, rest, nil
	}
	return name, "", nil
}

// bufferGitHTTPBody reads a POST body into memory and gives it a length:
// net/http/cgi refuses the chunked bodies git sends for large requests.
func bufferGitHTTPBody(r *http.Request) ([]byte, error) {
	if r.Method != http.MethodPost {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxGitHTTPBody+1))
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	if len(body) > maxGitHTTPBody {
		return nil, fmt.Errorf("request body larger than %d bytes", maxGitHTTPBody)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.TransferEncoding = nil
	return body, nil
}

// sniffGitHTTPFetch reports whether an upload-pack request body asks for
// objects; git compresses larger bodies with gzip.
func sniffGitHTTPFetch(body []byte, encoding string) bool {
	var r io.Reader = bytes.NewReader(body)
	if encoding == "gzip" {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return false
		}
		r = zr
	}
	var s gitFetchSniffer
	_, _ = io.Copy(&s, r)
	return s.sawFetch()
}
