package offboarding_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/offboarding"
)

// countingJournal counts Record calls and the entries they carry.
type countingJournal struct {
	*offboarding.MemoryJournal
	calls, entries atomic.Int64
}

func (j *countingJournal) Record(ctx context.Context, e ...offboarding.Entry) error {
	j.calls.Add(1)
	j.entries.Add(int64(len(e)))
	return j.MemoryJournal.Record(ctx, e...)
}

// A run journals outcomes in groups (per request, per poll), not one
// Record per unit: each Record of a durable journal is a synced write,
// coalesced only with concurrent ones, so per-unit outcomes cost two
// fdatasyncs per unit offboarded. What the run reports is unchanged.
func TestOffboardRunGroupsItsRecords(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{units: 400, seed: 11})
	before, ids := snapshot(r.srv)
	j := &countingJournal{MemoryJournal: offboarding.NewMemoryJournal()}
	res, err := offboarding.New(r.c, fast(offboarding.Options{Journal: j})).Offboard(t.Context(), ids)
	require.NoError(t, err)
	n := checkOffboardRun(t, r.srv, before, res)
	require.Positive(t, n[offboarding.OutcomeDone])
	calls, entries := j.calls.Load(), j.entries.Load()
	t.Logf("%d units (%d done): %d Record calls, %d entries", len(ids), n[offboarding.OutcomeDone], calls, entries)
	require.Less(t, float64(calls), 0.25*float64(n[offboarding.OutcomeDone]), "Record calls per unit offboarded")
	_, all, err := j.Load(t.Context())
	require.NoError(t, err)
	require.EqualValues(t, entries, len(all))
}
