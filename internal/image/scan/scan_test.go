package scan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/tugboat-gitops/tugboat/internal/source"
)

func TestTags(t *testing.T) {
	tags := []string{"1.0.0", "1.1.0", "1.2.0", "2.0.0", "latest"}
	tests := []struct {
		name          string
		bearer        bool
		pageSize      int
		maxTags       int
		want          []string
		wantTruncated bool
		// wantRequests of the first scan: the handshake (a ping, and a
		// token exchange for bearer) and a GET per page.
		wantRequests int
	}{
		{name: "basic, one page", want: tags, wantRequests: 2},
		{name: "bearer, one page", bearer: true, want: tags, wantRequests: 3},
		{name: "pages of 2", pageSize: 2, want: tags, wantRequests: 4},
		{name: "bearer, pages of 2", bearer: true, pageSize: 2, want: tags, wantRequests: 5},
		{name: "page as large as the list", pageSize: 5, want: tags, wantRequests: 2},
		{name: "cap inside a page", pageSize: 2, maxTags: 3, want: tags[:3], wantTruncated: true, wantRequests: 3},
		{name: "cap at the end of a page", pageSize: 2, maxTags: 4, want: tags[:4], wantTruncated: true, wantRequests: 3},
		{name: "cap without pages", maxTags: 2, want: tags[:2], wantTruncated: true, wantRequests: 2},
		{name: "cap at the list's length", maxTags: 5, want: tags, wantRequests: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeRegistry(t, tt.bearer, false)
			for _, tag := range tags {
				f.push("team/app", tag, "sha256:"+strings.Repeat("a", 64))
			}
			s := New(Options{Auth: f.auth(), PageSize: tt.pageSize, MaxTags: tt.maxTags})
			res, err := s.Tags(context.Background(), f.host()+"/team/app")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(res.Tags, tt.want) || res.Truncated != tt.wantTruncated {
				t.Errorf("got tags %v truncated %v, want %v truncated %v", res.Tags, res.Truncated, tt.want, tt.wantTruncated)
			}
			if res.Requests != tt.wantRequests || f.served() != tt.wantRequests {
				t.Errorf("first scan: %d requests counted, %d served, want %d", res.Requests, f.served(), tt.wantRequests)
			}
			if res.NotModified {
				t.Error("first scan is NotModified")
			}
			// The handshake is done: a second scan costs a GET per page.
			again, err := s.Tags(context.Background(), f.host()+"/team/app")
			if err != nil {
				t.Fatal(err)
			}
			pages := tt.wantRequests - 1
			if tt.bearer {
				pages--
			}
			if again.Requests != pages || !slices.Equal(again.Tags, tt.want) {
				t.Errorf("second scan: %d requests, tags %v; want %d, %v", again.Requests, again.Tags, pages, tt.want)
			}
		})
	}
}

func (f *fakeRegistry) auth() authn.Authenticator {
	return authn.FromConfig(authn.AuthConfig{Username: f.user, Password: f.pass})
}

func TestTagsNotModified(t *testing.T) {
	tests := []struct {
		name     string
		pageSize int
		pages    int
	}{
		{"one page", 0, 1},
		{"three pages", 2, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeRegistry(t, true, true)
			for _, tag := range []string{"1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0"} {
				f.push("app", tag, "sha256:"+strings.Repeat("b", 64))
			}
			s := New(Options{Auth: f.auth(), PageSize: tt.pageSize})
			ctx := context.Background()
			first, err := s.Tags(ctx, f.host()+"/app")
			if err != nil {
				t.Fatal(err)
			}
			if len(f.ifNoneMatch) != 0 {
				t.Errorf("first scan sent If-None-Match %q", f.ifNoneMatch)
			}

			same, err := s.Tags(ctx, f.host()+"/app")
			if err != nil {
				t.Fatal(err)
			}
			if !same.NotModified || same.Requests != tt.pages || !slices.Equal(same.Tags, first.Tags) {
				t.Errorf("unchanged: NotModified %v, %d requests, tags %v; want true, %d, %v",
					same.NotModified, same.Requests, same.Tags, tt.pages, first.Tags)
			}
			if len(f.ifNoneMatch) != tt.pages {
				t.Errorf("If-None-Match sent %d times, want once per page (%d)", len(f.ifNoneMatch), tt.pages)
			}

			// A tag sorting last changes the last page only.
			f.push("app", "2.0.0", "sha256:"+strings.Repeat("c", 64))
			changed, err := s.Tags(ctx, f.host()+"/app")
			if err != nil {
				t.Fatal(err)
			}
			want := append(slices.Clone(first.Tags), "2.0.0")
			if changed.NotModified || !slices.Equal(changed.Tags, want) {
				t.Errorf("after a push: NotModified %v, tags %v; want false, %v", changed.NotModified, changed.Tags, want)
			}
		})
	}
}

func TestTagsErrors(t *testing.T) {
	f := newFakeRegistry(t, false, false)
	fb := newFakeRegistry(t, true, false)
	for _, r := range []*fakeRegistry{f, fb} {
		r.push("team/app", "v1", "sha256:"+strings.Repeat("d", 64))
	}
	wrong := func(r *fakeRegistry) authn.Authenticator {
		return authn.FromConfig(authn.AuthConfig{Username: r.user, Password: r.pass + "-wrong"})
	}
	tests := []struct {
		name string
		reg  *fakeRegistry
		auth authn.Authenticator
		repo string
		want error
	}{
		{"basic, wrong password", f, wrong(f), "team/app", source.ErrAuthFailed},
		{"bearer, wrong password", fb, wrong(fb), "team/app", source.ErrAuthFailed},
		{"bearer token refused", fb, authn.FromConfig(authn.AuthConfig{RegistryToken: "stale-token-123"}), "team/app", source.ErrAuthFailed},
		{"basic, anonymous", f, nil, "team/app", source.ErrAuthRequired},
		{"bearer, anonymous", fb, authn.Anonymous, "team/app", source.ErrAuthRequired},
		{"unknown repository", f, f.auth(), "team/nope", source.ErrNotFound},
		{"bearer, unknown repository", fb, fb.auth(), "team/nope", source.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Options{Auth: tt.auth})
			_, err := s.Tags(context.Background(), tt.reg.host()+"/"+tt.repo)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got error %v, want %v", err, tt.want)
			}
			t.Log(err)
			for _, secret := range []string{tt.reg.pass, "stale-token-123", fakeToken} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q holds a secret", err)
				}
			}
			if !strings.Contains(err.Error(), tt.repo) {
				t.Errorf("error %q does not name the repository", err)
			}
		})
	}
}

// TestTagsCancel covers the request timeout and the caller's context: a
// registry that never answers holds neither up.
func TestTagsCancel(t *testing.T) {
	f := newFakeRegistry(t, false, false)
	f.push("app", "v1", "sha256:"+strings.Repeat("e", 64))
	arrived := make(chan struct{}, 1)
	inner := f.srv.Config.Handler
	f.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/tags/list") {
			inner.ServeHTTP(w, r)
			return
		}
		select {
		case arrived <- struct{}{}:
		default:
		}
		<-r.Context().Done()
	})

	t.Run("timeout", func(t *testing.T) {
		s := New(Options{Auth: f.auth(), Timeout: 100 * time.Millisecond})
		_, err := s.Tags(context.Background(), f.host()+"/app")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %v, want a deadline exceeded", err)
		}
		t.Log(err)
	})
	t.Run("cancel", func(t *testing.T) {
		// The timeout subtest's request arrived too.
		select {
		case <-arrived:
		default:
		}
		s := New(Options{Auth: f.auth()})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			<-arrived
			cancel()
		}()
		_, err := s.Tags(ctx, f.host()+"/app")
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want canceled", err)
		}
	})
}

func TestDigest(t *testing.T) {
	f := newFakeRegistry(t, true, false)
	want := "sha256:" + strings.Repeat("f", 64)
	f.push("team/app", "stable", want)
	s := New(Options{Auth: f.auth()})
	got, err := s.Digest(context.Background(), f.host()+"/team/app", "stable")
	if err != nil {
		t.Fatal(err)
	}
	if got.Digest != want || got.Requests != 3 {
		t.Errorf("got %+v, want digest %s in 3 requests (ping, token, HEAD)", got, want)
	}
	for _, mt := range []string{"application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.v2+json"} {
		if !strings.Contains(f.accept[0], mt) {
			t.Errorf("Accept %q lacks %s", f.accept[0], mt)
		}
	}
	_, err = s.Digest(context.Background(), f.host()+"/team/app", "gone")
	if !errors.Is(err, source.ErrNotFound) {
		t.Errorf("unknown tag: got %v, want ErrNotFound", err)
	}
	_, err = s.Digest(context.Background(), f.host()+"/team/app", "bad tag!")
	if err == nil {
		t.Error("invalid tag: no error")
	}
}

func TestNextPage(t *testing.T) {
	tests := []struct {
		name, link, want string
		wantErr          bool
	}{
		{"none", "", "", false},
		{"relative", `</v2/app/tags/list?last=b&n=2>; rel="next"`, "http://reg:5000/v2/app/tags/list?last=b&n=2", false},
		{"absolute", `<http://reg:5000/v2/app/tags/list?last=b>; rel=next`, "http://reg:5000/v2/app/tags/list?last=b", false},
		{"among others", `</first>; rel="first", </v2/x?last=c>; rel="next"`, "http://reg:5000/v2/x?last=c", false},
		{"not next", `</v2/x?last=c>; rel="prev"`, "", false},
		{"other host", `<http://evil:5000/v2/x>; rel="next"`, "", true},
		{"other scheme", `<https://reg:5000/v2/x>; rel="next"`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, "http://reg:5000/v2/app/tags/list?n=2", nil)
			resp := &http.Response{Header: http.Header{}, Request: req}
			if tt.link != "" {
				resp.Header.Set("Link", tt.link)
			}
			got, err := nextPage(resp)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("got %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestScheme(t *testing.T) {
	tests := []struct {
		repo     string
		insecure bool
		want     string
	}{
		{"127.0.0.1:5000/app", false, "http"},
		{"127.1.2.3:5000/app", false, "http"},
		{"[::1]:5000/app", false, "http"},
		{"localhost:5000/app", false, "http"},
		{"localhost/app", false, "http"},
		{"10.0.0.5:5000/app", false, "https"},
		{"ghcr.io/org/app", false, "https"},
		{"nginx", false, "https"},
		{"registry.example.com/app", true, "http"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.repo, tt.insecure), func(t *testing.T) {
			s := New(Options{Insecure: tt.insecure})
			repo := mustRepo(t, s, tt.repo)
			if got := s.scheme(repo.Registry); got != tt.want {
				t.Errorf("scheme of %s = %s, want %s", tt.repo, got, tt.want)
			}
		})
	}
}

func mustRepo(t *testing.T, s *Scanner, repository string) name.Repository {
	t.Helper()
	repo, err := s.parse(repository)
	if err != nil {
		t.Fatal(err)
	}
	return repo
}

func TestTagsUnreachable(t *testing.T) {
	f := newFakeRegistry(t, false, false)
	f.srv.Close()
	_, err := New(Options{Auth: f.auth()}).Tags(context.Background(), f.host()+"/app")
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Errorf("got %v, want the network error", err)
	}
}

func TestParseRefusesCredentials(t *testing.T) {
	_, err := New(Options{}).Tags(context.Background(), "bob:hunter2@ghcr.io/org/app")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("got %v, want an error without the password", err)
	}
}
