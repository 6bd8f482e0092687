package filejournal_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/offboarding/filejournal"
	"github.com/m365kit/backuprestore/offboarding/journaltest"
)

// open opens a fresh journal in t's temporary directory, closed with t.
func open(t *testing.T) *filejournal.Journal {
	t.Helper()
	j, err := filejournal.Open(filepath.Join(t.TempDir(), "journal"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, j.Close()) })
	return j
}

func TestConformance(t *testing.T) {
	t.Parallel()
	journaltest.Run(t, func(t *testing.T) offboarding.Journal { return open(t) })
}
