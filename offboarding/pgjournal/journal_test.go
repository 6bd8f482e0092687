package pgjournal_test

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/offboarding/journaltest"
	"github.com/m365kit/backuprestore/offboarding/pgjournal"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	journaltest.Run(t, func(t *testing.T) offboarding.Journal { return r.open(uniqueName("conformance"), nil) })
}

func TestOpenRejects(t *testing.T) {
	t.Parallel()
	db := &sql.DB{} // never used: every case fails before
	for _, tc := range []struct {
		name    string
		db      *sql.DB
		journal string
		opts    *pgjournal.Options
		want    error
	}{
		{"empty name", db, "", nil, pgjournal.ErrInvalidName},
		{"NUL in name", db, "a\x00b", nil, pgjournal.ErrInvalidName},
		{"name not UTF-8", db, "a\xffb", nil, pgjournal.ErrInvalidName},
		{"name too long", db, strings.Repeat("n", 257), nil, pgjournal.ErrInvalidName},
		{"nil db", nil, "j", nil, pgjournal.ErrInvalidOptions},
		{"TTL too short", db, "j", &pgjournal.Options{LeaseTTL: time.Millisecond}, pgjournal.ErrInvalidOptions},
		{"negative TTL", db, "j", &pgjournal.Options{LeaseTTL: -time.Second}, pgjournal.ErrInvalidOptions},
		{"schema too long", db, "j", &pgjournal.Options{Schema: strings.Repeat("s", 64)}, pgjournal.ErrInvalidOptions},
		{"NUL in schema", db, "j", &pgjournal.Options{Schema: "s\x00"}, pgjournal.ErrInvalidOptions},
		{"NUL in owner", db, "j", &pgjournal.Options{Owner: "o\x00"}, pgjournal.ErrInvalidOptions},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j, err := pgjournal.Open(t.Context(), tc.db, tc.journal, tc.opts)
			require.ErrorIs(t, err, tc.want)
			assert.Nil(t, j)
		})
	}
	_, err := pgjournal.Orphans(t.Context(), nil, nil)
	require.ErrorIs(t, err, pgjournal.ErrInvalidOptions)
	require.ErrorIs(t, pgjournal.Migrate(t.Context(), nil, nil), pgjournal.ErrInvalidOptions)
}

// Replicas starting at once migrate the same fresh schema together: every
// one succeeds, and the tables are there once, at the current version.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	schema := r.schema + "_fresh" // does not exist yet: Migrate creates it
	t.Cleanup(func() { _, _ = r.db.Exec(`DROP SCHEMA IF EXISTS ` + schema + ` CASCADE`) })
	const replicas = 8
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Go(func() { errs[i] = pgjournal.Migrate(t.Context(), r.db, &pgjournal.Options{Schema: schema}) })
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "replica %d", i)
	}
	var version, compatible int
	require.NoError(t, r.db.QueryRowContext(t.Context(), `SELECT version, compatible FROM `+schema+`.offboarding_schema`).Scan(&version, &compatible))
	assert.Equal(t, pgjournal.SchemaVersion, version)
	assert.Equal(t, 1, compatible)
	var tables int
	require.NoError(t, r.db.QueryRowContext(t.Context(), `SELECT count(*) FROM pg_tables WHERE schemaname = $1`, schema).Scan(&tables))
	assert.Equal(t, 4, tables)
	// Idempotent: once more changes nothing.
	require.NoError(t, pgjournal.Migrate(t.Context(), r.db, &pgjournal.Options{Schema: schema}))
}

// A later version's layout: usable while it says it is compatible with
// this one, refused (ErrSchemaTooNew) once it does not.
func TestSchemaFromALaterVersion(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.open("j", nil)
	for _, tc := range []struct {
		version, compatible int
		want                error
	}{
		{pgjournal.SchemaVersion + 3, pgjournal.SchemaVersion, nil},
		{pgjournal.SchemaVersion + 3, pgjournal.SchemaVersion + 1, pgjournal.ErrSchemaTooNew},
	} {
		_, err := r.db.ExecContext(t.Context(), `UPDATE `+r.schema+`.offboarding_schema SET version = $1, compatible = $2`, tc.version, tc.compatible)
		require.NoError(t, err)
		_, err = pgjournal.Open(t.Context(), r.db, "j", r.opts("o"))
		if tc.want == nil {
			require.NoError(t, err, "version %d compatible with %d", tc.version, tc.compatible)
		} else {
			require.ErrorIs(t, err, tc.want, "version %d compatible with %d", tc.version, tc.compatible)
		}
	}
}

// Journals of different names in one schema are independent: each has
// its own runs, its own unfinished run and its own lease.
func TestNamedJournalsAreIndependent(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	a, b := r.open("tenant-a", nil), r.open("tenant-b", nil)
	require.NoError(t, a.Start(t.Context(), journaltest.Info("", "u-a")))
	require.NoError(t, b.Start(t.Context(), journaltest.Info("", "u-b")), "another journal's unfinished run does not block this one")
	require.NoError(t, a.Record(t.Context(), journaltest.FullEntry("u-a", offboarding.StageRead, false)))
	infoA, entriesA, err := a.Load(t.Context())
	require.NoError(t, err)
	infoB, entriesB, err := b.Load(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []string{"u-a"}, infoA.IDs)
	assert.Equal(t, []string{"u-b"}, infoB.IDs)
	assert.Equal(t, "000001", infoA.ID)
	assert.Equal(t, "000001", infoB.ID, "run IDs count per journal")
	assert.Len(t, entriesA, 1)
	assert.Empty(t, entriesB)
	_, _, err = r.open("tenant-c", nil).Load(t.Context())
	require.ErrorIs(t, err, offboarding.ErrNoRun)
}

// Two workers starting a run in one journal at once: exactly one wins,
// the other gets ErrJournalInUse.
func TestStartRace(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	const workers = 6
	js := make([]*pgjournal.Journal, workers)
	for i := range js {
		js[i] = r.open("race", r.opts(fmt.Sprintf("worker-%d", i)))
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() { errs[i] = js[i].Start(t.Context(), journaltest.Info("", fmt.Sprint("u", i))) })
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
			continue
		}
		require.ErrorIs(t, err, offboarding.ErrJournalInUse)
	}
	require.Equal(t, 1, won)
	runs, err := js[0].Runs(t.Context())
	require.NoError(t, err)
	require.Len(t, runs, 1)
}

func TestStartRejects(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	j := r.open("j", nil)
	require.NoError(t, j.Start(t.Context(), journaltest.Info("first", "u1")))
	require.NoError(t, j.Finish(t.Context(), offboarding.RunEnd{Finished: time.Now()}))
	require.ErrorIs(t, j.Start(t.Context(), journaltest.Info("first", "u1")), pgjournal.ErrRunExists)
	require.ErrorIs(t, j.Start(t.Context(), journaltest.Info("bad\x00id", "u1")), pgjournal.ErrInvalidName)
	require.NoError(t, j.Start(t.Context(), journaltest.Info("", "u1")))
	info, _, err := j.Load(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "000002", info.ID)
}

// Abandon, as MemoryJournal's: the unfinished run is given up (kept, with
// its time), Start may begin another, and its owner is fenced.
func TestAbandon(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	owner, other := r.open("j", r.opts("owner")), r.open("j", r.opts("other"))
	require.ErrorIs(t, other.Abandon(t.Context()), offboarding.ErrNoRun)
	require.NoError(t, owner.Start(t.Context(), journaltest.Info("", "u1")))
	require.ErrorIs(t, other.Abandon(t.Context()), pgjournal.ErrLeaseHeld, "not while its owner lives")

	// Its owner may.
	require.NoError(t, owner.Abandon(t.Context()))
	require.ErrorIs(t, owner.Record(t.Context(), journaltest.FullEntry("u1", offboarding.StageRead, false)), pgjournal.ErrNotLeased)
	require.NoError(t, owner.Abandon(t.Context()), "abandoning an abandoned run does nothing")
	require.NoError(t, other.Start(t.Context(), journaltest.Info("", "u2")))
	runs, err := other.Runs(t.Context())
	require.NoError(t, err)
	require.Len(t, runs, 2)
	assert.False(t, runs[0].Abandoned.IsZero())
	assert.True(t, runs[0].Finished.IsZero())
	assert.True(t, runs[1].Abandoned.IsZero())

	// An orphan (its owner's lease expired) may be abandoned by anyone;
	// its owner's late writes are then refused.
	pgjournal.SuspendRenewal(other, true)
	r.expire("j")
	require.NoError(t, owner.Abandon(t.Context()))
	err = other.Record(t.Context(), journaltest.FullEntry("u2", offboarding.StageRead, false))
	require.ErrorIs(t, err, pgjournal.ErrLeaseLost)
	assert.Contains(t, err.Error(), "abandoned")
}

// What Record stores is the shared encoding, byte for byte: a file
// journal's record and a database journal's are the same text.
func TestEntriesUseTheSharedEncoding(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	j := r.open("j", nil)
	require.NoError(t, j.Start(t.Context(), journaltest.Info("", "u1")))
	e := journaltest.FullEntry("u1", offboarding.StageRemove, false)
	e.Detail = "quotes \" and NUL \x00 and ✓"
	require.NoError(t, j.Record(t.Context(), e))
	want, err := offboarding.AppendEntry(nil, e)
	require.NoError(t, err)
	var got string
	require.NoError(t, r.db.QueryRowContext(t.Context(), `SELECT entry::text FROM `+r.schema+`.offboarding_entries`).Scan(&got))
	assert.Equal(t, string(want), got)
	_, entries, err := j.Load(t.Context())
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, e.Detail, entries[0].Detail)
}

// A row no version wrote is an error naming the run and entry, never a
// misread.
func TestLoadRejectsACorruptEntry(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	j := r.open("j", nil)
	require.NoError(t, j.Start(t.Context(), journaltest.Info("", "u1")))
	require.NoError(t, j.Record(t.Context(), journaltest.FullEntry("u1", offboarding.StageRead, false)))
	_, err := r.db.ExecContext(t.Context(), `UPDATE `+r.schema+`.offboarding_entries SET entry = '{"u":"u1","s":"teleport"}'`)
	require.NoError(t, err)
	_, _, err = j.Load(t.Context())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `run "000001", entry 1`)
	assert.False(t, errors.Is(err, offboarding.ErrNoRun))
}
