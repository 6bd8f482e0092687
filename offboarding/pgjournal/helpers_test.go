package pgjournal_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/offboarding/pgjournal"
	"github.com/m365kit/backuprestore/offboarding/pgjournal/internal/pgtest"
)

func TestMain(m *testing.M) {
	if code, child := childMain(); child {
		os.Exit(code)
	}
	os.Exit(pgtest.Main(m))
}

// rig is one test's database: a schema of its own on the test server.
type rig struct {
	t      *testing.T
	db     *sql.DB
	schema string
}

func newRig(t *testing.T) *rig {
	t.Helper()
	db, schema := pgtest.DB(t)
	return &rig{t: t, db: db, schema: schema}
}

// open opens the journal called name, closed when the test ends.
func (r *rig) open(name string, opts *pgjournal.Options) *pgjournal.Journal {
	r.t.Helper()
	o := pgjournal.Options{}
	if opts != nil {
		o = *opts
	}
	o.Schema = r.schema
	j, err := pgjournal.Open(r.t.Context(), r.db, name, &o)
	require.NoError(r.t, err)
	r.t.Cleanup(func() { _ = j.Close() })
	return j
}

// opts returns Options for the rig's schema with the given owner.
func (r *rig) opts(owner string) *pgjournal.Options {
	return &pgjournal.Options{Schema: r.schema, Owner: owner}
}

// expire ends the lease of the journal's unfinished run by the database's
// clock, as LeaseTTL passing without a renewal would (the owner died or
// is paused: suspend its renewals first).
func (r *rig) expire(name string) {
	r.t.Helper()
	res, err := r.db.ExecContext(r.t.Context(), `UPDATE `+r.schema+`.offboarding_runs SET lease_expires = now() - interval '1 millisecond'
		WHERE journal = $1 AND finished IS NULL AND abandoned IS NULL`, name)
	require.NoError(r.t, err)
	n, err := res.RowsAffected()
	require.NoError(r.t, err)
	require.EqualValues(r.t, 1, n, "journal %q has one unfinished run", name)
}

func uniqueName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}
