package conformance

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/render"
	"github.com/tugboat-gitops/tugboat/internal/render/helm"
	"github.com/tugboat-gitops/tugboat/internal/render/kustomize"
	"github.com/tugboat-gitops/tugboat/internal/render/plain"
)

// engine is Tugboat's render engine as the drivers wire it, without a
// cache: every render is a real one.
var engine = &render.Engine{Renderers: map[render.Kind]render.Renderer{
	render.KindPlain:     plain.Renderer{},
	render.KindKustomize: kustomize.Renderer{},
	render.KindHelm:      helm.Renderer{},
}}

// tugboat renders e with Tugboat's engine, as `tug render -n` does.
func tugboat(ctx context.Context, e *entry, kubeVersion string) ([]*object.Object, error) {
	return engine.Render(ctx, "", render.Request{
		Root:      e.root,
		Path:      e.Path,
		Kind:      render.Kind(e.Renderer),
		Helm:      helmOptions(e, kubeVersion),
		Kustomize: render.KustomizeOptions{EnableHelm: e.Kustomize.EnableHelm},
		Post:      render.PostOptions{Namespace: e.Namespace},
	})
}

// row is one line of the corpus table; objects counts the objects of
// each render, Tugboat's then the reference's, before any rule.
type row struct {
	entry, renderer, objects, result string
}

// TestConformance renders every corpus entry with Tugboat and with the
// reference tools and fails on any difference but the deliberate ones. The
// table it logs (-v) is the corpus' state at a glance.
func TestConformance(t *testing.T) {
	entries, err := loadEntries()
	if err != nil {
		t.Fatal(err)
	}
	kv, err := kubeVersion()
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]row, len(entries))
	// Cleanup runs once every subtest, parallel ones included, is done.
	t.Cleanup(func() { logTable(t, rows) })
	for i, e := range entries {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			rows[i] = checkEntry(t, e, kv)
		})
	}
}

// checkEntry compares the two renders of e and returns its table row.
func checkEntry(t *testing.T, e *entry, kubeVersion string) row {
	r := row{entry: e.name, renderer: e.Renderer, objects: "-"}
	tug, tugErr := tugboat(context.Background(), e, kubeVersion)
	ref, refErr := reference(e, kubeVersion)
	if ref != nil || tug != nil {
		r.objects = fmt.Sprintf("%d/%d", len(tug), len(ref))
	}
	switch {
	case e.Refused != "":
		r.result = checkRefused(t, e, tugErr, ref, refErr)
		return r
	case refErr != nil:
		t.Errorf("reference render fails: %v", refErr)
		r.result = "ERROR reference: " + firstLine(refErr)
		return r
	case tugErr != nil:
		t.Errorf("Tugboat render fails where the reference renders %d objects: %v", len(ref), tugErr)
		r.result = "ERROR tugboat: " + firstLine(tugErr)
		return r
	}
	out, err := compareRenders(e, tug, ref)
	if err != nil {
		t.Errorf("compare: %v", err)
		r.result = "ERROR compare: " + firstLine(err)
		return r
	}
	if len(out.problems) > 0 {
		t.Errorf("%d difference(s) from the reference:\n  %s", len(out.problems), strings.Join(out.problems, "\n  "))
		r.result = fmt.Sprintf("DIFFERS (%d): %s", len(out.problems), summary(out.problems))
		return r
	}
	r.result = "equal" + rulesApplied(out.applied)
	return r
}

// checkRefused holds Tugboat to refusing e (rule refused). The reference
// rendering it is what makes the refusal a deliberate difference; where
// the reference cannot render it either, the row says so.
func checkRefused(t *testing.T, e *entry, tugErr error, ref []*object.Object, refErr error) string {
	switch {
	case tugErr == nil:
		t.Errorf("%s: Tugboat renders the entry, want an error containing %q", ruleRefused, e.Refused)
		return "DIFFERS: Tugboat renders it, want refused"
	case !strings.Contains(tugErr.Error(), e.Refused):
		t.Errorf("%s: Tugboat's error does not contain %q: %v", ruleRefused, e.Refused, tugErr)
		return "DIFFERS: refused for another reason: " + firstLine(tugErr)
	case refErr != nil:
		t.Logf("%s: the reference fails too: %v", ruleRefused, refErr)
		return "refused (the reference fails too: " + firstLine(refErr) + ")"
	}
	return fmt.Sprintf("refused (the reference renders %d objects)", len(ref))
}

// rulesApplied names the rules that changed something, with their counts.
func rulesApplied(applied map[string]int) string {
	var parts []string
	for _, rule := range []string{ruleNamespace, ruleClusterNamespace, ruleTestHooks, ruleIgnore} {
		if n := applied[rule]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", rule, n))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// summary names the objects of the problems, on one line.
func summary(problems []string) string {
	heads := make([]string, len(problems))
	for i, p := range problems {
		heads[i], _, _ = strings.Cut(p, "\n")
	}
	s := strings.Join(heads, "; ")
	if len(s) > 160 {
		s = s[:160] + "..."
	}
	return s
}

// firstLine is the first line of err, its end kept if it is long: a
// wrapped error puts its cause last.
func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	if len(s) > 120 {
		s = "..." + s[len(s)-120:]
	}
	return s
}

// logTable logs the corpus table, one row per entry, in entry order.
func logTable(t *testing.T, rows []row) {
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].entry < rows[j].entry })
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-28s %-9s %-9s %s\n", "ENTRY", "RENDERER", "TUG/REF", "RESULT")
	for _, r := range rows {
		if r.entry == "" {
			continue // not run (-run picked other entries)
		}
		fmt.Fprintf(&b, "%-28s %-9s %-9s %s\n", r.entry, r.renderer, r.objects, r.result)
	}
	t.Log(b.String())
}
