package helmrepo

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// chartRepo is a real HTTP chart repository: an index.yaml and archives,
// behind basic auth, counting what it serves.
type chartRepo struct {
	*httptest.Server
	user, pass string
	files      map[string][]byte // path -> content; "/index.yaml" included
	redirects  map[string]string // path -> URL it redirects to
	index      indexFile

	mu     sync.Mutex
	served map[string]int // "200 /path" or "304 /path" -> count
	auths  map[string]int // path -> requests that carried credentials
}

// newChartRepo starts a repository; a public one asks for no credentials.
func newChartRepo(t *testing.T, public bool) *chartRepo {
	t.Helper()
	r := &chartRepo{
		user: "robot", pass: "s3cret-pa55",
		files: map[string][]byte{}, redirects: map[string]string{},
		index:  indexFile{APIVersion: "v1", Entries: map[string][]indexEntry{}},
		served: map[string]int{}, auths: map[string]int{},
	}
	if public {
		r.user = ""
	}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *chartRepo) serve(w http.ResponseWriter, req *http.Request) {
	user, pass, ok := req.BasicAuth()
	if ok {
		r.count(r.auths, req.URL.Path)
	}
	authed := ok && subtle.ConstantTimeCompare([]byte(user+":"+pass), []byte(r.user+":"+r.pass)) == 1
	if r.user != "" && !authed {
		w.Header().Set("WWW-Authenticate", `Basic realm="charts"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if to, ok := r.redirects[req.URL.Path]; ok {
		http.Redirect(w, req, to, http.StatusFound)
		return
	}
	body, found := r.files[req.URL.Path]
	if !found {
		http.NotFound(w, req)
		return
	}
	// ServeContent answers If-None-Match with 304 given an ETag.
	w.Header().Set("ETag", fmt.Sprintf(`"%s"`, sha256Hex(body)[:16]))
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	http.ServeContent(rec, req, req.URL.Path, time.Time{}, bytes.NewReader(body))
	r.count(r.served, fmt.Sprintf("%d %s", rec.status, req.URL.Path))
}

func (r *chartRepo) count(m map[string]int, key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m[key]++
}

func (r *chartRepo) counts(m map[string]int, key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return m[key]
}

// add serves archive as version of mychart at path and lists it in the
// index under url with digest (the archive's own when digest is "auto").
func (r *chartRepo) add(t *testing.T, version, path, url, digest string, archive []byte) {
	t.Helper()
	if digest == "auto" {
		digest = sha256Hex(archive)
	}
	r.files[path] = archive
	r.index.Entries["mychart"] = append(r.index.Entries["mychart"], indexEntry{Version: version, URLs: []string{url}, Digest: digest})
	b, err := yaml.Marshal(r.index)
	if err != nil {
		t.Fatal(err)
	}
	r.files["/index.yaml"] = b
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// standardRepo serves mychart 1.0.0, 1.1.0, 1.2.0, 2.0.0 and 2.1.0-rc.1,
// one of them by absolute URL; 0.9.0, whose index digest is wrong; and
// 0.0.1-evil, an archive with a "../" entry; 0.0.2-nochart, no Chart.yaml.
func standardRepo(t *testing.T) *chartRepo {
	r := newChartRepo(t, false)
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0", "2.1.0-rc.1"} {
		r.add(t, v, "/charts/mychart-"+v+".tgz", "charts/mychart-"+v+".tgz", "auto", packageChart(t, v))
	}
	r.add(t, "1.2.0", "/abs/mychart-1.2.0.tgz", r.URL+"/abs/mychart-1.2.0.tgz", "auto", packageChart(t, "1.2.0"))
	r.add(t, "0.9.0", "/charts/mychart-0.9.0.tgz", "charts/mychart-0.9.0.tgz", sha256Hex([]byte("other")), packageChart(t, "0.9.0"))
	evil := buildArchive(t, append(chartEntries(t, "0.0.1-evil"), entry{Name: "mychart/../../evil", Body: []byte("x")}))
	r.add(t, "0.0.1-evil", "/charts/evil.tgz", "charts/evil.tgz", "auto", evil)
	notChart := buildArchive(t, []entry{{Name: "mychart/values.yaml", Body: []byte("a: 1")}})
	r.add(t, "0.0.2-nochart", "/charts/nochart.tgz", "charts/nochart.tgz", "auto", notChart)
	return r
}
