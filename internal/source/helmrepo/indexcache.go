package helmrepo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
)

// cachedIndex is a repository index kept with the validators its server
// sent, so the next fetch can ask "changed since?" and, on 304 Not
// Modified, skip the download: large public indexes run to tens of MiB,
// and a reconcile loop reads them every interval.
type cachedIndex struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
	body         []byte
}

// indexCachePath names the cached index of u as seen by auth's user: a
// server may show each user a different index.
func indexCachePath(cacheDir string, u *url.URL, auth *Auth) string {
	key := u.String() + "\n"
	if auth != nil {
		key += auth.Username
	}
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(cacheDir, "index", hex.EncodeToString(sum[:])+".yaml")
}

// loadCachedIndex returns the cached index of u, or the zero value when
// there is none or it cannot be read; the cache only saves work.
func loadCachedIndex(cacheDir string, u *url.URL, auth *Auth) cachedIndex {
	// The file is one line of JSON validators, then the index: one file,
	// so a rename replaces both at once.
	b, err := os.ReadFile(indexCachePath(cacheDir, u, auth))
	if err != nil {
		return cachedIndex{}
	}
	head, body, ok := bytes.Cut(b, []byte("\n"))
	var c cachedIndex
	if !ok || json.Unmarshal(head, &c) != nil {
		return cachedIndex{}
	}
	c.body = body
	return c
}

// conditionalHeader returns the request headers that let the server answer
// 304 when the cached copy is current.
func (c cachedIndex) conditionalHeader() http.Header {
	h := http.Header{}
	if c.body == nil {
		return h
	}
	if c.ETag != "" {
		h.Set("If-None-Match", c.ETag)
	}
	if c.LastModified != "" {
		h.Set("If-Modified-Since", c.LastModified)
	}
	return h
}

// storeIndex caches body if the server sent a validator to check it
// against later. Failures are ignored: the next fetch downloads again.
func storeIndex(cacheDir string, u *url.URL, auth *Auth, h http.Header, body []byte) {
	c := cachedIndex{ETag: h.Get("ETag"), LastModified: h.Get("Last-Modified")}
	if c.ETag == "" && c.LastModified == "" {
		return
	}
	path := indexCachePath(cacheDir, u, auth)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return
	}
	head, err := json.Marshal(c)
	if err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".index-*")
	if err != nil {
		return
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(append(head, '\n'))
	if err == nil {
		_, err = tmp.Write(body)
	}
	if cerr := tmp.Close(); err != nil || cerr != nil {
		return
	}
	_ = os.Rename(tmp.Name(), path)
}
