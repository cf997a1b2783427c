package scan

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/tugboat-gitops/tugboat/internal/source"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// TestRegistry scans distribution's registry with htpasswd auth. Its
// basic auth makes the handshake one ping, so a first scan costs one
// request more than it has pages.
func TestRegistry(t *testing.T) {
	r := testenv.NewRegistry(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tags := []string{"1.0.0", "1.1.0", "1.2.0", "2.0.0", "2.0.0-rc.1", "latest", "main-abc123-1700000000"}
	pushed := map[string]string{}
	for _, tag := range tags {
		d, err := r.PushRandomImage(ctx, "team/app", tag)
		if err != nil {
			t.Fatal(err)
		}
		pushed[tag] = d
	}
	repo := r.Host + "/team/app"
	auth := r.Authenticator()

	t.Run("list", func(t *testing.T) {
		tests := []struct {
			name          string
			pageSize      int
			maxTags       int
			want          []string
			wantTruncated bool
			wantRequests  int
		}{
			{name: "all at once", want: tags, wantRequests: 2},
			{name: "pages of 3", pageSize: 3, want: tags, wantRequests: 4},
			// distribution links on from a full last page, so the list
			// ends with an empty eighth page.
			{name: "pages of 1", pageSize: 1, want: tags, wantRequests: 9},
			{name: "capped", pageSize: 3, maxTags: 4, want: tags[:4], wantTruncated: true, wantRequests: 3},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s := New(Options{Auth: auth, PageSize: tt.pageSize, MaxTags: tt.maxTags})
				res, err := s.Tags(ctx, repo)
				if err != nil {
					t.Fatal(err)
				}
				// distribution lists tags sorted, as tags is.
				if !slices.Equal(res.Tags, tt.want) || res.Truncated != tt.wantTruncated || res.Requests != tt.wantRequests {
					t.Errorf("got %v truncated %v in %d requests, want %v truncated %v in %d",
						res.Tags, res.Truncated, res.Requests, tt.want, tt.wantTruncated, tt.wantRequests)
				}
			})
		}
	})

	t.Run("second scan", func(t *testing.T) {
		s := New(Options{Auth: auth})
		if _, err := s.Tags(ctx, repo); err != nil {
			t.Fatal(err)
		}
		res, err := s.Tags(ctx, repo)
		if err != nil {
			t.Fatal(err)
		}
		// distribution sends no ETag on tags/list, so the page comes again
		// in full; a registry that does would answer 304.
		if res.Requests != 1 || res.NotModified || !slices.Equal(res.Tags, tags) {
			t.Errorf("second scan: %d requests, NotModified %v, tags %v; want 1, false, %v", res.Requests, res.NotModified, res.Tags, tags)
		}
	})

	t.Run("refusals", func(t *testing.T) {
		wrong := authn.FromConfig(authn.AuthConfig{Username: r.Username, Password: r.Password + "x"})
		tests := []struct {
			name string
			auth authn.Authenticator
			repo string
			want error
		}{
			{"wrong password", wrong, repo, source.ErrAuthFailed},
			{"anonymous", nil, repo, source.ErrAuthRequired},
			{"unknown repository", auth, r.Host + "/team/nope", source.ErrNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := New(Options{Auth: tt.auth}).Tags(ctx, tt.repo)
				if !errors.Is(err, tt.want) {
					t.Fatalf("got %v, want %v", err, tt.want)
				}
				if strings.Contains(err.Error(), r.Password) {
					t.Errorf("error %q holds the password", err)
				}
			})
		}
	})

	t.Run("digest", func(t *testing.T) {
		s := New(Options{Auth: auth})
		got, err := s.Digest(ctx, repo, "latest")
		if err != nil {
			t.Fatal(err)
		}
		if got.Digest != pushed["latest"] || got.Requests != 2 {
			t.Errorf("got %+v, want %s in 2 requests (ping, HEAD)", got, pushed["latest"])
		}
		moved, err := r.PushRandomImage(ctx, "team/app", "latest")
		if err != nil {
			t.Fatal(err)
		}
		got, err = s.Digest(ctx, repo, "latest")
		if err != nil {
			t.Fatal(err)
		}
		if got.Digest != moved || got.Digest == pushed["latest"] || got.Requests != 1 {
			t.Errorf("after the tag moved: got %+v, want %s in 1 request", got, moved)
		}
		if _, err := s.Digest(ctx, repo, "9.9.9"); !errors.Is(err, source.ErrNotFound) {
			t.Errorf("unknown tag: got %v, want ErrNotFound", err)
		}
	})
}
