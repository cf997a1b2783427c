package cluster

import (
	"errors"
	"fmt"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// FromKubeconfig connects with a kubeconfig that someone else wrote, such
// as the one in a Secret that names an Application's destination. Such a
// kubeconfig is hostile until proven otherwise: it is refused if it would
// run a command (an exec plugin), call an auth provider plugin, or read a
// file of the process that loads it (a certificate, key or token by path).
// Credentials must be inline: a token, a client certificate and key, or a
// username and password.
//
// Errors say what is wrong, never what the kubeconfig holds: the caller
// names where it came from.
func FromKubeconfig(name string, data []byte) (*Cluster, error) {
	cfg, err := clientcmd.Load(data)
	if err != nil {
		// The parser's message may quote the content.
		return nil, errors.New("not a kubeconfig (it does not parse)")
	}
	if err := VetKubeconfig(cfg); err != nil {
		return nil, err
	}
	rc, err := clientcmd.NewNonInteractiveClientConfig(*cfg, cfg.CurrentContext, &clientcmd.ConfigOverrides{}, nil).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", redacted(err))
	}
	// What was vetted is what is used; this holds it should client-go
	// ever fill these from elsewhere.
	if rc.ExecProvider != nil || rc.AuthProvider != nil || rc.BearerTokenFile != "" ||
		rc.CAFile != "" || rc.CertFile != "" || rc.KeyFile != "" {
		return nil, errors.New("kubeconfig: refers to a plugin or a file")
	}
	c, err := FromConfig(name, rc)
	if err != nil {
		return nil, err
	}
	if ctx := cfg.Contexts[cfg.CurrentContext]; ctx != nil {
		c.Namespace = ctx.Namespace
	}
	return c, nil
}

// VetKubeconfig refuses a kubeconfig that would run a command or read a
// file when used: exec and auth provider plugins, and certificate, key
// or token paths, in any of its users and clusters (not only the current
// context's, so that no entry of it can do so). It also wants a current
// context that exists.
func VetKubeconfig(cfg *clientcmdapi.Config) error {
	for _, u := range cfg.AuthInfos {
		if u == nil {
			continue
		}
		switch {
		case u.Exec != nil:
			return errors.New("kubeconfig: a user runs a command (exec plugin); give inline credentials (token or client certificate data)")
		case u.AuthProvider != nil:
			return errors.New("kubeconfig: a user calls an auth provider plugin; give inline credentials (token or client certificate data)")
		case u.TokenFile != "" || u.ClientCertificate != "" || u.ClientKey != "":
			return errors.New("kubeconfig: a user's credentials are file paths; give them inline (token, client-certificate-data, client-key-data)")
		}
	}
	for _, c := range cfg.Clusters {
		if c != nil && c.CertificateAuthority != "" {
			return errors.New("kubeconfig: a cluster's certificate authority is a file path; give it inline (certificate-authority-data)")
		}
	}
	if cfg.CurrentContext == "" || cfg.Contexts[cfg.CurrentContext] == nil {
		return errors.New("kubeconfig: no current context (current-context must name one of its contexts)")
	}
	return nil
}

// redacted keeps clientcmd's validation messages, which name entries and
// fields (never credentials), and drops any other message, which might
// quote the content.
func redacted(err error) error {
	if clientcmd.IsConfigurationInvalid(err) || clientcmd.IsEmptyConfig(err) {
		return err
	}
	return errors.New("unusable")
}
