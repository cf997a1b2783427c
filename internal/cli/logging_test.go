package cli

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestParseLogLevel(t *testing.T) {
	tests := []struct {
		in      string
		want    slog.Level
		wantErr bool
	}{
		{"debug", slog.LevelDebug, false},
		{"info", slog.LevelInfo, false},
		{"warn", slog.LevelWarn, false},
		{"error", slog.LevelError, false},
		{"ERROR", slog.LevelError, false},
		{"Info", slog.LevelInfo, false},
		{"warning", 0, true},
		{"info+2", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseLogLevel(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseLogLevel(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseLogLevel(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestLogLevelFlagString(t *testing.T) {
	for _, name := range logLevelNames() {
		level := slog.LevelInfo
		f := logLevelFlag{&level}
		if err := f.Set(name); err != nil {
			t.Fatal(err)
		}
		if f.String() != name {
			t.Errorf("after Set(%q), String() = %q", name, f.String())
		}
	}
}

func TestNewLogger(t *testing.T) {
	tests := []struct {
		name   string
		level  slog.Level
		format LogFormat
		want   []string // one substring per line expected
	}{
		{"text at info drops debug", slog.LevelInfo, LogFormatText, []string{"level=INFO msg=info app=web", "level=WARN msg=warn app=web"}},
		{"text at warn", slog.LevelWarn, LogFormatText, []string{"level=WARN msg=warn"}},
		{"json at debug", slog.LevelDebug, LogFormatJSON, []string{`"msg":"debug"`, `"msg":"info"`, `"msg":"warn"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := NewLogger(&buf, tt.level, tt.format).With("app", "web")
			log.Debug("debug")
			log.Info("info")
			log.Warn("warn")
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(tt.want), buf.String())
			}
			for i, want := range tt.want {
				if !strings.Contains(lines[i], want) {
					t.Errorf("line %d = %q, want it to contain %q", i, lines[i], want)
				}
				if tt.format == LogFormatJSON && !json.Valid([]byte(lines[i])) {
					t.Errorf("line %d is not JSON: %s", i, lines[i])
				}
			}
		})
	}
}

func TestGlobalOptionsLoggerWritesToErrOut(t *testing.T) {
	var out, errOut bytes.Buffer
	opts := &GlobalOptions{LogLevel: slog.LevelInfo, LogFormat: LogFormatJSON, Streams: IOStreams{Out: &out, ErrOut: &errOut}}
	opts.Logger().Info("hello")
	if out.Len() != 0 || !strings.Contains(errOut.String(), `"msg":"hello"`) {
		t.Errorf("stdout %q, stderr %q; want the record on stderr only", out.String(), errOut.String())
	}
}
