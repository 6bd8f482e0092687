package main

import (
	"io"
	"slices"
	"strings"

	"github.com/rivo/uniseg"
)

// Tables are for people: on a terminal they fit its width. A table's
// layout names the columns that may be truncated (flex: a name, an address,
// a reason; the widest is shortened first, each down to minFlexWidth, with
// "…" at the cut) and the columns that may be left out when truncating is
// not enough (drop, the first named first). --wide shows every column in
// full; output that is not a terminal (a pipe, a file) is never cut. Cells
// are measured in terminal columns (East Asian wide characters count two).
// On a terminal, the outcome column is coloured (see outcomeColor), unless
// NO_COLOR is set.

// tableLayout says how a table may be narrowed to fit.
type tableLayout struct {
	// flex are the columns that may be truncated.
	flex []string
	// drop are the columns that may be left out, the first first.
	drop []string
	// min overrides minFlexWidth for some flexible columns (a reason is
	// no use cut to ten columns: better leave out another column).
	min map[string]int
}

// tableStyle is how a table is drawn where it goes.
type tableStyle struct {
	// width is the terminal's width in columns; 0: no limit.
	width int
	// wide: every column, nothing truncated (--wide).
	wide bool
	// noHeaders leaves out the header row (--no-headers).
	noHeaders bool
	// color colours outcomes (a terminal, and NO_COLOR unset).
	color bool
}

// minFlexWidth is the narrowest a truncated column becomes.
const minFlexWidth = 10

// colGap is the space between columns.
const colGap = 2

// renderTable writes a table of cells (already printable) under headers,
// laid out for st.
func renderTable(w io.Writer, headers []string, rows [][]string, layout tableLayout, st tableStyle) error {
	shown := make([]int, len(headers)) // indexes of the columns shown
	for i := range headers {
		shown[i] = i
	}
	widths := make([]int, len(headers))
	for i, h := range headers {
		if !st.noHeaders {
			widths[i] = uniseg.StringWidth(h)
		}
		for _, r := range rows {
			widths[i] = max(widths[i], uniseg.StringWidth(r[i]))
		}
	}
	limit := st.width
	if st.wide {
		limit = 0
	}
	if limit > 0 {
		shown, widths = fit(headers, shown, widths, layout, limit, st.noHeaders)
	}
	var b strings.Builder
	line := func(cells []string, header bool) {
		b.Reset()
		for k, i := range shown {
			cell := cells[i]
			if uniseg.StringWidth(cell) > widths[i] {
				cell = truncate(cell, widths[i])
			}
			pad := widths[i] - uniseg.StringWidth(cell)
			if st.color && !header && strings.EqualFold(headers[i], "outcome") {
				if c := outcomeColor(cell); c != "" {
					cell = c + cell + sgrReset
				}
			}
			b.WriteString(cell)
			if k < len(shown)-1 {
				b.WriteString(strings.Repeat(" ", pad+colGap))
			}
		}
		b.WriteByte('\n')
	}
	if !st.noHeaders {
		line(headers, true)
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	for _, r := range rows {
		line(r, false)
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	return nil
}

// fit narrows a table to limit columns: it shortens the widest flexible
// column one column at a time (never below minFlexWidth, nor below its
// header), and when that is not enough leaves out the droppable columns in
// order and tries again. It returns the columns shown and their widths.
func fit(headers []string, shown, widths []int, layout tableLayout, limit int, noHeaders bool) ([]int, []int) {
	natural := slices.Clone(widths)
	index := func(name string) int {
		return slices.IndexFunc(headers, func(h string) bool { return strings.EqualFold(h, name) })
	}
	total := func() int {
		t := 0
		for _, i := range shown {
			t += widths[i]
		}
		return t + colGap*max(len(shown)-1, 0)
	}
	floor := func(i int) int {
		f := minFlexWidth
		if m, ok := layout.min[strings.ToLower(headers[i])]; ok {
			f = m
		}
		if !noHeaders {
			f = max(f, uniseg.StringWidth(headers[i]))
		}
		return min(f, natural[i])
	}
	drops := layout.drop
	for {
		for total() > limit {
			widest := -1
			for _, name := range layout.flex {
				i := index(name)
				if i < 0 || !slices.Contains(shown, i) || widths[i] <= floor(i) {
					continue
				}
				if widest < 0 || widths[i] > widths[widest] {
					widest = i
				}
			}
			if widest < 0 {
				break
			}
			widths[widest]--
		}
		if total() <= limit || len(drops) == 0 {
			return shown, widths
		}
		// Leave out the next droppable column and start again from the
		// natural widths, so that what it freed goes to the others.
		if i := index(drops[0]); i >= 0 {
			shown = slices.DeleteFunc(shown, func(j int) bool { return j == i })
		}
		drops = drops[1:]
		copy(widths, natural)
	}
}

// truncate shortens s to at most width terminal columns, ending it with
// "…"; it never splits a character (nor a grapheme cluster).
func truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if uniseg.StringWidth(s) <= width {
		return s
	}
	var b strings.Builder
	used := 0
	state := -1
	rest := s
	for len(rest) > 0 {
		var cluster string
		var w int
		cluster, rest, w, state = uniseg.FirstGraphemeClusterInString(rest, state)
		if used+w > width-1 {
			break
		}
		b.WriteString(cluster)
		used += w
	}
	return b.String() + "…"
}
