package setter

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// scalarSpan returns the byte range of a single-line scalar's source text,
// quotes included, anchors and tags excluded; an empty range right after
// the colon for a value left empty.
func (t *text) scalarSpan(n *yaml.Node) (int, int, error) {
	switch {
	case n.Kind == yaml.AliasNode:
		return 0, 0, fmt.Errorf("an alias (*%s)", n.Value)
	case n.Kind != yaml.ScalarNode:
		return 0, 0, fmt.Errorf("a %s", kindName(n.Kind))
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return 0, 0, fmt.Errorf("a block scalar")
	}
	off, err := t.offset(n.Line, n.Column)
	if err != nil {
		return 0, 0, err
	}
	end, _ := t.lineEnd(off)
	off = skipProperties(t.data, off, end)
	src := string(t.data[off:end])
	var n2 int
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		n2 = closingQuote(src, '"')
	case n.Style&yaml.SingleQuotedStyle != 0:
		n2 = closingQuote(src, '\'')
	case n.Value == "" && n.Tag == "!!null" && off > 0 && t.data[off-1] == ':':
		return off, off, nil // `key:` with nothing after: set writes " value"
	case n.Value == "":
		return 0, 0, fmt.Errorf("an empty value")
	case strings.HasPrefix(src, n.Value):
		n2 = len(n.Value)
	default:
		n2 = -1 // a plain scalar folded over several lines
	}
	if n2 < 0 {
		return 0, 0, fmt.Errorf("a multi-line scalar")
	}
	// Decoding the source again guards against any position mismatch.
	if v, err := decodeScalar(src[:n2]); err != nil || v != n.Value {
		return 0, 0, fmt.Errorf("a scalar whose source text could not be located")
	}
	return off, off + n2, nil
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	}
	return "document"
}

// skipProperties skips an anchor (&a) and a tag (!!str) before a scalar:
// the parser's position for a scalar is that of its first property.
func skipProperties(data []byte, off, end int) int {
	for off < end && (data[off] == '&' || data[off] == '!') {
		for off < end && data[off] != ' ' && data[off] != '\t' {
			off++
		}
		for off < end && (data[off] == ' ' || data[off] == '\t') {
			off++
		}
	}
	return off
}

// closingQuote returns the length of the quoted scalar starting src,
// closing quote included, or -1 if it does not close on this line.
func closingQuote(src string, q byte) int {
	for i := 1; i < len(src); i++ {
		switch {
		case q == '"' && src[i] == '\\':
			i++
		case src[i] == q && q == '\'' && i+1 < len(src) && src[i+1] == '\'':
			i++
		case src[i] == q:
			return i + 1
		}
	}
	return -1
}

// decodeScalar parses src as a lone YAML scalar.
func decodeScalar(src string) (string, error) {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		return "", err
	}
	if len(n.Content) != 1 || n.Content[0].Kind != yaml.ScalarNode {
		return "", fmt.Errorf("%q is not a scalar", src)
	}
	return n.Content[0].Value, nil
}

// render writes v in the style of the scalar it replaces. A plain scalar
// that held a string is double-quoted if v would read as something else
// (a tag "1.10" is not the float 1.1) or would not parse at all.
func render(v string, old *yaml.Node) (string, error) {
	if i := strings.IndexFunc(v, func(r rune) bool { return !unicode.IsPrint(r) }); i >= 0 {
		return "", fmt.Errorf("value %q has a control or non-printable character", v)
	}
	var out string
	switch {
	case old.Style&yaml.SingleQuotedStyle != 0:
		out = "'" + strings.ReplaceAll(v, "'", "''") + "'"
	case old.Style&yaml.DoubleQuotedStyle != 0:
		out = strconv.Quote(v)
	case plainKeeps(v, old.Tag):
		out = v
	default:
		out = strconv.Quote(v)
	}
	if got, err := decodeScalar(out); err != nil || got != v {
		return "", fmt.Errorf("value %q cannot be written as a YAML scalar", v)
	}
	return out, nil
}

// plainKeeps reports whether v, written plain, reads back as v with the
// tag the old value had, or as a string. Flow indicators are refused, as
// the scalar may sit in a flow collection.
func plainKeeps(v, oldTag string) bool {
	if strings.ContainsAny(v, ",[]{}") {
		return false
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(v), &n); err != nil || len(n.Content) != 1 {
		return false
	}
	s := n.Content[0]
	return s.Kind == yaml.ScalarNode && s.Style == 0 && s.Value == v && (s.Tag == "!!str" || s.Tag == oldTag)
}
