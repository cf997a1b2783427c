package setter

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// A marker's key in a comment; the prefilter that spares Helm templates
// and other files without markers the parse. A label value "tugboat" is
// not followed by a colon.
var (
	markerKey     = regexp.MustCompile(`"tugboat"\s*:`)
	markerComment = regexp.MustCompile(`#[^\r\n]*"tugboat"\s*:`)
)

func hasMarker(data []byte) bool { return markerComment.Match(data) }

// target is one scalar to set from one policy's image.
type target struct {
	node   *yaml.Node
	policy string
	part   string
}

// parseMarker reads a line comment; ok is false if it is no marker.
func parseMarker(comment string) (policy, part string, ok bool, err error) {
	text := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(comment), "#"))
	if !strings.HasPrefix(text, "{") || !markerKey.MatchString(text) {
		return "", "", false, nil
	}
	var m struct {
		Tugboat *string `json:"tugboat"`
	}
	if err := json.Unmarshal([]byte(text), &m); err != nil || m.Tugboat == nil {
		return "", "", true, fmt.Errorf("%w: %s: want {\"tugboat\": \"POLICY[:tag|:name|:digest]\"}", ErrBadMarker, text)
	}
	policy = *m.Tugboat
	if i := strings.LastIndex(policy, ":"); i >= 0 {
		policy, part = policy[:i], policy[i+1:]
		if part != PartTag && part != PartName && part != PartDigest {
			return "", "", true, fmt.Errorf("%w: %s: unknown part %q, want tag, name or digest", ErrBadMarker, text, part)
		}
	}
	if policy == "" {
		return "", "", true, fmt.Errorf("%w: %s: no policy name", ErrBadMarker, text)
	}
	return policy, part, true, nil
}

// markers finds the targets of marker comments: on a mapping value (the
// parser puts the comment on the value, or on the key when the value
// starts on a later line) and on a sequence item.
type markers struct {
	file    string
	text    *text
	targets []target
	errs    []error
}

func (m *markers) walk(n *yaml.Node) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			m.walk(c)
		}
	case yaml.MappingNode:
		m.check(n)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			m.comment(k.LineComment, v, k.Line)
			m.visit(v)
		}
	case yaml.SequenceNode:
		m.check(n)
		for _, c := range n.Content {
			m.visit(c)
		}
	}
}

// visit takes a value: a scalar's own marker, or a collection's contents.
func (m *markers) visit(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode || n.Kind == yaml.AliasNode {
		m.comment(n.LineComment, n, n.Line)
		return
	}
	m.walk(n)
}

// check reports a marker on a collection (`list: [a, b] # {...}`).
func (m *markers) check(n *yaml.Node) {
	if _, _, ok, _ := parseMarker(n.LineComment); ok {
		m.errs = append(m.errs, errAt(m.file, n.Line, ErrNotSettable, "marker on a %s", kindName(n.Kind)))
	}
}

// comment adds the target of a marker found in comment, on value.
func (m *markers) comment(comment string, value *yaml.Node, line int) {
	policy, part, ok, err := parseMarker(comment)
	switch {
	case !ok:
		return
	case err != nil:
		m.errs = append(m.errs, &Error{File: m.file, Line: line, Err: err})
	case value.Kind != yaml.ScalarNode:
		m.errs = append(m.errs, errAt(m.file, line, ErrNotSettable, "marker for policy %q on a value that is not a scalar", policy))
	case !m.onLine(comment, line) && m.singleLine(value):
		// The parser attached the comment elsewhere than its line: better
		// refuse than set the wrong field.
		m.errs = append(m.errs, errAt(m.file, line, ErrBadMarker, "marker %s not found on the line of its field", comment))
	default:
		m.targets = append(m.targets, target{node: value, policy: policy, part: part})
	}
}

// onLine reports whether comment is written on line.
func (m *markers) onLine(comment string, line int) bool {
	if line < 1 || line > len(m.text.starts) {
		return false
	}
	start := m.text.starts[line-1]
	end, _ := m.text.lineEnd(start)
	return strings.Contains(string(m.text.data[start:end]), comment)
}

// singleLine reports whether a scalar can be set; one that cannot fails
// later with the reason.
func (m *markers) singleLine(n *yaml.Node) bool {
	_, _, err := m.text.scalarSpan(n)
	return err == nil
}
