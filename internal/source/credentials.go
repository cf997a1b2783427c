package source

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Credentials authenticate a fetch. They are plain data so that files, the
// environment and Kubernetes Secrets can all fill them; the zero value means
// anonymous access. Everything but Username counts as secret (see Secrets).
type Credentials struct {
	// Username is the HTTP basic auth user, and the SSH user when the URL
	// names none.
	Username string
	// Password is the HTTP basic auth password.
	Password string
	// Token is an access token. It is sent as a bearer token, or as the
	// basic auth password when Username is set (many servers accept that).
	Token string
	// SSHPrivateKey is a PEM-encoded private key for SSH.
	SSHPrivateKey []byte
	// SSHPassphrase decrypts SSHPrivateKey when it is encrypted.
	SSHPassphrase string
	// KnownHosts is the content of a known_hosts file. SSH refuses a host
	// that it does not list with the key the host presents.
	KnownHosts []byte
}

// Keys of the data map read by CredentialsFromData. They match the keys of
// the Kubernetes Secret that will hold credentials, so a mounted Secret is
// also a directory CredentialFiles can read.
const (
	KeyUsername      = "username"
	KeyPassword      = "password"
	KeyToken         = "token"
	KeySSHPrivateKey = "identity"
	KeySSHPassphrase = "passphrase"
	KeyKnownHosts    = "known_hosts"
)

// Secrets returns the secret values of c, for RedactError and redact.Text.
func (c Credentials) Secrets() []string {
	return []string{c.Password, c.Token, c.SSHPassphrase, string(c.SSHPrivateKey)}
}

// IsZero reports whether c holds no credentials at all.
func (c Credentials) IsZero() bool {
	return c.Username == "" && c.Password == "" && c.Token == "" &&
		len(c.SSHPrivateKey) == 0 && c.SSHPassphrase == "" && len(c.KnownHosts) == 0
}

// DefaultKnownHosts fills KnownHosts from home/.ssh/known_hosts when no
// known_hosts was given, as ssh itself does; a missing file leaves it empty
// (SSH then refuses every host, HTTPS does not care).
func (c *Credentials) DefaultKnownHosts(home string) error {
	if len(c.KnownHosts) > 0 || home == "" {
		return nil
	}
	path := filepath.Join(home, ".ssh", "known_hosts")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	c.KnownHosts = b
	return nil
}

// CredentialsFromData reads credentials from a map with the Key* keys, such
// as a Kubernetes Secret's data. Trailing newlines of the single-line values
// are dropped; files written by hand usually end with one.
func CredentialsFromData(data map[string][]byte) Credentials {
	line := func(key string) string { return strings.TrimRight(string(data[key]), "\r\n") }
	return Credentials{
		Username:      line(KeyUsername),
		Password:      line(KeyPassword),
		Token:         line(KeyToken),
		SSHPrivateKey: data[KeySSHPrivateKey],
		SSHPassphrase: line(KeySSHPassphrase),
		KnownHosts:    data[KeyKnownHosts],
	}
}

// CredentialFiles names the files that hold credentials, as command-line
// flags give them: secrets are passed as files, never as flag values, so
// that they do not show in process listings or shell history.
type CredentialFiles struct {
	// Username is the user name itself, not a file: it is not secret.
	Username string
	// PasswordFile holds the HTTP password.
	PasswordFile string
	// TokenFile holds the access token.
	TokenFile string
	// SSHKeyFile holds the PEM-encoded SSH private key.
	SSHKeyFile string
	// PassphraseFile holds the passphrase of the SSH private key.
	PassphraseFile string
	// KnownHostsFile is a known_hosts file.
	KnownHostsFile string
}

// Load reads the files that are named; empty names are skipped.
func (f CredentialFiles) Load() (Credentials, error) {
	data := map[string][]byte{KeyUsername: []byte(f.Username)}
	for key, path := range map[string]string{
		KeyPassword:      f.PasswordFile,
		KeyToken:         f.TokenFile,
		KeySSHPrivateKey: f.SSHKeyFile,
		KeySSHPassphrase: f.PassphraseFile,
		KeyKnownHosts:    f.KnownHostsFile,
	} {
		if path == "" {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			// The path is not secret; the error of ReadFile holds nothing else.
			return Credentials{}, fmt.Errorf("read %s: %w", key, err)
		}
		data[key] = b
	}
	return CredentialsFromData(data), nil
}

// CredentialsFromEnv reads credentials from environment variables named
// with prefix (for example "TUGBOAT_GIT_"): <prefix>USERNAME,
// <prefix>PASSWORD, <prefix>TOKEN and <prefix>SSH_PASSPHRASE hold values;
// <prefix>PASSWORD_FILE, <prefix>TOKEN_FILE, <prefix>SSH_PASSPHRASE_FILE,
// <prefix>SSH_KEY_FILE and <prefix>KNOWN_HOSTS_FILE name files. A value
// takes precedence over the file of the same credential. getenv is
// os.Getenv outside tests.
func CredentialsFromEnv(prefix string, getenv func(string) string) (Credentials, error) {
	env := func(name string) string { return getenv(prefix + name) }
	c, err := CredentialFiles{
		Username:       env("USERNAME"),
		PasswordFile:   env("PASSWORD_FILE"),
		TokenFile:      env("TOKEN_FILE"),
		SSHKeyFile:     env("SSH_KEY_FILE"),
		PassphraseFile: env("SSH_PASSPHRASE_FILE"),
		KnownHostsFile: env("KNOWN_HOSTS_FILE"),
	}.Load()
	if err != nil {
		return Credentials{}, fmt.Errorf("credentials from environment %s*: %w", prefix, err)
	}
	for _, v := range []struct {
		dst  *string
		name string
	}{{&c.Password, "PASSWORD"}, {&c.Token, "TOKEN"}, {&c.SSHPassphrase, "SSH_PASSPHRASE"}} {
		if s := env(v.name); s != "" {
			*v.dst = s
		}
	}
	return c, nil
}
