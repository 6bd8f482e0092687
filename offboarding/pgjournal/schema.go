package pgjournal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// A migration brings the tables from one version to the next. Versions
// are numbered from 1; compatible is the oldest version of this package's
// layout that can still use the tables once the step ran (a step that only
// adds keeps the earlier value, so older replicas keep running through a
// rolling upgrade).
type migration struct {
	compatible int
	stmts      []string // %[1]s is the quoted schema
}

// migrations[i] brings the tables from version i to i+1.
var migrations = []migration{
	{compatible: 1, stmts: []string{
		// One row per named journal: the row a Start locks, so that two
		// workers starting runs in one journal take turns.
		`CREATE TABLE IF NOT EXISTS %[1]s.offboarding_journals (
			name    text PRIMARY KEY,
			created timestamptz NOT NULL DEFAULT now()
		)`,
		// One row per run, with its lease: owner, epoch (the fencing
		// token, raised by every Acquire) and expiry (database clock).
		`CREATE TABLE IF NOT EXISTS %[1]s.offboarding_runs (
			run_id        bigserial PRIMARY KEY,
			journal       text NOT NULL REFERENCES %[1]s.offboarding_journals (name),
			seq           bigint NOT NULL,
			id            text NOT NULL,
			info          json NOT NULL,
			created       timestamptz NOT NULL DEFAULT now(),
			finished      timestamptz,
			end_info      json,
			abandoned     timestamptz,
			owner         text NOT NULL,
			epoch         bigint NOT NULL,
			lease_expires timestamptz NOT NULL,
			UNIQUE (journal, seq),
			UNIQUE (journal, id)
		)`,
		// At most one unfinished run per journal.
		`CREATE UNIQUE INDEX IF NOT EXISTS offboarding_runs_open ON %[1]s.offboarding_runs (journal)
			WHERE finished IS NULL AND abandoned IS NULL`,
		// A run's entries in the order recorded (n from 1), each in the
		// journals' shared encoding (offboarding.AppendEntry).
		`CREATE TABLE IF NOT EXISTS %[1]s.offboarding_entries (
			run_id bigint NOT NULL REFERENCES %[1]s.offboarding_runs (run_id) ON DELETE CASCADE,
			n      bigint NOT NULL,
			entry  json NOT NULL,
			PRIMARY KEY (run_id, n)
		)`,
	}},
}

// SchemaVersion is the version of the tables this package creates (the
// number of its migrations).
const SchemaVersion = 1

// migrationLockClass is the first key of the advisory lock taken around a
// migration (the second is the schema's hash): an arbitrary constant that
// keeps it apart from the application's own advisory locks.
const migrationLockClass = 0x7067_6a6e // "pgjn"

// Migrate creates the journal tables in the schema Options name, or
// brings them to this version's layout; Open does it too, so calling it is
// only needed to migrate ahead of time (a deploy step). It is idempotent
// and safe when several workers run it at once: they take turns on a
// transaction-scoped advisory lock, and each step runs in one transaction
// (all or nothing). It fails with ErrInvalidOptions for a nil db or an
// invalid option, with ErrSchemaTooNew when a later version migrated the
// tables to a layout this one cannot use, and with the database's error
// otherwise.
func Migrate(ctx context.Context, db *sql.DB, opts *Options) error {
	s, err := resolve(opts)
	if err != nil {
		return err
	}
	if db == nil {
		return fmt.Errorf("%w: nil *sql.DB", ErrInvalidOptions)
	}
	return migrate(ctx, db, s)
}

func migrate(ctx context.Context, db *sql.DB, s settings) error {
	// The common case, without a lock: the tables are there, current.
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT to_regclass($1) IS NOT NULL`, s.schema+".offboarding_schema").Scan(&exists); err != nil {
		return fmt.Errorf("pgjournal: check the schema: %w", err)
	}
	if exists {
		v, compat, err := schemaVersion(ctx, db, s)
		if err != nil {
			return err
		}
		if v >= len(migrations) {
			return checkCompatible(s, v, compat)
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("pgjournal: migrate: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, migrationLockClass, s.raw); err != nil {
		return fmt.Errorf("pgjournal: migrate: lock: %w", err)
	}
	var hasSchema bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, s.raw).Scan(&hasSchema); err != nil {
		return fmt.Errorf("pgjournal: migrate: %w", err)
	}
	if !hasSchema {
		if _, err := tx.ExecContext(ctx, `CREATE SCHEMA `+s.schema); err != nil {
			return fmt.Errorf("pgjournal: migrate: create schema %s: %w", s.schema, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+s.schema+`.offboarding_schema (
		one        bool PRIMARY KEY DEFAULT true CHECK (one),
		version    int NOT NULL,
		compatible int NOT NULL
	)`); err != nil {
		return fmt.Errorf("pgjournal: migrate: %w", err)
	}
	v, compat, err := schemaVersion(ctx, tx, s)
	if err != nil {
		return err
	}
	if v >= len(migrations) {
		if err := checkCompatible(s, v, compat); err != nil {
			return err
		}
		return tx.Commit()
	}
	for i := v; i < len(migrations); i++ {
		for _, stmt := range migrations[i].stmts {
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(stmt, s.schema)); err != nil {
				return fmt.Errorf("pgjournal: migrate to version %d: %s: %w", i+1, firstLine(stmt), err)
			}
		}
	}
	last := len(migrations)
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+s.schema+`.offboarding_schema (version, compatible) VALUES ($1, $2)
		ON CONFLICT (one) DO UPDATE SET version = excluded.version, compatible = excluded.compatible`,
		last, migrations[last-1].compatible); err != nil {
		return fmt.Errorf("pgjournal: migrate: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("pgjournal: migrate: commit: %w", err)
	}
	return nil
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// schemaVersion reads the tables' version (0 when none was recorded).
func schemaVersion(ctx context.Context, q queryer, s settings) (version, compatible int, err error) {
	err = q.QueryRowContext(ctx, `SELECT version, compatible FROM `+s.schema+`.offboarding_schema`).Scan(&version, &compatible)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("pgjournal: read the schema's version: %w", err)
	}
	return version, compatible, nil
}

func checkCompatible(s settings, version, compatible int) error {
	if compatible > len(migrations) {
		return fmt.Errorf("%w: schema %s is at version %d, usable from version %d on; this package knows %d",
			ErrSchemaTooNew, s.schema, version, compatible, len(migrations))
	}
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
