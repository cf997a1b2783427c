package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/pipeline"
	"github.com/tugboat-gitops/tugboat/internal/source/helmrepo"
)

// TestChartAuth takes chart repository credentials from the flags when one
// is given, else from TUGBOAT_HELM_*; the password always from a file or
// the environment, never from a flag value.
func TestChartAuth(t *testing.T) {
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		flags          helmrepo.AuthFiles
		env            map[string]string
		user, password string
		wantErr        string
	}{
		{name: "none"},
		{name: "flags", flags: helmrepo.AuthFiles{Username: "robot", PasswordFile: pwFile},
			env: map[string]string{"TUGBOAT_HELM_PASSWORD": "ignored"}, user: "robot", password: "from-file"},
		{name: "environment", env: map[string]string{"TUGBOAT_HELM_USERNAME": "robot", "TUGBOAT_HELM_PASSWORD_FILE": pwFile},
			user: "robot", password: "from-file"},
		{name: "environment value", env: map[string]string{"TUGBOAT_HELM_USERNAME": "robot", "TUGBOAT_HELM_PASSWORD": "pw"},
			user: "robot", password: "pw"},
		{name: "missing file", flags: helmrepo.AuthFiles{PasswordFile: pwFile + ".none"}, wantErr: "read password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"TUGBOAT_HELM_USERNAME", "TUGBOAT_HELM_PASSWORD", "TUGBOAT_HELM_PASSWORD_FILE"} {
				t.Setenv(k, tt.env[k])
			}
			o := &renderOptions{helmAuth: tt.flags}
			var c pipeline.ChartSpec
			err := o.chartAuth(&c)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Username != tt.user || c.Password != tt.password {
				t.Errorf("got %q/%q, want %q/%q", c.Username, c.Password, tt.user, tt.password)
			}
		})
	}
}
