package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/m365kit/backuprestore"
)

// The exit codes, documented in the root command's help (exitCodesHelp).
const (
	// exitOK: every unit succeeded, or was already in the target state.
	exitOK = 0
	// exitFailed: some units failed (or were skipped, or are not finished),
	// or a read failed.
	exitFailed = 1
	// exitUsage: a usage or input error; nothing was written.
	exitUsage = 2
	// exitUnknown: the outcome of some units is unknown (the request was
	// sent, its answer lost, and reading the unit back did not settle it).
	exitUnknown = 3
	// exitAuth: authentication or authorization failed.
	exitAuth = 4
	// exitDeclined: the answer at the confirmation prompt was not yes;
	// nothing was written.
	exitDeclined = 5
	// exitInterrupted: Ctrl-C (SIGINT) stopped the command, 128 + the
	// signal's number as shells report it; SIGTERM gives 143.
	exitInterrupted = 130
)

// exitCodesHelp is the exit-code section of the root command's help.
const exitCodesHelp = `Exit codes:
  0    every unit succeeded, or was already in the target state (a dry run:
       the plan was read, whatever it says; --allow-skipped: skipped units
       do not count)
  1    some units failed, were skipped or are not finished (or a read failed)
  2    usage or input error (bad flag, unknown target, duplicate line, empty
       file, unusable journal, missing --yes when not on a terminal, …);
       nothing was written
  3    the outcome of some units is unknown: resume settles them
  4    authentication failed, or the token lacks a permission
  5    not confirmed: the answer at the prompt was not yes; nothing was
       written
  130  interrupted by Ctrl-C (SIGINT; 143 for SIGTERM): the results so far
       are shown and resume continues the run`

// exitError is an error with the exit code it stands for.
type exitError struct {
	code int
	err  error
}

// Error implements error.
func (e *exitError) Error() string { return e.err.Error() }

// Unwrap returns the underlying error.
func (e *exitError) Unwrap() error { return e.err }

// usageErrorf is a usage or input error (exit 2).
func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// withCode gives err an exit code.
func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// The permissions the commands need, for the messages of a 403.
const (
	permReadWrite   = "BackupRestore-Configuration.ReadWrite.All"
	permRead        = "BackupRestore-Configuration.Read.All"
	permControlRead = "BackupRestore-Control.Read.All"
)

// classify returns the exit code of err and the message to print for it.
// need is the permission the command requires, named when the service
// refused the token (403 other than OperationNotAllowed).
func classify(err error, need string) (int, string) {
	msg := err.Error()
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code, msg
	}
	switch {
	case errors.Is(err, backuprestore.ErrCredential):
		return exitAuth, "authentication failed: " + msg + credentialHint
	case errors.Is(err, backuprestore.ErrUnauthorized):
		return exitAuth, "authentication failed (401): " + msg + credentialHint
	case errors.Is(err, backuprestore.ErrDelegatedAuthRequired):
		return exitAuth, msg + "\nOffboarding and cancelling need a signed-in user (delegated " + permReadWrite +
			"); app-only credentials cannot do it. Use --auth azurecli, devicecode or browser."
	case permissionDenied(err):
		return exitAuth, fmt.Sprintf("the token lacks a permission (403): %s\nThis command needs the delegated permission %s, "+
			"granted (admin consent) to the application you sign in with.", msg, need)
	case errors.Is(err, backuprestore.ErrInvalidOptions):
		return exitUsage, msg
	}
	return exitFailed, msg
}

// cleanMessage is an error's text as the command line prints it after its
// one "backuprestore: " prefix: without the packages' own prefixes
// (stripPrefixes), with every character unsafe on a terminal replaced
// (safeMessage).
func cleanMessage(msg string) string { return safeMessage(stripPrefixes(msg)) }

// stripPrefixes removes the prefixes the packages put before their own
// errors ("backuprestore: ", "offboarding: "), each of which would repeat
// the program's name along a chain of causes.
func stripPrefixes(msg string) string {
	for _, p := range []string{"backuprestore: ", "offboarding: "} {
		msg = strings.TrimPrefix(msg, p)
		msg = strings.ReplaceAll(msg, ": "+p, ": ")
		msg = strings.ReplaceAll(msg, "\n"+p, "\n")
		msg = strings.ReplaceAll(msg, "("+p, "(")
	}
	return msg
}

// credentialHint follows an authentication failure.
const credentialHint = "\nSign in first (az login, or --auth devicecode|browser with --tenant and --client-id), " +
	"or try the tool with no tenant: backuprestore --emulator …"

// permissionDenied reports whether err is the service refusing the token
// (403) rather than the unit's state (403 OperationNotAllowed).
func permissionDenied(err error) bool {
	if !errors.Is(err, backuprestore.ErrForbidden) || errors.Is(err, backuprestore.ErrOperationNotAllowed) {
		return false
	}
	var e *backuprestore.Error
	if !errors.As(err, &e) {
		return true
	}
	switch strings.ToLower(e.Code) {
	case "forbidden", "accessdenied", "authorization_requestdenied", "":
		return true
	}
	return strings.Contains(strings.ToLower(e.Message), "permission")
}
