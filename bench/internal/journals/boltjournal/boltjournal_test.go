package boltjournal_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/bench/internal/journals/boltjournal"
	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/offboarding/journaltest"
)

// The alternative keeps the same contract as the chosen journal.
func TestConformance(t *testing.T) {
	t.Parallel()
	journaltest.Run(t, func(t *testing.T) offboarding.Journal {
		j, err := boltjournal.Open(filepath.Join(t.TempDir(), "journal.db"), false)
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, j.Close()) })
		return j
	})
}
