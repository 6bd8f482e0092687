// Package journaltest checks that an offboarding.Journal keeps the
// contract the run relies on. Every journal (offboarding.MemoryJournal,
// filejournal, pgjournal) runs the same suite from its own tests:
//
//	func TestConformance(t *testing.T) {
//		journaltest.Run(t, func(t *testing.T) offboarding.Journal { return newJournal(t) })
//	}
package journaltest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/models"
	"github.com/m365kit/backuprestore/offboarding"
)

// Run runs the conformance suite against journals made by open, one fresh
// (empty) journal per subtest. Subtests run in parallel when open's
// journals are independent; Run does not call t.Parallel itself.
func Run(t *testing.T, open func(t *testing.T) offboarding.Journal) {
	t.Run("LoadBeforeStart", func(t *testing.T) {
		j := open(t)
		_, _, err := j.Load(t.Context())
		require.ErrorIs(t, err, offboarding.ErrNoRun)
	})
	t.Run("RoundTrip", func(t *testing.T) { roundTrip(t, open(t)) })
	t.Run("StartWhileUnfinished", func(t *testing.T) {
		j := open(t)
		require.NoError(t, j.Start(t.Context(), Info("a", "u1")))
		require.ErrorIs(t, j.Start(t.Context(), Info("b", "u2")), offboarding.ErrJournalInUse)
		require.NoError(t, j.Finish(t.Context(), offboarding.RunEnd{Finished: time.Now(), Counts: map[offboarding.Outcome]int{offboarding.OutcomeDone: 1}}))
		require.NoError(t, j.Start(t.Context(), Info("b", "u2")))
		info, entries, err := j.Load(t.Context())
		require.NoError(t, err)
		assert.Equal(t, "b", info.ID)
		assert.Empty(t, entries, "a new run starts with no entries")
	})
	t.Run("ConcurrentRecord", func(t *testing.T) { concurrentRecord(t, open(t)) })
	t.Run("History", func(t *testing.T) {
		j := open(t)
		h, ok := j.(offboarding.History)
		if !ok {
			t.Skipf("%T keeps one run (no History)", j)
		}
		history(t, j, h)
	})
	t.Run("AssignsID", func(t *testing.T) {
		j := open(t)
		info := Info("", "u1")
		require.NoError(t, j.Start(t.Context(), info))
		got, _, err := j.Load(t.Context())
		require.NoError(t, err)
		assert.NotEmpty(t, got.ID, "Start assigns an ID when none is given")
	})
}

// Info returns a RunInfo for an offboarding run of ids, with every audit
// field set.
func Info(id string, ids ...string) offboarding.RunInfo {
	return offboarding.RunInfo{ID: id, Action: offboarding.ActionOffboard, IDs: ids,
		Started: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC), Operator: "admin@contoso.com", Host: "laptop",
		CommandLine: "backuprestore offboard --from leavers.csv", Source: "leavers.csv", Endpoint: "https://graph.microsoft.com/v1.0"}
}

// FullEntry returns an entry with every field set, for unit id.
func FullEntry(id string, stage offboarding.Stage, intent bool) offboarding.Entry {
	e := offboarding.Entry{UnitID: id, Stage: stage, Intent: intent, Status: models.StatusProtected, Kind: models.KindMailbox,
		PolicyID: "pol-1", PolicyName: "Exchange — all staff", Name: "Adele Vance <adele@contoso.com>",
		At: time.Date(2026, 12, 7, 9, 1, 2, 345678900, time.UTC)}
	if !intent {
		e.Outcome, e.Reason, e.Detail, e.Applied = offboarding.OutcomeFailed, offboarding.ReasonNotSent, "detail ✓", true
		e.Err = offboarding.RecordError(&backuprestore.Error{StatusCode: 404, Code: backuprestore.CodeProtectionUnitNotFound, Message: "gone", RequestID: "req-1"})
		e.RequestID, e.Sent, e.Operator = "req-1", time.Date(2026, 12, 7, 9, 1, 1, 0, time.UTC), "admin@contoso.com"
	}
	return e
}

func roundTrip(t *testing.T, j offboarding.Journal) {
	info := Info("r1", "u1", "u2", "ü ∕ odd id")
	info.WaitCancelled = true
	require.NoError(t, j.Start(t.Context(), info))
	want := []offboarding.Entry{
		FullEntry("u1", offboarding.StageRead, false),
		FullEntry("u1", offboarding.StageRemove, true),
		FullEntry("u1", offboarding.StageRemove, false),
		FullEntry("ü ∕ odd id", offboarding.StageOffboard, true),
	}
	require.NoError(t, j.Record(t.Context(), want[:2]...))
	require.NoError(t, j.Record(t.Context(), want[2:]...))
	got, entries, err := j.Load(t.Context())
	require.NoError(t, err)
	assert.Equal(t, info.ID, got.ID)
	assert.Equal(t, info.Action, got.Action)
	assert.Equal(t, info.IDs, got.IDs)
	assert.True(t, info.Started.Equal(got.Started))
	assert.Equal(t, info.WaitCancelled, got.WaitCancelled)
	assert.Equal(t, []string{info.Operator, info.Host, info.CommandLine, info.Source, info.Endpoint},
		[]string{got.Operator, got.Host, got.CommandLine, got.Source, got.Endpoint})
	require.Len(t, entries, len(want))
	for i := range want {
		w, g := want[i], entries[i]
		assert.True(t, w.At.Equal(g.At), "entry %d At", i)
		assert.True(t, w.Sent.Equal(g.Sent), "entry %d Sent", i)
		w.At, g.At, w.Sent, g.Sent = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		assert.Equal(t, w, g, "entry %d", i)
	}
	// The error survives: errors.Is and errors.As as before.
	err = entries[2].Err.Err()
	assert.ErrorIs(t, err, backuprestore.ErrNotFound)
	var be *backuprestore.Error
	require.True(t, errors.As(err, &be))
	assert.Equal(t, "req-1", be.RequestID)
}

func concurrentRecord(t *testing.T, j offboarding.Journal) {
	require.NoError(t, j.Start(t.Context(), Info("c")))
	const writers, calls, per = 16, 20, 5
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for c := range calls {
				batch := make([]offboarding.Entry, per)
				for k := range batch {
					batch[k] = offboarding.Entry{UnitID: fmt.Sprintf("w%d-c%d-k%d", w, c, k), Stage: offboarding.StageOffboard, Intent: true, At: time.Now()}
				}
				if err := j.Record(t.Context(), batch...); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	_, entries, err := j.Load(t.Context())
	require.NoError(t, err)
	require.Len(t, entries, writers*calls*per, "every entry of every call is kept")
	// One call's entries stay together and in order.
	for i := 0; i < len(entries); i += per {
		var w, c, k int
		_, err := fmt.Sscanf(entries[i].UnitID, "w%d-c%d-k%d", &w, &c, &k)
		require.NoError(t, err)
		require.Zero(t, k, "a call's first entry at %d", i)
		for k := 1; k < per; k++ {
			require.Equal(t, fmt.Sprintf("w%d-c%d-k%d", w, c, k), entries[i+k].UnitID, "one call's entries are contiguous, in order")
		}
	}
}

func history(t *testing.T, j offboarding.Journal, h offboarding.History) {
	ctx := t.Context()
	require.NoError(t, j.Start(ctx, Info("", "a")))
	require.NoError(t, j.Record(ctx, FullEntry("a", offboarding.StageRead, false)))
	end := offboarding.RunEnd{Finished: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC), Counts: map[offboarding.Outcome]int{offboarding.OutcomeFailed: 1}}
	require.NoError(t, j.Finish(ctx, end))
	require.NoError(t, j.Start(ctx, Info("", "b")))
	require.NoError(t, j.Record(ctx, FullEntry("b", offboarding.StageOffboard, true)))
	runs, err := h.Runs(ctx)
	require.NoError(t, err)
	require.Len(t, runs, 2)
	assert.Less(t, runs[0].Info.ID, runs[1].Info.ID, "IDs sort in the order runs started")
	assert.Equal(t, []string{"a"}, runs[0].Info.IDs)
	assert.True(t, end.Finished.Equal(runs[0].Finished))
	assert.Equal(t, end.Counts, runs[0].Counts)
	assert.True(t, runs[1].Finished.IsZero(), "the latest run is unfinished")
	info, entries, err := h.LoadRun(ctx, runs[0].Info.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"a"}, info.IDs)
	require.Len(t, entries, 1)
	assert.Equal(t, "a", entries[0].UnitID)
	_, _, err = h.LoadRun(ctx, "no-such-run")
	assert.ErrorIs(t, err, offboarding.ErrNoRun)
}
