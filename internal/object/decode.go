package object

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Limits bound what a hostile repository can make Tugboat parse.
type Limits struct {
	// MaxFileBytes caps one file (default 10 MiB).
	MaxFileBytes int64
	// MaxDepth caps nesting of maps and lists in one document (default 100).
	MaxDepth int
	// MaxNodes caps the YAML nodes of one document after alias expansion
	// (default 1,000,000): a "billion laughs" document is refused, not
	// expanded.
	MaxNodes int
}

// DefaultLimits are the limits applied when none are given.
var DefaultLimits = Limits{MaxFileBytes: 10 << 20, MaxDepth: 100, MaxNodes: 1_000_000}

func (l Limits) withDefaults() Limits {
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = DefaultLimits.MaxFileBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	if l.MaxNodes <= 0 {
		l.MaxNodes = DefaultLimits.MaxNodes
	}
	return l
}

// Decode parses a multi-document YAML or JSON stream into objects, expanding
// `List` kinds, skipping empty documents. source names the file in errors,
// which also carry the line.
func Decode(source string, data []byte, limits Limits) ([]*Object, error) {
	limits = limits.withDefaults()
	if int64(len(data)) > limits.MaxFileBytes {
		return nil, fmt.Errorf("%s: %d bytes exceeds the %d-byte limit for one file", source, len(data), limits.MaxFileBytes)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []*Object
	for doc := 1; ; doc++ {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %s", source, yamlError(err))
		}
		objs, err := decodeDocument(source, &node, limits)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
}

func decodeDocument(source string, node *yaml.Node, limits Limits) ([]*Object, error) {
	if err := checkSize(node, limits); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", source, node.Line, err)
	}
	var content map[string]any
	if err := node.Decode(&content); err != nil {
		return nil, fmt.Errorf("%s:%d: document is not a mapping: %s", source, node.Line, yamlError(err))
	}
	if content == nil {
		return nil, nil
	}
	clean, err := normalize(content)
	if err != nil {
		return nil, fmt.Errorf("%s:%d: %w", source, node.Line, err)
	}
	u := &unstructured.Unstructured{Object: clean.(map[string]any)}
	where := fmt.Sprintf("%s:%d", source, node.Line)
	if strings.HasSuffix(u.GetKind(), "List") && u.IsList() {
		return expandList(where, u)
	}
	return []*Object{New(u, where)}, nil
}

func expandList(where string, list *unstructured.Unstructured) ([]*Object, error) {
	items, _, err := unstructured.NestedSlice(list.Object, "items")
	if err != nil {
		return nil, fmt.Errorf("%s: expand %s: %w", where, list.GetKind(), err)
	}
	out := make([]*Object, 0, len(items))
	for i, item := range items {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: %s item %d is not an object", where, list.GetKind(), i)
		}
		out = append(out, New(&unstructured.Unstructured{Object: m}, where))
	}
	return out, nil
}

// checkSize walks the node tree, following aliases, and refuses documents
// deeper or larger than the limits before anything is expanded in memory.
func checkSize(root *yaml.Node, limits Limits) error {
	count := 0
	var walk func(n *yaml.Node, depth int) error
	walk = func(n *yaml.Node, depth int) error {
		count++
		if count > limits.MaxNodes {
			return fmt.Errorf("document expands to more than %d YAML nodes (alias expansion bomb?)", limits.MaxNodes)
		}
		if depth > limits.MaxDepth {
			return fmt.Errorf("document nests deeper than %d levels", limits.MaxDepth)
		}
		if n.Tag == "!!timestamp" {
			// Kubernetes reads YAML through JSON: a date stays a string.
			n.Tag = "!!str"
		}
		if n.Kind == yaml.AliasNode {
			return walk(n.Alias, depth+1)
		}
		for _, c := range n.Content {
			if err := walk(c, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(root, 0)
}

// normalize turns decoded YAML into the JSON-compatible values unstructured
// objects hold: string map keys, int64 and float64 numbers.
func normalize(v any) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			n, err := normalize(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			t[k] = n
		}
		return t, nil
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			m[fmt.Sprint(k)] = n
		}
		return m, nil
	case []any:
		for i, e := range t {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			t[i] = n
		}
		return t, nil
	case int:
		return int64(t), nil
	case uint64:
		return int64(t), nil
	case float32:
		return float64(t), nil
	default:
		return t, nil
	}
}

// yamlError drops the library's "yaml: " prefix; its message names the line.
func yamlError(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}
