package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// testSecret is every test receiver's secret; no response may contain it.
const testSecret = "tug-webhook-secret-7f3a9c"

// testProviders are the providers under test; each is served by a
// receiver of the same name.
var testProviders = []Provider{GitHub, GitLab, Gitea, Forgejo, Bitbucket, Generic}

// eventHeader names the header that carries each provider's event.
var eventHeader = map[Provider]string{
	GitHub:    "X-GitHub-Event",
	GitLab:    "X-Gitlab-Event",
	Gitea:     "X-Gitea-Event",
	Forgejo:   "X-Forgejo-Event",
	Bitbucket: "X-Event-Key",
}

// pushEvent is each provider's name for a branch push.
var pushEvent = map[Provider]string{
	GitHub:    "push",
	GitLab:    "Push Hook",
	Gitea:     "push",
	Forgejo:   "push",
	Bitbucket: "repo:push",
}

// recorder collects the pushes a Handler triggers.
type recorder struct {
	mu     sync.Mutex
	pushes []Push
}

func (r *recorder) add(p Push) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pushes = append(r.pushes, p)
}

func (r *recorder) all() []Push {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Push(nil), r.pushes...)
}

// newTestServer serves one receiver per test provider on a real server.
func newTestServer(t *testing.T, opts ...Option) (*httptest.Server, *recorder) {
	t.Helper()
	var receivers []Receiver
	for _, p := range testProviders {
		receivers = append(receivers, Receiver{Name: string(p), Provider: p, Secret: []byte(testSecret)})
	}
	rec := &recorder{}
	h, err := NewHandler(receivers, rec.add, opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, rec
}

// hexMAC is hex(HMAC-SHA256(key, body)).
func hexMAC(key string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// authHeader returns the header with which provider p authenticates body
// when its secret is key.
func authHeader(p Provider, body []byte, key string) (name, value string) {
	switch p {
	case GitHub:
		return "X-Hub-Signature-256", "sha256=" + hexMAC(key, body)
	case GitLab:
		return "X-Gitlab-Token", key
	case Gitea:
		return "X-Gitea-Signature", hexMAC(key, body)
	case Forgejo:
		return "X-Forgejo-Signature", hexMAC(key, body)
	case Bitbucket:
		return "X-Hub-Signature", "sha256=" + hexMAC(key, body)
	}
	return "Authorization", "Bearer " + key
}

// delivery builds the headers of a delivery of event to provider p, signed
// with key.
func delivery(p Provider, event string, body []byte, key string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	name, value := authHeader(p, body, key)
	h.Set(name, value)
	if event != "" && eventHeader[p] != "" {
		h.Set(eventHeader[p], event)
	}
	return h
}

// send makes a request and returns its status and body, failing the test
// if the body gives away the secret.
func send(t *testing.T, srv *httptest.Server, method, path string, h http.Header, body io.Reader) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), testSecret) {
		t.Fatalf("response body %q contains the secret", out)
	}
	return resp.StatusCode, strings.TrimSpace(string(out))
}

// fixture reads testdata/name.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
