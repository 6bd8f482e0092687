package main

import (
	"path/filepath"
	"strings"
)

// continueCommand is the exact command that continues the run this
// invocation started or resumed, to be run as printed: "backuprestore",
// the flags that name its service and journal as this invocation gave them
// (--emulator, --emulator-url with --emulator-ca, --profile, --journal made
// absolute), and "resume". Every endpoint has its own default journal, so
// "backuprestore resume" alone would open another file.
func (a *app) continueCommand() string {
	args := []string{"backuprestore"}
	ep := a.endpoint()
	if a.runEP != nil {
		ep = *a.runEP
	}
	switch ep.Mode {
	case modeEmbedded:
		args = append(args, "--emulator")
	case modeURL:
		args = append(args, "--emulator-url", ep.URL)
		if ep.CAFile != "" {
			args = append(args, "--emulator-ca", absPath(ep.CAFile))
		}
	}
	if a.g.profile != "" {
		args = append(args, "--profile", a.g.profile)
	}
	if a.g.journal != "" {
		args = append(args, "--journal", absPath(a.g.journal))
	}
	return shellJoin(append(args, "resume"))
}

// absPath is p made absolute (p itself when that fails).
func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// shellJoin joins words into a command line a POSIX shell reads back as
// the same words: a word with anything but letters, digits and -_./:@%+=,
// is single-quoted.
func shellJoin(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = shellQuote(w)
	}
	return strings.Join(out, " ")
}

// shellQuote quotes one word for a POSIX shell.
func shellQuote(w string) string {
	if w != "" && strings.IndexFunc(w, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@%+=,", r))
	}) < 0 {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}
