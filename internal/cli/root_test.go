package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// run executes tug with args and returns what it wrote to stdout and stderr,
// and its exit code.
func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := NewRootCommand(IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	cmd.SetArgs(args)
	code = Execute(context.Background(), cmd)
	return out.String(), errOut.String(), code
}

// writeFiles writes files (path relative to dir -> content) below dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// checkRun runs tug with args and checks its exit code, that stderr holds
// wantErr and that stdout holds every one of wantOut.
func checkRun(t *testing.T, args []string, wantCode int, wantErr string, wantOut []string) (stdout string) {
	t.Helper()
	stdout, stderr, code := run(t, args...)
	if code != wantCode {
		t.Fatalf("exit code %d, want %d; stderr %q", code, wantCode, stderr)
	}
	if wantErr != "" && !strings.Contains(stderr, wantErr) {
		t.Errorf("stderr %q does not contain %q", stderr, wantErr)
	}
	for _, w := range wantOut {
		if !strings.Contains(stdout, w) {
			t.Errorf("stdout does not contain %q:\n%s", w, stdout)
		}
	}
	return stdout
}

func TestGlobalFlagValidation(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"defaults", []string{"version"}, ""},
		{"all valid", []string{"version", "-o", "yaml", "--log-level", "debug", "--log-format", "json", "--context", "dev", "--kubeconfig", "/tmp/kc"}, ""},
		{"log level any case", []string{"version", "--log-level", "WARN"}, ""},
		{"bad output", []string{"version", "-o", "xml"}, `invalid argument "xml" for "-o, --output" flag: must be one of text|json|yaml`},
		{"bad output long flag", []string{"version", "--output=table"}, "must be one of text|json|yaml"},
		{"bad log level", []string{"version", "--log-level", "verbose"}, `unknown log level "verbose": must be one of debug|info|warn|error`},
		{"bad log format", []string{"version", "--log-format", "logfmt"}, "must be one of text|json"},
		{"unknown flag", []string{"version", "--colour"}, "unknown flag: --colour"},
		{"unknown command", []string{"deploy"}, `unknown command "deploy"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := run(t, tt.args...)
			if tt.wantErr == "" {
				if code != ExitOK || stderr != "" {
					t.Fatalf("exit code %d, stderr %q; want success", code, stderr)
				}
				return
			}
			if code != ExitFailure {
				t.Errorf("exit code = %d, want %d", code, ExitFailure)
			}
			if !strings.HasPrefix(stderr, "Error: ") || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr = %q, want an error containing %q", stderr, tt.wantErr)
			}
		})
	}
}

func TestFlagCompletion(t *testing.T) {
	tests := []struct {
		flag string
		want []string
	}{
		{"--output", []string{"text", "json", "yaml"}},
		{"--log-level", []string{"debug", "info", "warn", "error"}},
		{"--log-format", []string{"text", "json"}},
	}
	for _, tt := range tests {
		t.Run(tt.flag, func(t *testing.T) {
			// __complete is cobra's hidden command behind every shell script.
			stdout, stderr, code := run(t, "__complete", "version", tt.flag, "")
			if code != ExitOK {
				t.Fatalf("exit code %d, stderr %q", code, stderr)
			}
			want := strings.Join(tt.want, "\n") + "\n:4\n"
			if stdout != want {
				t.Errorf("completions = %q, want %q", stdout, want)
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	plain := errors.New("boom")
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, ExitOK},
		{"plain error", plain, ExitFailure},
		{"exit error", &ExitError{Code: 1}, 1},
		{"wrapped exit error", fmt.Errorf("diff: %w", &ExitError{Code: 3, Err: plain}), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ExitCode(tt.err); got != tt.want {
				t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func TestExecuteExitError(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantCode   int
		wantStderr string
	}{
		{"success", nil, ExitOK, ""},
		{"plain error", errors.New("render failed"), ExitFailure, "Error: render failed\n"},
		{"code with message", &ExitError{Code: 4, Err: errors.New("unhealthy")}, 4, "Error: unhealthy\n"},
		{"code alone is quiet", &ExitError{Code: 1}, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			cmd := NewRootCommand(IOStreams{Out: &out, ErrOut: &errOut})
			cmd.RunE = func(*cobra.Command, []string) error { return tt.err }
			cmd.SetArgs([]string{})
			if code := Execute(context.Background(), cmd); code != tt.wantCode {
				t.Errorf("exit code = %d, want %d", code, tt.wantCode)
			}
			if errOut.String() != tt.wantStderr {
				t.Errorf("stderr = %q, want %q", errOut.String(), tt.wantStderr)
			}
		})
	}
}

func TestExitErrorMessage(t *testing.T) {
	tests := []struct {
		err  *ExitError
		want string
	}{
		{&ExitError{Code: 1}, "exit status 1"},
		{&ExitError{Code: 2, Err: errors.New("boom")}, "boom"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}
