package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/offboarding/journaltest"
)

// A run's info, endpoint and entries survive closing and reopening
// (read-only too), in order; a new run starts once the latest is archived,
// and the archived run stays in the journal's history. The file is private.
func TestJournalStore(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "sub", "dir", "journal.db")
	jf, err := openJournal(path, true, "test")
	require.NoError(t, err)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the journal is private")
	di, err := os.Stat(filepath.Dir(path))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), di.Mode().Perm())

	ep := endpoint{Mode: modeURL, URL: "http://127.0.0.1:1/v1.0"}
	fj := &fileJournal{f: jf, ep: ep}
	_, _, _, err = fj.load()
	require.ErrorIs(t, err, offboarding.ErrNoRun)
	require.NoError(t, fj.Start(ctx, journaltest.Info("", "u1", "u2")))
	require.ErrorIs(t, fj.Start(ctx, journaltest.Info("", "u3")), offboarding.ErrJournalInUse)
	for i := range 300 {
		require.NoError(t, fj.Record(ctx, journaltest.FullEntry(fmt.Sprint("e", 2*i), offboarding.StageRead, false),
			journaltest.FullEntry(fmt.Sprint("e", 2*i+1), offboarding.StageOffboard, true)))
	}
	require.NoError(t, jf.close())

	for _, write := range []bool{false, true} {
		jf, err = openJournal(path, write, "test")
		require.NoError(t, err)
		fj = &fileJournal{f: jf}
		info, gotEP, entries, err := fj.load()
		require.NoError(t, err)
		require.Equal(t, []string{"u1", "u2"}, info.IDs)
		require.Equal(t, ep, gotEP, "the endpoint is kept with the run")
		require.Len(t, entries, 600)
		for i, e := range entries {
			require.Equal(t, fmt.Sprint("e", i), e.UnitID, "oldest first")
		}
		if write {
			break
		}
		require.NoError(t, jf.close())
	}
	fj.ep = endpoint{Mode: modeEmbedded}
	require.NoError(t, fj.archive(ctx))
	require.NoError(t, fj.Start(ctx, journaltest.Info("", "u3")))
	_, gotEP, entries, err := fj.load()
	require.NoError(t, err)
	require.Equal(t, endpoint{Mode: modeEmbedded}, gotEP)
	require.Empty(t, entries)
	runs, err := fj.Runs(ctx)
	require.NoError(t, err)
	require.Len(t, runs, 2, "the archived run is kept")
	require.False(t, runs[0].Abandoned.IsZero(), "archived unfinished: abandoned")
	require.NoError(t, jf.close())
}

// A journal held for writing is refused to a second writer, who is told
// who holds it; a reader reads beside it; once closed it opens again.
func TestJournalLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	j, err := openJournal(path, true, "backuprestore offboard")
	require.NoError(t, err)
	_, err = openJournal(path, true, "backuprestore resume")
	require.Error(t, err)
	var ee *exitError
	require.True(t, errors.As(err, &ee))
	require.Equal(t, exitUsage, ee.code)
	require.Contains(t, err.Error(), "journal "+path+" is in use by another backuprestore process (process "+fmt.Sprint(os.Getpid()))
	require.Contains(t, err.Error(), `"backuprestore offboard"`)
	r, err := openJournal(path, false, "backuprestore status")
	require.NoError(t, err, "a reader reads while the writer holds the journal")
	require.NoError(t, r.close())
	require.NoError(t, j.close())
	j, err = openJournal(path, true, "again")
	require.NoError(t, err)
	require.NoError(t, j.close())
}

// A file that is not a journal, an older version's bbolt journal, a
// missing journal for reading and an unreadable one fail clearly, the
// operating system's cause kept.
func TestJournalNotAJournal(t *testing.T) {
	path := writeFile(t, "notes.txt", "these are my notes, not a journal\n")
	for _, write := range []bool{true, false} {
		_, err := openJournal(path, write, "x")
		require.ErrorContains(t, err, path+" is not a backuprestore journal")
		requireUsage(t, err)
	}
	bolt := make([]byte, 4096) // a bbolt file's first page: its meta's magic at byte 16
	binary.LittleEndian.PutUint32(bolt[16:], boltMagic)
	old := filepath.Join(t.TempDir(), "journal.db")
	require.NoError(t, os.WriteFile(old, bolt, 0o600))
	_, err := openJournal(old, true, "x")
	require.ErrorContains(t, err, "journal "+old+" was written by an older version of backuprestore")
	requireUsage(t, err)
	got, err := os.ReadFile(old)
	require.NoError(t, err)
	require.Equal(t, bolt, got, "left as it was")

	_, err = openJournal(filepath.Join(t.TempDir(), "none.db"), false, "x")
	require.ErrorIs(t, err, fs.ErrNotExist)
	_, err = openJournal(filepath.Join(path, "under-a-file.db"), true, "x")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "not a backuprestore journal", "an OS error is not a format error")
}

func requireUsage(t *testing.T, err error) {
	t.Helper()
	var ee *exitError
	require.True(t, errors.As(err, &ee), "%v", err)
	require.Equal(t, exitUsage, ee.code)
}

// The default journal is in the user's state directory, one for Graph and
// one for the emulators.
func TestDefaultJournalPath(t *testing.T) {
	env := map[string]string{"XDG_STATE_HOME": "/state", "HOME": "/home/adele"}
	get := func(k string) string { return env[k] }
	p, err := defaultJournalPath(get, modeGraph)
	require.NoError(t, err)
	require.Equal(t, "/state/backuprestore/journal.db", p)
	p, err = defaultJournalPath(get, modeURL)
	require.NoError(t, err)
	require.Equal(t, "/state/backuprestore/emulator-journal.db", p)
	p, err = defaultJournalPath(get, modeEmbedded)
	require.NoError(t, err)
	require.Equal(t, "/state/backuprestore/embedded-emulator-journal.db", p)
	env["XDG_STATE_HOME"] = "relative/ignored"
	p, err = defaultJournalPath(get, modeGraph)
	require.NoError(t, err)
	require.Equal(t, "/home/adele/.local/state/backuprestore/journal.db", p)
}
