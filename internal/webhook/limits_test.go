package webhook

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHandlerBodyCap: a body over the cap is refused with 413 and
// triggers nothing, even correctly signed, whether its length is declared
// or not.
func TestHandlerBodyCap(t *testing.T) {
	const limit = 512
	srv, rec := newTestServer(t, WithMaxBodyBytes(limit))
	pad := strings.Repeat("x", limit)
	big := []byte(`{"repository":"https://git.example.org/ops/app.git","ref":"main","pad":"` + pad + `"}`)
	small := []byte(`{"repository":"https://git.example.org/ops/app.git","ref":"main"}`)
	tests := []struct {
		name     string
		provider Provider
		body     []byte
		// chunked hides the length, so that only reading finds it.
		chunked  bool
		wantCode int
	}{
		{name: "generic, declared length", provider: Generic, body: big, wantCode: 413},
		{name: "generic, chunked", provider: Generic, body: big, chunked: true, wantCode: 413},
		{name: "github, chunked", provider: GitHub, body: big, chunked: true, wantCode: 413},
		{name: "under the cap", provider: Generic, body: small, chunked: true, wantCode: 202},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(rec.all())
			var body io.Reader = bytes.NewReader(tt.body)
			if tt.chunked {
				body = io.MultiReader(body)
			}
			h := delivery(tt.provider, pushEvent[tt.provider], tt.body, testSecret)
			code, msg := send(t, srv, http.MethodPost, PathPrefix+string(tt.provider), h, body)
			if code != tt.wantCode {
				t.Fatalf("status %d (%s), want %d", code, msg, tt.wantCode)
			}
			triggered, want := len(rec.all())-before, 0
			if code == http.StatusAccepted {
				want = 1
			}
			if triggered != want {
				t.Fatalf("triggered %d pushes, want %d", triggered, want)
			}
		})
	}
}

// TestMethodNotAllowedSaysAllow: a 405 names the method to use.
func TestMethodNotAllowedSaysAllow(t *testing.T) {
	h, err := NewHandler([]Receiver{{Name: "gh", Provider: GitHub, Secret: []byte(testSecret)}}, func(Push) {})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/hook/gh", nil))
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != http.MethodPost {
		t.Fatalf("got %d, Allow %q; want 405, Allow POST", w.Code, w.Header().Get("Allow"))
	}
}

// TestNewHandler: configurations refused, with errors that never show a
// secret.
func TestNewHandler(t *testing.T) {
	ok := Receiver{Name: "gh", Provider: GitHub, Secret: []byte(testSecret)}
	tests := []struct {
		name      string
		receivers []Receiver
		onPush    func(Push)
		wantErr   string
	}{
		{name: "valid", receivers: []Receiver{ok, {Name: "fj", Provider: Forgejo, Secret: []byte("s")}}, onPush: func(Push) {}},
		{name: "no receivers is valid", onPush: func(Push) {}},
		{name: "nil callback", receivers: []Receiver{ok}, wantErr: "nil push callback"},
		{name: "empty name", receivers: []Receiver{{Provider: GitHub, Secret: []byte(testSecret)}}, onPush: func(Push) {}, wantErr: "must be non-empty"},
		{name: "slash in name", receivers: []Receiver{{Name: "a/b", Provider: GitHub, Secret: []byte(testSecret)}}, onPush: func(Push) {}, wantErr: "without '/'"},
		{name: "unknown provider", receivers: []Receiver{{Name: "x", Provider: "svn", Secret: []byte(testSecret)}}, onPush: func(Push) {}, wantErr: `unknown provider "svn"`},
		{name: "empty secret", receivers: []Receiver{{Name: "x", Provider: GitLab}}, onPush: func(Push) {}, wantErr: "empty secret"},
		{name: "duplicate name", receivers: []Receiver{ok, ok}, onPush: func(Push) {}, wantErr: "defined twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewHandler(tt.receivers, tt.onPush)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Fatalf("error %q shows the secret", err)
			}
		})
	}
}

// TestReceiverSecretIsCopied: changing the caller's slice afterwards does
// not change the key a receiver checks against.
func TestReceiverSecretIsCopied(t *testing.T) {
	secret := []byte(testSecret)
	rec := &recorder{}
	h, err := NewHandler([]Receiver{{Name: "g", Provider: Generic, Secret: secret}}, rec.add)
	if err != nil {
		t.Fatal(err)
	}
	copy(secret, "XXXX")
	body := `{"repository":"https://x.example/a.git"}`
	req := httptest.NewRequest(http.MethodPost, "/hook/g", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testSecret)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusAccepted || len(rec.all()) != 1 {
		t.Fatalf("got %d and %d pushes, want 202 and 1", w.Code, len(rec.all()))
	}
}
