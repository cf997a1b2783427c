package cli

import (
	"encoding/json"
	"fmt"
	"io"

	"sigs.k8s.io/yaml"
)

// OutputFormat selects how a command prints its result (-o/--output).
type OutputFormat string

// The output formats every command supports.
const (
	OutputText OutputFormat = "text"
	OutputJSON OutputFormat = "json"
	OutputYAML OutputFormat = "yaml"
	// OutputWide is the text form with more columns. Only commands whose
	// result is a WideWriter offer it, in their own -o flag, so that the
	// others refuse it when flags are parsed instead of ignoring it.
	OutputWide OutputFormat = "wide"
)

// TextWriter is a command result that also knows its human-readable form.
// JSON and YAML come from its json struct tags.
type TextWriter interface {
	WriteText(w io.Writer) error
}

// WideWriter is a result with a wider table for -o wide.
type WideWriter interface {
	TextWriter
	WriteWide(w io.Writer) error
}

// Print writes v to w in the given format. JSON and YAML end with a newline
// so the output composes with shell pipelines.
func Print(w io.Writer, format OutputFormat, v TextWriter) error {
	switch format {
	case OutputText, "":
		return v.WriteText(w)
	case OutputWide:
		if ww, ok := v.(WideWriter); ok {
			return ww.WriteWide(w)
		}
		return fmt.Errorf("output format %q: this command has no wide form", format)
	case OutputJSON:
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return fmt.Errorf("encode output as json: %w", err)
		}
		return write(w, append(b, '\n'))
	case OutputYAML:
		// sigs.k8s.io/yaml goes through JSON, so the json tags name the keys
		// in both formats.
		b, err := yaml.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode output as yaml: %w", err)
		}
		return write(w, b)
	default:
		return fmt.Errorf("unknown output format %q", format)
	}
}

func write(w io.Writer, b []byte) error {
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}
