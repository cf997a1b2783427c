package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/crypto/bcrypt"
)

// RegistryOptions configures StartRegistry. The zero value is ready to use.
type RegistryOptions struct {
	// BinDir holds the registry binary. Empty means the directory
	// EnsureBinaries returns for VersionsFromEnv, building it if needed.
	BinDir string
	// Dir holds the config, htpasswd file, storage and log. Empty means a new
	// temporary directory that Stop removes.
	Dir string
	// Username and Password are the only credentials the registry accepts.
	// Empty means generated ones.
	Username, Password string
	// StartTimeout bounds the wait for the registry to answer; 0 means 30s.
	StartTimeout time.Duration
	// Progress receives the output of a binary build, if one is needed.
	Progress io.Writer
}

// Registry is a running distribution registry on loopback that serves plain
// HTTP and accepts only its one user.
type Registry struct {
	// Host is 127.0.0.1:PORT, the registry part of image references.
	Host string
	// Username and Password are the credentials the registry accepts.
	Username, Password string
	// LogPath is the file the registry logs to.
	LogPath string

	dir     string
	ownsDir bool
	proc    *process
}

// StartRegistry starts distribution's registry with htpasswd auth and
// filesystem storage and waits until it answers.
func StartRegistry(opts RegistryOptions) (*Registry, error) {
	binDir, err := registryBinDir(opts)
	if err != nil {
		return nil, err
	}
	r, err := newRegistry(opts)
	if err != nil {
		return nil, err
	}
	if err := r.start(binDir, opts.StartTimeout); err != nil {
		r.Stop()
		return nil, err
	}
	return r, nil
}

// NewRegistry starts a registry for the test t and stops it when t ends. A
// failed test keeps the registry's log and reports its path.
func NewRegistry(t testing.TB) *Registry {
	t.Helper()
	SkipIfShort(t)
	dir, err := os.MkdirTemp("", "tugboat-registry-")
	if err != nil {
		t.Fatalf("registry dir: %v", err)
	}
	r, err := StartRegistry(RegistryOptions{Dir: dir, Progress: testLogWriter{t}})
	if err != nil {
		// Keep the files only if the registry ran: its log says why it failed.
		if _, statErr := os.Stat(filepath.Join(dir, "registry.log")); statErr == nil {
			t.Logf("registry files kept in %s", dir)
		} else {
			_ = os.RemoveAll(dir)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() {
		r.Stop()
		if t.Failed() {
			_ = os.RemoveAll(filepath.Join(dir, "storage"))
			t.Logf("registry log kept at %s", r.LogPath)
			return
		}
		_ = os.RemoveAll(dir)
	})
	return r
}

func registryBinDir(opts RegistryOptions) (string, error) {
	if opts.BinDir != "" {
		return opts.BinDir, nil
	}
	dir, err := EnsureBinaries(context.Background(), VersionsFromEnv(), opts.Progress)
	if err != nil {
		return "", fmt.Errorf("start registry: %w", err)
	}
	return dir, nil
}

// newRegistry prepares the directory and credentials of a registry that has
// not started yet.
func newRegistry(opts RegistryOptions) (*Registry, error) {
	r := &Registry{Username: opts.Username, Password: opts.Password, dir: opts.Dir}
	if r.dir == "" {
		dir, err := os.MkdirTemp("", "tugboat-registry-")
		if err != nil {
			return nil, fmt.Errorf("registry dir: %w", err)
		}
		r.dir, r.ownsDir = dir, true
	}
	if r.Username == "" {
		r.Username = "tugboat-" + randomHex(4)
	}
	if r.Password == "" {
		r.Password = randomHex(16)
	}
	r.LogPath = filepath.Join(r.dir, "registry.log")
	return r, nil
}

func (r *Registry) start(binDir string, timeout time.Duration) error {
	port, err := FreePort()
	if err != nil {
		return fmt.Errorf("start registry: %w", err)
	}
	r.Host = fmt.Sprintf("127.0.0.1:%d", port)
	config, err := r.writeFiles()
	if err != nil {
		return fmt.Errorf("start registry: %w", err)
	}
	// distribution v3 exports OpenTelemetry traces by default, to an OTLP
	// collector that does not exist here, and logs the failures.
	env := []string{"OTEL_TRACES_EXPORTER=none"}
	r.proc, err = startProcess("registry", r.dir, filepath.Join(binDir, "registry"), []string{"serve", config}, env)
	if err != nil {
		return err
	}
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	return r.waitReady(timeout)
}

// writeFiles writes the htpasswd file and the config and returns the
// config's path.
func (r *Registry) writeFiles() (string, error) {
	// The registry checks the bcrypt hash on every request; the lowest cost
	// keeps a push of a few blobs fast on a loaded machine, and these
	// credentials guard nothing.
	hash, err := bcrypt.GenerateFromPassword([]byte(r.Password), bcrypt.MinCost)
	if err != nil {
		return "", fmt.Errorf("hash registry password: %w", err)
	}
	htpasswd := filepath.Join(r.dir, "htpasswd")
	if err := os.WriteFile(htpasswd, []byte(r.Username+":"+string(hash)+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write htpasswd: %w", err)
	}
	config := filepath.Join(r.dir, "config.yml")
	if err := os.WriteFile(config, []byte(r.config(htpasswd)), 0o600); err != nil {
		return "", fmt.Errorf("write registry config: %w", err)
	}
	return config, nil
}

func (r *Registry) config(htpasswd string) string {
	return fmt.Sprintf(`version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: %q
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: %q
  secret: %q
auth:
  htpasswd:
    realm: tugboat-testenv
    path: %q
`, filepath.Join(r.dir, "storage"), r.Host, randomHex(16), htpasswd)
}

// waitReady polls GET /v2/ until the registry answers 401, the answer of a
// registry that is up and demands credentials.
func (r *Registry) waitReady(timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	url := "http://" + r.Host + "/v2/"
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if err := r.proc.exited(); err != nil {
			return fmt.Errorf("start registry: %w", err)
		}
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusUnauthorized {
				return nil
			}
			err = fmt.Errorf("GET %s: status %s, want 401", url, resp.Status)
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("start registry: not ready after %s: %v; last lines of %s:\n%s",
		timeout, last, r.LogPath, lastLines(readFile(r.LogPath), 15))
}

// Stop ends the registry and removes its directory if StartRegistry made it.
func (r *Registry) Stop() {
	if r.proc != nil {
		r.proc.stop(5 * time.Second)
	}
	if r.ownsDir {
		_ = os.RemoveAll(r.dir)
	}
}

// Authenticator returns the registry's credentials for go-containerregistry.
func (r *Registry) Authenticator() authn.Authenticator {
	return authn.FromConfig(authn.AuthConfig{Username: r.Username, Password: r.Password})
}

// Keychain returns a keychain that answers with the registry's credentials
// for this registry and anonymously for any other.
func (r *Registry) Keychain() authn.Keychain {
	return registryKeychain{r}
}

type registryKeychain struct{ r *Registry }

func (k registryKeychain) Resolve(res authn.Resource) (authn.Authenticator, error) {
	if res.RegistryStr() == k.r.Host {
		return k.r.Authenticator(), nil
	}
	return authn.Anonymous, nil
}

// Reference parses repo:tag as a reference to an image in this registry,
// reached over plain HTTP.
func (r *Registry) Reference(repo, tag string) (name.Reference, error) {
	ref, err := name.NewTag(r.Host+"/"+repo+":"+tag, name.Insecure)
	if err != nil {
		return nil, fmt.Errorf("image reference: %w", err)
	}
	return ref, nil
}

// PushRandomImage pushes an image of one random 1 KiB layer to repo:tag and
// returns its digest ("sha256:...").
func (r *Registry) PushRandomImage(ctx context.Context, repo, tag string) (string, error) {
	ref, err := r.Reference(repo, tag)
	if err != nil {
		return "", err
	}
	img, err := random.Image(1024, 1)
	if err != nil {
		return "", fmt.Errorf("random image: %w", err)
	}
	digest, err := img.Digest()
	if err != nil {
		return "", fmt.Errorf("random image digest: %w", err)
	}
	if err := remote.Write(ref, img, remote.WithAuth(r.Authenticator()), remote.WithContext(ctx)); err != nil {
		return "", fmt.Errorf("push %s: %w", ref, err)
	}
	return digest.String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	// Since Go 1.24 crypto/rand.Read never returns an error.
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// testLogWriter sends a binary build's progress to the test log.
type testLogWriter struct{ t testing.TB }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Logf("%s", p)
	return len(p), nil
}
