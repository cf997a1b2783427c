package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// maxShownLines caps the output shown of one command: the demo shows
// what a person needs to follow, the logs keep the rest.
const maxShownLines = 16

func (d *demoRun) heading(n int, title string) {
	if n == 0 {
		fmt.Fprintf(d.out, "== %s\n", title)
		return
	}
	fmt.Fprintf(d.out, "\n== %d. %s\n", n, title)
}

// command prints a command line as a person would type it.
func (d *demoRun) command(format string, args ...any) {
	fmt.Fprintf(d.out, "$ %s\n", d.redact(fmt.Sprintf(format, args...)))
}

// show prints a command's output, indented and cut to maxShownLines.
func (d *demoRun) show(output string) {
	output = strings.TrimRight(d.redact(output), "\n")
	if output == "" {
		return
	}
	lines := strings.Split(output, "\n")
	if len(lines) > maxShownLines {
		lines = append(lines[:maxShownLines], fmt.Sprintf("... (%d more lines)", len(lines)-maxShownLines))
	}
	for _, l := range lines {
		fmt.Fprintf(d.out, "  %s\n", l)
	}
}

// say prints a line of narration.
func (d *demoRun) say(format string, args ...any) {
	fmt.Fprintf(d.out, "# %s\n", d.redact(fmt.Sprintf(format, args...)))
}

// redact takes every secret the environment holds out of text: the
// commands and URLs shown carry none, and this makes sure of it, errors
// and command output included.
func (d *demoRun) redact(text string) string {
	var secrets []string
	if e := d.env; e != nil {
		if e.Git != nil {
			secrets = append(secrets, e.Git.Password, e.Git.Token, e.Git.ReadOnlyPassword)
		}
		if e.Registry != nil {
			secrets = append(secrets, e.Registry.Password)
		}
	}
	secrets = append(secrets, d.hookToken)
	for _, s := range secrets {
		if s != "" {
			text = strings.ReplaceAll(text, s, "***")
		}
	}
	return text
}

// printSummary writes the table of every step: its result and seconds,
// "skipped" for those after a failure.
func printSummary(out io.Writer, results []stepResult) {
	fmt.Fprintln(out, "\n== summary")
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "STEP\tRESULT\tSECONDS")
	for i, s := range demoSteps {
		result, secs := "skipped", "-"
		if i < len(results) {
			r := results[i]
			result, secs = "ok", fmt.Sprintf("%.1f", r.seconds)
			if r.err != nil {
				result = "FAILED"
			}
			if r.note != "" {
				result += ": " + r.note
			}
		}
		fmt.Fprintf(w, "%d. %s\t%s\t%s\n", i, s.name, result, secs)
	}
	w.Flush()
}
