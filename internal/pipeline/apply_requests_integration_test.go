package pipeline

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// requestCounter records the requests a connection sends: the writes (any
// POST, PUT or DELETE, and PATCH other than a dry-run) and the LISTs, by
// resource.
type requestCounter struct {
	mu     sync.Mutex
	writes []string
	lists  map[string]int
	all    []string
	// gets are the GETs of single objects.
	gets []string
}

func (rc *requestCounter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		rc.record(req)
		return rt.RoundTrip(req)
	})
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

func (rc *requestCounter) record(req *http.Request) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	line := req.Method + " " + req.URL.RequestURI()
	rc.all = append(rc.all, line)
	if objectGet(req.Method, req.URL) {
		rc.gets = append(rc.gets, line)
	}
	q := req.URL.Query()
	switch req.Method {
	case http.MethodPost, http.MethodPut, http.MethodDelete:
		rc.writes = append(rc.writes, line)
	case http.MethodPatch:
		if len(q["dryRun"]) == 0 {
			rc.writes = append(rc.writes, line)
		}
	case http.MethodGet:
		if resource, ok := listedResource(req.URL); ok && q.Get("watch") != "true" {
			if rc.lists == nil {
				rc.lists = map[string]int{}
			}
			rc.lists[resource]++
		}
	}
}

// reset forgets what was recorded.
func (rc *requestCounter) reset() {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.writes, rc.lists, rc.all, rc.gets = nil, nil, nil, nil
}

func (rc *requestCounter) snapshot() (writes []string, lists map[string]int, all []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	lists = map[string]int{}
	for k, v := range rc.lists {
		lists[k] = v
	}
	return append([]string(nil), rc.writes...), lists, append([]string(nil), rc.all...)
}

// listedResource tells a LIST from a GET of one object or discovery:
// /api/v1/[namespaces/NS/]RESOURCE and /apis/GROUP/VERSION/[namespaces/NS/]RESOURCE
// are LISTs; it returns "GROUP/VERSION/RESOURCE".
func listedResource(u *url.URL) (string, bool) {
	gv, parts, ok := resourcePath(u)
	if !ok || len(parts) != 1 {
		return "", false
	}
	return gv + "/" + parts[0], true
}

// objectGet tells whether a GET reads one object: .../RESOURCE/NAME, a
// namespaced one's or a cluster-scoped one's (a Namespace too).
func objectGet(method string, u *url.URL) bool {
	_, parts, ok := resourcePath(u)
	return method == http.MethodGet && ok && len(parts) == 2
}

// resourcePath splits an API path into GROUP/VERSION and what follows it,
// without the namespaces/NS prefix of a namespaced resource.
func resourcePath(u *url.URL) (string, []string, bool) {
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	var gv string
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		gv, parts = parts[1], parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		gv, parts = parts[1]+"/"+parts[2], parts[3:]
	default:
		return "", nil, false
	}
	if len(parts) >= 3 && parts[0] == "namespaces" {
		parts = parts[2:]
	}
	return gv, parts, true
}

// objectGets returns the GETs of single objects recorded.
func (rc *requestCounter) objectGets() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.gets...)
}
