package pgjournal_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/offboarding/journaltest"
	"github.com/m365kit/backuprestore/offboarding/pgjournal"
	"github.com/m365kit/backuprestore/offboarding/pgjournal/internal/pgtest"
)

// Concurrent Record calls share statements (group commit), each call's
// entries together and in order, every call returning once committed.
func TestRecordGroupsConcurrentCalls(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	j := r.open("j", nil)
	require.NoError(t, j.Start(t.Context(), journaltest.Info("", "u")))
	const writers, calls = 32, 20
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for c := range calls {
				e := offboarding.Entry{UnitID: fmt.Sprintf("w%d-c%d", w, c), Stage: offboarding.StageOffboard, Intent: true, At: time.Now()}
				require.NoError(t, j.Record(t.Context(), e, e))
			}
		})
	}
	wg.Wait()
	_, entries, err := j.Load(t.Context())
	require.NoError(t, err)
	require.Len(t, entries, writers*calls*2)
	groups := pgjournal.Groups(j)
	t.Logf("%d Record calls in %d statements", writers*calls, groups)
	assert.Less(t, groups, int64(writers*calls), "concurrent calls share statements")
}

func TestRecordRejects(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	j := r.open("j", nil)
	require.ErrorIs(t, j.Record(t.Context(), read("u1")), pgjournal.ErrNotLeased, "before Start")
	require.NoError(t, j.Start(t.Context(), journaltest.Info("", "u1")))
	for name, e := range map[string]offboarding.Entry{
		"no stage":        {UnitID: "u1"},
		"unknown stage":   {UnitID: "u1", Stage: 99},
		"unknown outcome": {UnitID: "u1", Stage: offboarding.StageRead, Outcome: -1},
	} {
		require.Error(t, j.Record(t.Context(), read("u1"), e), name)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	require.ErrorIs(t, j.Record(ctx, read("u1")), context.Canceled)
	require.NoError(t, j.Record(t.Context()), "no entries: nothing to do")
	_, entries, err := j.Load(t.Context())
	require.NoError(t, err)
	assert.Empty(t, entries, "a refused call stores nothing")
	require.NoError(t, j.Record(t.Context(), read("u1")), "the lease survives a refused call")
}

// BenchmarkRecord: one entry per call from 16 goroutines (a run's
// batches in flight), against the test server.
func BenchmarkRecord(b *testing.B) {
	db, schema := pgtest.DB(b)
	j, err := pgjournal.Open(b.Context(), db, "bench", &pgjournal.Options{Schema: schema})
	require.NoError(b, err)
	b.Cleanup(func() { _ = j.Close() })
	require.NoError(b, j.Start(b.Context(), journaltest.Info("", "u")))
	e := journaltest.FullEntry("u", offboarding.StageOffboard, false)
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := j.Record(b.Context(), e); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/float64(pgjournal.Groups(j)), "calls/statement")
}
