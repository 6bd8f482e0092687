// Package pgjournal keeps offboarding runs in PostgreSQL, so that a Go
// service running on several replicas keeps its runs in the database it
// already has: any replica can read a run's state, and when the worker
// running it dies, another resumes it, with nothing sent twice.
//
// A *Journal is an offboarding.Journal and offboarding.History. It reaches
// PostgreSQL through database/sql, with any driver (pgx's stdlib driver is
// the one tested):
//
//	import _ "github.com/jackc/pgx/v5/stdlib"
//
//	db, err := sql.Open("pgx", os.Getenv("DATABASE_URL"))
//	j, err := pgjournal.Open(ctx, db, "tenant-42", nil) // one journal per tenant, say
//	defer j.Close()
//	run := offboarding.New(c, &offboarding.Options{Journal: j})
//	results, err := run.Offboard(ctx, ids)
//
// # Tables
//
// Open creates the tables in Options.Schema (default public) or migrates
// them; Migrate does it ahead of time. Migrations are versioned
// (offboarding_schema), each in one transaction, serialized by an advisory
// lock so that replicas starting together take turns. offboarding_journals
// has a row per journal name; offboarding_runs a row per run (its
// RunInfo, end and lease); offboarding_entries a row per entry, in the
// journals' shared encoding (offboarding.AppendEntry), so a file journal
// and this one hold the same text. Every run is kept.
//
// # Leases and fencing
//
// A run is written by one worker at a time, the holder of its lease: an
// owner, an expiry (the database's clock) and an epoch, the fencing token.
// Start takes the lease of the run it creates (epoch 1); Acquire takes the
// lease of an unfinished run whose lease expired, raising the epoch (of
// workers racing for it, exactly one wins: the others get ErrLeaseHeld);
// Release and Close give it up at once; Finish and Abandon end it with the
// run. While a Journal holds a lease, a goroutine renews it every
// LeaseTTL/4, so it lives as long as the process, however long the run
// waits between records.
//
// Every write carries the lease it was made under, and the database
// checks it in the same statement: epoch current, lease unexpired, run
// neither finished nor abandoned. Record's INSERT locks the run's row FOR
// SHARE, Acquire's UPDATE raises the epoch under the row's exclusive lock,
// so the two are ordered: a Record either commits before the run changed
// hands (and the new holder's Load sees it) or is refused with
// ErrLeaseLost, nothing of it stored. A refused write stops the run, with
// nothing more sent (the run stops on any journal error).
//
// So a stale owner (paused, partitioned, or presumed dead) can never store
// an entry once another worker holds the run, nor finish or abandon it;
// and it cannot record a new intent, so it cannot start a new write. What
// it can still do is send the one request whose intent it recorded just
// before losing the lease; such a write is in doubt in the journal, and
// the new holder reads its unit back before deciding anything (the run's
// rule for every intent without an outcome). To keep that window shut in
// practice, the owner stops writing on its own when it could not renew
// for 3/4 LeaseTTL (measured from when its last successful renewal began,
// by its monotonic clock), a quarter-TTL before the database lets anyone
// else in; the only clock that decides who holds a lease is the
// database's, so the replicas' clocks need not agree.
//
// A service finds the runs whose owner died with Orphans, and resumes each
// on one replica:
//
//	orphans, err := pgjournal.Orphans(ctx, db, nil)
//	for _, o := range orphans {
//		j, err := pgjournal.Open(ctx, db, o.Journal, nil)
//		if _, err := j.Acquire(ctx); errors.Is(err, pgjournal.ErrLeaseHeld) {
//			continue // another replica was quicker
//		}
//		results, err := offboarding.New(c, &offboarding.Options{Journal: j}).Resume(ctx)
//		…
//	}
//
// Concurrent Record calls share one INSERT (group commit); each returns
// once its entries are committed.
package pgjournal
