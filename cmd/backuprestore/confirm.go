package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"
)

// confirm asks question on the terminal and reports whether the answer was
// yes. With --yes it does not ask. When stdin is not a terminal it fails
// with a usage error (exit 2): a script must say --yes, having checked the
// plan with --dry-run. The context's end (Ctrl-C at the prompt) returns at
// once, with the context's cause: nothing is written.
func (a *app) confirm(ctx context.Context, question, stdinNote string) (bool, error) {
	if a.g.yes {
		return true, nil
	}
	if !a.inTTY {
		return false, usageErrorf("refusing to write without confirmation: stdin is not a terminal%s. Check the plan with --dry-run, then pass --yes", stdinNote)
	}
	fmt.Fprintf(a.err, "%s [y/N] ", safeMessage(question))
	type answer struct {
		line string
		err  error
	}
	// The read goes on in its own goroutine, so that Ctrl-C need not wait
	// for Enter; the process ends soon after, and the goroutine with it.
	got := make(chan answer, 1)
	go func() {
		line, err := bufio.NewReader(a.in).ReadString('\n')
		got <- answer{line, err}
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(a.err)
		return false, fmt.Errorf("%w at the prompt: nothing was written", context.Cause(ctx))
	case ans := <-got:
		if ans.err != nil && ans.line == "" {
			fmt.Fprintln(a.err)
			return false, nil
		}
		switch strings.ToLower(strings.TrimSpace(ans.line)) {
		case "y", "yes":
			return true, nil
		}
		return false, nil
	}
}
