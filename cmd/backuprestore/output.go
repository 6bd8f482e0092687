package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
)

// column is one column of a table or CSV: its header and its cell.
type column[T any] struct {
	name  string
	value func(T) string
}

// format says how to write items of type T in each output format: the
// table's columns (for people), the CSV's columns (every field, for
// spreadsheets) and the JSON object (json and jsonl).
type format[T any] struct {
	table []column[T]
	csv   []column[T]
	json  func(T) any
}

// listWriter writes a list of items in the --output format. Table output is
// aligned when the list is closed; the other formats stream.
type listWriter[T any] struct {
	f      format[T]
	output string
	w      io.Writer
	tw     *tabwriter.Writer
	cw     *csv.Writer
	n      int
	err    error
}

// newListWriter starts a list on w in the given output format.
func newListWriter[T any](w io.Writer, output string, f format[T]) *listWriter[T] {
	lw := &listWriter[T]{f: f, output: output, w: w}
	switch output {
	case "csv":
		lw.cw = csv.NewWriter(w)
		lw.err = lw.cw.Write(headers(f.csv, false))
	case "json", "jsonl":
	default:
		lw.tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		lw.err = writeTabRow(lw.tw, headers(f.table, true))
	}
	return lw
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
	if lw.err != nil {
		return lw.err
	}
	switch lw.output {
	case "csv":
		lw.err = lw.cw.Write(cells(lw.f.csv, item, false))
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
		_, lw.err = fmt.Fprintf(lw.w, "%s%s", sep, b)
	case "jsonl":
		b, err := json.Marshal(lw.f.json(item))
		if err != nil {
			lw.err = err
			break
		}
		_, lw.err = fmt.Fprintf(lw.w, "%s\n", b)
	default:
		lw.err = writeTabRow(lw.tw, cells(lw.f.table, item, true))
	}
	lw.n++
	return lw.err
}

// close ends the list (aligns the table, closes the JSON array).
func (lw *listWriter[T]) close() error {
	if lw.err != nil {
		return lw.err
	}
	switch lw.output {
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
	return lw.tw.Flush()
}

// jsonIndent is v as indented JSON (two spaces), as json output writes it.
func jsonIndent(v any) ([]byte, error) { return json.MarshalIndent(v, "", "  ") }

// writeList writes items in the output format.
func writeList[T any](w io.Writer, output string, f format[T], items []T) error {
	lw := newListWriter(w, output, f)
	for _, it := range items {
		if err := lw.add(it); err != nil {
			return err
		}
	}
	return lw.close()
}

// cells returns the item's cells; for a table they are made safe to print.
func cells[T any](cols []column[T], item T, table bool) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		v := c.value(item)
		if table {
			v = printable(v)
			if v == "" {
				v = "-"
			}
		}
		out[i] = v
	}
	return out
}

// writeTabRow writes one tab-separated row.
func writeTabRow(w io.Writer, row []string) error {
	_, err := io.WriteString(w, strings.Join(row, "\t")+"\n")
	return err
}

// printable replaces control characters (escape sequences a tenant's
// names could carry, tabs, newlines) with U+FFFD, so that a table cell
// neither breaks the table nor drives the terminal.
func printable(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '\uFFFD'
		}
		return r
	}, s)
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
