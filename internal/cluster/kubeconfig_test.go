package cluster

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// TestFromKubeconfig: a kubeconfig from a Secret connects only with inline
// credentials; one that would run a command or read a file is refused,
// and no error quotes what it holds.
func TestFromKubeconfig(t *testing.T) {
	const secret = "s3cr3t-token-value"
	certPEM, keyPEM := selfSigned(t)
	tests := []struct {
		name    string
		edit    func(c *clientcmdapi.Config)
		raw     string
		wantErr string
	}{
		{name: "token data", edit: func(*clientcmdapi.Config) {}},
		{name: "client certificate data", edit: func(c *clientcmdapi.Config) {
			c.AuthInfos["u"] = &clientcmdapi.AuthInfo{ClientCertificateData: certPEM, ClientKeyData: keyPEM}
		}},
		{name: "exec plugin", wantErr: "exec plugin", edit: func(c *clientcmdapi.Config) {
			c.AuthInfos["u"].Exec = &clientcmdapi.ExecConfig{Command: "/bin/sh", Args: []string{"-c", "echo " + secret}, APIVersion: "client.authentication.k8s.io/v1"}
		}},
		{name: "exec plugin of another user", wantErr: "exec plugin", edit: func(c *clientcmdapi.Config) {
			c.AuthInfos["other"] = &clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{Command: "curl", APIVersion: "client.authentication.k8s.io/v1"}}
		}},
		{name: "auth provider", wantErr: "auth provider", edit: func(c *clientcmdapi.Config) {
			c.AuthInfos["u"].AuthProvider = &clientcmdapi.AuthProviderConfig{Name: "oidc", Config: map[string]string{"id-token": secret}}
		}},
		{name: "token file", wantErr: "file paths", edit: func(c *clientcmdapi.Config) {
			c.AuthInfos["u"] = &clientcmdapi.AuthInfo{TokenFile: "/var/run/secrets/kubernetes.io/serviceaccount/token"}
		}},
		{name: "client certificate file", wantErr: "file paths", edit: func(c *clientcmdapi.Config) {
			c.AuthInfos["u"] = &clientcmdapi.AuthInfo{ClientCertificate: "/etc/kubernetes/pki/admin.crt", ClientKeyData: []byte("key")}
		}},
		{name: "client key file", wantErr: "file paths", edit: func(c *clientcmdapi.Config) {
			c.AuthInfos["u"] = &clientcmdapi.AuthInfo{ClientCertificateData: []byte("cert"), ClientKey: "/etc/kubernetes/pki/admin.key"}
		}},
		{name: "certificate authority file", wantErr: "certificate authority is a file", edit: func(c *clientcmdapi.Config) {
			c.Clusters["c"].CertificateAuthority = "/etc/ssl/private/ca.pem"
		}},
		{name: "no current context", wantErr: "no current context", edit: func(c *clientcmdapi.Config) { c.CurrentContext = "" }},
		{name: "not a kubeconfig", wantErr: "does not parse", raw: "token: " + secret + "\n: [unclosed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.raw)
			if tt.raw == "" {
				cfg := clientcmdapi.NewConfig()
				cfg.Clusters["c"] = &clientcmdapi.Cluster{Server: "https://10.0.0.1:6443", CertificateAuthorityData: certPEM}
				cfg.AuthInfos["u"] = &clientcmdapi.AuthInfo{Token: secret}
				cfg.Contexts["ctx"] = &clientcmdapi.Context{Cluster: "c", AuthInfo: "u", Namespace: "apps"}
				cfg.CurrentContext = "ctx"
				tt.edit(cfg)
				var err error
				if data, err = clientcmd.Write(*cfg); err != nil {
					t.Fatal(err)
				}
			}
			c, err := FromKubeconfig("Secret team/prod", data)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if c.Config.Host != "https://10.0.0.1:6443" || c.Namespace != "apps" {
					t.Errorf("host %q, namespace %q", c.Config.Host, c.Namespace)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "/etc/") {
				t.Errorf("the error quotes the kubeconfig: %v", err)
			}
		})
	}
}

// selfSigned returns a certificate and its key, PEM-encoded.
func selfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}
