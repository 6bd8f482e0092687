package pgjournal_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/offboarding/journaltest"
	"github.com/m365kit/backuprestore/offboarding/pgjournal"
)

func read(id string) offboarding.Entry {
	return journaltest.FullEntry(id, offboarding.StageRead, false)
}

// While the owner lives, nobody else takes its run: not by Acquire, not by
// Abandon, not by Start.
func TestAcquireWhileTheOwnerLives(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	owner, other := r.open("j", r.opts("owner")), r.open("j", r.opts("other"))
	require.NoError(t, owner.Start(t.Context(), journaltest.Info("", "u1")))
	h, err := other.Acquire(t.Context())
	require.ErrorIs(t, err, pgjournal.ErrLeaseHeld)
	assert.Equal(t, "owner", h.Owner)
	assert.EqualValues(t, 1, h.Epoch)
	assert.False(t, h.Expired)
	require.ErrorIs(t, other.Abandon(t.Context()), pgjournal.ErrLeaseHeld)
	require.ErrorIs(t, other.Start(t.Context(), journaltest.Info("", "u2")), offboarding.ErrJournalInUse)
	require.ErrorIs(t, other.Record(t.Context(), read("u1")), pgjournal.ErrNotLeased, "no lease, no write")
	require.ErrorIs(t, other.Finish(t.Context(), offboarding.RunEnd{}), pgjournal.ErrNotLeased)
	require.NoError(t, owner.Record(t.Context(), read("u1")))
	orphans, err := pgjournal.Orphans(t.Context(), r.db, r.opts(""))
	require.NoError(t, err)
	assert.Empty(t, orphans)
}

// Workers racing for an orphan: exactly one wins (epoch 2), each other
// gets ErrLeaseHeld naming the winner.
func TestAcquireRace(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	dead := r.open("j", r.opts("dead"))
	require.NoError(t, dead.Start(t.Context(), journaltest.Info("", "u1")))
	pgjournal.SuspendRenewal(dead, true)
	r.expire("j")
	const workers = 8
	js := make([]*pgjournal.Journal, workers)
	for i := range js {
		js[i] = r.open("j", r.opts(fmt.Sprintf("worker-%d", i)))
	}
	leases := make([]pgjournal.Lease, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() { leases[i], errs[i] = js[i].Acquire(t.Context()) })
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		if err == nil {
			require.Equal(t, -1, winner, "workers %d and %d both won", winner, i)
			winner = i
		}
	}
	require.NotEqual(t, -1, winner, "nobody won: %v", errs)
	assert.EqualValues(t, 2, leases[winner].Epoch)
	assert.Equal(t, fmt.Sprintf("worker-%d", winner), leases[winner].Owner)
	for i, err := range errs {
		if i != winner {
			require.ErrorIs(t, err, pgjournal.ErrLeaseHeld, "worker %d", i)
			assert.Equal(t, leases[winner].Owner, leases[i].Owner, "the loser is told who holds it")
		}
	}
	require.NoError(t, js[winner].Record(t.Context(), read("u1")))
}

// The owner dies (no more renewals) after recording; once its lease
// expires the run is an orphan, another worker takes it, sees everything
// the owner recorded, and finishes it; the stale owner's late writes are
// refused, nothing of them stored.
func TestTakeoverAfterExpiry(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	owner, heir := r.open("j", r.opts("owner")), r.open("j", r.opts("heir"))
	require.NoError(t, owner.Start(t.Context(), journaltest.Info("", "u1", "u2")))
	require.NoError(t, owner.Record(t.Context(), read("u1"), journaltest.FullEntry("u1", offboarding.StageOffboard, true)))

	orphans, err := pgjournal.Orphans(t.Context(), r.db, r.opts(""))
	require.NoError(t, err)
	require.Empty(t, orphans, "not an orphan while its lease lives")
	pgjournal.SuspendRenewal(owner, true) // the owner is paused (or dead)
	r.expire("j")
	orphans, err = pgjournal.Orphans(t.Context(), r.db, r.opts(""))
	require.NoError(t, err)
	require.Len(t, orphans, 1)
	assert.Equal(t, pgjournal.Lease{Journal: "j", Run: "000001", Owner: "owner", Epoch: 1, Expires: orphans[0].Expires, Expired: true}, orphans[0])

	l, err := heir.Acquire(t.Context())
	require.NoError(t, err)
	assert.EqualValues(t, 2, l.Epoch)
	assert.Equal(t, "heir", l.Owner)
	_, entries, err := heir.Load(t.Context())
	require.NoError(t, err)
	require.Len(t, entries, 2, "the heir sees every entry the owner recorded")
	assert.True(t, entries[1].Intent, "the owner's write in doubt is there to be read back")

	// The stale owner wakes up: its writes are refused, by the database.
	err = owner.Record(t.Context(), read("u2"))
	require.ErrorIs(t, err, pgjournal.ErrLeaseLost)
	assert.Contains(t, err.Error(), `taken over by "heir" (epoch 2, ours 1)`)
	require.ErrorIs(t, owner.Record(t.Context(), read("u2")), pgjournal.ErrLeaseLost, "and stays refused")
	require.ErrorIs(t, owner.Finish(t.Context(), offboarding.RunEnd{Finished: time.Now()}), pgjournal.ErrLeaseLost)

	require.NoError(t, heir.Record(t.Context(), journaltest.FullEntry("u1", offboarding.StageOffboard, false)))
	require.NoError(t, heir.Finish(t.Context(), offboarding.RunEnd{Finished: time.Now(), Counts: map[offboarding.Outcome]int{offboarding.OutcomeDone: 2}}))
	_, entries, err = heir.Load(t.Context())
	require.NoError(t, err)
	require.Len(t, entries, 3, "nothing of the stale owner's late writes")
	for _, e := range entries {
		assert.NotEqual(t, "u2", e.UnitID)
	}
	runs, err := heir.Runs(t.Context())
	require.NoError(t, err)
	require.Len(t, runs, 1)
	assert.Equal(t, 2, runs[0].Counts[offboarding.OutcomeDone])
	require.NoError(t, heir.Finish(t.Context(), offboarding.RunEnd{Finished: time.Now()}), "finishing again does nothing")
	require.NoError(t, owner.Finish(t.Context(), offboarding.RunEnd{Finished: time.Now()}), "nor does finishing a finished run without its lease")
	runs, err = heir.Runs(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 2, runs[0].Counts[offboarding.OutcomeDone], "unchanged")
	_, err = owner.Acquire(t.Context())
	require.ErrorIs(t, err, offboarding.ErrNoRun, "nothing left to take")
}

// A Record in flight when the lease changes hands: either stored before
// the takeover or refused, never stored after it. Many writers race one
// Acquire; every entry the owner was told is stored is there, and the heir
// records after them.
func TestRecordRacingATakeover(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	owner, heir := r.open("j", r.opts("owner")), r.open("j", r.opts("heir"))
	require.NoError(t, owner.Start(t.Context(), journaltest.Info("", "u")))
	pgjournal.SuspendRenewal(owner, true)
	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	stop, going := make(chan struct{}), make(chan struct{})
	for w := range 8 {
		wg.Go(func() {
			for c := 0; ; c++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("w%d-%d", w, c)
				err := owner.Record(t.Context(), read(id))
				if err != nil {
					assert.ErrorIs(t, err, pgjournal.ErrLeaseLost)
					return
				}
				mu.Lock()
				if acked = append(acked, id); len(acked) == 100 {
					close(going)
				}
				mu.Unlock()
			}
		})
	}
	<-going // the writers are well under way
	r.expire("j")
	_, err := heir.Acquire(t.Context())
	require.NoError(t, err)
	require.NoError(t, heir.Record(t.Context(), read("heir")))
	close(stop)
	wg.Wait()
	_, entries, err := heir.Load(t.Context())
	require.NoError(t, err)
	stored := map[string]bool{}
	for _, e := range entries {
		stored[e.UnitID] = true
	}
	for _, id := range acked {
		require.True(t, stored[id], "acknowledged entry %s is stored", id)
	}
	require.Equal(t, "heir", entries[len(entries)-1].UnitID, "nothing of the owner after the heir's first write")
	t.Logf("%d entries acknowledged to the owner before the takeover, %d stored in all", len(acked), len(entries))
}

// A live process keeps its lease however long the run waits between
// records: a short TTL, several TTLs of silence, every rival refused, and
// the next record accepted. (Real time, bounded: 3 × a 2 s TTL.)
func TestLeaseLivesWhileTheOwnerWaits(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ttl := 2 * time.Second
	owner := r.open("j", &pgjournal.Options{Owner: "owner", LeaseTTL: ttl})
	rival := r.open("j", &pgjournal.Options{Owner: "rival", LeaseTTL: ttl})
	require.NoError(t, owner.Start(t.Context(), journaltest.Info("", "u1")))
	tick := time.NewTicker(ttl / 2)
	defer tick.Stop()
	for end := time.Now().Add(3 * ttl); time.Now().Before(end); <-tick.C {
		_, err := rival.Acquire(t.Context())
		require.ErrorIs(t, err, pgjournal.ErrLeaseHeld)
	}
	require.NoError(t, owner.Record(t.Context(), read("u1")))
	h, err := owner.Holder(t.Context())
	require.NoError(t, err)
	assert.EqualValues(t, 1, h.Epoch, "never taken")
}

// A process that cannot renew its lease (by its own clock) stops writing
// before the database's expiry lets anyone else in: its records fail at
// once, without the database.
func TestOwnerStopsWhenItCannotRenew(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	var mu sync.Mutex
	now := time.Now()
	j := r.open("j", &pgjournal.Options{LeaseTTL: time.Hour})
	pgjournal.SetClock(j, func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	require.NoError(t, j.Start(t.Context(), journaltest.Info("", "u1")))
	require.NoError(t, j.Record(t.Context(), read("u1")))
	mu.Lock()
	now = now.Add(45 * time.Minute) // 3/4 of the TTL: the owner's margin is spent
	mu.Unlock()
	groups := pgjournal.Groups(j)
	err := j.Record(t.Context(), read("u2"))
	require.ErrorIs(t, err, pgjournal.ErrLeaseLost)
	assert.Contains(t, err.Error(), "not renewed in time")
	assert.Equal(t, groups, pgjournal.Groups(j), "refused without a statement")
	h, err := j.Holder(t.Context())
	require.NoError(t, err)
	assert.False(t, h.Expired, "the database's lease still runs: the owner stopped first")
	// It can take its run again.
	l, err := j.Acquire(t.Context())
	require.NoError(t, err)
	assert.EqualValues(t, 2, l.Epoch)
	require.NoError(t, j.Record(t.Context(), read("u2")))
}

// Release and Close give the run up at once: another worker takes it
// without waiting for the TTL.
func TestReleaseAndClose(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		giveUp  func(*pgjournal.Journal) error
		wantErr error
	}{
		{"Release", func(j *pgjournal.Journal) error { return j.Release(t.Context()) }, pgjournal.ErrNotLeased},
		{"Close", (*pgjournal.Journal).Close, pgjournal.ErrClosed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t)
			owner, heir := r.open("j", r.opts("owner")), r.open("j", r.opts("heir"))
			require.NoError(t, owner.Start(t.Context(), journaltest.Info("", "u1")))
			require.NoError(t, tc.giveUp(owner))
			require.NoError(t, tc.giveUp(owner), "again: nothing to do")
			_, err := heir.Acquire(t.Context())
			require.NoError(t, err)
			require.ErrorIs(t, owner.Record(t.Context(), read("u1")), tc.wantErr)
			require.NoError(t, heir.Record(t.Context(), read("u1")))
		})
	}
}

// Acquire with nothing to take.
func TestAcquireNothing(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	j := r.open("j", nil)
	_, err := j.Acquire(t.Context())
	require.ErrorIs(t, err, offboarding.ErrNoRun)
	_, err = j.Holder(t.Context())
	require.ErrorIs(t, err, offboarding.ErrNoRun)
	require.NoError(t, j.Start(t.Context(), journaltest.Info("", "u1")))
	l, err := j.Acquire(t.Context())
	require.NoError(t, err, "its own run: taken anew")
	assert.EqualValues(t, 2, l.Epoch)
	require.NoError(t, j.Finish(t.Context(), offboarding.RunEnd{Finished: time.Now()}))
	_, err = j.Acquire(t.Context())
	require.ErrorIs(t, err, offboarding.ErrNoRun)
}

// Expiry by the database's own clock, in real time (bounded: a 500 ms
// TTL): once the owner stops renewing, a rival is refused until the lease
// runs out, then takes the run.
func TestLeaseExpiresByTheDatabaseClock(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ttl := 500 * time.Millisecond
	owner := r.open("j", &pgjournal.Options{Owner: "owner", LeaseTTL: ttl})
	rival := r.open("j", &pgjournal.Options{Owner: "rival", LeaseTTL: ttl})
	require.NoError(t, owner.Start(t.Context(), journaltest.Info("", "u1")))
	pgjournal.SuspendRenewal(owner, true)
	start := time.Now()
	_, err := rival.Acquire(t.Context())
	require.ErrorIs(t, err, pgjournal.ErrLeaseHeld, "at once: the lease runs")
	tick := time.NewTicker(ttl / 10)
	defer tick.Stop()
	for {
		l, err := rival.Acquire(t.Context())
		if err == nil {
			assert.EqualValues(t, 2, l.Epoch)
			break
		}
		require.ErrorIs(t, err, pgjournal.ErrLeaseHeld)
		require.Less(t, time.Since(start), ttl+5*time.Second, "the lease never expired")
		<-tick.C
	}
	t.Logf("taken %v after the owner stopped renewing (TTL %v)", time.Since(start).Round(time.Millisecond), ttl)
	require.ErrorIs(t, owner.Record(t.Context(), read("u1")), pgjournal.ErrLeaseLost)
}
