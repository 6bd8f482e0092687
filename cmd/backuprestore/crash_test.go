//go:build unix

package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The crash test's figures.
const (
	crashUnits = 2000
	crashKills = 6
	// crashSeed seeds the kill points; BACKUPRESTORE_CRASH_SEED overrides it.
	crashSeed = 1
)

// An offboarding of 2,000 units, run by the built command line as a child
// process against cmd/emulator (another child, its clock real, removals
// taking 1.5 s), is killed with SIGKILL at several random points (seeded)
// and resumed each time until it is done. Then the emulator's transition
// log shows every unit removed at most once and offboarded exactly once,
// nothing else touched, and status reports every unit done.
func TestCrashAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED in -short mode: the 2,000-unit crash test was NOT run")
	}
	seed := uint64(crashSeed)
	if s := os.Getenv("BACKUPRESTORE_CRASH_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		require.NoError(t, err)
		seed = v
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	start := time.Now()
	cliBin, _ := binaries(t)
	base := startEmulator(t, "-units", "8000", "-seed", "3", "-removal-delay", "1500ms", "-page-size", "999")
	var ids []string
	for _, u := range emuUnits(t, base) {
		if len(ids) < crashUnits && offboardable(u) {
			ids = append(ids, u.ID)
		}
	}
	require.Len(t, ids, crashUnits, "the emulator has enough offboardable units")
	dir := t.TempDir()
	idsFile := filepath.Join(dir, "ids.txt")
	require.NoError(t, os.WriteFile(idsFile, []byte(strings.Join(ids, "\n")+"\n"), 0o644))
	journal := filepath.Join(dir, "journal.db")
	common := []string{"--emulator-url", base, "--journal", journal, "--quiet", "-o", "jsonl"}

	// child runs the command line; kill > 0 sends SIGKILL after that long.
	// It returns the exit code (-1 when killed) and the output.
	child := func(kill time.Duration, args ...string) (int, string, string) {
		cmd := exec.Command(cliBin, append(append([]string(nil), common...), args...)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+dir)
		require.NoError(t, cmd.Start())
		if kill > 0 {
			timer := time.AfterFunc(kill, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
			defer timer.Stop()
		}
		code := waitExit(t, cmd, 2*time.Minute)
		if st, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && st.Signaled() && st.Signal() == syscall.SIGKILL {
			code = -1
		}
		return code, out.String(), errb.String()
	}
	// state runs status: whether the journal holds the run (status exits
	// 2 until the run's Start is on disk) and its outcome counts; status
	// must report every unit after any kill.
	state := func() (bool, string) {
		code, out, stderr := child(0, "status")
		if code == exitUsage {
			require.Regexp(t, `no journal at|holds no run`, stderr)
			return false, "not started"
		}
		require.Contains(t, []int{exitOK, exitFailed, exitUnknown}, code, stderr)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		require.Len(t, lines, crashUnits, "status reports every unit, after any kill")
		counts := map[string]int{}
		for _, l := range lines {
			var r resultJSON
			require.NoError(t, json.Unmarshal([]byte(l), &r))
			counts[cmp.Or(r.Stage, "no stage")+" "+r.Outcome]++
		}
		keys := make([]string, 0, len(counts))
		for k := range counts {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s %d", k, counts[k])
		}
		return true, strings.Join(parts, ", ")
	}
	started := func() bool { ok, _ := state(); return ok }

	kills, resumes, offboards := 0, 0, 0
	var killedAt []string
	for kills < crashKills {
		d := time.Duration(150+rng.IntN(2050)) * time.Millisecond
		name, args := "resume", []string{"resume", "--poll-interval", "100ms"}
		if !started() {
			name, args = "offboard", []string{"--yes", "offboard", "--from", idsFile, "--poll-interval", "100ms"}
			offboards++
		} else {
			resumes++
		}
		code, _, stderr := child(d, args...)
		if code != -1 {
			require.Equal(t, exitOK, code, "the run ended before its kill at %v: %s", d, stderr)
			break // it finished before the kill: nothing left to interrupt
		}
		kills++
		_, st := state()
		killedAt = append(killedAt, fmt.Sprintf("%s killed after %v → %s", name, d, st))
	}
	// Resume until done.
	for i := 0; ; i++ {
		require.Less(t, i, 5, "the run does not finish")
		require.True(t, started())
		resumes++
		code, _, stderr := child(0, "resume", "--poll-interval", "100ms")
		if code == exitOK {
			break
		}
		require.Equal(t, exitFailed, code, stderr)
	}

	// The emulator's transition log: every unit removed at most once and
	// offboarded exactly once; no other unit touched by a write.
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	count := map[string]map[string]int{}
	transitions := emuTransitions(t, base)
	for _, tr := range transitions {
		if count[tr.UnitID] == nil {
			count[tr.UnitID] = map[string]int{}
		}
		count[tr.UnitID][tr.Cause]++
		if tr.Cause == "remove" || tr.Cause == "offboard" {
			require.True(t, want[tr.UnitID], "unit %s is not a target but was changed: %+v", tr.UnitID, tr)
		}
	}
	removedOnce, notRemoved := 0, 0
	for _, id := range ids {
		c := count[id]
		require.LessOrEqual(t, c["remove"], 1, "unit %s removed more than once", id)
		require.LessOrEqual(t, c["removed"], 1, "unit %s", id)
		require.Equal(t, 1, c["offboard"], "unit %s offboarded %d times", id, c["offboard"])
		if c["remove"] == 1 {
			removedOnce++
		} else {
			notRemoved++
		}
	}

	// status reports every unit, done.
	code, out, stderr := child(0, "status")
	require.Equal(t, exitOK, code, stderr)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, crashUnits)
	outcomes := map[string]int{}
	for i, l := range lines {
		var r resultJSON
		require.NoError(t, json.Unmarshal([]byte(l), &r))
		require.Equal(t, ids[i], r.ID)
		outcomes[r.Outcome]++
	}
	require.Equal(t, map[string]int{"done": crashUnits}, outcomes)
	t.Logf("crash test (seed %d): %d units (%d removed from a policy then offboarded, %d offboarded only); "+
		"%d kills:\n  %s\n%d offboard starts, %d resumes; %d transitions; %v",
		seed, crashUnits, removedOnce, notRemoved, kills, strings.Join(killedAt, "\n  "), offboards, resumes, len(transitions),
		time.Since(start).Round(100*time.Millisecond))
	require.GreaterOrEqual(t, kills, 3, "the kills landed inside the run")
}
