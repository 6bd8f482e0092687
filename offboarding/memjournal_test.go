package offboarding_test

import (
	"testing"

	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/offboarding/journaltest"
)

func TestMemoryJournalConformance(t *testing.T) {
	t.Parallel()
	journaltest.Run(t, func(*testing.T) offboarding.Journal { return offboarding.NewMemoryJournal() })
}
