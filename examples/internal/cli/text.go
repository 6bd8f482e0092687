package cli

import (
	"strconv"
	"strings"
	"unicode"
)

// Printable is id as it is, or quoted when it holds a character that is not
// printable (a malformed ID from an -ids file), so that a table stays a table.
func Printable(id string) string {
	if strings.ContainsFunc(id, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return strconv.Quote(id)
	}
	return id
}

// FirstLine is s up to its first newline: an error's headline, for a table
// cell or a one-line summary.
func FirstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
