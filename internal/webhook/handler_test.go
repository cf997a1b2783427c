package webhook

import (
	"bytes"
	"net/http"
	"net/url"
	"reflect"
	"testing"
)

// TestHandlerDeliveries: authenticated deliveries, by provider and event.
func TestHandlerDeliveries(t *testing.T) {
	ghPush := fixture(t, "github-push.json")
	ghForm := []byte("payload=" + url.QueryEscape(string(ghPush)))
	gh := []string{"https://github.com/acme/app.git", "git@github.com:acme/app.git", "https://github.com/acme/app"}
	gl := []string{"https://gitlab.example.com/platform/deploy/app.git", "git@gitlab.example.com:platform/deploy/app.git", "https://gitlab.example.com/platform/deploy/app"}
	gt := []string{"https://git.example.org/ops/app.git", "ssh://git@git.example.org:2222/ops/app.git", "https://git.example.org/ops/app"}
	bb := []string{"https://bitbucket.org/acme/app", "https://bitbucket.org/acme/app.git"}
	tests := []struct {
		name     string
		provider Provider
		event    string
		body     []byte
		extra    http.Header
		wantCode int
		wantPush *Push
	}{
		{name: "github branch", provider: GitHub, event: "push", body: ghPush, wantCode: 202,
			wantPush: &Push{Repos: gh, Branches: []string{"main"}}},
		{name: "github tag", provider: GitHub, event: "push", body: fixture(t, "github-tag.json"), wantCode: 202,
			wantPush: &Push{Repos: gh, Tags: []string{"v1.4.2"}}},
		{name: "github form-encoded", provider: GitHub, event: "push", body: ghForm, wantCode: 202,
			extra:    http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
			wantPush: &Push{Repos: gh, Branches: []string{"main"}}},
		{name: "github ping", provider: GitHub, event: "ping", body: fixture(t, "github-ping.json"), wantCode: 200},
		{name: "github other event", provider: GitHub, event: "issues", body: ghPush, wantCode: 200},
		{name: "github pull ref", provider: GitHub, event: "push", body: []byte(`{"ref":"refs/pull/7/head","repository":{"clone_url":"https://github.com/acme/app.git"}}`), wantCode: 200},
		{name: "github push without repository", provider: GitHub, event: "push", body: []byte(`{"ref":"refs/heads/main"}`), wantCode: 400},
		{name: "github bad json", provider: GitHub, event: "push", body: []byte(`{"ref":`), wantCode: 400},
		{name: "gitlab branch", provider: GitLab, event: "Push Hook", body: fixture(t, "gitlab-push.json"), wantCode: 202,
			wantPush: &Push{Repos: gl, Branches: []string{"main"}}},
		{name: "gitlab tag", provider: GitLab, event: "Tag Push Hook", body: fixture(t, "gitlab-tag.json"), wantCode: 202,
			wantPush: &Push{Repos: gl, Tags: []string{"v2.0.0"}}},
		{name: "gitlab merge request", provider: GitLab, event: "Merge Request Hook", body: []byte(`{}`), wantCode: 200},
		{name: "gitea branch", provider: Gitea, event: "push", body: fixture(t, "gitea-push.json"), wantCode: 202,
			wantPush: &Push{Repos: gt, Branches: []string{"release-1.x"}}},
		{name: "forgejo branch", provider: Forgejo, event: "push", body: fixture(t, "gitea-push.json"), wantCode: 202,
			wantPush: &Push{Repos: gt, Branches: []string{"release-1.x"}}},
		{name: "forgejo sending gitea headers too", provider: Forgejo, event: "push", body: fixture(t, "gitea-push.json"), wantCode: 202,
			extra:    http.Header{"X-Gitea-Event": {"push"}, "X-Gitea-Signature": {hexMAC(testSecret, fixture(t, "gitea-push.json"))}},
			wantPush: &Push{Repos: gt, Branches: []string{"release-1.x"}}},
		{name: "gitea create event", provider: Gitea, event: "create", body: []byte(`{}`), wantCode: 200},
		{name: "bitbucket branches, one deleted", provider: Bitbucket, event: "repo:push", body: fixture(t, "bitbucket-push.json"), wantCode: 202,
			wantPush: &Push{Repos: bb, Branches: []string{"main", "feature/old"}}},
		{name: "bitbucket tag", provider: Bitbucket, event: "repo:push", body: fixture(t, "bitbucket-tag.json"), wantCode: 202,
			wantPush: &Push{Repos: bb, Tags: []string{"v3.1.0"}}},
		{name: "bitbucket pull request", provider: Bitbucket, event: "pullrequest:created", body: []byte(`{}`), wantCode: 200},
		{name: "bitbucket ping", provider: Bitbucket, event: "diagnostics:ping", body: []byte(`{"test":true}`), wantCode: 200},
		{name: "generic full ref", provider: Generic, body: []byte(`{"repository":"https://git.example.org/ops/app.git","ref":"refs/heads/main"}`), wantCode: 202,
			wantPush: &Push{Repos: []string{"https://git.example.org/ops/app.git"}, Branches: []string{"main"}}},
		{name: "generic bare ref", provider: Generic, body: []byte(`{"repository":"git@git.example.org:ops/app.git","ref":"staging"}`), wantCode: 202,
			wantPush: &Push{Repos: []string{"git@git.example.org:ops/app.git"}, Branches: []string{"staging"}}},
		{name: "generic tag", provider: Generic, body: []byte(`{"repository":"https://git.example.org/ops/app","ref":"refs/tags/v1"}`), wantCode: 202,
			wantPush: &Push{Repos: []string{"https://git.example.org/ops/app"}, Tags: []string{"v1"}}},
		{name: "generic without ref", provider: Generic, body: []byte(`{"repository":"https://git.example.org/ops/app"}`), wantCode: 202,
			wantPush: &Push{Repos: []string{"https://git.example.org/ops/app"}}},
		{name: "generic missing repository", provider: Generic, body: []byte(`{"ref":"main"}`), wantCode: 400},
		{name: "generic not json", provider: Generic, body: []byte(`repository=x`), wantCode: 400},
	}
	srv, rec := newTestServer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(rec.all())
			h := delivery(tt.provider, tt.event, tt.body, testSecret)
			for k, v := range tt.extra {
				h[k] = v
			}
			code, msg := send(t, srv, http.MethodPost, PathPrefix+string(tt.provider), h, bytes.NewReader(tt.body))
			if code != tt.wantCode {
				t.Fatalf("status %d (%s), want %d", code, msg, tt.wantCode)
			}
			got := rec.all()[before:]
			if tt.wantPush == nil {
				if len(got) != 0 {
					t.Fatalf("triggered %+v, want nothing", got)
				}
				return
			}
			want := *tt.wantPush
			want.Receiver = string(tt.provider)
			if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
				t.Fatalf("pushes %+v, want [%+v]", got, want)
			}
		})
	}
}

// TestHandlerRejects: no provider triggers without its secret.
func TestHandlerRejects(t *testing.T) {
	srv, rec := newTestServer(t)
	body := []byte(`{"ref":"refs/heads/main","repository":"https://x.example/a.git"}`)
	for _, p := range testProviders {
		name, _ := authHeader(p, body, testSecret)
		tests := []struct {
			name   string
			header http.Header
			// signedOnly: a token does not sign the body.
			signedOnly bool
		}{
			{name: "wrong secret", header: delivery(p, pushEvent[p], body, "not-"+testSecret)},
			{name: "secret as prefix", header: delivery(p, pushEvent[p], body, testSecret[:8])},
			{name: "missing header", header: func() http.Header {
				h := delivery(p, pushEvent[p], body, testSecret)
				h.Del(name)
				return h
			}()},
			{name: "empty header", header: func() http.Header {
				h := delivery(p, pushEvent[p], body, testSecret)
				h.Set(name, "")
				return h
			}()},
			// A signature over other bytes than those sent.
			{name: "signed another body", header: delivery(p, pushEvent[p], append(body, ' '), testSecret), signedOnly: true},
			{name: "signature not hex", header: func() http.Header {
				h := delivery(p, pushEvent[p], body, testSecret)
				_, good := authHeader(p, body, testSecret)
				h.Set(name, good[:len(good)-2]+"zz")
				return h
			}(), signedOnly: true},
			{name: "sha1 instead of sha256", header: func() http.Header {
				h := delivery(p, pushEvent[p], body, testSecret)
				h.Set(name, "sha1="+hexMAC(testSecret, body)[:40])
				return h
			}(), signedOnly: true},
		}
		for _, tt := range tests {
			if tt.signedOnly && (p == GitLab || p == Generic) {
				continue
			}
			t.Run(string(p)+"/"+tt.name, func(t *testing.T) {
				code, msg := send(t, srv, http.MethodPost, PathPrefix+string(p), tt.header, bytes.NewReader(body))
				if code != http.StatusUnauthorized || msg != "unauthorized" {
					t.Fatalf("got %d %q, want 401 unauthorized", code, msg)
				}
			})
		}
	}
	if got := rec.all(); len(got) != 0 {
		t.Fatalf("unauthenticated requests triggered %+v", got)
	}
}

// TestHandlerRouting: paths and methods.
func TestHandlerRouting(t *testing.T) {
	srv, rec := newTestServer(t)
	tests := []struct {
		name, method, path string
		wantCode           int
	}{
		{name: "unknown receiver", method: http.MethodPost, path: "/hook/nope", wantCode: 404},
		{name: "unknown receiver by GET", method: http.MethodGet, path: "/hook/nope", wantCode: 404},
		{name: "no receiver", method: http.MethodPost, path: "/hook/", wantCode: 404},
		{name: "outside the prefix", method: http.MethodPost, path: "/github", wantCode: 404},
		{name: "trailing slash", method: http.MethodPost, path: "/hook/github/", wantCode: 404},
		{name: "GET", method: http.MethodGet, path: "/hook/github", wantCode: 405},
		{name: "PUT", method: http.MethodPut, path: "/hook/generic", wantCode: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := delivery(GitHub, "push", nil, testSecret)
			code, msg := send(t, srv, tt.method, tt.path, h, http.NoBody)
			if code != tt.wantCode {
				t.Fatalf("status %d (%s), want %d", code, msg, tt.wantCode)
			}
		})
	}
	if got := rec.all(); len(got) != 0 {
		t.Fatalf("triggered %+v", got)
	}
}
