package setter

import (
	"bytes"
	"errors"
	"unicode/utf8"
)

// text maps the parser's positions (1-based lines, columns counted in
// characters, after a leading BOM) to byte offsets.
type text struct {
	data   []byte
	starts []int // byte offset where each line starts
}

var bom = []byte("\xef\xbb\xbf")

func newText(data []byte) *text {
	t := &text{data: data}
	i := 0
	if bytes.HasPrefix(data, bom) {
		i = len(bom)
	}
	t.starts = append(t.starts, i)
	for i < len(data) {
		if n := breakLen(data[i:]); n > 0 {
			i += n
			t.starts = append(t.starts, i)
			continue
		}
		i++
	}
	return t
}

// breakLen is the length of the line break at the start of b, or 0. The
// parser counts \r\n, \r, \n, NEL, LS and PS as breaks, so this does too.
func breakLen(b []byte) int {
	switch {
	case bytes.HasPrefix(b, []byte("\r\n")):
		return 2
	case b[0] == '\r' || b[0] == '\n':
		return 1
	case bytes.HasPrefix(b, []byte("\u0085")):
		return 2
	case bytes.HasPrefix(b, []byte("\u2028")), bytes.HasPrefix(b, []byte("\u2029")):
		return 3
	}
	return 0
}

var errPosition = errors.New("position out of the file")

// offset is the byte offset of a node's line and column.
func (t *text) offset(line, col int) (int, error) {
	if line < 1 || line > len(t.starts) {
		return 0, errPosition
	}
	off := t.starts[line-1]
	for c := 1; c < col; c++ {
		if off >= len(t.data) || breakLen(t.data[off:]) > 0 {
			return 0, errPosition
		}
		_, n := utf8.DecodeRune(t.data[off:])
		off += n
	}
	return off, nil
}

// lineEnd is the offset of the break ending the line that holds off (or
// the end of the data), and that break ("" on the last line).
func (t *text) lineEnd(off int) (int, string) {
	for i := off; i < len(t.data); i++ {
		if n := breakLen(t.data[i:]); n > 0 {
			return i, string(t.data[i : i+n])
		}
	}
	return len(t.data), ""
}

// firstBreak is the file's first line break, "\n" if it has none: the
// style of a line that has to be added after the last one.
func (t *text) firstBreak() string {
	if len(t.starts) > 1 {
		_, br := t.lineEnd(t.starts[0])
		return br
	}
	return "\n"
}
