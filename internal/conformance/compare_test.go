package conformance

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

// The deliberate differences, by the names testdata/conformance/README.md
// gives them.
const (
	ruleNamespace = "namespace"
	ruleTestHooks = "test-hooks"
	ruleRefused   = "refused"
	ruleIgnore    = "ignore"
	// ruleClusterNamespace: see clearClusterNamespace.
	ruleClusterNamespace = "cluster-namespace"
)

// maxPaths caps the differing paths reported per object.
const maxPaths = 12

// outcome is the comparison of one entry's two renders.
type outcome struct {
	// applied counts, per rule, the objects or fields it touched.
	applied map[string]int
	// problems are the differences no rule allows, one per object.
	problems []string
}

// compareRenders applies the rules to the two renders of e, in place, then
// compares what is left as sets keyed by object id.
func compareRenders(e *entry, tug, ref []*object.Object) (*outcome, error) {
	out := &outcome{applied: map[string]int{}}
	ref, dropped := dropTestHooks(ref)
	tug, kept := dropTestHooks(tug)
	out.applied[ruleTestHooks] = len(dropped)
	if len(kept) > 0 {
		out.problems = append(out.problems, fmt.Sprintf("%s: Tugboat keeps %d test hook(s): %s", ruleTestHooks, len(kept), strings.Join(kept, ", ")))
	}
	out.applied[ruleNamespace] = fillNamespace(ref, e.Namespace)
	out.applied[ruleClusterNamespace] = clearClusterNamespace(ref)
	for _, m := range e.masks {
		n, err := applyMask(m, tug, ref)
		if err != nil {
			return nil, err
		}
		out.applied[ruleIgnore] += n
	}
	tm, err := byID("tugboat", tug)
	if err != nil {
		return nil, err
	}
	rm, err := byID("reference", ref)
	if err != nil {
		return nil, err
	}
	out.problems = append(out.problems, diffSets(tm, rm)...)
	return out, nil
}

// dropTestHooks removes Helm test hooks (rule test-hooks): `helm template`
// prints them, an install never applies them, and Tugboat leaves them out.
func dropTestHooks(objs []*object.Object) (kept []*object.Object, dropped []string) {
	for _, o := range objs {
		if isTestHook(o.GetAnnotations()["helm.sh/hook"]) {
			dropped = append(dropped, o.ID().String())
			continue
		}
		kept = append(kept, o)
	}
	return kept, dropped
}

// isTestHook is written out here rather than taken from Tugboat, so that
// the rule is the README's, not the implementation's.
func isTestHook(hook string) bool {
	for _, h := range strings.Split(hook, ",") {
		if h = strings.TrimSpace(h); h == "test" || h == "test-success" {
			return true
		}
	}
	return false
}

// fillNamespace gives the namespaced reference objects that have no
// namespace the entry's (rule namespace), as `tug -n` does; the kinds'
// scope comes from the built-ins and the CRDs in the set.
func fillNamespace(ref []*object.Object, ns string) int {
	if ns == "" {
		return 0
	}
	scope := object.SetScope(ref, nil)
	n := 0
	for _, o := range ref {
		if namespaced, _ := scope(o.ID().GroupKind()); namespaced && o.GetNamespace() == "" {
			o.SetNamespace(ns)
			n++
		}
	}
	return n
}

// clearClusterNamespace drops the namespace of cluster-scoped reference
// objects that carry one (rule cluster-namespace), as Tugboat does: the
// API server ignores it.
func clearClusterNamespace(ref []*object.Object) int {
	scope := object.SetScope(ref, nil)
	n := 0
	for _, o := range ref {
		if namespaced, known := scope(o.ID().GroupKind()); known && !namespaced && o.GetNamespace() != "" {
			o.SetNamespace("")
			n++
		}
	}
	return n
}

// applyMask replaces m's field with a marker in both renders (rule
// ignore), so a random value compares equal but a missing field does not.
// A mask that matches nothing is an error: the entry has gone stale.
func applyMask(m mask, renders ...[]*object.Object) (int, error) {
	n := 0
	for _, objs := range renders {
		for _, o := range objs {
			if o.GetKind() == m.kind && o.GetName() == m.name && setMasked(o.Object, m.path) {
				n++
			}
		}
	}
	if n == 0 {
		return 0, fmt.Errorf("ignore %q matches no field of either render", m.text)
	}
	return n, nil
}

func setMasked(v any, path []string) bool {
	for i, key := range path {
		last := i == len(path)-1
		switch t := v.(type) {
		case map[string]any:
			if _, ok := t[key]; !ok {
				return false
			}
			if last {
				t[key] = "<masked>"
				return true
			}
			v = t[key]
		case []any:
			idx, err := strconv.Atoi(key)
			if err != nil || idx < 0 || idx >= len(t) {
				return false
			}
			if last {
				t[idx] = "<masked>"
				return true
			}
			v = t[idx]
		default:
			return false
		}
	}
	return false
}

// byID normalizes objs (a JSON round trip, so both renders hold the same
// Go types) and keys them by id; one id twice is an error.
func byID(which string, objs []*object.Object) (map[object.ID]map[string]any, error) {
	out := make(map[object.ID]map[string]any, len(objs))
	for _, o := range objs {
		id := o.ID()
		if _, dup := out[id]; dup {
			return nil, fmt.Errorf("%s render holds %s twice", which, id)
		}
		data, err := json.Marshal(o.Object)
		if err != nil {
			return nil, fmt.Errorf("%s render: %s: %w", which, id, err)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("%s render: %s: %w", which, id, err)
		}
		out[id] = m
	}
	return out, nil
}

// diffSets reports, sorted by id, the objects only one render has and
// the fields that differ in those both have.
func diffSets(tug, ref map[object.ID]map[string]any) []string {
	ids := make([]object.ID, 0, len(tug)+len(ref))
	for id := range tug {
		ids = append(ids, id)
	}
	for id := range ref {
		if _, ok := tug[id]; !ok {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i].String() < ids[j].String() })
	var out []string
	for _, id := range ids {
		t, inTug := tug[id]
		r, inRef := ref[id]
		switch {
		case !inRef:
			out = append(out, fmt.Sprintf("%s: only in Tugboat's render", id))
		case !inTug:
			out = append(out, fmt.Sprintf("%s: only in the reference render", id))
		default:
			var paths []string
			diffValues("", t, r, &paths)
			if len(paths) > maxPaths {
				paths = append(paths[:maxPaths], fmt.Sprintf("... and %d more", len(paths)-maxPaths))
			}
			if len(paths) > 0 {
				out = append(out, fmt.Sprintf("%s:\n    %s", id, strings.Join(paths, "\n    ")))
			}
		}
	}
	return out
}

// diffValues appends to out one line per leaf path where t (Tugboat) and
// r (the reference) differ.
func diffValues(path string, t, r any, out *[]string) {
	if reflect.DeepEqual(t, r) {
		return
	}
	tm, tIsMap := t.(map[string]any)
	rm, rIsMap := r.(map[string]any)
	if tIsMap && rIsMap {
		keys := make([]string, 0, len(tm)+len(rm))
		for k := range tm {
			keys = append(keys, k)
		}
		for k := range rm {
			if _, ok := tm[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			diffValues(joinKey(path, k), field(tm, k), field(rm, k), out)
		}
		return
	}
	tl, tIsList := t.([]any)
	rl, rIsList := r.([]any)
	if tIsList && rIsList && len(tl) == len(rl) {
		for i := range tl {
			diffValues(fmt.Sprintf("%s[%d]", path, i), tl[i], rl[i], out)
		}
		return
	}
	*out = append(*out, fmt.Sprintf("%s: Tugboat %s, reference %s", path, show(t), show(r)))
}

// absent stands for a key a map does not have, to tell it from null.
type absent struct{}

func field(m map[string]any, k string) any {
	if v, ok := m[k]; ok {
		return v
	}
	return absent{}
}

// joinKey writes keys with dots in brackets: metadata.annotations[helm.sh/hook].
func joinKey(path, key string) string {
	if strings.Contains(key, ".") {
		return path + "[" + key + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// show prints a value as compact JSON, cut to stay readable.
func show(v any) string {
	if _, ok := v.(absent); ok {
		return "<absent>"
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if s := string(data); len(s) <= 100 {
		return s
	}
	return string(data[:100]) + "..."
}
