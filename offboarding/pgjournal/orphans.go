package pgjournal

import (
	"context"
	"database/sql"
	"fmt"
)

// Orphans lists the unfinished runs, in every journal of the schema that
// Options name, whose lease has expired (by the database's clock): their
// owner died, lost the database, or released them. Each can be taken with
// Acquire (open the journal named Lease.Journal) and then resumed; of
// workers racing for one, exactly one wins. Options other than Schema do
// not matter here. It migrates the tables first, as Open does, and fails
// as Migrate fails, and with the database's error.
func Orphans(ctx context.Context, db *sql.DB, opts *Options) ([]Lease, error) {
	s, err := resolve(opts)
	if err != nil {
		return nil, err
	}
	if db == nil {
		return nil, fmt.Errorf("%w: nil *sql.DB", ErrInvalidOptions)
	}
	if err := migrate(ctx, db, s); err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, newQueries(s.schema).orphans)
	if err != nil {
		return nil, fmt.Errorf("pgjournal: orphans: %w", err)
	}
	defer rows.Close()
	var out []Lease
	for rows.Next() {
		l := Lease{Expired: true}
		if err := rows.Scan(&l.Journal, &l.Run, &l.Owner, &l.Epoch, &l.Expires); err != nil {
			return nil, fmt.Errorf("pgjournal: orphans: %w", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgjournal: orphans: %w", err)
	}
	return out, nil
}
