package main

import (
	"bufio"
	"fmt"
	"strings"
)

// confirm asks question on the terminal and reports whether the answer was
// yes. With --yes it does not ask. When stdin is not a terminal it fails
// with a usage error (exit 2): a script must say --yes, having checked the
// plan with --dry-run.
func (a *app) confirm(question, stdinNote string) (bool, error) {
	if a.g.yes {
		return true, nil
	}
	if !a.inTTY {
		return false, usageErrorf("refusing to write without confirmation: stdin is not a terminal%s. Check the plan with --dry-run, then pass --yes", stdinNote)
	}
	fmt.Fprintf(a.err, "%s [y/N] ", question)
	line, err := bufio.NewReader(a.in).ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(a.err)
		return false, nil
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}
