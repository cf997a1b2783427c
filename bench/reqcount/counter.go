package reqcount

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// Counts sums the requests of a run.
type Counts struct {
	// Verbs counts requests by verb (GET, LIST, PATCH, discovery...).
	Verbs map[string]int `json:"verbs"`
	// DryRuns counts the writes that were dry-runs.
	DryRuns int `json:"dryRuns"`
	// Writes counts the writes that were not dry-runs.
	Writes int `json:"writes"`
	// InventoryWrites counts those of Writes that wrote the inventory.
	InventoryWrites int `json:"inventoryWrites"`
	// Lists counts LIST requests by resource.
	Lists map[string]int `json:"lists"`
	// Errors counts, by verb and then status code, the requests answered
	// with an error status (400 and up); code 0 is no answer at all.
	Errors map[string]map[int]int `json:"errors,omitempty"`
}

// Add counts one request.
func (c *Counts) Add(r Request) {
	if c.Verbs == nil {
		c.Verbs, c.Lists = map[string]int{}, map[string]int{}
	}
	c.Verbs[r.Verb]++
	switch {
	case r.Verb == List:
		c.Lists[r.Resource]++
	case r.Write() && r.DryRun:
		c.DryRuns++
	case r.Write():
		c.Writes++
		if r.Inventory() {
			c.InventoryWrites++
		}
	}
}

// Fail counts a request of verb (counted already by Add) that was answered
// with status code (0: not answered).
func (c *Counts) Fail(verb string, code int) {
	if c.Errors == nil {
		c.Errors = map[string]map[int]int{}
	}
	if c.Errors[verb] == nil {
		c.Errors[verb] = map[int]int{}
	}
	c.Errors[verb][code]++
}

// MaxListsPerKind is the largest number of LISTs of any one resource.
func (c Counts) MaxListsPerKind() int {
	n := 0
	for _, v := range c.Lists {
		n = max(n, v)
	}
	return n
}

// verbOrder is the order String lists verbs in; others follow, sorted.
var verbOrder = []string{Patch, Post, Put, Delete, Get, List, Watch, Discovery}

// String renders the counts as "PATCH 2002 (dry-run 1001, 1000 × 404),
// GET 1, LIST 7, discovery 3", leaving out verbs with no requests.
func (c Counts) String() string {
	var parts []string
	seen := map[string]bool{}
	verbs := append(slices.Clone(verbOrder), slices.Sorted(maps.Keys(c.Verbs))...)
	for _, v := range verbs {
		if seen[v] || c.Verbs[v] == 0 {
			continue
		}
		seen[v] = true
		parts = append(parts, fmt.Sprintf("%s %d", v, c.Verbs[v])+c.detail(v))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// detail is the parenthesized part of verb v in String.
func (c Counts) detail(v string) string {
	var d []string
	if v == Patch && c.DryRuns > 0 {
		d = append(d, fmt.Sprintf("dry-run %d", c.DryRuns))
	}
	for _, code := range slices.Sorted(maps.Keys(c.Errors[v])) {
		switch n := c.Errors[v][code]; code {
		case 0:
			d = append(d, fmt.Sprintf("%d unanswered", n))
		default:
			d = append(d, fmt.Sprintf("%d × %d", n, code))
		}
	}
	if len(d) == 0 {
		return ""
	}
	return " (" + strings.Join(d, ", ") + ")"
}

// ListsString renders the LISTs by resource: "configmaps 1, services 1".
func (c Counts) ListsString() string {
	var parts []string
	for _, r := range slices.Sorted(maps.Keys(c.Lists)) {
		parts = append(parts, fmt.Sprintf("%s %d", r, c.Lists[r]))
	}
	return strings.Join(parts, ", ")
}

// Counter counts the requests that pass through the transports it wraps.
// It is safe for concurrent use.
type Counter struct {
	mu     sync.Mutex
	counts Counts
}

// Wrap returns rt counting every request it sends, and every failure;
// its signature fits rest.Config.Wrap.
func (c *Counter) Wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		r := Parse(req.Method, req.URL)
		resp, err := rt.RoundTrip(req)
		code := 0
		if err == nil {
			code = resp.StatusCode
		}
		c.Add(r, code)
		return resp, err
	})
}

// Add counts one request and, if it failed, its status code (0: no
// answer).
func (c *Counter) Add(r Request, code int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts.Add(r)
	if code == 0 || code >= 400 {
		c.counts.Fail(r.Verb, code)
	}
}

// Reset forgets the requests counted so far.
func (c *Counter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts = Counts{}
}

// Counts returns a copy of the counts so far.
func (c *Counter) Counts() Counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.counts
	out.Verbs, out.Lists = maps.Clone(c.counts.Verbs), maps.Clone(c.counts.Lists)
	out.Errors = map[string]map[int]int{}
	for v, codes := range c.counts.Errors {
		out.Errors[v] = maps.Clone(codes)
	}
	return out
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
