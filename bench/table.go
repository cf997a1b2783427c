package bench

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// The targets, and the sizes the issue sets the no-op time and
// the memory targets at; at other sizes those two are shown for reference.
const (
	targetFirstRatio = 1.3
	targetNoOpWall   = time.Second
	targetNoOpSize   = 1000
	targetPeakRSS    = 150e6 // bytes
	targetRSSSize    = 5000
)

// Markdown writes one table per size, each followed by the targets it
// meets or misses and notes on the runs.
func Markdown(w io.Writer, results []*SizeResult) {
	for _, r := range results {
		writeTable(w, r)
		writeTargets(w, r)
		writeNotes(w, r)
	}
}

func writeTable(w io.Writer, r *SizeResult) {
	thirds := [3]int{(r.N + 2) / 3, (r.N + 1) / 3, r.N / 3}
	fmt.Fprintf(w, "### %d objects (%d ConfigMaps, %d Services, %d Deployments, plus their Namespace)\n\n", r.N, thirds[0], thirds[1], thirds[2])
	fmt.Fprintln(w, "| run | wall s | × raw | objects/s | result | API requests | writes | peak RSS MB |")
	fmt.Fprintln(w, "|---|--:|--:|--:|---|---|--:|--:|")
	raw := r.Raw.Wall
	writeRow(w, fmt.Sprintf("raw SSA, %d workers", r.Workers), r.Raw, raw)
	writeRow(w, "tug first apply", r.First, raw)
	if !r.TugFailed || r.NoOp.Wall > 0 {
		writeRow(w, "tug no-op re-apply", r.NoOp, raw)
	}
	if !r.TugFailed || r.Change.Wall > 0 {
		writeRow(w, "tug one change", r.Change, raw)
	}
	switch {
	case r.Kubectl != nil:
		writeRow(w, "kubectl apply --server-side", *r.Kubectl, raw)
	case r.KubectlMissing:
		fmt.Fprintln(w, "| kubectl apply --server-side | not installed | | | | | | |")
	}
	fmt.Fprintln(w)
}

func writeRow(w io.Writer, name string, row Row, raw time.Duration) {
	result := row.Result
	if row.Err != "" {
		result = "**failed** (see notes)"
	}
	fmt.Fprintf(w, "| %s | %.2f | %.2f | %.0f | %s | %s | %s | %s |\n", name, row.Wall.Seconds(),
		ratio(row.Wall, raw), float64(row.Objects)/row.Wall.Seconds(), result, row.Requests,
		writes(row), megabytes(row.PeakRSS))
}

func writes(row Row) string {
	s := fmt.Sprint(row.Requests.Writes)
	if n := row.Requests.InventoryWrites; n > 0 {
		s += fmt.Sprintf(" (%d inventory)", n)
	}
	return s
}

func megabytes(b int64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f", float64(b)/1e6)
}

func ratio(d, raw time.Duration) float64 {
	if raw == 0 {
		return 0
	}
	return d.Seconds() / raw.Seconds()
}

func seconds(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = fmt.Sprintf("%.2f", d.Seconds())
	}
	return strings.Join(parts, ", ")
}

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "**missed**"
}

func writeTargets(w io.Writer, r *SizeResult) {
	if r.First.Err != "" {
		fmt.Fprintf(w, "Targets: not evaluated, the first apply failed.\n\n")
		return
	}
	first := ratio(r.First.Wall, r.Raw.Wall)
	fmt.Fprintf(w, "Targets:\n- first apply within %.1f× the raw limit: %.2f×, %s\n", targetFirstRatio, first, verdict(first <= targetFirstRatio))
	if r.NoOp.Err == "" && r.NoOp.Wall > 0 {
		n := r.NoOp.Requests
		fmt.Fprintf(w, "- no-op re-apply with zero write requests: %s, %s\n", writes(r.NoOp), verdict(n.Writes == 0))
		fmt.Fprintf(w, "- no-op re-apply with at most one LIST per kind: %s, %s\n", n.ListsString(), verdict(n.MaxListsPerKind() <= 1))
		fmt.Fprintf(w, "- no-op re-apply under %s (set at %d objects): %.2f s, %s\n", targetNoOpWall, targetNoOpSize,
			r.NoOp.Wall.Seconds(), sizedVerdict(r.N == targetNoOpSize, r.NoOp.Wall < targetNoOpWall))
	}
	peak := max(r.First.PeakRSS, r.NoOp.PeakRSS, r.Change.PeakRSS)
	fmt.Fprintf(w, "- peak RSS under %.0f MB (set at %d objects): %s MB, %s\n\n", targetPeakRSS/1e6, targetRSSSize,
		megabytes(peak), sizedVerdict(r.N == targetRSSSize, peak < targetPeakRSS))
}

// sizedVerdict is the verdict of a target set at another size: within or
// over it, for reference.
func sizedVerdict(atSize, met bool) string {
	switch {
	case atSize:
		return verdict(met)
	case met:
		return "within it (for reference)"
	default:
		return "over it (for reference)"
	}
}

func writeNotes(w io.Writer, r *SizeResult) {
	var notes []string
	if len(r.RawRuns) > 1 {
		notes = append(notes, fmt.Sprintf("raw SSA and tug first apply are the medians of %d runs, each on a fresh cluster: raw %s s; first apply %s s",
			len(r.RawRuns), seconds(r.RawRuns), seconds(r.FirstRuns)))
	}
	if r.First.ApplyTime > 0 {
		notes = append(notes, fmt.Sprintf("time inside `pipeline.Apply` (the rest of the wall time is process start and client setup): first %.2f s, no-op %.2f s, one change %.2f s",
			r.First.ApplyTime.Seconds(), r.NoOp.ApplyTime.Seconds(), r.Change.ApplyTime.Seconds()))
		notes = append(notes, fmt.Sprintf("first apply: %.2f s to the first object written (render, live view, dry-runs, pending inventory), %.2f s of writes after it",
			r.First.FirstWrite.Seconds(), (r.First.ApplyTime-r.First.FirstWrite).Seconds()))
	}
	if r.NoOp.Wall > 0 {
		state := "all Deployments were Available"
		if !r.Settled {
			state = "not all Deployments were Available yet; the no-op ran anyway"
		}
		notes = append(notes, fmt.Sprintf("before the no-op, %s after %.0f s", state, r.SettleTime.Seconds()))
	}
	for _, e := range []struct {
		name string
		row  *Row
	}{{"tug first apply", &r.First}, {"tug no-op re-apply", &r.NoOp}, {"tug one change", &r.Change}, {"kubectl", r.Kubectl}} {
		if e.row != nil && e.row.Err != "" {
			notes = append(notes, fmt.Sprintf("%s failed:\n\n```\n%s\n```", e.name, strings.TrimSpace(e.row.Err)))
		}
	}
	if len(notes) == 0 {
		return
	}
	fmt.Fprintln(w, "Notes:")
	for _, n := range notes {
		fmt.Fprintf(w, "- %s\n", n)
	}
	fmt.Fprintln(w)
}
