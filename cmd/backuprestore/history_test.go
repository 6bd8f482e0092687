package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/offboarding"
)

// fileSum is the SHA-256 of a file, or "" when it does not exist.
func fileSum(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return ""
	}
	require.NoError(t, err)
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

// decodeRuns parses runs list's json output.
func decodeRuns(t *testing.T, s string) []runJSON {
	t.Helper()
	var out []runJSON
	require.NoError(t, json.Unmarshal([]byte(s), &out), "%s", s)
	return out
}

// A journal keeps every run. Runs that write nothing (a dry run, a run
// declined at the prompt, one refused without --yes, one with nothing to
// do) leave the journal's file as it was, byte for byte; status RUN shows
// any run, with names; an unfinished run blocks a new one until it is
// resumed or abandoned (runs abandon asks, keeps it in the history, and
// resume then refuses it); runs list shows every run with its state,
// counts and audit fields.
func TestRunHistory(t *testing.T) {
	srv := fake.NewServer(&fake.Options{RealTimeClock: true, Start: time.Now().UTC(), RemovalDelay: 100 * time.Millisecond})
	seedEmbedded(srv)
	base := serveEmulator(t, srv)
	journal := filepath.Join(t.TempDir(), "history.db")
	e := []string{"--emulator-url", base, "--journal", journal}
	c := cli{}
	first := pick(srv, 2, removable)

	r := c.run(t, append(append(e, "--yes", "-o", "json", "offboard", first[0].ID, first[1].ID), fast...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	sum := fileSum(t, journal)
	require.NotEmpty(t, sum)

	next := pick(srv, 4, removable)[2:]
	for _, tc := range []struct {
		name string
		c    cli
		args []string
		code int
	}{
		{"a dry run", cli{}, []string{"offboard", "--dry-run", next[0].ID}, exitOK},
		{"declined at the prompt", cli{inTTY: true, stdin: "n\n"}, []string{"offboard", next[0].ID}, exitDeclined},
		{"refused without --yes", cli{}, []string{"offboard", next[0].ID}, exitUsage},
		{"nothing to do", cli{}, []string{"--yes", "offboard", first[0].ID, first[1].ID}, exitOK},
		{"a dry cancel", cli{}, []string{"cancel-offboard", "--dry-run", first[0].ID}, exitOK},
	} {
		r := tc.c.run(t, append(e, tc.args...)...)
		require.Equal(t, tc.code, r.code, "%s: %s", tc.name, r.stderr)
		require.Equal(t, sum, fileSum(t, journal), "%s: the journal is untouched", tc.name)
	}

	// An unfinished second run (its removals outlast --wait-timeout).
	require.NoError(t, srv.SetRemovalDelay(time.Hour))
	r = c.run(t, append(e, "--yes", "-o", "json", "offboard", "--wait-timeout", "200ms", "--poll-interval", "50ms", next[0].ID, next[1].ID)...)
	require.Equal(t, exitFailed, r.code, r.stderr)
	r = c.run(t, append(e, "-o", "json", "runs", "list")...)
	require.Equal(t, exitOK, r.code, r.stderr)
	runs := decodeRuns(t, r.stdout)
	require.Len(t, runs, 2)
	require.Equal(t, []string{"finished", "unfinished"}, []string{runs[0].State, runs[1].State})
	require.Equal(t, map[string]int{"done": 2}, runs[0].Counts)
	require.Equal(t, map[string]int{"pending": 2}, runs[1].Counts)
	local := (&app{}).operatorName() // an emulator's opaque token names nobody: the local account
	require.Regexp(t, `^local user .+`, local)
	for _, run := range runs {
		require.Equal(t, local, run.Operator)
		require.Contains(t, run.CommandLine, "backuprestore --emulator-url "+base)
		require.Equal(t, "2 arguments", run.Source)
		require.Equal(t, "the emulator at "+base, run.Endpoint)
		require.NotEmpty(t, run.Host)
	}
	require.NotNil(t, runs[0].Finished)

	// status RUN: the first run, by number, with its units' names.
	r = c.run(t, append(e, "-o", "json", "status", "1")...)
	require.Equal(t, exitOK, r.code, r.stderr)
	st := decodeResults(t, r.stdout)
	require.Equal(t, []string{first[0].ID, first[1].ID}, []string{st[0].ID, st[1].ID})
	require.NotEmpty(t, st[0].Name)
	require.NotContains(t, r.stderr, "Continue with", "an earlier run is not continued")
	r = c.run(t, append(e, "status", "7")...)
	require.Equal(t, exitUsage, r.code, r.stderr)
	require.Contains(t, r.stderr, `holds no run "7" (its runs: 000001, 000002`)

	// A new run is refused while the second is unfinished.
	other := pick(srv, 5, removable)[4].ID
	r = c.run(t, append(e, "--yes", "offboard", other)...)
	require.Equal(t, exitUsage, r.code, r.stderr)
	require.Contains(t, r.stderr, "holds an unfinished offboard run of 2 units")

	// runs abandon: not the finished one; the latest asks first.
	r = c.run(t, append(e, "runs", "abandon", "1")...)
	require.Equal(t, exitUsage, r.code, r.stderr)
	require.Contains(t, r.stderr, "run 000001 is finished")
	r = c.run(t, append(e, "runs", "abandon", "2")...)
	require.Equal(t, exitUsage, r.code, "no terminal, no --yes: %s", r.stderr)
	declined := cli{inTTY: true, stdin: "n\n"}
	r = declined.run(t, append(e, "runs", "abandon", "2")...)
	require.Equal(t, exitDeclined, r.code, r.stderr)
	require.Contains(t, r.stderr, "Abandon run 000002? It can no longer be resumed; 2 units not finished. [y/N]")
	r = c.run(t, append(e, "--yes", "runs", "abandon", "000002")...)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stderr, "Run 000002 abandoned")
	r = c.run(t, append(e, "resume")...)
	require.Equal(t, exitUsage, r.code, r.stderr)
	require.Contains(t, r.stderr, "was abandoned: it cannot be resumed")
	r = c.run(t, append(e, "status")...)
	require.Equal(t, exitFailed, r.code, "its units are pending: %s", r.stderr)
	require.Contains(t, r.stderr, "abandoned ")
	require.NotContains(t, r.stderr, "Continue with", "an abandoned run is not continued")

	require.NoError(t, srv.SetRemovalDelay(100*time.Millisecond))
	r = c.run(t, append(append(e, "--yes", "offboard", other), fast...)...)
	require.Equal(t, exitOK, r.code, "a new run after the abandoned one: %s", r.stderr)
	r = c.run(t, append(e, "-o", "json", "runs", "list")...)
	runs = decodeRuns(t, r.stdout)
	require.Equal(t, []string{"finished", "abandoned", "finished"}, []string{runs[0].State, runs[1].State, runs[2].State})
	require.NotNil(t, runs[1].Abandoned)

	r = c.run(t, append(e, "runs", "list")...)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Regexp(t, `(?m)^RUN\s+ACTION\s+STATE\s+STARTED\s+UNITS\s+OUTCOMES\s+OPERATOR\s+TARGETS$`, r.stdout)
	require.Regexp(t, `(?m)^000002\s+offboard\s+abandoned\s+\S+ \S+\s+2\s+2 pending\s+`+regexp.QuoteMeta(local)+`\s+2 arguments$`, r.stdout)
}

// status and runs list read a journal while another process holds it for
// a run (read-only, no lock); a new run, resume and runs abandon are
// refused, naming that process.
func TestHistoryBesideAWriter(t *testing.T) {
	srv := liveEmulator(t)
	c := cli{srv: srv}
	journal := filepath.Join(t.TempDir(), "busy.db")
	u := pick(srv, 2, removable)
	r := c.run(t, append([]string{"--emulator", "--yes", "--journal", journal, "offboard", u[0].ID}, fast...)...)
	require.Equal(t, exitOK, r.code, r.stderr)

	held, err := openJournal(journal, true, "backuprestore offboard --from departed.csv")
	require.NoError(t, err)
	defer held.close()
	require.NoError(t, (&fileJournal{f: held}).Start(t.Context(), offboarding.RunInfo{Action: offboarding.ActionOffboard, IDs: []string{u[1].ID}, Started: time.Now()}))

	r = c.run(t, "--emulator", "--journal", journal, "-o", "json", "runs", "list")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Len(t, decodeRuns(t, r.stdout), 2)
	r = c.run(t, "--emulator", "--journal", journal, "-o", "json", "status", "1")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Equal(t, u[0].ID, decodeResults(t, r.stdout)[0].ID)

	for _, args := range [][]string{
		{"--yes", "offboard", u[1].ID},
		{"resume"},
		{"--yes", "runs", "abandon", "2"},
	} {
		r = c.run(t, append([]string{"--emulator", "--journal", journal}, args...)...)
		require.Equal(t, exitUsage, r.code, "%v: %s", args, r.stderr)
		require.Contains(t, r.stderr, "is in use by another backuprestore process (process "+fmt.Sprint(os.Getpid()), "%v", args)
		require.Contains(t, r.stderr, "backuprestore offboard --from departed.csv")
	}
	require.Len(t, writes(srv), 2, "the first run's removal and offboard only")
}
