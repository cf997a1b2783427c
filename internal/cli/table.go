package cli

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// columnGap is the space between columns, as in kubectl's tables.
const columnGap = 2

// table aligns rows into columns. Unlike a tabwriter, which aligns only
// the lines it flushes together, it keeps its column widths between
// writes, so that the rows a watch prints one at a time line up under
// the header printed before them (and widen the table only when a cell
// does not fit).
type table struct {
	widths []int
}

// write fits the columns to rows, then writes them, one line each.
func (t *table) write(w io.Writer, rows ...[]string) error {
	for _, row := range rows {
		t.fit(row)
	}
	var b strings.Builder
	for _, row := range rows {
		t.line(&b, row)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// fit widens the columns that row's cells do not fit in.
func (t *table) fit(row []string) {
	for i, cell := range row {
		n := utf8.RuneCountInString(cell)
		if i == len(t.widths) {
			t.widths = append(t.widths, n)
		} else if n > t.widths[i] {
			t.widths[i] = n
		}
	}
}

// line writes row padded to the column widths; the last cell is not
// padded, so that lines carry no trailing spaces.
func (t *table) line(b *strings.Builder, row []string) {
	for i, cell := range row {
		b.WriteString(cell)
		if i < len(row)-1 {
			b.WriteString(strings.Repeat(" ", t.widths[i]-utf8.RuneCountInString(cell)+columnGap))
		}
	}
	b.WriteByte('\n')
}
