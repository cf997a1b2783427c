package testenv

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

func TestRegistryKeychain(t *testing.T) {
	r := &Registry{Host: "127.0.0.1:5000", Username: "u", Password: "p"}
	tests := []struct {
		name string
		ref  string
		want authn.AuthConfig
	}{
		{"this registry", "127.0.0.1:5000/app:v1", authn.AuthConfig{Username: "u", Password: "p"}},
		{"other registry", "127.0.0.1:5001/app:v1", authn.AuthConfig{}},
		{"docker hub", "nginx:1", authn.AuthConfig{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref, err := name.ParseReference(tt.ref)
			if err != nil {
				t.Fatal(err)
			}
			a, err := r.Keychain().Resolve(ref.Context())
			if err != nil {
				t.Fatal(err)
			}
			got, err := a.Authorization()
			if err != nil {
				t.Fatal(err)
			}
			if *got != tt.want {
				t.Errorf("auth for %s = %+v, want %+v", tt.ref, *got, tt.want)
			}
		})
	}
}

func TestRegistryPushPull(t *testing.T) {
	r := NewRegistry(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	digest, err := r.PushRandomImage(ctx, "team/app", "v1")
	if err != nil {
		t.Fatal(err)
	}
	ref, err := r.Reference("team/app", "v1")
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(ref, remote.WithAuth(r.Authenticator()), remote.WithContext(ctx))
	if err != nil {
		t.Fatalf("pull with auth: %v", err)
	}
	got, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != digest {
		t.Errorf("pulled image digest = %s, pushed %s", got, digest)
	}
	desc, err := remote.Get(ref, remote.WithAuthFromKeychain(r.Keychain()), remote.WithContext(ctx))
	if err != nil {
		t.Fatalf("get with keychain: %v", err)
	}
	if desc.Digest.String() != digest {
		t.Errorf("descriptor digest = %s, pushed %s", desc.Digest, digest)
	}
}

func TestRegistryRejectsBadCredentials(t *testing.T) {
	r := NewRegistry(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	digest, err := r.PushRandomImage(ctx, "team/app", "v1")
	if err != nil {
		t.Fatal(err)
	}
	ref, err := r.Reference("team/app", "v1")
	if err != nil {
		t.Fatal(err)
	}
	wrong := authn.FromConfig(authn.AuthConfig{Username: r.Username, Password: r.Password + "x"})

	tests := []struct {
		name string
		auth authn.Authenticator
		op   func(name.Reference, ...remote.Option) error
	}{
		{"pull anonymous", authn.Anonymous, pull},
		{"push anonymous", authn.Anonymous, push},
		{"pull wrong password", wrong, pull},
		{"push wrong password", wrong, push},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.op(ref, remote.WithAuth(tt.auth), remote.WithContext(ctx))
			if !isUnauthorized(err) {
				t.Errorf("got error %v, want 401 UNAUTHORIZED", err)
			}
		})
	}
	desc, err := remote.Get(ref, remote.WithAuth(r.Authenticator()), remote.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if desc.Digest.String() != digest {
		t.Errorf("after rejected pushes v1 is %s, want the original %s", desc.Digest, digest)
	}
}

func pull(ref name.Reference, opts ...remote.Option) error {
	_, err := remote.Get(ref, opts...)
	return err
}

func push(ref name.Reference, opts ...remote.Option) error {
	img, err := random.Image(1024, 1)
	if err != nil {
		return err
	}
	return remote.Write(ref, img, opts...)
}

// isUnauthorized reports whether err is the registry's 401. The body, when
// there is one, must name UNAUTHORIZED; a HEAD response has none.
func isUnauthorized(err error) bool {
	var terr *transport.Error
	if !errors.As(err, &terr) || terr.StatusCode != http.StatusUnauthorized {
		return false
	}
	for _, d := range terr.Errors {
		if d.Code != transport.UnauthorizedErrorCode {
			return false
		}
	}
	return true
}
