package scan

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeRegistry is the part of the registry API a Scanner uses, with basic
// auth or the bearer-token flow (its token endpoint on the same server),
// and ETags when asked. It counts the requests it serves.
type fakeRegistry struct {
	srv        *httptest.Server
	user, pass string
	bearer     bool
	etag       bool

	mu          sync.Mutex
	tags        map[string][]string // repository -> tags
	digests     map[string]string   // repository:tag -> digest
	requests    int
	ifNoneMatch []string
	accept      []string
}

const fakeToken = "fake-registry-token-9f8e"

func newFakeRegistry(t *testing.T, bearer, etag bool) *fakeRegistry {
	f := &fakeRegistry{
		user: "ci", pass: "s3cret-pass-4711", bearer: bearer, etag: etag,
		tags: map[string][]string{}, digests: map[string]string{},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// host is the registry part of image references, 127.0.0.1:PORT.
func (f *fakeRegistry) host() string { return strings.TrimPrefix(f.srv.URL, "http://") }

func (f *fakeRegistry) push(repo, tag, digest string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !slices.Contains(f.tags[repo], tag) {
		f.tags[repo] = append(f.tags[repo], tag)
		slices.Sort(f.tags[repo])
	}
	f.digests[repo+":"+tag] = digest
}

func (f *fakeRegistry) served() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

func (f *fakeRegistry) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	if r.URL.Path == "/token" {
		f.serveToken(w, r)
		return
	}
	if !f.authorized(r) {
		if f.bearer {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s/token",service="fake"`, f.srv.URL))
		} else {
			w.Header().Set("WWW-Authenticate", `Basic realm="fake"`)
		}
		registryError(w, http.StatusUnauthorized, "UNAUTHORIZED")
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/v2/")
	switch {
	case path == "":
		w.WriteHeader(http.StatusOK)
	case strings.HasSuffix(path, "/tags/list"):
		f.serveTags(w, r, strings.TrimSuffix(path, "/tags/list"))
	case strings.Contains(path, "/manifests/"):
		i := strings.LastIndex(path, "/manifests/")
		f.accept = append(f.accept, r.Header.Get("Accept"))
		d, ok := f.digests[path[:i]+":"+path[i+len("/manifests/"):]]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Docker-Content-Digest", d)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func (f *fakeRegistry) authorized(r *http.Request) bool {
	if f.bearer {
		return r.Header.Get("Authorization") == "Bearer "+fakeToken
	}
	u, p, ok := r.BasicAuth()
	return ok && u == f.user && p == f.pass
}

func (f *fakeRegistry) serveToken(w http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); !ok || u != f.user || p != f.pass {
		registryError(w, http.StatusUnauthorized, "UNAUTHORIZED")
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]string{"token": fakeToken})
}

// serveTags pages as distribution does: n tags after the tag named last.
func (f *fakeRegistry) serveTags(w http.ResponseWriter, r *http.Request, repo string) {
	all, ok := f.tags[repo]
	if !ok {
		registryError(w, http.StatusNotFound, "NAME_UNKNOWN")
		return
	}
	q := r.URL.Query()
	start := 0
	if last := q.Get("last"); last != "" {
		start, _ = slices.BinarySearch(all, last+"\x00")
	}
	tags := all[start:]
	if n, _ := strconv.Atoi(q.Get("n")); n > 0 && n < len(tags) {
		tags = tags[:n]
		w.Header().Set("Link", fmt.Sprintf(`</v2/%s/tags/list?last=%s&n=%d>; rel="next"`, repo, tags[n-1], n))
	}
	body, _ := json.Marshal(map[string]any{"name": repo, "tags": tags})
	if f.etag {
		etag := fmt.Sprintf(`"%x"`, sha256.Sum256(body))
		w.Header().Set("ETag", etag)
		if inm := r.Header.Get("If-None-Match"); inm != "" {
			f.ifNoneMatch = append(f.ifNoneMatch, inm)
			if inm == etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

func registryError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errors":[{"code":%q,"message":"fake"}]}`, code)
}
