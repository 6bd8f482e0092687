package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// column is one column of a table or CSV: its header and its cell.
type column[T any] struct {
	name  string
	value func(T) string
}

// format says how to write items of type T in each output format: the
// table's columns (for people) and how the table narrows to fit a
// terminal, the CSV's columns (every field, for spreadsheets) and the JSON
// object (json and jsonl).
type format[T any] struct {
	table  []column[T]
	layout tableLayout
	csv    []column[T]
	json   func(T) any
}

// outStyle is how output is written to one stream: the --output format,
// how tables are drawn there, and whether it is a terminal (where CSV
// cells are made printable too).
type outStyle struct {
	output string
	table  tableStyle
	tty    bool
}

// stdoutStyle is the style of the command's results on stdout.
func (a *app) stdoutStyle() outStyle {
	return outStyle{output: a.g.output, tty: a.outTTY, table: tableStyle{
		width: a.outWidth, wide: a.g.wide, noHeaders: a.g.noHeaders, color: a.outTTY && colorAllowed(a.getenv)}}
}

// stderrTable is the style of a table for people on stderr (a plan, a
// summary beside JSON on stdout): always a table, with headers.
func (a *app) stderrTable() outStyle {
	return outStyle{output: "table", tty: a.errTTY, table: tableStyle{
		width: a.errWidth, wide: a.g.wide, color: a.errTTY && colorAllowed(a.getenv)}}
}

// listWriter writes a list of items in an output style. Nothing is
// written before the first item or close, so that a command that fails
// before its result leaves stdout empty (it drops the writer instead of
// closing it); a table is drawn at close, to fit every row.
type listWriter[T any] struct {
	f       format[T]
	st      outStyle
	w       io.Writer
	cw      *csv.Writer
	rows    [][]string
	n       int
	started bool
	err     error
}

// newListWriter starts a list on w in the style st.
func newListWriter[T any](w io.Writer, st outStyle, f format[T]) *listWriter[T] {
	return &listWriter[T]{f: f, st: st, w: w}
}

// start writes what comes before the first item (a CSV header row).
func (lw *listWriter[T]) start() {
	if lw.started {
		return
	}
	lw.started = true
	if lw.st.output == "csv" {
		lw.cw = csv.NewWriter(lw.w)
		if !lw.st.table.noHeaders {
			lw.err = lw.cw.Write(headers(lw.f.csv, false))
		}
	}
}

// headers returns the columns' names, upper-cased for a table.
func headers[T any](cols []column[T], upper bool) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.name
		if upper {
			out[i] = strings.ToUpper(c.name)
		}
	}
	return out
}

// add writes one item.
func (lw *listWriter[T]) add(item T) error {
	lw.start()
	if lw.err != nil {
		return lw.err
	}
	switch lw.st.output {
	case "csv":
		lw.err = lw.cw.Write(csvCells(lw.f.csv, item, lw.st.tty))
	case "json":
		b, err := json.MarshalIndent(lw.f.json(item), "  ", "  ")
		if err != nil {
			lw.err = err
			break
		}
		sep := ",\n  "
		if lw.n == 0 {
			sep = "[\n  "
		}
		_, lw.err = fmt.Fprintf(lw.w, "%s%s", sep, escapeJSON(b))
	case "jsonl":
		b, err := json.Marshal(lw.f.json(item))
		if err != nil {
			lw.err = err
			break
		}
		_, lw.err = fmt.Fprintf(lw.w, "%s\n", escapeJSON(b))
	default:
		lw.rows = append(lw.rows, tableCells(lw.f.table, item))
	}
	lw.n++
	return lw.err
}

// close ends the list (draws the table, closes the JSON array).
func (lw *listWriter[T]) close() error {
	lw.start()
	if lw.err != nil {
		return lw.err
	}
	switch lw.st.output {
	case "csv":
		lw.cw.Flush()
		return lw.cw.Error()
	case "json":
		if lw.n == 0 {
			_, err := io.WriteString(lw.w, "[]\n")
			return err
		}
		_, err := io.WriteString(lw.w, "\n]\n")
		return err
	case "jsonl":
		return nil
	}
	return renderTable(lw.w, headers(lw.f.table, true), lw.rows, lw.f.layout, lw.st.table)
}

// jsonIndent is v as indented JSON (two spaces), as json output writes it,
// with the characters unsafe on a terminal escaped.
func jsonIndent(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	return escapeJSON(b), err
}

// jsonCompact is v as one line of JSON, as jsonl output writes it, with the
// characters unsafe on a terminal escaped.
func jsonCompact(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	return escapeJSON(b), err
}

// writeList writes items in the style st.
func writeList[T any](w io.Writer, st outStyle, f format[T], items []T) error {
	lw := newListWriter(w, st, f)
	for _, it := range items {
		if err := lw.add(it); err != nil {
			return err
		}
	}
	return lw.close()
}

// tableCells returns the item's cells for a table, made printable; an
// empty cell shows as "-".
func tableCells[T any](cols []column[T], item T) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		v := printable(c.value(item))
		if v == "" {
			v = "-"
		}
		out[i] = v
	}
	return out
}

// csvCells returns the item's cells for CSV: neutralised where a
// spreadsheet would read a formula (csvCell), and printable too when the
// CSV goes to a terminal.
func csvCells[T any](cols []column[T], item T, tty bool) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		v := c.value(item)
		if tty {
			v = printable(v)
		}
		out[i] = csvCell(v)
	}
	return out
}

// timeText is a time in RFC 3339 (UTC), or "" for the zero time.
func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// timeJSON is a time for JSON: RFC 3339 with fractions, omitted when zero.
func timeJSON(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
