package cli

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestVersion(t *testing.T) {
	unmarshalers := map[string]func([]byte, any) error{"json": json.Unmarshal, "yaml": func(b []byte, v any) error { return yaml.Unmarshal(b, v) }}
	tests := []struct {
		name string
		args []string
		// decode names the format to parse; empty for text.
		decode string
	}{
		{"text by default", []string{"version"}, ""},
		{"text", []string{"version", "-o", "text"}, ""},
		{"json", []string{"version", "-o", "json"}, "json"},
		{"yaml", []string{"version", "--output=yaml"}, "yaml"},
		{"flag before command", []string{"-o", "json", "version"}, "json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := run(t, tt.args...)
			if code != ExitOK {
				t.Fatalf("exit code %d, stderr %q", code, stderr)
			}
			if tt.decode == "" {
				checkVersionText(t, stdout)
				return
			}
			var got map[string]string
			if err := unmarshalers[tt.decode]([]byte(stdout), &got); err != nil {
				t.Fatalf("output is not %s: %v\n%s", tt.decode, err, stdout)
			}
			checkVersionObject(t, got)
		})
	}
}

func checkVersionText(t *testing.T, out string) {
	t.Helper()
	for _, want := range []string{"tug ", "commit:", "go:       " + runtime.Version(), "platform: " + runtime.GOOS + "/" + runtime.GOARCH} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
}

func checkVersionObject(t *testing.T, got map[string]string) {
	t.Helper()
	if len(got) != 4 {
		t.Errorf("keys = %v, want exactly version, commit, goVersion, platform", got)
	}
	for _, key := range []string{"version", "commit", "goVersion", "platform"} {
		if got[key] == "" {
			t.Errorf("key %q missing or empty in %v", key, got)
		}
	}
	if got["goVersion"] != runtime.Version() {
		t.Errorf("goVersion = %q, want %q", got["goVersion"], runtime.Version())
	}
}
