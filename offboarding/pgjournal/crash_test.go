//go:build unix

package pgjournal_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/offboarding/journaltest"
	"github.com/m365kit/backuprestore/offboarding/pgjournal"
	"github.com/m365kit/backuprestore/offboarding/pgjournal/internal/pgtest"
)

// The crash test's child: with childEnv set, the test binary is a worker
// that records until it is killed.
const (
	childEnv     = "PGJOURNAL_CRASH_CHILD" // "DSN\tSCHEMA\tJOURNAL"
	crashWriters = 8
	crashPer     = 3 // entries per Record call
)

// crashChild starts a run and records from crashWriters goroutines, each
// call crashPer entries, printing "w c" once call c of writer w returned,
// until it is killed.
func crashChild() int {
	parts := strings.Split(os.Getenv(childEnv), "\t")
	if len(parts) != 3 {
		fmt.Fprintln(os.Stderr, "bad", childEnv)
		return 2
	}
	ctx := context.Background()
	db, err := sql.Open("pgx", parts[0])
	if err == nil {
		defer db.Close()
	}
	var j *pgjournal.Journal
	if err == nil {
		j, err = pgjournal.Open(ctx, db, parts[2], &pgjournal.Options{Schema: parts[1], Owner: "child"})
	}
	if err == nil {
		err = j.Start(ctx, journaltest.Info("", "u"))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Println("started")
	var wg sync.WaitGroup
	for w := range crashWriters {
		wg.Go(func() {
			for c := 0; ; c++ {
				batch := make([]offboarding.Entry, crashPer)
				for k := range batch {
					batch[k] = offboarding.Entry{UnitID: fmt.Sprintf("%d-%d-%d", w, c, k), Stage: offboarding.StageOffboard, Intent: true, At: time.Now()}
				}
				if err := j.Record(ctx, batch...); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(3)
				}
				fmt.Printf("%d %d\n", w, c) // one write(2): atomic on a pipe
			}
		})
	}
	wg.Wait()
	return 0
}

// A worker recording from many goroutines is killed with SIGKILL at
// random points (seeded): every Record that returned is in the journal,
// each call whole and in order, nothing torn; the dead worker's lease
// keeps the run from others until it expires, then another worker takes
// the run over and finishes it.
func TestCrashDuringRecord(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("SKIPPED in -short mode: the crash test was NOT run")
	}
	r := newRig(t)
	dsn := pgtest.DSN(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 3 {
		name := fmt.Sprintf("crash-%d", round)
		killAfter := 20 + rng.IntN(400) // acknowledged calls
		acked, total := r.runChildUntil(dsn, name, killAfter)

		heir := r.open(name, r.opts("heir"))
		_, entries, err := heir.Load(t.Context())
		require.NoError(t, err)
		// Every stored call is whole, in order; each writer's calls are
		// stored from 0 on without a gap.
		require.Zero(t, len(entries)%crashPer, "no torn call")
		next := map[int]int{}
		for i := 0; i < len(entries); i += crashPer {
			var w, c, k int
			_, err := fmt.Sscanf(entries[i].UnitID, "%d-%d-%d", &w, &c, &k)
			require.NoError(t, err)
			for k := range crashPer {
				require.Equal(t, fmt.Sprintf("%d-%d-%d", w, c, k), entries[i+k].UnitID, "a call's entries are together, in order")
			}
			require.Equal(t, next[w], c, "writer %d's calls in order, none missing", w)
			next[w]++
		}
		for w, c := range acked {
			require.GreaterOrEqual(t, next[w], c+1, "writer %d: call %d returned, so it is stored", w, c)
			require.LessOrEqual(t, next[w], c+2, "writer %d: at most the call in flight is stored beyond those acknowledged", w)
		}

		// The dead worker's lease still runs: nobody takes the run yet.
		_, err = heir.Acquire(t.Context())
		require.ErrorIs(t, err, pgjournal.ErrLeaseHeld)
		r.expire(name) // its TTL passes
		l, err := heir.Acquire(t.Context())
		require.NoError(t, err)
		assert.EqualValues(t, 2, l.Epoch)
		require.NoError(t, heir.Record(t.Context(), read("heir")))
		require.NoError(t, heir.Finish(t.Context(), offboarding.RunEnd{Finished: time.Now()}))
		t.Logf("round %d: SIGKILL sent after %d acknowledged calls; %d acknowledged in all, %d stored", round, killAfter, total, len(entries)/crashPer)
	}
}

// runChildUntil runs the crash child on journal name and kills it with
// SIGKILL once it acknowledged n calls; it returns the last call
// acknowledged per writer, and how many calls it acknowledged in all.
func (r *rig) runChildUntil(dsn, name string, n int) (map[int]int, int) {
	t := r.t
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dsn+"\t"+r.schema+"\t"+name)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	killed := false
	acked := map[int]int{}
	count := 0
	sc := bufio.NewScanner(out)
	timer := time.AfterFunc(2*time.Minute, func() { _ = cmd.Process.Kill() }) // a bound, not a wait
	defer timer.Stop()
	for sc.Scan() {
		line := sc.Text()
		if line == "started" {
			continue
		}
		var w, c int
		_, err := fmt.Sscanf(line, "%d %d", &w, &c)
		require.NoError(t, err, line)
		want := 0
		if prev, ok := acked[w]; ok {
			want = prev + 1
		}
		require.Equal(t, want, c, "writer %d acknowledges in order", w)
		acked[w] = c
		if count++; count == n && !killed {
			require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			killed = true
		}
	}
	err = cmd.Wait()
	require.True(t, killed, "the child ended before its kill: %v: %s", err, stderr.String())
	st, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	require.True(t, ok && st.Signaled() && st.Signal() == syscall.SIGKILL, "killed by SIGKILL: %v: %s", err, stderr.String())
	return acked, count
}
