package floor_test

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/bench/internal/journals/floor"
	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/offboarding/journaltest"
)

// The floor keeps every entry of concurrent calls, each call's together,
// with fewer syncs than calls.
func TestFloor(t *testing.T) {
	t.Parallel()
	j, err := floor.Open(filepath.Join(t.TempDir(), "floor"))
	require.NoError(t, err)
	defer j.Close()
	require.NoError(t, j.Start(t.Context(), journaltest.Info("r", "a")))
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for c := range 10 {
				require.NoError(t, j.Record(t.Context(), journaltest.FullEntry(fmt.Sprint(g, "-", c, "-0"), offboarding.StageRead, false),
					journaltest.FullEntry(fmt.Sprint(g, "-", c, "-1"), offboarding.StageRead, false)))
			}
		})
	}
	wg.Wait()
	info, got, err := j.Load(t.Context())
	require.NoError(t, err)
	require.Equal(t, "r", info.ID)
	require.Len(t, got, 320)
	for i := 0; i < len(got); i += 2 {
		require.Equal(t, got[i].UnitID[:len(got[i].UnitID)-1]+"1", got[i+1].UnitID)
	}
	require.Less(t, j.Syncs(), int64(161))
}
