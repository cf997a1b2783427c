package image

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/image/policy"
	"github.com/tugboat-gitops/tugboat/internal/image/scan"
	"github.com/tugboat-gitops/tugboat/internal/source"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// TestResolve picks images from distribution's registry: a semver range
// that 2.0.0 is outside, a numerical order of CI tags, and a moved tag
// followed by digest.
func TestResolve(t *testing.T) {
	r := testenv.NewRegistry(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	digests := map[string]string{}
	for _, tag := range []string{"1.0.0", "1.1.0", "2.0.0", "main-aaa-1700000300", "main-bbb-1700000100", "stable"} {
		d, err := r.PushRandomImage(ctx, "team/app", tag)
		if err != nil {
			t.Fatal(err)
		}
		digests[tag] = d
	}
	image := r.Host + "/team/app"
	sc := scan.New(scan.Options{Auth: r.Authenticator()})

	tests := []struct {
		name       string
		policy     v1alpha1.TagPolicy
		filter     *v1alpha1.TagFilter
		wantTag    string
		wantDigest bool
	}{
		{name: "semver ^1", policy: v1alpha1.TagPolicy{Semver: &v1alpha1.SemverPolicy{Range: "^1"}}, wantTag: "1.1.0"},
		{name: "numerical of a capture", policy: v1alpha1.TagPolicy{Numerical: &v1alpha1.OrderPolicy{}},
			filter: &v1alpha1.TagFilter{Pattern: `^main-[a-f0-9]+-(?P<ts>[0-9]+)$`, Extract: "$ts"}, wantTag: "main-aaa-1700000300"},
		{name: "digest of a moving tag", policy: v1alpha1.TagPolicy{Digest: &v1alpha1.DigestPolicy{Tag: "stable"}}, wantTag: "stable", wantDigest: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Resolve(ctx, sc, v1alpha1.ImagePolicySpec{Image: image, Policy: tt.policy, FilterTags: tt.filter})
			if err != nil {
				t.Fatal(err)
			}
			want := image + ":" + tt.wantTag
			if tt.wantDigest {
				want += "@" + digests[tt.wantTag]
			}
			if got := res.Image.String(); got != want {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}

	t.Run("moved tag", func(t *testing.T) {
		d, err := r.PushRandomImage(ctx, "team/app", "stable")
		if err != nil {
			t.Fatal(err)
		}
		res, err := Resolve(ctx, sc, v1alpha1.ImagePolicySpec{Image: image, Policy: v1alpha1.TagPolicy{Digest: &v1alpha1.DigestPolicy{Tag: "stable"}}})
		if err != nil || res.Image.Digest != d || res.Requests != 1 {
			t.Errorf("got %+v, %v; want digest %s in one request", res, err, d)
		}
	})

	t.Run("no match", func(t *testing.T) {
		_, err := Resolve(ctx, sc, v1alpha1.ImagePolicySpec{Image: image, Policy: v1alpha1.TagPolicy{Semver: &v1alpha1.SemverPolicy{Range: "^3"}}})
		if !errors.Is(err, policy.ErrNoMatch) {
			t.Errorf("got %v, want ErrNoMatch", err)
		}
	})

	t.Run("refused credentials", func(t *testing.T) {
		wrong := scan.New(scan.Options{Auth: authn.FromConfig(authn.AuthConfig{Username: r.Username, Password: "wrong"})})
		_, err := Resolve(ctx, wrong, v1alpha1.ImagePolicySpec{Image: image, Policy: v1alpha1.TagPolicy{Semver: &v1alpha1.SemverPolicy{Range: "^1"}}})
		if !errors.Is(err, source.ErrAuthFailed) {
			t.Errorf("got %v, want ErrAuthFailed", err)
		}
	})
}
