package filejournal

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/offboarding"
)

// Once a write fails, every later call fails with that failure: the
// journal cannot say what is on disk any more, and a run must stop.
func TestWriteFailureSticks(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	j, err := Open(filepath.Join(t.TempDir(), "journal"), nil)
	require.NoError(t, err)
	require.NoError(t, j.Start(ctx, offboarding.RunInfo{Action: offboarding.ActionOffboard}))
	// The file goes away under the journal: the next write fails.
	j.fmu.Lock()
	require.NoError(t, j.f.Close())
	j.fmu.Unlock()
	e := offboarding.Entry{UnitID: "u", Stage: offboarding.StageRead}
	first := j.Record(ctx, e)
	require.ErrorIs(t, first, os.ErrClosed)
	require.ErrorContains(t, first, "filejournal: write journal")
	for name, err := range map[string]error{
		"Record":  j.Record(ctx, e),
		"Finish":  j.Finish(ctx, offboarding.RunEnd{}),
		"Start":   j.Start(ctx, offboarding.RunInfo{Action: offboarding.ActionOffboard}),
		"Abandon": j.Abandon(ctx),
	} {
		require.Equal(t, first, err, name)
	}
	_, _, err = j.Load(ctx)
	require.Equal(t, first, err)
	require.Error(t, j.Close(), "the file was closed already")
}
