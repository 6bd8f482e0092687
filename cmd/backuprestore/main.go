package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		// The first signal ends the command's context: a run stops
		// sending, journals what it learnt and reports; a prompt returns
		// at once. A second one ends the process now (the journal is
		// crash-safe: resume continues).
		s := <-sigs
		cancel(&signalError{sig: s})
		s = <-sigs
		os.Exit(signalExitCode(s))
	}()
	code := run(ctx, os.Args[1:], osStreams())
	signal.Stop(sigs)
	cancel(nil)
	os.Exit(code)
}

// osStreams returns the process's standard streams, with which of them are
// terminals and how wide.
func osStreams() streams {
	return streams{
		in: os.Stdin, out: os.Stdout, err: os.Stderr,
		inTTY:    term.IsTerminal(int(os.Stdin.Fd())),
		outTTY:   term.IsTerminal(int(os.Stdout.Fd())),
		errTTY:   term.IsTerminal(int(os.Stderr.Fd())),
		outWidth: termWidth(os.Stdout),
		errWidth: termWidth(os.Stderr),
		getenv:   os.Getenv,
	}
}

// termWidth is the width of the terminal f is, or 0 when it is none.
func termWidth(f *os.File) int {
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil || w <= 0 {
		return 0
	}
	return w
}
