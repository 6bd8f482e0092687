//go:build unix

package pgjournal_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/offboarding/pgjournal"
	"github.com/m365kit/backuprestore/offboarding/pgjournal/internal/pgtest"
)

// runChildEnv makes the test binary a worker that runs (or resumes) an
// offboarding run with its journal in PostgreSQL, against an emulator
// served over HTTP by the parent: "DSN\tSCHEMA\tJOURNAL\tBASEURL\tIDSFILE\tOWNER".
const runChildEnv = "PGJOURNAL_RUN_CHILD"

// runChild starts the run of the IDs in IDSFILE when the journal holds
// none, else acquires the unfinished run and resumes it. It exits 0 when
// the run is finished.
func runChild() int {
	f := strings.Split(os.Getenv(runChildEnv), "\t")
	if len(f) != 6 {
		fmt.Fprintln(os.Stderr, "bad", runChildEnv)
		return 2
	}
	ctx := context.Background()
	fail := func(err error) int { fmt.Fprintln(os.Stderr, err); return 1 }
	db, err := sql.Open("pgx", f[0])
	if err != nil {
		return fail(err)
	}
	defer db.Close()
	j, err := pgjournal.Open(ctx, db, f[2], &pgjournal.Options{Schema: f[1], Owner: f[5]})
	if err != nil {
		return fail(err)
	}
	defer j.Close()
	c, err := newClient(f[3], http.DefaultTransport)
	if err != nil {
		return fail(err)
	}
	o := runOptions(j)
	o.OnProgress = func(p offboarding.Progress) { fmt.Printf("progress %s %d/%d\n", p.Stage, p.Done, p.Total) }
	run := offboarding.New(c, o)
	if _, _, err = j.Load(ctx); errors.Is(err, offboarding.ErrNoRun) {
		b, err := os.ReadFile(f[4])
		if err != nil {
			return fail(err)
		}
		_, err = run.Offboard(ctx, strings.Fields(string(b)))
		if err != nil {
			return fail(err)
		}
		return 0
	}
	if _, err := j.Acquire(ctx); err != nil {
		return fail(err)
	}
	if _, err := run.Resume(ctx); err != nil {
		return fail(err)
	}
	return 0
}

// Workers running one offboarding run are killed with SIGKILL at random
// points (seeded: at one of their first 15 progress reports), each in a process of its own against the emulator over
// HTTP. While a dead worker's lease runs, nobody takes its run; once it
// has expired, the next worker acquires the run and resumes it, until one
// finishes it. The emulator's transition log then shows every unit
// removed at most once and offboarded exactly once if Done, no other unit
// touched, and every unit final.
func TestRunOwnerKilled(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("SKIPPED in -short mode: the kill test was NOT run")
	}
	r := newRig(t)
	dsn := pgtest.DSN(t)
	srv := emulator(600, 17)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	before, ids := unitIDs(srv)
	idsFile := filepath.Join(t.TempDir(), "ids")
	require.NoError(t, os.WriteFile(idsFile, []byte(strings.Join(ids, "\n")), 0o644))
	exe, err := os.Executable()
	require.NoError(t, err)
	probe := r.open("tenant", r.opts("probe"))

	rng := rand.New(rand.NewPCG(17, 1))
	var log []string
	kills := 0
	for worker := 0; worker < 6 && kills < 3; worker++ {
		owner := fmt.Sprint("worker-", worker)
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), runChildEnv+"="+strings.Join([]string{dsn, r.schema, "tenant", hs.URL + "/v1.0", idsFile, owner}, "\t"))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		bound := time.AfterFunc(2*time.Minute, func() { _ = cmd.Process.Kill() })
		// Killed at its k-th progress report (after a batch, PATCH or poll).
		k, reports := 1+rng.IntN(15), 0
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if reports++; reports == k {
				require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			}
		}
		err = cmd.Wait()
		bound.Stop()
		st, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !st.Signaled() {
			require.NoError(t, err, "%s: %s", owner, stderr.String())
			log = append(log, fmt.Sprintf("%s finished the run (%d progress reports)", owner, reports))
			break
		}
		require.Equal(t, syscall.SIGKILL, st.Signal())
		kills++
		_, n := writes(srv)
		h, err := probe.Holder(t.Context())
		if errors.Is(err, offboarding.ErrNoRun) {
			log = append(log, fmt.Sprintf("%s killed at progress report %d, before its run started (%d writes)", owner, k, n))
			continue
		}
		require.NoError(t, err)
		log = append(log, fmt.Sprintf("%s killed at progress report %d, holding epoch %d (%d writes so far)", owner, k, h.Epoch, n))
		require.Equal(t, owner, h.Owner)
		// Dead, but its lease runs: nobody takes the run yet.
		_, err = probe.Acquire(t.Context())
		require.ErrorIs(t, err, pgjournal.ErrLeaseHeld)
		r.expire("tenant") // its TTL passes
	}
	require.GreaterOrEqual(t, kills, 2, "the kills landed inside the run: %v", log)

	// Whoever is left finishes the run.
	heir := r.open("tenant", r.opts("heir"))
	if _, err := heir.Acquire(t.Context()); err != nil {
		require.ErrorIs(t, err, offboarding.ErrNoRun, "the last worker finished it")
	}
	res, err := offboarding.New(client(t, hs.URL+"/v1.0", http.DefaultTransport), runOptions(heir)).Resume(t.Context())
	require.NoError(t, err)
	n := checkFinished(t, srv, before, res)
	t.Logf("%d kills:\n  %s\noutcomes: %v", kills, strings.Join(log, "\n  "), n)
	require.Positive(t, n[offboarding.OutcomeDone])
	runs, err := heir.Runs(t.Context())
	require.NoError(t, err)
	require.Len(t, runs, 1, "one run, taken over, never started twice")
}
