package scan

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/tugboat-gitops/tugboat/internal/redact"
	"github.com/tugboat-gitops/tugboat/internal/source"
)

// classify wraps a registry's refusal in the source error that says what
// it means. A 401 to an anonymous request asks for credentials; with
// credentials, 401 and 403 refuse them. Other errors, network errors and
// timeouts among them, are returned as they are.
func classify(err error, anonymous bool) error {
	var te *transport.Error
	if !errors.As(err, &te) {
		return err
	}
	switch te.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		if anonymous && te.StatusCode == http.StatusUnauthorized {
			return fmt.Errorf("%w: %w", source.ErrAuthRequired, err)
		}
		return fmt.Errorf("%w: %w", source.ErrAuthFailed, err)
	case http.StatusNotFound:
		return fmt.Errorf("%w: %w", source.ErrNotFound, err)
	}
	return err
}

// redactError masks in err every secret auth holds. The registry's
// errors name URLs, not credentials, but a token server's answer or a
// credential helper's message could echo one.
func redactError(err error, auth authn.Authenticator) error {
	cfg, aerr := authn.Authorization(context.Background(), auth)
	if aerr != nil || cfg == nil {
		return redact.Error(err)
	}
	return redact.Error(err, cfg.Password, cfg.Auth, cfg.IdentityToken, cfg.RegistryToken)
}
