package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
)

// A dry run exits 0 once its plan is read, whatever the plan says
// (skipped, already); 1 only when a unit could not be read. A run exits 1
// for a skipped unit unless --allow-skipped accepts it.
func TestDryRunAndSkippedExitCodes(t *testing.T) {
	srv := liveEmulator(t)
	skipped := pick(srv, 1, dynamicRule)[0].ID
	already := pick(srv, 1, offboardingUnit)[0].ID
	plain := pick(srv, 2, removable)
	c := cli{srv: srv}

	r := c.run(t, "--emulator", "offboard", "--dry-run", skipped, already)
	require.Equal(t, exitOK, r.code, "the plan was read: %s", r.stderr)
	require.Contains(t, r.stdout, "skipped")

	srv.AddFault(fake.Fault{Route: fake.RouteGet, InBatch: true, UnitID: plain[0].ID, Kind: fake.FaultStatus, Status: 404,
		Code: "ProtectionUnitNotFound", Message: "gone between the listing and the read"})
	r = c.run(t, "--emulator", "-o", "json", "offboard", "--dry-run", plain[0].ID, skipped)
	require.Equal(t, exitFailed, r.code, "a unit could not be read: %s", r.stderr)

	r = c.run(t, append([]string{"--emulator", "--yes", "-o", "json", "offboard", plain[1].ID, skipped}, fast...)...)
	require.Equal(t, exitFailed, r.code, "a run that skipped a unit: %s", r.stderr)

	other := pick(srv, 3, removable)[2].ID
	r = c.run(t, append([]string{"--emulator", "--yes", "-o", "json", "offboard", "--allow-skipped", other, skipped}, fast...)...)
	require.Equal(t, exitOK, r.code, "--allow-skipped: %s", r.stderr)
	res := decodeResults(t, r.stdout)
	require.Equal(t, []string{"done", "skipped"}, []string{res[0].Outcome, res[1].Outcome})
}

// A journal that cannot be used exits 2 with its real cause, before
// anything is sent.
func TestJournalPathProblems(t *testing.T) {
	srv := testEmulator()
	u := pick(srv, 1, removable)[0].ID
	file := writeFile(t, "plain.txt", "not a directory")
	dir := t.TempDir()
	for _, tc := range []struct {
		name, path, msg string
	}{
		{"under a file", filepath.Join(file, "journal.db"), "not a directory"},
		{"a directory", dir, "is a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cli{srv: srv}
			for _, args := range [][]string{
				{"--emulator", "--yes", "--journal", tc.path, "offboard", u},
				{"--emulator", "--journal", tc.path, "status"},
				{"--emulator", "--journal", tc.path, "resume"},
			} {
				r := c.run(t, args...)
				require.Equal(t, exitUsage, r.code, "%v: %s", args, r.stderr)
				require.Contains(t, r.stderr, tc.msg)
				require.NotContains(t, r.stderr, "is it a backuprestore journal")
				require.Empty(t, r.stdout)
			}
			require.Empty(t, writes(srv))
		})
	}
	if os.Geteuid() != 0 {
		locked := filepath.Join(t.TempDir(), "locked")
		require.NoError(t, os.Mkdir(locked, 0o500))
		c := cli{srv: srv}
		r := c.run(t, "--emulator", "--yes", "--journal", filepath.Join(locked, "sub", "j.db"), "offboard", u)
		require.Equal(t, exitUsage, r.code, r.stderr)
		require.Contains(t, r.stderr, "permission denied")
	}
}

// Every error is printed with one "backuprestore: " prefix, however many
// packages its chain of causes went through.
func TestOnePrefix(t *testing.T) {
	srv := testEmulator()
	srv.AddFault(fake.Fault{Route: fake.RouteList, Kind: fake.FaultStatus, Status: 400, Code: "BadRequest", Message: "nope"})
	c := cli{srv: srv}
	for _, args := range [][]string{
		{"--emulator", "units", "list"},
		{"--emulator", "offboard", "--dry-run", "x@contoso.com"},
		{"--emulator", "policies", "list", "--kind", "team"},
	} {
		r := c.run(t, args...)
		require.NotEqual(t, exitOK, r.code)
		require.Equal(t, 1, strings.Count(r.stderr, "backuprestore: "), "%v: %s", args, r.stderr)
		require.True(t, strings.HasPrefix(r.stderr, "backuprestore: "), r.stderr)
	}
	require.Equal(t, "listing: 400 BadRequest: nope", stripPrefixes("backuprestore: listing: backuprestore: 400 BadRequest: nope"))
	require.Equal(t, "start the run: journal x (held)", stripPrefixes("offboarding: start the run: journal x (offboarding: held)"))
}

// A signal's exit code is 128 + its number, as shells report it; a
// context that ended otherwise is an interruption too (130); a deadline
// is not.
func TestSignalExitCodes(t *testing.T) {
	require.Equal(t, 130, signalExitCode(syscall.SIGINT))
	require.Equal(t, 130, signalExitCode(os.Interrupt))
	require.Equal(t, 143, signalExitCode(syscall.SIGTERM))

	ctx, cancel := context.WithCancelCause(t.Context())
	_, ended := interruptCode(ctx)
	require.False(t, ended)
	cancel(&signalError{sig: syscall.SIGTERM})
	code, ended := interruptCode(ctx)
	require.True(t, ended)
	require.Equal(t, 143, code)
	require.ErrorIs(t, context.Cause(ctx), context.Canceled, "a signal's end is a cancellation")
	require.Equal(t, "interrupted (terminated)", context.Cause(ctx).Error())

	ctx, cancel2 := context.WithCancel(t.Context())
	cancel2()
	code, ended = interruptCode(ctx)
	require.True(t, ended)
	require.Equal(t, exitInterrupted, code)

	ctx, cancel3 := context.WithTimeout(t.Context(), time.Nanosecond)
	defer cancel3()
	<-ctx.Done()
	_, ended = interruptCode(ctx)
	require.False(t, ended, "a deadline is not an interruption")
}

// --no-headers leaves out the header row of tables and CSV.
func TestNoHeaders(t *testing.T) {
	var c cli
	for _, out := range []string{"table", "csv"} {
		r := c.run(t, "--emulator", "--no-headers", "-o", out, "units", "list", "--limit", "3")
		require.Equal(t, exitOK, r.code, r.stderr)
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		require.Len(t, lines, 3, out)
		require.NotContains(t, r.stdout, "ID", out)
		require.NotContains(t, r.stdout, "kind,", out)
	}
}
