package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/tugboat-gitops/tugboat/internal/changeset"
)

// ANSI escape sequences for colored output.
const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
	ansiRed   = "\x1b[31m"
	ansiGreen = "\x1b[32m"
	ansiCyan  = "\x1b[36m"
)

// actionSymbols prefix each object's header, as in a plan of Terraform.
var actionSymbols = map[changeset.Action]string{
	changeset.Create:    "+",
	changeset.Update:    "~",
	changeset.Recreate:  "-/+",
	changeset.Prune:     "-",
	changeset.Skip:      "!",
	changeset.Unchanged: "=",
}

// WriteChangeSet writes cs for a person to read: for every change that is
// not a plain unchanged object, a header such as "~ update
// Deployment.apps/default/web" and the change's diff, then the summary
// line (see changeset.Set.Summary). With color, removed lines are red, added
// lines green, hunk headers cyan and headers bold; without it the output
// has no escape sequences. The diffs are printed as they are: Diff has
// already redacted them.
func WriteChangeSet(w io.Writer, cs *changeset.Set, color bool) error {
	// Buffered: a large plan is thousands of lines, and w is often a
	// terminal or a pipe where each unbuffered write is a system call.
	bw := bufio.NewWriter(w)
	p := &changePrinter{w: bw, color: color}
	for _, c := range cs.Changes {
		if c.Action == changeset.Unchanged && c.Diff == "" {
			continue
		}
		p.change(c)
	}
	p.line(cs.Summary(), ansiBold)
	if p.err == nil {
		p.err = bw.Flush()
	}
	if p.err != nil {
		return fmt.Errorf("write change set: %w", p.err)
	}
	return nil
}

// changePrinter writes lines, coloring them when asked, and keeps the
// first write error so that callers check once at the end.
type changePrinter struct {
	w     io.Writer
	color bool
	err   error
}

// change writes one change: its header, its diff and a blank line.
func (p *changePrinter) change(c changeset.Change) {
	p.line(changeHeader(c), ansiBold)
	diff := strings.TrimSuffix(c.Diff, "\n")
	if diff != "" {
		for i, l := range strings.Split(diff, "\n") {
			p.line(l, diffLineStyle(i, l))
		}
	}
	p.line("", "")
}

// line writes text and a newline, wrapped in style when colored.
func (p *changePrinter) line(text, style string) {
	if p.err != nil {
		return
	}
	if p.color && style != "" && text != "" {
		text = style + text + ansiReset
	}
	_, p.err = io.WriteString(p.w, text+"\n")
}

// changeHeader renders e.g. "! skip ConfigMap/web/cfg (prune disabled)".
func changeHeader(c changeset.Change) string {
	sym, ok := actionSymbols[c.Action]
	if !ok {
		sym = "?"
	}
	h := fmt.Sprintf("%s %s %s", sym, c.Action, c.ID)
	if c.Reason != "" {
		h += " (" + c.Reason + ")"
	}
	return h
}

// diffLineStyle picks the color of line i of a unified diff. Only the first
// two lines can be file headers: later, "---" starts a removed line.
func diffLineStyle(i int, line string) string {
	switch {
	case i < 2 && (strings.HasPrefix(line, "--- ") || strings.HasPrefix(line, "+++ ")):
		return ansiBold
	case strings.HasPrefix(line, "@@"):
		return ansiCyan
	case strings.HasPrefix(line, "-"):
		return ansiRed
	case strings.HasPrefix(line, "+"):
		return ansiGreen
	}
	return ""
}

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// UseColor reports whether output to w should be colored: w is a terminal,
// NO_COLOR is unset or empty (https://no-color.org) and TERM is not "dumb".
func UseColor(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	return IsTerminal(w)
}
