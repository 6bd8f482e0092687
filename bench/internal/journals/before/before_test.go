package before_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/bench/internal/journals/before"
	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/offboarding/journaltest"
)

// The old store keeps a run's entries as the benchmark needs them (it
// never had Finish or history: StartWhileUnfinished does not apply).
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	j, err := before.Open(filepath.Join(t.TempDir(), "journal.db"))
	require.NoError(t, err)
	defer j.Close()
	require.NoError(t, j.Start(t.Context(), journaltest.Info("r", "a")))
	want := []offboarding.Entry{journaltest.FullEntry("a", offboarding.StageRead, false), journaltest.FullEntry("a", offboarding.StageOffboard, true)}
	require.NoError(t, j.Record(t.Context(), want...))
	info, got, err := j.Load(t.Context())
	require.NoError(t, err)
	require.Equal(t, []string{"a"}, info.IDs)
	require.Len(t, got, 2)
	require.Equal(t, want[1].UnitID, got[1].UnitID)
	require.True(t, got[1].Intent)
}
