package main

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Names, addresses and messages come from a tenant (or from a service's
// error body) and are data: none of their characters may drive the
// terminal that shows them. A character is unsafe on a terminal when it is
// a control character (C0, DEL and C1, which holds the 8-bit CSI U+009B),
// a bidirectional formatting character (the right-to-left override of a
// "Trojan Source" name, U+200E/U+200F marks, the isolates) or a line or
// paragraph separator. Tables and messages show each such character as
// U+FFFD; JSON output escapes it (\u001b), which keeps the exact value.

// unsafeRune reports whether r must not reach a terminal as it is.
func unsafeRune(r rune) bool {
	switch {
	case unicode.IsControl(r): // C0, DEL, C1
		return true
	case r == '\u061C', r == '\u200E', r == '\u200F', // ALM, LRM, RLM
		r >= '\u202A' && r <= '\u202E', // LRE, RLE, PDF, LRO, RLO
		r >= '\u2066' && r <= '\u2069', // LRI, RLI, FSI, PDI
		r == '\u2028', r == '\u2029':   // line and paragraph separators
		return true
	}
	return false
}

// printable replaces every character unsafe on a terminal (tabs and
// newlines included) with U+FFFD, so that a table cell neither breaks the
// table nor drives the terminal. Invalid UTF-8 becomes U+FFFD too.
func printable(s string) string {
	if !strings.ContainsFunc(s, unsafeRune) && utf8.ValidString(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unsafeRune(r) {
			return '\uFFFD'
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// safeMessage is printable for a message of several lines: newlines are
// kept (and a carriage return before one); every other unsafe character
// becomes U+FFFD. Errors, notes and prompts go through it.
func safeMessage(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && unsafeRune(r) }) && utf8.ValidString(s) {
		return s
	}
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		if r != '\n' && unsafeRune(r) {
			return '\uFFFD'
		}
		return r
	}, s)
}

// escapeJSON rewrites, in JSON text produced by encoding/json, every
// character unsafe on a terminal that encoding/json leaves as it is (DEL,
// the C1 controls, the bidirectional formatting characters) as a \uXXXX
// escape. The document's values stay exactly what they were: such
// characters occur only inside strings, where the escape means the same
// character.
func escapeJSON(b []byte) []byte {
	i := 0
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if unsafeRune(r) && r >= 0x7f {
			break
		}
		i += n
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	out = append(out, b[:i]...)
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if unsafeRune(r) && r >= 0x7f {
			const hex = "0123456789abcdef"
			out = append(out, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
		} else {
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}
