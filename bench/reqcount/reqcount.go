// Package reqcount counts the requests a Kubernetes client makes, by what
// they do: GET of one object, LIST of a collection, WATCH, discovery, and
// the writes (PATCH, POST, PUT, DELETE), telling dry-runs from real writes
// and the writes of Tugboat's inventory from those of the app's objects.
package reqcount

import (
	"net/url"
	"strings"

	"github.com/tugboat-gitops/tugboat/internal/inventory"
)

// The verbs a request is counted under. GET, LIST and WATCH are all HTTP
// GETs: of one object, of a collection, and of a collection with watch=true.
// Discovery is a GET of anything that is not a resource (/api, /apis,
// /apis/<group>/<version>, /version, /openapi/...).
const (
	Get       = "GET"
	List      = "LIST"
	Watch     = "WATCH"
	Discovery = "discovery"
	Patch     = "PATCH"
	Post      = "POST"
	Put       = "PUT"
	Delete    = "DELETE"
)

// Request is what one API request does, read from its method and URL.
type Request struct {
	// Verb is one of the constants above (or the HTTP method, if unusual).
	Verb string
	// Resource is the plural resource name ("configmaps"), empty for
	// discovery.
	Resource  string
	Namespace string
	Name      string
	// DryRun is true when the request asks for dryRun=All.
	DryRun bool
}

// Write reports whether the request changes (or would change, if it were
// not a dry-run) the cluster.
func (r Request) Write() bool {
	switch r.Verb {
	case Patch, Post, Put, Delete:
		return true
	}
	return false
}

// Inventory reports whether the request is about Tugboat's inventory: an
// object in the inventory namespace, or that namespace itself.
func (r Request) Inventory() bool {
	return r.Namespace == inventory.Namespace || r.Resource == "namespaces" && r.Name == inventory.Namespace
}

// Parse classifies a request by its HTTP method and URL. A GET whose path
// ends at a resource (no object name after it) is a LIST, or a WATCH when
// the query says watch=true.
func Parse(method string, u *url.URL) Request {
	r := Request{Verb: strings.ToUpper(method), DryRun: u.Query().Get("dryRun") != ""}
	rest, ok := resourcePath(u.Path)
	if !ok {
		if r.Verb == "GET" {
			r.Verb = Discovery
		}
		return r
	}
	if rest[0] == "namespaces" && len(rest) >= 3 {
		r.Namespace, rest = rest[1], rest[2:]
	}
	r.Resource = rest[0]
	if len(rest) >= 2 {
		r.Name = rest[1]
	}
	if r.Verb == "GET" && r.Name == "" {
		r.Verb = List
		if w := u.Query().Get("watch"); w == "true" || w == "1" {
			r.Verb = Watch
		}
	}
	return r
}

// resourcePath returns the path segments after the API group and version
// (/api/v1 or /apis/<group>/<version>); ok is false for paths that name no
// resource.
func resourcePath(path string) ([]string, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var rest []string
	switch {
	case len(segs) > 2 && segs[0] == "api":
		rest = segs[2:]
	case len(segs) > 3 && segs[0] == "apis":
		rest = segs[3:]
	default:
		return nil, false
	}
	return rest, rest[0] != ""
}
