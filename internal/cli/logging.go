package cli

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// LogFormat selects the encoding of log records (--log-format).
type LogFormat string

// The log formats tug supports.
const (
	LogFormatText LogFormat = "text"
	LogFormatJSON LogFormat = "json"
)

// logLevelNames are the values --log-level accepts, in increasing severity.
func logLevelNames() []string { return []string{"debug", "info", "warn", "error"} }

// ParseLogLevel parses one of debug, info, warn or error, in any case.
// Unlike slog.Level.UnmarshalText it refuses offsets such as "info+2", which
// would only confuse a command-line user.
func ParseLogLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("unknown log level %q: must be one of %s", s, strings.Join(logLevelNames(), "|"))
}

// NewLogger returns a structured logger writing records of level and above
// to w, as logfmt-style text or as JSON lines.
func NewLogger(w io.Writer, level slog.Level, format LogFormat) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == LogFormatJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// logLevelFlag is the --log-level flag: it parses into an slog.Level so
// commands never handle the string form.
type logLevelFlag struct{ level *slog.Level }

// String returns the level in the form the flag accepts.
func (f logLevelFlag) String() string { return strings.ToLower(f.level.String()) }

// Type names the flag's type in help text.
func (f logLevelFlag) Type() string { return "string" }

// Set parses s with ParseLogLevel.
func (f logLevelFlag) Set(s string) error {
	level, err := ParseLogLevel(s)
	if err != nil {
		return err
	}
	*f.level = level
	return nil
}
