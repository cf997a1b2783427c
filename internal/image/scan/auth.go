package scan

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/tugboat-gitops/tugboat/internal/source"
)

// Keys of a Kubernetes Secret of type kubernetes.io/dockerconfigjson and
// of the older kubernetes.io/dockercfg.
const (
	KeyDockerConfigJSON = ".dockerconfigjson"
	KeyDockerCfg        = ".dockercfg"
)

// dockerHub is the name go-containerregistry gives Docker Hub; the other
// names people write in a docker config stand for it too.
const dockerHub = "index.docker.io"

var dockerHubAliases = []string{"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}

// AuthFromDockerConfig returns the credentials a docker config JSON
// (~/.docker/config.json, or the .dockerconfigjson of a Secret) holds for
// registry, a host[:port] as in an image reference ("ghcr.io",
// "127.0.0.1:5000", "docker.io"). Keys of the "auths" map may carry a
// scheme and a path ("https://index.docker.io/v1/"); Docker Hub answers
// to all its names. A config with no entry for registry means anonymous.
// Credential helpers (credsStore, credHelpers) are not run.
func AuthFromDockerConfig(data []byte, registry string) (authn.Authenticator, error) {
	var cfg struct {
		Auths map[string]json.RawMessage `json:"auths"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil, errors.New("docker config: not valid JSON")
	}
	return authFromEntries(cfg.Auths, registry)
}

// AuthFromSecretData returns the credentials the data of a Kubernetes
// Secret holds for registry (see AuthFromDockerConfig): a docker config
// under .dockerconfigjson (or .dockercfg), else the keys username,
// password and token of package source. A token alone is sent as a bearer
// token; with a username, as its password, as registries that issue
// access tokens expect. Data with none of these keys means anonymous.
func AuthFromSecretData(data map[string][]byte, registry string) (authn.Authenticator, error) {
	if b, ok := data[KeyDockerConfigJSON]; ok {
		return AuthFromDockerConfig(b, registry)
	}
	if b, ok := data[KeyDockerCfg]; ok {
		var auths map[string]json.RawMessage
		if err := json.Unmarshal(b, &auths); err != nil {
			return nil, errors.New("docker config (.dockercfg): not valid JSON")
		}
		return authFromEntries(auths, registry)
	}
	c := source.CredentialsFromData(data)
	switch {
	case c.Username != "" && c.Password != "":
		return authn.FromConfig(authn.AuthConfig{Username: c.Username, Password: c.Password}), nil
	case c.Username != "" && c.Token != "":
		return authn.FromConfig(authn.AuthConfig{Username: c.Username, Password: c.Token}), nil
	case c.Token != "":
		return authn.FromConfig(authn.AuthConfig{RegistryToken: c.Token}), nil
	case c.Username != "" || c.Password != "":
		return nil, errors.New("registry credentials: username and password go together")
	}
	return authn.Anonymous, nil
}

// authFromEntries picks the entry of auths for registry. Keys are tried
// in sorted order, so that a config naming one registry twice (docker.io
// and https://index.docker.io/v1/) gives the same answer every time.
func authFromEntries(auths map[string]json.RawMessage, registry string) (authn.Authenticator, error) {
	want := registryHost(registry)
	keys := make([]string, 0, len(auths))
	for k := range auths {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if registryHost(k) != want {
			continue
		}
		var cfg authn.AuthConfig
		// AuthConfig decodes "auth" into Username and Password.
		if err := json.Unmarshal(auths[k], &cfg); err != nil {
			// The error could quote the entry: name the key only.
			return nil, fmt.Errorf("docker config: entry %q is not valid (want auth as base64 of user:password)", k)
		}
		if cfg == (authn.AuthConfig{}) {
			return authn.Anonymous, nil
		}
		return authn.FromConfig(cfg), nil
	}
	return authn.Anonymous, nil
}

// registryHost reduces a docker config key or a registry name to its
// lower-case host[:port], Docker Hub's names to one.
func registryHost(s string) string {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "://") {
		if u, err := url.Parse(s); err == nil {
			s = u.Host
		}
	}
	s, _, _ = strings.Cut(s, "/")
	s = strings.ToLower(s)
	if slices.Contains(dockerHubAliases, s) {
		return dockerHub
	}
	return s
}
