package helmrepo

import (
	"fmt"

	"github.com/tugboat-gitops/tugboat/internal/source"
)

// AuthFiles names a repository's credentials as command-line flags give
// them: the password in a file, never in a flag value, so that it does not
// show in process listings or shell history.
type AuthFiles struct {
	// Username is the user name itself: it is not secret.
	Username string
	// PasswordFile holds the password (or token).
	PasswordFile string
}

// Load reads the password file, if named. It returns nil when no
// credential is given at all: anonymous access.
func (f AuthFiles) Load() (*Auth, error) {
	if f == (AuthFiles{}) {
		return nil, nil
	}
	c, err := source.CredentialFiles{Username: f.Username, PasswordFile: f.PasswordFile}.Load()
	if err != nil {
		return nil, fmt.Errorf("chart repository credentials: %w", err)
	}
	return &Auth{Username: c.Username, Password: c.Password}, nil
}

// AuthFromEnv reads credentials from <prefix>USERNAME, <prefix>PASSWORD
// and <prefix>PASSWORD_FILE (a file holding the password), as for git:
// the value takes precedence over the file. It returns nil when none is
// set. getenv is os.Getenv outside tests.
func AuthFromEnv(prefix string, getenv func(string) string) (*Auth, error) {
	a, err := AuthFiles{Username: getenv(prefix + "USERNAME"), PasswordFile: getenv(prefix + "PASSWORD_FILE")}.Load()
	if err != nil {
		return nil, fmt.Errorf("environment %s*: %w", prefix, err)
	}
	if pw := getenv(prefix + "PASSWORD"); pw != "" {
		if a == nil {
			a = &Auth{}
		}
		a.Password = pw
	}
	return a, nil
}
