package pgjournal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/m365kit/backuprestore/offboarding"
)

// Journal is an offboarding.Journal and offboarding.History kept in
// PostgreSQL: the named journal's runs, every one kept, each with its
// entries, and a lease on the unfinished one. It is safe for concurrent
// use; concurrent Record calls share one statement (group commit).
//
// Reads (Load, LoadRun, Runs, Holder) need no lease. Writes to a run
// (Record, Finish) need this Journal to hold its lease, taken by Start (a
// new run) or Acquire (an existing one, before a Resume), renewed in the
// background while the process lives, and given up by Finish, Abandon,
// Release or Close.
type Journal struct {
	db   *sql.DB
	name string
	s    settings
	q    queries
	// now is the local clock that bounds the lease on this side (tests
	// replace it); the lease's expiry itself is the database's clock.
	now func() time.Time

	mu     sync.Mutex
	lease  *lease // the lease held or last held; nil before Start or Acquire
	closed bool
	bg     sync.WaitGroup // the renewers and the group writer

	w writer

	// For tests: renewals suspended (a process paused, or dead but for its
	// connections); the statements the group writer sent.
	noRenew atomic.Bool
	groups  atomic.Int64
}

var (
	_ offboarding.Journal = (*Journal)(nil)
	_ offboarding.History = (*Journal)(nil)
)

// Open returns the journal called name in db, creating or migrating the
// tables first (see Migrate); the journal itself is created by its first
// Start. Many journals share one database (one per tenant, say), each
// with its own runs and leases. db must reach PostgreSQL through a
// database/sql driver, such as pgx's:
//
//	import _ "github.com/jackc/pgx/v5/stdlib"
//	db, err := sql.Open("pgx", "postgres://…")
//
// Open fails with ErrInvalidName for a bad name, ErrInvalidOptions for a
// nil db or a bad option, ErrSchemaTooNew when a later version migrated
// the tables beyond this one's reach, and with the database's error when
// it cannot be reached.
func Open(ctx context.Context, db *sql.DB, name string, opts *Options) (*Journal, error) {
	s, err := resolve(opts)
	if err != nil {
		return nil, err
	}
	if err := validName(name); err != nil {
		return nil, err
	}
	if db == nil {
		return nil, fmt.Errorf("%w: nil *sql.DB", ErrInvalidOptions)
	}
	if err := migrate(ctx, db, s); err != nil {
		return nil, err
	}
	return &Journal{db: db, name: name, s: s, q: newQueries(s.schema), now: time.Now}, nil
}

// Name returns the journal's name.
func (j *Journal) Name() string { return j.name }

// Owner returns the owner this Journal writes into the leases it takes
// (Options.Owner).
func (j *Journal) Owner() string { return j.s.owner }

// Start implements offboarding.Journal: it records a new run as the
// journal's latest and takes its lease. It fails with
// offboarding.ErrJournalInUse when the latest run is unfinished (whoever
// holds it: Acquire and Resume it, or Abandon it), ErrRunExists when
// info.ID names an earlier run, ErrInvalidName for an ID that is not
// valid, ErrClosed after Close, and with the database's error (nothing is
// then recorded).
func (j *Journal) Start(ctx context.Context, info offboarding.RunInfo) error {
	if err := j.open(); err != nil {
		return err
	}
	if info.ID != "" {
		if err := validName(info.ID); err != nil {
			return fmt.Errorf("run ID: %w", err)
		}
	}
	t0 := j.now()
	tx, err := j.db.BeginTx(ctx, nil)
	if err != nil {
		return j.dbErr("start", err)
	}
	defer func() { _ = tx.Rollback() }()
	// The journal's row is the lock two Starts take turns on.
	if _, err := tx.ExecContext(ctx, j.q.ensureJournal, j.name); err != nil {
		return j.dbErr("start", err)
	}
	var seq int64
	var open bool
	err = tx.QueryRowContext(ctx, j.q.latestForStart, j.name).Scan(&seq, &open)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		seq = 0
	case err != nil:
		return j.dbErr("start", err)
	case open:
		return fmt.Errorf("pgjournal: journal %q: %w", j.name, offboarding.ErrJournalInUse)
	}
	if info.ID == "" {
		info.ID = fmt.Sprintf("%06d", seq+1)
	}
	var taken bool
	if err := tx.QueryRowContext(ctx, j.q.runExists, j.name, info.ID).Scan(&taken); err != nil {
		return j.dbErr("start", err)
	}
	if taken {
		return fmt.Errorf("pgjournal: journal %q, run %q: %w", j.name, info.ID, ErrRunExists)
	}
	var runID, epoch int64
	if err := tx.QueryRowContext(ctx, j.q.insertRun, j.name, seq+1, info.ID, string(offboarding.MarshalRunInfo(info)),
		j.s.owner, j.s.ttl.Microseconds()).Scan(&runID, &epoch); err != nil {
		return j.dbErr("start", err)
	}
	if err := tx.Commit(); err != nil {
		return j.dbErr("start: commit", err)
	}
	return j.hold(&lease{runID: runID, run: info.ID, epoch: epoch, deadline: t0.Add(j.localTTL())})
}

// Load implements offboarding.Journal: the latest run and its entries,
// oldest first, read in one snapshot. It needs no lease. It fails with
// offboarding.ErrNoRun when the journal holds no run, with an error naming
// the run and entry when an entry cannot be decoded, and with the
// database's error.
func (j *Journal) Load(ctx context.Context) (offboarding.RunInfo, []offboarding.Entry, error) {
	return j.load(ctx, j.q.latestRun, j.name)
}

// LoadRun implements offboarding.History: Load for the run with the given
// ID; it fails with offboarding.ErrNoRun when the journal holds no such
// run, and otherwise as Load.
func (j *Journal) LoadRun(ctx context.Context, id string) (offboarding.RunInfo, []offboarding.Entry, error) {
	info, entries, err := j.load(ctx, j.q.runByID, j.name, id)
	if errors.Is(err, offboarding.ErrNoRun) {
		return info, nil, fmt.Errorf("pgjournal: journal %q, run %q: %w", j.name, id, offboarding.ErrNoRun)
	}
	return info, entries, err
}

func (j *Journal) load(ctx context.Context, query string, args ...any) (offboarding.RunInfo, []offboarding.Entry, error) {
	if err := j.open(); err != nil {
		return offboarding.RunInfo{}, nil, err
	}
	tx, err := j.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return offboarding.RunInfo{}, nil, j.dbErr("load", err)
	}
	defer func() { _ = tx.Rollback() }()
	var runID int64
	var infoJSON string
	err = tx.QueryRowContext(ctx, query, args...).Scan(&runID, &infoJSON)
	if errors.Is(err, sql.ErrNoRows) {
		return offboarding.RunInfo{}, nil, fmt.Errorf("pgjournal: journal %q: %w", j.name, offboarding.ErrNoRun)
	}
	if err != nil {
		return offboarding.RunInfo{}, nil, j.dbErr("load", err)
	}
	info, err := offboarding.UnmarshalRunInfo([]byte(infoJSON))
	if err != nil {
		return offboarding.RunInfo{}, nil, fmt.Errorf("pgjournal: journal %q, run row %d: %w", j.name, runID, err)
	}
	rows, err := tx.QueryContext(ctx, j.q.entries, runID)
	if err != nil {
		return offboarding.RunInfo{}, nil, j.dbErr("load", err)
	}
	defer rows.Close()
	var entries []offboarding.Entry
	var buf []byte
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n, &buf); err != nil {
			return offboarding.RunInfo{}, nil, j.dbErr("load", err)
		}
		e, err := offboarding.DecodeEntry(buf)
		if err != nil {
			return offboarding.RunInfo{}, nil, fmt.Errorf("pgjournal: journal %q, run %q, entry %d: %w", j.name, info.ID, n, err)
		}
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return offboarding.RunInfo{}, nil, j.dbErr("load", err)
	}
	return info, entries, nil
}

// Finish implements offboarding.Journal: it marks the latest run finished
// with end and gives up its lease. The check of the lease and the update
// are one statement. Finishing a run that is already finished does
// nothing, whoever calls (a Resume of a finished run calls Finish again).
// Otherwise it fails with ErrLeaseLost (nothing stored) when this
// Journal's lease expired or another worker took the run, with
// ErrNotLeased when it holds no lease, ErrClosed after Close, and with the
// database's error.
func (j *Journal) Finish(ctx context.Context, end offboarding.RunEnd) error {
	endJSON, err := marshalEnd(end)
	if err != nil {
		return err
	}
	l, err := j.held()
	if err != nil {
		if errors.Is(err, ErrClosed) {
			return err
		}
		if done, ferr := j.latestFinished(ctx); ferr != nil || !done {
			return err
		}
		return nil
	}
	res, err := j.db.ExecContext(ctx, j.q.finish, l.runID, l.epoch, string(endJSON))
	if err != nil {
		return j.dbErr("finish", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return j.dbErr("finish", err)
	} else if n == 1 {
		j.drop(l, fmt.Errorf("pgjournal: journal %q, run %q: %w", j.name, l.run, errFinished))
		return nil
	}
	row, err := j.leaseRow(ctx, l.runID)
	if err != nil {
		return j.dbErr("finish", err)
	}
	if row != nil && row.finished {
		j.drop(l, fmt.Errorf("pgjournal: journal %q, run %q: %w", j.name, l.run, errFinished))
		return nil
	}
	err = leaseLost(j.name, l.run, l.epoch, row)
	j.drop(l, err)
	return err
}

// latestFinished reports whether the journal's latest run is finished.
func (j *Journal) latestFinished(ctx context.Context) (bool, error) {
	var done bool
	err := j.db.QueryRowContext(ctx, j.q.latestFinished, j.name).Scan(&done)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return done, err
}

// Abandon gives up the latest run if it is unfinished, so that Start may
// begin another; its units in doubt stay so. It needs the run's lease, or
// the lease to have expired (an orphan), and it fences the run: any later
// write by its owner fails with ErrLeaseLost. It does nothing when the
// latest run is already finished or abandoned, and fails with
// offboarding.ErrNoRun when the journal holds no run, ErrLeaseHeld while
// another worker's lease is live, ErrClosed after Close, and with the
// database's error.
func (j *Journal) Abandon(ctx context.Context) error {
	if err := j.open(); err != nil {
		return err
	}
	mineRun, mineEpoch := int64(-1), int64(-1)
	j.mu.Lock()
	l := j.lease
	if l != nil {
		mineRun, mineEpoch = l.runID, l.epoch
	}
	j.mu.Unlock()
	var runID int64
	err := j.db.QueryRowContext(ctx, j.q.abandon, j.name, mineRun, mineEpoch).Scan(&runID)
	if err == nil {
		if l != nil && l.runID == runID {
			j.drop(l, fmt.Errorf("pgjournal: journal %q, run %q: %w: the run was abandoned", j.name, l.run, ErrNotLeased))
		}
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return j.dbErr("abandon", err)
	}
	h, err := j.holder(ctx)
	switch {
	case errors.Is(err, errNoOpenRun):
		var any bool
		if err := j.db.QueryRowContext(ctx, j.q.anyRun, j.name).Scan(&any); err != nil {
			return j.dbErr("abandon", err)
		}
		if !any {
			return fmt.Errorf("pgjournal: journal %q: %w", j.name, offboarding.ErrNoRun)
		}
		return nil // the latest run is finished or abandoned
	case err != nil:
		return err
	default:
		return fmt.Errorf("pgjournal: journal %q, run %q: %w: %q until %s", j.name, h.Run, ErrLeaseHeld, h.Owner, h.Expires.UTC().Format(time.RFC3339Nano))
	}
}

// Runs implements offboarding.History: every run of the journal, oldest
// first. It fails with ErrClosed after Close, with an error naming the run
// whose description cannot be decoded, and with the database's error.
func (j *Journal) Runs(ctx context.Context) ([]offboarding.RunSummary, error) {
	if err := j.open(); err != nil {
		return nil, err
	}
	rows, err := j.db.QueryContext(ctx, j.q.runs, j.name)
	if err != nil {
		return nil, j.dbErr("runs", err)
	}
	defer rows.Close()
	var out []offboarding.RunSummary
	for rows.Next() {
		var id, infoJSON string
		var endJSON sql.NullString
		var abandoned sql.NullTime
		if err := rows.Scan(&id, &infoJSON, &endJSON, &abandoned); err != nil {
			return nil, j.dbErr("runs", err)
		}
		var sum offboarding.RunSummary
		if sum.Info, err = offboarding.UnmarshalRunInfo([]byte(infoJSON)); err != nil {
			return nil, fmt.Errorf("pgjournal: journal %q, run %q: %w", j.name, id, err)
		}
		if endJSON.Valid {
			end, err := unmarshalEnd([]byte(endJSON.String))
			if err != nil {
				return nil, fmt.Errorf("pgjournal: journal %q, run %q: %w", j.name, id, err)
			}
			sum.Finished, sum.Counts = end.Finished, end.Counts
		}
		if abandoned.Valid {
			sum.Abandoned = abandoned.Time
		}
		out = append(out, sum)
	}
	if err := rows.Err(); err != nil {
		return nil, j.dbErr("runs", err)
	}
	return out, nil
}

// Close gives up the lease this Journal holds, if any (as Release, so
// that another worker can Acquire the run at once), and stops its
// background work. Later calls of any method fail with ErrClosed; Close
// itself can be called again. It fails only when the lease could not be
// released (it then expires by itself after LeaseTTL).
func (j *Journal) Close() error {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return nil
	}
	j.closed = true
	l := j.lease
	j.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := j.release(ctx, l)
	j.bg.Wait()
	return err
}

// open fails with ErrClosed after Close.
func (j *Journal) open() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return fmt.Errorf("pgjournal: journal %q: %w", j.name, ErrClosed)
	}
	return nil
}

// dbErr wraps an error of the database (or of ctx) in the journal's name.
func (j *Journal) dbErr(op string, err error) error {
	return fmt.Errorf("pgjournal: journal %q: %s: %w", j.name, op, err)
}
