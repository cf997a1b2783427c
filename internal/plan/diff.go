package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

// diffContext is how many unchanged lines surround each hunk, as in diff -u.
const diffContext = 3

// Diff returns what applying would change in the object id, as a unified
// diff of YAML from live to merged, with headers "--- live/<id>" and
// "+++ desired/<id>".
//
// live is the object in the cluster, nil for one to create. merged is the
// result of a server-side-apply dry-run of the desired object, nil for one
// to prune; because the API server merged it, fields that other managers
// own read the same on both sides and are not drift. Both sides are
// normalized (see Normalize) and their Secret values redacted (see
// RedactPair) first; the diff is empty when nothing else differs.
func Diff(live, merged *unstructured.Unstructured, id object.ID) (string, error) {
	before, after := RedactPair(Normalize(live), Normalize(merged))
	a, err := yamlLines(before)
	if err != nil {
		return "", fmt.Errorf("diff %s: live object: %w", id, err)
	}
	b, err := yamlLines(after)
	if err != nil {
		return "", fmt.Errorf("diff %s: desired object: %w", id, err)
	}
	if slices.Equal(a, b) {
		return "", nil
	}
	var out strings.Builder
	err = difflib.WriteUnifiedDiff(&out, difflib.UnifiedDiff{
		A:        a,
		B:        b,
		FromFile: "live/" + id.String(),
		ToFile:   "desired/" + id.String(),
		Context:  diffContext,
	})
	if err != nil {
		return "", fmt.Errorf("diff %s: %w", id, err)
	}
	return out.String(), nil
}

// yamlLines renders u as YAML with sorted keys, one string per line, each
// ending in a newline; a nil u has no lines, so a create or a prune diffs
// against nothing rather than against an empty line.
func yamlLines(u *unstructured.Unstructured) ([]string, error) {
	if u == nil {
		return nil, nil
	}
	data, err := yaml.Marshal(u.Object)
	if err != nil {
		return nil, fmt.Errorf("marshal yaml: %w", err)
	}
	text := string(data)
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	lines := strings.SplitAfter(text, "\n")
	return lines[:len(lines)-1], nil
}
