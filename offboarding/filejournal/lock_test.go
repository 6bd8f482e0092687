package filejournal_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/offboarding/filejournal"
	"github.com/m365kit/backuprestore/offboarding/journaltest"
)

// One writer at a time: a second is refused at once, told who holds the
// journal; LockOwner says the same; once the first closes, the journal
// opens again and names no owner. (Another process is refused alike: see
// TestCrash.)
func TestOneWriter(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "journal")
	before := time.Now().Add(-time.Second)
	j, err := filejournal.Open(path, &filejournal.Options{Command: "backuprestore offboard --from leavers.csv"})
	require.NoError(t, err)

	_, err = filejournal.Open(path, &filejournal.Options{Command: "backuprestore resume"})
	require.ErrorIs(t, err, filejournal.ErrLocked)
	var le *filejournal.LockedError
	require.True(t, errors.As(err, &le))
	host, _ := os.Hostname()
	assert.Equal(t, path, le.Path)
	assert.Equal(t, os.Getpid(), le.Owner.PID)
	assert.Equal(t, host, le.Owner.Host)
	assert.Equal(t, "backuprestore offboard --from leavers.csv", le.Owner.Command)
	assert.WithinRange(t, le.Owner.Since, before, time.Now())
	assert.Contains(t, err.Error(), fmt.Sprintf("journal %s is in use by process %d on %s (%q), since ", path, os.Getpid(), host, "backuprestore offboard --from leavers.csv"))

	o, held, err := filejournal.LockOwner(path)
	require.NoError(t, err)
	assert.True(t, held)
	assert.Equal(t, le.Owner, o)

	require.NoError(t, j.Close())
	require.NoError(t, j.Close(), "Close twice does nothing")
	_, held, err = filejournal.LockOwner(path)
	require.NoError(t, err)
	assert.False(t, held)
	j, err = filejournal.Open(path, nil)
	require.NoError(t, err)
	require.NoError(t, j.Close())
	_, held, err = filejournal.LockOwner(filepath.Join(t.TempDir(), "never-opened"))
	require.NoError(t, err)
	assert.False(t, held)
}

// An Owner whose lock file is being written is "another process".
func TestOwnerString(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "another process", filejournal.Owner{}.String())
	since := time.Date(2026, 12, 7, 9, 0, 0, 0, time.Local)
	assert.Equal(t, `process 42 on laptop ("backuprestore offboard"), since 2026-12-07 09:00:00`,
		filejournal.Owner{PID: 42, Host: "laptop", Command: "backuprestore offboard", Since: since}.String())
}

// A read-only journal reads beside the writer, sees what it recorded,
// refuses to write; every method fails with ErrClosed after Close.
func TestReadOnlyAndClosed(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "journal")
	w, err := filejournal.Open(path, nil)
	require.NoError(t, err)
	require.NoError(t, w.Start(ctx, journaltest.Info("r1", "u1")))
	ro, err := filejournal.OpenReadOnly(path)
	require.NoError(t, err)
	for i := range 3 {
		require.NoError(t, w.Record(ctx, journaltest.FullEntry(fmt.Sprint("u", i), offboarding.StageRead, false)))
		_, entries, err := ro.Load(ctx)
		require.NoError(t, err)
		require.Len(t, entries, i+1, "the reader sees each record as soon as Record returned")
	}
	for name, err := range map[string]error{
		"Start":   ro.Start(ctx, journaltest.Info("r2")),
		"Record":  ro.Record(ctx, journaltest.FullEntry("u", offboarding.StageRead, false)),
		"Finish":  ro.Finish(ctx, offboarding.RunEnd{}),
		"Abandon": ro.Abandon(ctx),
	} {
		assert.ErrorIs(t, err, filejournal.ErrReadOnly, name)
	}
	require.NoError(t, w.Close())
	require.NoError(t, ro.Close())
	for _, j := range []*filejournal.Journal{w, ro} {
		_, _, err := j.Load(ctx)
		assert.ErrorIs(t, err, filejournal.ErrClosed)
		_, err = j.Runs(ctx)
		assert.ErrorIs(t, err, filejournal.ErrClosed)
		_, _, err = j.LoadRun(ctx, "r1")
		assert.ErrorIs(t, err, filejournal.ErrClosed)
	}
	for name, err := range map[string]error{
		"Start":   w.Start(ctx, journaltest.Info("r2")),
		"Record":  w.Record(ctx, journaltest.FullEntry("u", offboarding.StageRead, false)),
		"Finish":  w.Finish(ctx, offboarding.RunEnd{}),
		"Abandon": w.Abandon(ctx),
	} {
		assert.ErrorIs(t, err, filejournal.ErrClosed, name)
	}
}
