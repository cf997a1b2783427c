package scan

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestAuthFromDockerConfig(t *testing.T) {
	basic := authn.AuthConfig{Username: "bob", Password: "pa:ss"}
	tests := []struct {
		name     string
		config   string
		registry string
		want     authn.AuthConfig
		wantErr  bool
	}{
		{"auth field", `{"auths":{"ghcr.io":{"auth":"` + b64("bob:pa:ss") + `"}}}`, "ghcr.io", basic, false},
		{"username and password", `{"auths":{"ghcr.io":{"username":"bob","password":"pa:ss"}}}`, "ghcr.io", basic, false},
		{"https key with path", `{"auths":{"https://ghcr.io/v2/":{"auth":"` + b64("bob:pa:ss") + `"}}}`, "ghcr.io", basic, false},
		{"host with port", `{"auths":{"127.0.0.1:5000":{"auth":"` + b64("bob:pa:ss") + `"}}}`, "127.0.0.1:5000", basic, false},
		{"port must match", `{"auths":{"127.0.0.1:5000":{"auth":"` + b64("bob:pa:ss") + `"}}}`, "127.0.0.1:5001", authn.AuthConfig{}, false},
		{"docker hub classic key", `{"auths":{"https://index.docker.io/v1/":{"auth":"` + b64("bob:pa:ss") + `"}}}`, "docker.io", basic, false},
		{"docker hub short key", `{"auths":{"docker.io":{"auth":"` + b64("bob:pa:ss") + `"}}}`, "index.docker.io", basic, false},
		{"docker hub registry-1", `{"auths":{"registry-1.docker.io":{"auth":"` + b64("bob:pa:ss") + `"}}}`, "docker.io", basic, false},
		{"case of the host", `{"auths":{"GHCR.io":{"auth":"` + b64("bob:pa:ss") + `"}}}`, "ghcr.io", basic, false},
		{"identity token", `{"auths":{"ghcr.io":{"identitytoken":"idt"}}}`, "ghcr.io", authn.AuthConfig{IdentityToken: "idt"}, false},
		{"registry token", `{"auths":{"ghcr.io":{"registrytoken":"rt"}}}`, "ghcr.io", authn.AuthConfig{RegistryToken: "rt"}, false},
		{"other registry", `{"auths":{"quay.io":{"auth":"` + b64("bob:pa:ss") + `"}}}`, "ghcr.io", authn.AuthConfig{}, false},
		{"empty entry", `{"auths":{"ghcr.io":{}}}`, "ghcr.io", authn.AuthConfig{}, false},
		{"no auths", `{"credsStore":"desktop"}`, "ghcr.io", authn.AuthConfig{}, false},
		{"auth not base64", `{"auths":{"ghcr.io":{"auth":"not base64!"}}}`, "ghcr.io", authn.AuthConfig{}, true},
		{"auth without colon", `{"auths":{"ghcr.io":{"auth":"` + b64("bobpass") + `"}}}`, "ghcr.io", authn.AuthConfig{}, true},
		{"not JSON", `{"auths":`, "ghcr.io", authn.AuthConfig{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := AuthFromDockerConfig([]byte(tt.config), tt.registry)
			if tt.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				for _, secret := range []string{"bob", "base64!", b64("bobpass")} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("error %q holds a credential", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkAuth(t, a, tt.want)
		})
	}
}

func TestAuthFromSecretData(t *testing.T) {
	tests := []struct {
		name    string
		data    map[string]string
		want    authn.AuthConfig
		wantErr bool
	}{
		{"dockerconfigjson", map[string]string{".dockerconfigjson": `{"auths":{"ghcr.io":{"auth":"` + b64("bob:pw") + `"}}}`},
			authn.AuthConfig{Username: "bob", Password: "pw"}, false},
		{"dockercfg", map[string]string{".dockercfg": `{"https://ghcr.io":{"auth":"` + b64("bob:pw") + `"}}`},
			authn.AuthConfig{Username: "bob", Password: "pw"}, false},
		{"username and password", map[string]string{"username": "bob", "password": "pw\n"},
			authn.AuthConfig{Username: "bob", Password: "pw"}, false},
		{"token is bearer", map[string]string{"token": "tok\n"}, authn.AuthConfig{RegistryToken: "tok"}, false},
		{"username and token", map[string]string{"username": "bob", "token": "tok"},
			authn.AuthConfig{Username: "bob", Password: "tok"}, false},
		{"nothing", map[string]string{"ca.crt": "x"}, authn.AuthConfig{}, false},
		{"username alone", map[string]string{"username": "bob"}, authn.AuthConfig{}, true},
		{"bad docker config", map[string]string{".dockerconfigjson": "pw"}, authn.AuthConfig{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := map[string][]byte{}
			for k, v := range tt.data {
				data[k] = []byte(v)
			}
			a, err := AuthFromSecretData(data, "ghcr.io")
			if tt.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				if strings.Contains(err.Error(), "pw") {
					t.Errorf("error %q holds the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkAuth(t, a, tt.want)
		})
	}
}

// checkAuth compares what a gives with want; the zero AuthConfig stands
// for authn.Anonymous.
func checkAuth(t *testing.T, a authn.Authenticator, want authn.AuthConfig) {
	t.Helper()
	if want == (authn.AuthConfig{}) {
		if a != authn.Anonymous {
			t.Errorf("got %v, want anonymous", a)
		}
		return
	}
	got, err := a.Authorization()
	if err != nil {
		t.Fatal(err)
	}
	got.Auth = "" // AuthConfig fills it from Username and Password.
	if *got != want {
		t.Errorf("got %+v, want %+v", *got, want)
	}
}
