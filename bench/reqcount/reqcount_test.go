package reqcount

import (
	"net/url"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		method, url string
		want        Request
	}{
		{"GET", "/api", Request{Verb: Discovery}},
		{"GET", "/apis", Request{Verb: Discovery}},
		{"GET", "/api/v1", Request{Verb: Discovery}},
		{"GET", "/apis/apps/v1", Request{Verb: Discovery}},
		{"GET", "/version", Request{Verb: Discovery}},
		{"GET", "/openapi/v3/api/v1?hash=X", Request{Verb: Discovery}},
		{"GET", "/api/v1/namespaces", Request{Verb: List, Resource: "namespaces"}},
		{"GET", "/api/v1/namespaces/bench", Request{Verb: Get, Resource: "namespaces", Name: "bench"}},
		{"GET", "/api/v1/namespaces/bench/configmaps?labelSelector=a%3Db", Request{Verb: List, Resource: "configmaps", Namespace: "bench"}},
		{"GET", "/api/v1/configmaps?labelSelector=a%3Db", Request{Verb: List, Resource: "configmaps"}},
		{"GET", "/apis/apps/v1/deployments?watch=true", Request{Verb: Watch, Resource: "deployments"}},
		{"GET", "/apis/apps/v1/namespaces/bench/deployments/web", Request{Verb: Get, Resource: "deployments", Namespace: "bench", Name: "web"}},
		{"GET", "/apis/apps/v1/namespaces/bench/deployments/web/status", Request{Verb: Get, Resource: "deployments", Namespace: "bench", Name: "web"}},
		{"PATCH", "/api/v1/namespaces/bench/services/web?dryRun=All&fieldManager=tugboat", Request{Verb: Patch, Resource: "services", Namespace: "bench", Name: "web", DryRun: true}},
		{"patch", "/api/v1/namespaces/tugboat-system", Request{Verb: Patch, Resource: "namespaces", Name: "tugboat-system"}},
		{"DELETE", "/apis/apps/v1/namespaces/bench/deployments/web", Request{Verb: Delete, Resource: "deployments", Namespace: "bench", Name: "web"}},
		{"POST", "/api/v1/namespaces/bench/configmaps", Request{Verb: Post, Resource: "configmaps", Namespace: "bench"}},
	}
	for _, c := range cases {
		u, err := url.Parse(c.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := Parse(c.method, u); got != c.want {
			t.Errorf("Parse(%s %s) = %+v, want %+v", c.method, c.url, got, c.want)
		}
	}
}

func TestCounts(t *testing.T) {
	var c Counts
	for _, raw := range []string{
		"PATCH /api/v1/namespaces/bench/configmaps/a?dryRun=All",
		"PATCH /api/v1/namespaces/bench/configmaps/a",
		"PATCH /api/v1/namespaces/tugboat-system",
		"PATCH /api/v1/namespaces/tugboat-system/configmaps/tugboat-inventory-bench",
		"GET /api/v1/namespaces/tugboat-system/configmaps/tugboat-inventory-bench",
		"GET /api/v1/configmaps",
		"GET /api/v1/configmaps",
		"GET /api/v1/services",
		"GET /apis",
	} {
		var method, path string
		for i := range raw {
			if raw[i] == ' ' {
				method, path = raw[:i], raw[i+1:]
				break
			}
		}
		u, _ := url.Parse(path)
		c.Add(Parse(method, u))
	}
	c.Fail(Patch, 404)
	if c.Writes != 3 || c.InventoryWrites != 2 || c.DryRuns != 1 {
		t.Errorf("writes %d, inventory writes %d, dry-runs %d; want 3, 2, 1", c.Writes, c.InventoryWrites, c.DryRuns)
	}
	if got, want := c.String(), "PATCH 4 (dry-run 1, 1 × 404), GET 1, LIST 3, discovery 1"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got, want := c.ListsString(), "configmaps 2, services 1"; got != want {
		t.Errorf("ListsString() = %q, want %q", got, want)
	}
	if c.MaxListsPerKind() != 2 {
		t.Errorf("MaxListsPerKind() = %d, want 2", c.MaxListsPerKind())
	}
}
