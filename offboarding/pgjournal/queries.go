package pgjournal

import "strings"

// queries are the package's statements, with the schema filled in. Every
// write to a run carries its lease (run_id, epoch) and checks it in the
// same statement: the epoch is current, the lease unexpired by the
// database's clock, the run neither finished nor abandoned. Record's
// statement locks the run's row FOR SHARE while it inserts, so an Acquire
// (which raises the epoch, an UPDATE) waits for it to commit, and a
// Record that starts after an Acquire committed sees the new epoch:
// entries are either stored before the run changed hands or refused.
type queries struct {
	ensureJournal, latestForStart, runExists, insertRun string
	latestRun, runByID, entries, runs, anyRun           string
	latestFinished                                      string
	record, finish, abandon                             string
	renew, acquire, release, holder, leaseRow, orphans  string
}

func newQueries(schema string) queries {
	r := strings.NewReplacer("$S.", schema+".")
	q := queries{
		ensureJournal: `INSERT INTO $S.offboarding_journals (name) VALUES ($1)
			ON CONFLICT (name) DO UPDATE SET name = excluded.name`, // locks the row either way

		latestForStart: `SELECT seq, finished IS NULL AND abandoned IS NULL FROM $S.offboarding_runs
			WHERE journal = $1 ORDER BY seq DESC LIMIT 1`,

		runExists: `SELECT EXISTS (SELECT 1 FROM $S.offboarding_runs WHERE journal = $1 AND id = $2)`,

		insertRun: `INSERT INTO $S.offboarding_runs (journal, seq, id, info, owner, epoch, lease_expires)
			VALUES ($1, $2, $3, $4::text::json, $5, 1, now() + $6::bigint * interval '1 microsecond')
			RETURNING run_id, epoch`,

		latestRun: `SELECT run_id, info::text FROM $S.offboarding_runs WHERE journal = $1 ORDER BY seq DESC LIMIT 1`,

		runByID: `SELECT run_id, info::text FROM $S.offboarding_runs WHERE journal = $1 AND id = $2`,

		entries: `SELECT n, entry::text FROM $S.offboarding_entries WHERE run_id = $1 ORDER BY n`,

		runs: `SELECT id, info::text, end_info::text, abandoned FROM $S.offboarding_runs WHERE journal = $1 ORDER BY seq`,

		latestFinished: `SELECT finished IS NOT NULL FROM $S.offboarding_runs WHERE journal = $1 ORDER BY seq DESC LIMIT 1`,

		anyRun: `SELECT EXISTS (SELECT 1 FROM $S.offboarding_runs WHERE journal = $1)`,

		// $3 is a JSON array of the entries, in order; n continues from
		// the run's last. Rows affected: all the entries, or none when the
		// lease does not hold.
		record: `WITH run AS (
				SELECT run_id FROM $S.offboarding_runs
				WHERE run_id = $1 AND epoch = $2 AND lease_expires > now() AND finished IS NULL AND abandoned IS NULL
				FOR SHARE
			), last AS (
				SELECT coalesce(max(n), 0) AS n FROM $S.offboarding_entries WHERE run_id = $1
			)
			INSERT INTO $S.offboarding_entries (run_id, n, entry)
			SELECT run.run_id, last.n + e.ord, e.entry
			FROM run, last, json_array_elements($3::text::json) WITH ORDINALITY AS e (entry, ord)`,

		finish: `UPDATE $S.offboarding_runs SET finished = now(), end_info = $3::text::json, lease_expires = now()
			WHERE run_id = $1 AND epoch = $2 AND lease_expires > now() AND finished IS NULL AND abandoned IS NULL`,

		// Abandon: the journal's unfinished run, when its lease expired or
		// is ours ($2, $3); the epoch is raised so its owner is fenced.
		abandon: `UPDATE $S.offboarding_runs
			SET abandoned = now(), lease_expires = least(lease_expires, now()), epoch = epoch + 1
			WHERE journal = $1 AND finished IS NULL AND abandoned IS NULL
				AND (lease_expires <= now() OR (run_id = $2 AND epoch = $3))
			RETURNING run_id`,

		renew: `UPDATE $S.offboarding_runs SET lease_expires = now() + $3::bigint * interval '1 microsecond'
			WHERE run_id = $1 AND epoch = $2 AND lease_expires > now() AND finished IS NULL AND abandoned IS NULL`,

		// Acquire: the journal's unfinished run, when its lease expired or
		// is ours ($4, $5); the epoch is raised.
		acquire: `UPDATE $S.offboarding_runs
			SET owner = $2, epoch = epoch + 1, lease_expires = now() + $3::bigint * interval '1 microsecond'
			WHERE journal = $1 AND finished IS NULL AND abandoned IS NULL
				AND (lease_expires <= now() OR (run_id = $4 AND epoch = $5))
			RETURNING run_id, id, epoch, lease_expires`,

		release: `UPDATE $S.offboarding_runs SET lease_expires = now()
			WHERE run_id = $1 AND epoch = $2 AND lease_expires > now()`,

		holder: `SELECT id, owner, epoch, lease_expires, lease_expires <= now() FROM $S.offboarding_runs
			WHERE journal = $1 AND finished IS NULL AND abandoned IS NULL`,

		leaseRow: `SELECT owner, epoch, lease_expires, finished IS NOT NULL, abandoned IS NOT NULL
			FROM $S.offboarding_runs WHERE run_id = $1`,

		orphans: `SELECT journal, id, owner, epoch, lease_expires FROM $S.offboarding_runs
			WHERE finished IS NULL AND abandoned IS NULL AND lease_expires <= now()
			ORDER BY lease_expires, journal`,
	}
	for _, p := range []*string{&q.ensureJournal, &q.latestForStart, &q.runExists, &q.insertRun, &q.latestRun, &q.runByID,
		&q.entries, &q.runs, &q.anyRun, &q.latestFinished, &q.record, &q.finish, &q.abandon, &q.renew, &q.acquire, &q.release, &q.holder,
		&q.leaseRow, &q.orphans} {
		*p = r.Replace(*p)
	}
	return q
}
