package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rivo/uniseg"
	"github.com/stretchr/testify/require"
)

// OWASP's CSV-injection triggers (and the full-width forms and a line
// feed) get a single quote before them; nothing else changes.
func TestCSVCell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"Finance", "Finance"},
		{"=HYPERLINK(\"http://evil\",\"x\")", "'=HYPERLINK(\"http://evil\",\"x\")"},
		{"+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
		{"-2+3", "'-2+3"},
		{"@SUM(1+1)", "'@SUM(1+1)"},
		{"\tTab", "'\tTab"},
		{"\rCR", "'\rCR"},
		{"\nLF", "'\nLF"},
		{"＝1+1", "'＝1+1"},
		{"＋1", "'＋1"},
		{"－1", "'－1"},
		{"＠A1", "'＠A1"},
		{"a=b", "a=b"},
		{"'=already", "'=already"},
		{"2026-12-01T10:00:00Z", "2026-12-01T10:00:00Z"},
		{" =1+1", " =1+1"},
	} {
		require.Equal(t, tc.want, csvCell(tc.in), "%q", tc.in)
	}
}

// Characters that could drive a terminal (C0, DEL, C1 such as the 8-bit
// CSI, bidirectional controls, line separators) become U+FFFD in a cell;
// a message keeps its newlines.
func TestPrintable(t *testing.T) {
	for _, tc := range []struct{ in, cell, msg string }{
		{"Finance", "Finance", "Finance"},
		{"a\x1b[31mred\x1b[0m", "a\uFFFD[31mred\uFFFD[0m", "a\uFFFD[31mred\uFFFD[0m"},
		{"bell\a", "bell\uFFFD", "bell\uFFFD"},
		{"csi\u009b2J", "csi\uFFFD2J", "csi\uFFFD2J"},
		{"del\x7f", "del\uFFFD", "del\uFFFD"},
		{"\u202egnp.exe", "\uFFFDgnp.exe", "\uFFFDgnp.exe"},
		{"a\u200fb\u2066c\u2069", "a\uFFFDb\uFFFDc\uFFFD", "a\uFFFDb\uFFFDc\uFFFD"},
		{"two\nlines", "two\uFFFDlines", "two\nlines"},
		{"crlf\r\nline", "crlf\uFFFD\uFFFDline", "crlf\nline"},
		{"tab\there", "tab\uFFFDhere", "tab\uFFFDhere"},
		{"bad \xff utf-8", "bad \uFFFD utf-8", "bad \uFFFD utf-8"},
		{"日本語 ✓ 👩‍💻", "日本語 ✓ 👩‍💻", "日本語 ✓ 👩‍💻"},
	} {
		require.Equal(t, tc.cell, printable(tc.in), "printable(%q)", tc.in)
		require.Equal(t, tc.msg, safeMessage(tc.in), "safeMessage(%q)", tc.in)
	}
}

// escapeJSON escapes what encoding/json leaves raw, and the value decodes
// to exactly what it was.
func TestEscapeJSON(t *testing.T) {
	for _, s := range []string{"plain", "\x1b[31m\a", "\u009b2J\x7f", "\u202egnp.exe\u200e", "\u2028\u2029", "日本語"} {
		b, err := json.Marshal(map[string]string{"name": s})
		require.NoError(t, err)
		out := escapeJSON(b)
		for _, r := range string(out) {
			require.False(t, unsafeRune(r), "%q is left raw in %s", r, out)
		}
		var back map[string]string
		require.NoError(t, json.Unmarshal(out, &back))
		require.Equal(t, s, back["name"], "the exact value")
	}
}

// truncate cuts at a grapheme boundary within the width, with "…".
func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  string
	}{
		{"Product Launch 2026", 30, "Product Launch 2026"},
		{"Product Launch 2026", 10, "Product L…"},
		{"日本語のサイト", 7, "日本語…"},
		{"👩‍💻👩‍💻👩‍💻", 5, "👩‍💻👩‍💻…"},
		{"abc", 1, "…"},
		{"abc", 0, ""},
	} {
		got := truncate(tc.in, tc.width)
		require.Equal(t, tc.want, got, "truncate(%q, %d)", tc.in, tc.width)
		require.LessOrEqual(t, uniseg.StringWidth(got), max(tc.width, 0))
	}
}

// A table fits the width: the widest flexible column is cut first, then
// droppable columns go; --wide and a width of 0 keep everything; the
// header row can be left out.
func TestRenderTable(t *testing.T) {
	headers := []string{"ID", "NAME", "POLICY", "OUTCOME"}
	rows := [][]string{
		{"0a5a541b-b3e6-4f1d-97e8-135837e4fe74", "Product Launch 2026 – a long site name", "SharePoint Policy - Inadvertent data loss", "done"},
		{"a1d3c5e7-0f2b-4d6e-8a9c-1b3d5f7a9c01", "日本語のサイト名前", "OneDrive Policy - All users", "failed"},
	}
	layout := tableLayout{flex: []string{"name", "policy"}, drop: []string{"policy"}}
	render := func(st tableStyle) []string {
		var b strings.Builder
		require.NoError(t, renderTable(&b, headers, rows, layout, st))
		return strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	}
	for _, width := range []int{120, 100, 80, 60, 50} {
		lines := render(tableStyle{width: width})
		require.Len(t, lines, 3)
		for _, l := range lines {
			if width >= 60 {
				require.LessOrEqual(t, uniseg.StringWidth(l), width, "width %d: %q", width, l)
			}
		}
		require.Contains(t, lines[1], "0a5a541b-b3e6-4f1d-97e8-135837e4fe74", "IDs are never cut, even where nothing else fits")
	}
	full := render(tableStyle{})
	require.Contains(t, full[1], "Product Launch 2026 – a long site name")
	require.Contains(t, full[1], "SharePoint Policy - Inadvertent data loss")
	require.Equal(t, full, render(tableStyle{width: 60, wide: true}), "--wide keeps everything")

	narrow := render(tableStyle{width: 60})
	require.NotContains(t, narrow[0], "POLICY", "dropped when cutting is not enough")
	require.Contains(t, narrow[1], "…")

	noHeaders := render(tableStyle{noHeaders: true})
	require.Len(t, noHeaders, 2)
	require.Equal(t, full[1:], noHeaders)

	colour := render(tableStyle{color: true})
	require.Contains(t, colour[1], "\x1b[32mdone\x1b[0m")
	require.Contains(t, colour[2], "\x1b[31mfailed\x1b[0m")
	require.NotContains(t, colour[0], "\x1b", "headers are not coloured")
}
