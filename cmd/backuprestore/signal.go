package main

import (
	"context"
	"errors"
	"os"
	"syscall"
)

// signalError is the cause of a command's context ending because the
// process received a signal (Ctrl-C's SIGINT, or SIGTERM).
type signalError struct{ sig os.Signal }

// Error implements error.
func (e *signalError) Error() string {
	if e.sig == os.Interrupt {
		return "interrupted (Ctrl-C)"
	}
	return "interrupted (" + e.sig.String() + ")"
}

// Is makes the error match context.Canceled, as the end of a context
// cancelled for any other reason does.
func (e *signalError) Is(target error) bool { return target == context.Canceled }

// signalExitCode is the exit code for a signal, as shells report a process
// a signal ended: 128 + its number (130 for SIGINT, 143 for SIGTERM).
func signalExitCode(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return exitInterrupted
}

// interruptCode returns the exit code of a command whose context ended
// (a signal's, or exitInterrupted when it was cancelled otherwise), and
// whether it did end.
func interruptCode(ctx context.Context) (int, bool) {
	if ctx.Err() == nil || errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
		return 0, false
	}
	var se *signalError
	if errors.As(context.Cause(ctx), &se) {
		return signalExitCode(se.sig), true
	}
	return exitInterrupted, true
}
