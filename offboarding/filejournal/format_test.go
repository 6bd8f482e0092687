package filejournal_test

import (
	"encoding/binary"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/offboarding/filejournal"
	"github.com/m365kit/backuprestore/offboarding/journaltest"
)

// header returns a journal header of the given version (a valid checksum).
func header(version uint16) []byte {
	b := make([]byte, 32)
	copy(b, "backuprestore journal\n")
	binary.LittleEndian.PutUint16(b[22:], version)
	binary.LittleEndian.PutUint32(b[28:], crc32.Checksum(b[:28], crc32.MakeTable(crc32.Castagnoli)))
	return b
}

// A file that is not a journal of this version fails clearly, for a writer
// and a reader, and is never changed.
func TestOpenRefuses(t *testing.T) {
	t.Parallel()
	bolt := make([]byte, 4096) // an old bbolt journal's first page: its meta magic at 16
	binary.LittleEndian.PutUint32(bolt[16:], 0xED0CDAED)
	damaged := header(1)
	damaged[25] ^= 1
	for name, tc := range map[string]struct {
		file []byte
		is   error
		text string
	}{
		"text":             {[]byte("these are my notes, not a journal\n"), filejournal.ErrNotJournal, "not a backuprestore journal"},
		"a bbolt file":     {bolt, filejournal.ErrNotJournal, "not a backuprestore journal"},
		"a newer version":  {header(2), filejournal.ErrUnsupportedVersion, "format version 2; this version of backuprestore reads version 1"},
		"a damaged header": {damaged, filejournal.ErrCorrupt, "corrupt at byte offset 0"},
		"a cut header":     {header(1)[:30], filejournal.ErrCorrupt, "ends inside its header"},
		"one magic byte":   {[]byte("b"), filejournal.ErrCorrupt, "ends inside its header"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "journal")
			require.NoError(t, os.WriteFile(path, tc.file, 0o600))
			_, err := filejournal.Open(path, nil)
			require.ErrorIs(t, err, tc.is)
			assert.ErrorContains(t, err, tc.text)
			assert.ErrorContains(t, err, path)
			_, err = filejournal.OpenReadOnly(path)
			require.ErrorIs(t, err, tc.is)
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, tc.file, got, "left as it was")
			_, err = filejournal.Open(path, nil)
			require.ErrorIs(t, err, tc.is, "the failed open released the lock")
		})
	}
}

// An empty file (mktemp's) becomes a journal; a read-only journal of an
// empty file holds no run, of a missing file fails with fs.ErrNotExist.
func TestCreateFromEmptyOrMissing(t *testing.T) {
	t.Parallel()
	empty := filepath.Join(t.TempDir(), "empty")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))
	ro, err := filejournal.OpenReadOnly(empty)
	require.NoError(t, err)
	_, _, err = ro.Load(t.Context())
	require.ErrorIs(t, err, offboarding.ErrNoRun)
	runs, err := ro.Runs(t.Context())
	require.NoError(t, err)
	require.Empty(t, runs)
	j, err := filejournal.Open(empty, nil)
	require.NoError(t, err)
	require.NoError(t, j.Start(t.Context(), journaltest.Info("r")))
	require.NoError(t, j.Close())
	_, _, err = ro.Load(t.Context())
	require.NoError(t, err)

	_, err = filejournal.OpenReadOnly(filepath.Join(t.TempDir(), "none"))
	require.ErrorIs(t, err, fs.ErrNotExist)
}
