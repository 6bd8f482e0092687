package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// A run's info, endpoint and entries survive closing and reopening, in
// order; a second run cannot start until the first is archived; archived
// runs stay in the file.
func TestJournalStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "dir", "journal.db")
	j, err := openJournal(path, true, "test")
	require.NoError(t, err)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the journal is private")
	di, err := os.Stat(filepath.Dir(path))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), di.Mode().Perm())

	_, err = j.loadRun()
	require.ErrorIs(t, err, errNoStoredRun)
	require.ErrorIs(t, j.appendEntries([][]byte{[]byte("x")}), errNoStoredRun)

	ep := endpoint{Mode: modeURL, URL: "http://127.0.0.1:1/v1.0"}
	require.NoError(t, j.startRun(func(uint64) []byte { return []byte(`{"run":1}`) }, ep))
	require.ErrorIs(t, j.startRun(func(uint64) []byte { return []byte(`{"run":2}`) }, ep), errRunExists)
	for i := range 300 {
		require.NoError(t, j.appendEntries([][]byte{fmt.Appendf(nil, "e%d", 2*i), fmt.Appendf(nil, "e%d", 2*i+1)}))
	}
	require.NoError(t, j.close())

	j, err = openJournal(path, false, "test")
	require.NoError(t, err)
	r, err := j.loadRun()
	require.NoError(t, err)
	require.Equal(t, `{"run":1}`, string(r.info))
	require.Equal(t, ep, r.endpoint)
	require.Len(t, r.entries, 600)
	for i, e := range r.entries {
		require.Equal(t, fmt.Sprintf("e%d", i), string(e), "oldest first")
	}
	require.NoError(t, j.close())

	j, err = openJournal(path, true, "test")
	require.NoError(t, err)
	require.NoError(t, j.archiveCurrent())
	_, err = j.loadRun()
	require.ErrorIs(t, err, errNoStoredRun)
	require.NoError(t, j.startRun(func(uint64) []byte { return []byte(`{"run":2}`) }, ep))
	require.NoError(t, j.appendEntries([][]byte{[]byte("only")}))
	r, err = j.loadRun()
	require.NoError(t, err)
	require.Equal(t, `{"run":2}`, string(r.info))
	require.Equal(t, []string{"only"}, toStrings(r.entries))
	require.Equal(t, uint64(2), r.id, "the archived run is kept")
	require.NoError(t, j.close())
}

// toStrings converts byte slices.
func toStrings(bs [][]byte) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = string(b)
	}
	return out
}

// A journal held open is refused to a second opener, who is told who
// holds it; once closed it opens.
func TestJournalLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	j, err := openJournal(path, true, "backuprestore offboard")
	require.NoError(t, err)
	for _, write := range []bool{true, false} {
		_, err := openJournal(path, write, "backuprestore resume")
		require.Error(t, err)
		var ee *exitError
		require.True(t, errors.As(err, &ee))
		require.Equal(t, exitUsage, ee.code)
		require.Contains(t, err.Error(), "journal "+path+" is in use by another backuprestore process (process "+fmt.Sprint(os.Getpid()))
		require.Contains(t, err.Error(), `"backuprestore offboard"`)
	}
	require.NoError(t, j.close())
	_, err = os.Stat(path + ".owner")
	require.True(t, os.IsNotExist(err), "the owner file goes with the lock")
	j, err = openJournal(path, true, "again")
	require.NoError(t, err)
	require.NoError(t, j.close())
}

// A file that is not a journal, and a missing journal for reading, fail
// clearly.
func TestJournalNotAJournal(t *testing.T) {
	path := writeFile(t, "notes.txt", "these are my notes, not a journal\n")
	_, err := openJournal(path, true, "x")
	require.ErrorContains(t, err, "is it a backuprestore journal?")
	_, err = openJournal(filepath.Join(t.TempDir(), "none.db"), false, "x")
	require.ErrorIs(t, err, os.ErrNotExist)
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
