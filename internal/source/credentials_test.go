package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCredentialsFromData(t *testing.T) {
	got := CredentialsFromData(map[string][]byte{
		KeyUsername: []byte("bot\n"), KeyPassword: []byte("pw\r\n"), KeyToken: []byte("tok"),
		KeySSHPrivateKey: []byte("KEY\n"), KeySSHPassphrase: []byte("pass\n"), KeyKnownHosts: []byte("host key\n"),
	})
	want := Credentials{Username: "bot", Password: "pw", Token: "tok", SSHPrivateKey: []byte("KEY\n"),
		SSHPassphrase: "pass", KnownHosts: []byte("host key\n")}
	if !equalCredentials(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if (Credentials{}).IsZero() != true || want.IsZero() {
		t.Error("IsZero is wrong")
	}
}

func TestCredentialsFromEnv(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{"pw": "from-file\n", "tok": "token-file\n", "key": "KEY\n", "kh": "host key\n"}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		env     map[string]string
		want    Credentials
		wantErr string
	}{
		{"empty", nil, Credentials{}, ""},
		{"values", map[string]string{"X_USERNAME": "u", "X_PASSWORD": "p", "X_TOKEN": "t"},
			Credentials{Username: "u", Password: "p", Token: "t"}, ""},
		{"files", map[string]string{"X_PASSWORD_FILE": filepath.Join(dir, "pw"), "X_TOKEN_FILE": filepath.Join(dir, "tok"),
			"X_SSH_KEY_FILE": filepath.Join(dir, "key"), "X_KNOWN_HOSTS_FILE": filepath.Join(dir, "kh")},
			Credentials{Password: "from-file", Token: "token-file", SSHPrivateKey: []byte("KEY\n"), KnownHosts: []byte("host key\n")}, ""},
		{"value beats file", map[string]string{"X_PASSWORD": "v", "X_PASSWORD_FILE": filepath.Join(dir, "pw")},
			Credentials{Password: "v"}, ""},
		{"missing file", map[string]string{"X_TOKEN_FILE": filepath.Join(dir, "nope")}, Credentials{}, "read token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CredentialsFromEnv("X_", func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !equalCredentials(got, tt.want) {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestCredentialsSecrets(t *testing.T) {
	c := Credentials{Username: "user", Password: "p", Token: "t", SSHPassphrase: "s", SSHPrivateKey: []byte("k")}
	got := strings.Join(c.Secrets(), ",")
	if got != "p,t,s,k" {
		t.Errorf("Secrets() = %q: want every secret and not the user name", got)
	}
}

func equalCredentials(a, b Credentials) bool {
	return a.Username == b.Username && a.Password == b.Password && a.Token == b.Token &&
		string(a.SSHPrivateKey) == string(b.SSHPrivateKey) && a.SSHPassphrase == b.SSHPassphrase &&
		string(a.KnownHosts) == string(b.KnownHosts)
}

func TestDefaultKnownHosts(t *testing.T) {
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".ssh", "known_hosts"), []byte("home key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		given string
		home  string
		want  string
	}{
		{"from home", "", home, "home key\n"},
		{"given wins", "given key\n", home, "given key\n"},
		{"no file", "", t.TempDir(), ""},
		{"no home", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Credentials{KnownHosts: []byte(tt.given)}
			if tt.given == "" {
				c.KnownHosts = nil
			}
			if err := c.DefaultKnownHosts(tt.home); err != nil {
				t.Fatal(err)
			}
			if string(c.KnownHosts) != tt.want {
				t.Errorf("KnownHosts = %q, want %q", c.KnownHosts, tt.want)
			}
		})
	}
}
