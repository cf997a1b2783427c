package cli

import (
	"strings"
	"testing"
)

func TestCompletion(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    string // a marker of the shell's script
		wantErr string
	}{
		{"bash", []string{"completion", "bash"}, "# bash completion V2 for tug", ""},
		{"zsh", []string{"completion", "zsh"}, "#compdef tug", ""},
		{"fish", []string{"completion", "fish"}, "# fish completion for tug", ""},
		{"unknown shell", []string{"completion", "powershell"}, "", `unknown shell "powershell": must be one of bash|zsh|fish`},
		{"no shell", []string{"completion"}, "", "accepts 1 arg(s), received 0"},
		{"two shells", []string{"completion", "bash", "zsh"}, "", "accepts 1 arg(s), received 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := run(t, tt.args...)
			if tt.wantErr != "" {
				if code != ExitFailure || !strings.Contains(stderr, tt.wantErr) {
					t.Errorf("exit code %d, stderr %q; want %d and %q", code, stderr, ExitFailure, tt.wantErr)
				}
				return
			}
			if code != ExitOK {
				t.Fatalf("exit code %d, stderr %q", code, stderr)
			}
			if !strings.Contains(stdout, tt.want) {
				t.Errorf("script lacks %q; starts with:\n%.300s", tt.want, stdout)
			}
		})
	}
}

func TestCompletionOfShellNames(t *testing.T) {
	stdout, _, code := run(t, "__complete", "completion", "")
	if code != ExitOK {
		t.Fatalf("exit code %d", code)
	}
	for _, shell := range completionShells() {
		if !strings.Contains(stdout, shell+"\n") {
			t.Errorf("completions %q lack %q", stdout, shell)
		}
	}
}
