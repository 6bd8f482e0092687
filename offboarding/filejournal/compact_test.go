package filejournal_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/offboarding/filejournal"
	"github.com/m365kit/backuprestore/offboarding/journaltest"
)

// runEntries is a run's journal traffic for units: per unit, its read,
// the removal's intent and outcome, the offboarding's intent and outcome;
// every fifth unit's offboarding stays in doubt (intent, Unknown).
func runEntries(prefix string, units int) []offboarding.Entry {
	var out []offboarding.Entry
	for i := range units {
		id := fmt.Sprintf("%s-%d", prefix, i)
		read := journaltest.FullEntry(id, offboarding.StageRead, false)
		read.Outcome, read.Applied, read.Err = offboarding.OutcomePending, false, nil
		removed := journaltest.FullEntry(id, offboarding.StageRemove, false)
		removed.Outcome, removed.Err = offboarding.OutcomePending, nil
		off := journaltest.FullEntry(id, offboarding.StageOffboard, false)
		off.Outcome, off.Err = offboarding.OutcomeDone, nil
		if i%5 == 0 {
			off.Outcome, off.Applied = offboarding.OutcomeUnknown, false
		}
		out = append(out, read, journaltest.FullEntry(id, offboarding.StageRemove, true), removed,
			journaltest.FullEntry(id, offboarding.StageOffboard, true), off)
	}
	return out
}

// record records entries in calls of 20 and finishes the run.
func recordRun(t *testing.T, j *filejournal.Journal, id string, entries []offboarding.Entry) {
	t.Helper()
	require.NoError(t, j.Start(t.Context(), journaltest.Info(id, "u")))
	for i := 0; i < len(entries); i += 20 {
		require.NoError(t, j.Record(t.Context(), entries[i:min(i+20, len(entries))]...))
	}
	require.NoError(t, j.Finish(t.Context(), offboarding.RunEnd{Finished: time.Now(), Counts: map[offboarding.Outcome]int{offboarding.OutcomeDone: len(entries)}}))
}

// sameEntries compares entries as a journal keeps them (times by Equal).
func sameEntries(t *testing.T, want, got []offboarding.Entry) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		w, g := want[i], got[i]
		require.True(t, w.At.Equal(g.At) && w.Sent.Equal(g.Sent), "entry %d's times", i)
		w.At, g.At, w.Sent, g.Sent = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		require.Equal(t, w, g, "entry %d", i)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	return fi.Size()
}

// A run that ends compacts the journal when its records outweigh what the
// last compaction left: every run then loads as offboarding.Compact of
// what was recorded, the file shrinks, and a small run after a big one is
// left alone until enough accumulates. Runs, counts and later writes are
// unaffected, and reopening finds the same.
func TestCompaction(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "journal")
	j, err := filejournal.Open(path, nil)
	require.NoError(t, err)
	big1, small, big2 := runEntries("a", 300), runEntries("b", 10), runEntries("c", 600)

	recordRun(t, j, "r1", big1)
	require.NoError(t, j.Close()) // waits for the compaction
	st := j.Stats()
	require.NoError(t, st.CompactErr)
	require.EqualValues(t, 1, st.Compactions, "the first run is compacted")
	afterFirst := fileSize(t, path)

	j, err = filejournal.Open(path, nil)
	require.NoError(t, err)
	recordRun(t, j, "r2", small)
	require.NoError(t, j.Close())
	require.Zero(t, j.Stats().Compactions, "a small run after a big one is not compacted yet")
	require.Greater(t, fileSize(t, path), afterFirst)

	j, err = filejournal.Open(path, nil)
	require.NoError(t, err)
	recordRun(t, j, "r3", big2)
	require.NoError(t, j.Start(ctx, journaltest.Info("r4", "u"))) // written after the compaction
	require.NoError(t, j.Record(ctx, small[:3]...))
	require.NoError(t, j.Close())
	require.EqualValues(t, 1, j.Stats().Compactions, "a big run compacts the whole file")

	for _, reopen := range []bool{false, true} {
		var h interface {
			offboarding.History
			offboarding.Journal
		}
		if reopen {
			j, err := filejournal.Open(path, nil)
			require.NoError(t, err)
			defer j.Close()
			h = j
		} else {
			ro, err := filejournal.OpenReadOnly(path)
			require.NoError(t, err)
			h = ro
		}
		for id, want := range map[string][]offboarding.Entry{"r1": big1, "r2": small, "r3": big2, "r4": small[:3]} {
			if id != "r4" {
				want = offboarding.Compact(want)
			}
			_, got, err := h.LoadRun(ctx, id)
			require.NoError(t, err)
			sameEntries(t, want, got)
		}
		runs, err := h.Runs(ctx)
		require.NoError(t, err)
		require.Len(t, runs, 4)
		for i, want := range []int{len(big1), len(small), len(big2)} {
			assert.Equal(t, fmt.Sprintf("r%d", i+1), runs[i].Info.ID)
			assert.Equal(t, map[offboarding.Outcome]int{offboarding.OutcomeDone: want}, runs[i].Counts)
			assert.False(t, runs[i].Finished.IsZero())
		}
		assert.True(t, runs[3].Finished.IsZero())
	}
	// A compacted run is smaller: per unit 3 of 5 entries, 4 in doubt.
	require.Less(t, fileSize(t, path), int64(len(big1)+len(small)+len(big2))*300)
}

// Loads, Runs and a read-only journal go on while the committer compacts
// (run with -race): each sees a whole journal, before or after.
func TestCompactionWhileReading(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "journal")
	j, err := filejournal.Open(path, nil)
	require.NoError(t, err)
	entries := runEntries("a", 400)
	require.NoError(t, j.Start(ctx, journaltest.Info("r1", "u")))
	require.NoError(t, j.Record(ctx, entries...))
	ro, err := filejournal.OpenReadOnly(path)
	require.NoError(t, err)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, h := range []offboarding.History{j, ro} {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, got, err := h.LoadRun(ctx, "r1")
				if !assert.NoError(t, err) {
					return
				}
				if len(got) != len(entries) && len(got) != len(offboarding.Compact(entries)) {
					t.Errorf("loaded %d entries, neither the run's %d nor its compaction's", len(got), len(entries))
					return
				}
				if _, err := h.Runs(ctx); !assert.NoError(t, err) {
					return
				}
			}
		})
	}
	require.NoError(t, j.Finish(ctx, offboarding.RunEnd{Finished: time.Now()}))
	require.NoError(t, j.Start(ctx, journaltest.Info("r2", "u"))) // queued behind the compaction
	close(stop)
	wg.Wait()
	require.NoError(t, j.Close())
	require.EqualValues(t, 1, j.Stats().Compactions)
}

// Abandon gives up an unfinished run (kept in the history, its entries
// too) so that another can start; it does nothing to a run that ended,
// fails on an empty journal, and survives reopening.
func TestAbandon(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "journal")
	j, err := filejournal.Open(path, nil)
	require.NoError(t, err)
	require.ErrorIs(t, j.Abandon(ctx), offboarding.ErrNoRun)
	require.NoError(t, j.Start(ctx, journaltest.Info("r1", "u1")))
	intent := journaltest.FullEntry("u1", offboarding.StageOffboard, true)
	require.NoError(t, j.Record(ctx, intent))
	require.ErrorIs(t, j.Start(ctx, journaltest.Info("r2", "u2")), offboarding.ErrJournalInUse)
	before := time.Now()
	require.NoError(t, j.Abandon(ctx))
	require.NoError(t, j.Close())

	j, err = filejournal.Open(path, nil)
	require.NoError(t, err)
	defer j.Close()
	runs, err := j.Runs(ctx)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	assert.WithinRange(t, runs[0].Abandoned, before, time.Now())
	assert.True(t, runs[0].Finished.IsZero())
	_, entries, err := j.LoadRun(ctx, "r1")
	require.NoError(t, err)
	sameEntries(t, []offboarding.Entry{intent}, entries) // the write in doubt stays so
	require.NoError(t, j.Start(ctx, journaltest.Info("r2", "u2")))
	require.NoError(t, j.Finish(ctx, offboarding.RunEnd{}))
	require.NoError(t, j.Abandon(ctx), "a finished run: nothing to do")
	runs, err = j.Runs(ctx)
	require.NoError(t, err)
	require.Len(t, runs, 2)
	assert.True(t, runs[1].Abandoned.IsZero())
	assert.False(t, runs[1].Finished.IsZero(), "a zero Finished is taken as now")
	require.Error(t, j.Start(ctx, journaltest.Info("r1", "u3")), "a run ID is used once")
}

// Concurrent Record calls share writes: 16 goroutines' 320 calls take far
// fewer commits (each one write and one fdatasync).
func TestGroupCommit(t *testing.T) {
	t.Parallel()
	j := open(t)
	require.NoError(t, j.Start(t.Context(), journaltest.Info("r")))
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for c := range 20 {
				assert.NoError(t, j.Record(t.Context(), journaltest.FullEntry(fmt.Sprint(g, "-", c), offboarding.StageOffboard, true)))
			}
		})
	}
	wg.Wait()
	st := j.Stats()
	assert.EqualValues(t, 321, st.Records, "Start and 320 Record calls")
	assert.Less(t, st.Commits, st.Records, "calls coalesced")
	assert.Equal(t, st.Commits+2, st.Syncs, "one sync per commit, and two for the new file (it, then its directory)")
	t.Logf("%d calls in %d commits", st.Records, st.Commits)
}

// Temporary files a crash left (a creation or compaction under way) are
// removed when the journal is next opened for writing.
func TestStaleTemporaryFilesRemoved(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "journal")
	stale := filepath.Join(dir, "journal.filejournal-123.tmp")
	other := filepath.Join(dir, "journal.bak.tmp")
	require.NoError(t, os.WriteFile(stale, []byte("half a compaction"), 0o600))
	require.NoError(t, os.WriteFile(other, []byte("not ours"), 0o600))
	j, err := filejournal.Open(path, nil)
	require.NoError(t, err)
	require.NoError(t, j.Close())
	_, err = os.Stat(stale)
	require.ErrorIs(t, err, os.ErrNotExist)
	_, err = os.Stat(other)
	require.NoError(t, err, "other files are left alone")
}
