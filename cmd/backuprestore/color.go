package main

// Outcomes are coloured on a terminal, so that a failure stands out in a
// long table: done green, planned and already cyan, skipped and pending
// yellow, failed red, unknown (in doubt) bold magenta. Colour is off when
// the output is not a terminal, when NO_COLOR is set to anything
// (https://no-color.org) and when TERM is "dumb".

// sgrReset ends a coloured cell.
const sgrReset = "\x1b[0m"

// outcomeColors are the SGR sequences of the outcomes' names.
var outcomeColors = map[string]string{
	"done":      "\x1b[32m",
	"planned":   "\x1b[36m",
	"already":   "\x1b[36m",
	"skipped":   "\x1b[33m",
	"pending":   "\x1b[33m",
	"failed":    "\x1b[31m",
	"unknown":   "\x1b[1;35m",
	"protected": "\x1b[32m",
	"notFound":  "\x1b[31m",
	"invalid":   "\x1b[31m",
}

// outcomeColor is the colour of an outcome cell, or "" for none.
func outcomeColor(cell string) string { return outcomeColors[cell] }

// colorAllowed reports whether colour may be used on a terminal, given the
// environment.
func colorAllowed(getenv func(string) string) bool {
	return getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}
