package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/tugboat-gitops/tugboat/internal/health"
	"github.com/tugboat-gitops/tugboat/internal/object"
)

// DefaultWidth caps the live line on a terminal when Printer.Width is
// unset: a line that wraps cannot be rewritten in place.
const DefaultWidth = 120

// liveMax is how many waiting objects the live line names.
const liveMax = 2

// Printer shows Wait's progress. On a terminal it rewrites one line:
// "ready 41/50, waiting on: deployment/web (2/3 replicas available)".
// Elsewhere (CI logs) it prints a line each time an object's status,
// reason or message changes: "Deployment.apps/default/web: Current".
type Printer struct {
	w   io.Writer
	tty bool
	// Width caps the live line, in characters (default DefaultWidth); set
	// it to the terminal's width when known.
	Width int
	// last holds, in plain mode, the waiting objects of the previous poll,
	// printed when their lines changed.
	last  []health.Result
	drawn bool
}

// NewPrinter returns a printer writing to w, live when tty is true.
func NewPrinter(w io.Writer, tty bool) *Printer {
	return &Printer{w: w, tty: tty}
}

// Progress prints one poll's outcome; pass it as WaitOptions.Progress.
// Write errors are ignored: progress is not worth failing a deploy for.
func (p *Printer) Progress(ready, total int, waiting []health.Result) {
	if p.tty {
		p.live(ready, total, waiting)
		return
	}
	p.plain(ready, total, waiting)
}

// Done ends the live line so what follows starts on a line of its own.
func (p *Printer) Done() {
	if p.tty && p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

func (p *Printer) live(ready, total int, waiting []health.Result) {
	line := fmt.Sprintf("ready %d/%d", ready, total)
	if len(waiting) > 0 {
		names := make([]string, 0, liveMax+1)
		for i, r := range waiting {
			if i == liveMax {
				names = append(names, fmt.Sprintf("%d more", len(waiting)-i))
				break
			}
			names = append(names, shortName(r))
		}
		line += ", waiting on: " + strings.Join(names, ", ")
	}
	width := p.Width
	if width <= 0 {
		width = DefaultWidth
	}
	// \r returns to the line's start and \x1b[2K clears it.
	fmt.Fprint(p.w, "\r\x1b[2K"+truncate(line, width))
	p.drawn = true
}

// shortName renders "deployment/web (2/3 replicas available)", as kubectl
// names objects.
func shortName(r health.Result) string {
	s := strings.ToLower(r.ID.Kind) + "/" + r.ID.Name
	detail := r.Detail()
	if detail == "" {
		detail = string(r.Status)
	}
	return s + " (" + oneLine(detail) + ")"
}

func (p *Printer) plain(ready, total int, waiting []health.Result) {
	if p.last == nil {
		noun := "objects"
		if total == 1 {
			noun = "object"
		}
		fmt.Fprintf(p.w, "waiting for %d %s, %d ready\n", total, noun, ready)
	}
	now := make(map[object.ID]health.Result, len(waiting))
	for _, r := range waiting {
		now[r.ID] = r
	}
	before := make(map[object.ID]health.Result, len(p.last))
	for _, r := range p.last {
		before[r.ID] = r
		if _, still := now[r.ID]; !still {
			fmt.Fprintf(p.w, "%s: %s\n", r.ID, health.Current)
		}
	}
	for _, r := range waiting {
		if prev, seen := before[r.ID]; !seen || prev != r {
			fmt.Fprintln(p.w, oneLine(r.String()))
		}
	}
	p.last = append(make([]health.Result, 0, len(waiting)), waiting...)
}

// WriteTable writes results as a table with the columns KIND, NAMESPACE,
// NAME, STATUS, REASON and MESSAGE, for `tug status`.
func WriteTable(w io.Writer, results []health.Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tNAMESPACE\tNAME\tSTATUS\tREASON\tMESSAGE")
	for _, r := range results {
		kind := r.ID.Kind
		if r.ID.Group != "" {
			kind += "." + r.ID.Group
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", kind, r.ID.Namespace, r.ID.Name,
			r.Status, cell(r.Reason), cell(r.Message))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write health table: %w", err)
	}
	return nil
}

// cell keeps a value on one line and out of the column separators.
func cell(s string) string {
	return strings.ReplaceAll(oneLine(s), "\t", " ")
}

// oneLine folds a multi-line message (scheduler and webhook messages have
// newlines) onto one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// truncate cuts s to width characters, marking the cut with "...".
func truncate(s string, width int) string {
	r := []rune(s)
	if len(r) <= width {
		return s
	}
	if width <= 3 {
		return string(r[:width])
	}
	return string(r[:width-3]) + "..."
}
