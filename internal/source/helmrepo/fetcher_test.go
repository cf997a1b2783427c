package helmrepo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/source"
)

// TestFetcherFetchesExactVersions fetches as the helm renderer does for a
// Chart.lock: exact versions only, answered with the cached archive.
func TestFetcherFetchesExactVersions(t *testing.T) {
	r := standardRepo(t)
	f := &Fetcher{CacheDir: t.TempDir(), Auth: &Auth{Username: r.user, Password: r.pass}, AuthRepo: r.URL}
	tests := []struct {
		version string
		wantErr error
		wantMsg string
	}{
		{version: "1.1.0"},
		{version: "2.1.0-rc.1"},
		{version: "~1.1", wantMsg: `"~1.1" is not an exact version`},
		{version: "3.0.0", wantErr: ErrNoMatchingVersion},
		{version: "0.9.0", wantErr: ErrDigestMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			file, err := f.FetchChart(context.Background(), r.URL, "mychart", tt.version)
			if tt.wantErr != nil {
				checkErr(t, err, tt.wantErr, tt.wantMsg)
				return
			}
			if tt.wantMsg != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if want := "/charts/mychart-" + tt.version + ".tgz"; !reflect.DeepEqual(b, r.files[want]) {
				t.Fatalf("%s is not the archive served at %s", file, want)
			}
		})
	}
	before := r.counts(r.served, "200 /charts/mychart-1.1.0.tgz")
	if _, err := f.FetchChart(context.Background(), r.URL, "mychart", "1.1.0"); err != nil {
		t.Fatal(err)
	}
	if after := r.counts(r.served, "200 /charts/mychart-1.1.0.tgz"); after != before {
		t.Errorf("a cached archive was downloaded again")
	}
}

// TestFetcherScopesCredentials fetches from the app's own repository and
// from another host a chart names: only the first gets the credentials.
func TestFetcherScopesCredentials(t *testing.T) {
	own := standardRepo(t)
	other := newChartRepo(t, true)
	other.add(t, "1.0.0", "/mychart-1.0.0.tgz", "mychart-1.0.0.tgz", "auto", packageChart(t, "1.0.0"))
	f := &Fetcher{CacheDir: t.TempDir(), Auth: &Auth{Username: own.user, Password: own.pass}, AuthRepo: own.URL + "/charts"}
	for _, repo := range []string{own.URL, other.URL} {
		if _, err := f.FetchChart(context.Background(), repo, "mychart", "1.0.0"); err != nil {
			t.Fatalf("%s: %v", repo, err)
		}
	}
	if n := other.counts(other.auths, "/index.yaml") + other.counts(other.auths, "/mychart-1.0.0.tgz"); n != 0 {
		t.Errorf("another host got the credentials %d times", n)
	}
	// Without credentials, the app's repository refuses.
	f.Auth = nil
	_, err := f.FetchChart(context.Background(), own.URL, "mychart", "2.0.0")
	checkErr(t, err, source.ErrAuthFailed, "")
}

// TestAuthFromEnv reads credentials from values and files, the value
// winning; nothing set means anonymous.
func TestAuthFromEnv(t *testing.T) {
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "password")
	if err := os.WriteFile(pwFile, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		env     map[string]string
		want    *Auth
		wantMsg string
	}{
		{name: "nothing", env: map[string]string{}, want: nil},
		{name: "values", env: map[string]string{"H_USERNAME": "robot", "H_PASSWORD": "pw"}, want: &Auth{Username: "robot", Password: "pw"}},
		{name: "password file", env: map[string]string{"H_USERNAME": "robot", "H_PASSWORD_FILE": pwFile}, want: &Auth{Username: "robot", Password: "from-file"}},
		{name: "value over file", env: map[string]string{"H_PASSWORD": "pw", "H_PASSWORD_FILE": pwFile}, want: &Auth{Password: "pw"}},
		{name: "missing file", env: map[string]string{"H_PASSWORD_FILE": filepath.Join(dir, "none")}, wantMsg: "environment H_*: chart repository credentials: read password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AuthFromEnv("H_", func(k string) string { return tt.env[k] })
			if tt.wantMsg != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
					t.Fatalf("got %v, want error containing %q", err, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestAuthFilesLoad reads a password file as the flags name it.
func TestAuthFilesLoad(t *testing.T) {
	pwFile := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(pwFile, []byte("s3cret\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := AuthFiles{Username: "robot", PasswordFile: pwFile}.Load()
	if err != nil || !reflect.DeepEqual(got, &Auth{Username: "robot", Password: "s3cret"}) {
		t.Fatalf("got %+v, %v", got, err)
	}
	if got, err := (AuthFiles{}).Load(); got != nil || err != nil {
		t.Fatalf("no files: got %+v, %v; want nil", got, err)
	}
	if _, err := (AuthFiles{PasswordFile: pwFile + ".none"}).Load(); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: got %v", err)
	}
}
