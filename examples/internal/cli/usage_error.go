package cli

import "fmt"

// Exit statuses of every example program.
const (
	// ExitOK: the job is done, or -h printed the usage.
	ExitOK = 0
	// ExitFailure: the job failed; the message on stderr says how.
	ExitFailure = 1
	// ExitUsage: the command line is wrong; nothing was sent.
	ExitUsage = 2
)

// UsageError is an error in the command line: a flag out of range or
// malformed, flags that contradict each other, one missing. Program.Exit
// prints it with the usage and returns ExitUsage.
type UsageError struct {
	// Err says what is wrong, naming the flag or variable.
	Err error
}

// Error implements error.
func (e *UsageError) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef returns a *UsageError with the formatted message (%w wraps, as in
// fmt.Errorf).
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}
