// Package offboarding takes many protection units through the whole
// offboarding job, or cancels their offboarding, with one truthful result
// per unit, resumable after any interruption from a Journal.
//
// It is a workflow over a *backuprestore.Client, as aws-sdk-go-v2's
// feature/s3/manager is over service/s3:
//
//	run := offboarding.New(c, &offboarding.Options{Journal: j})
//	results, err := run.Offboard(ctx, ids) // gate → read → remove → wait → offboard
//	results, err = run.Resume(ctx)         // after an interruption: nothing sent twice
//
// # Journals
//
// A run records every write's intent before it is sent and its outcome
// after. NewMemoryJournal keeps them in memory; offboarding/filejournal in
// a crash-safe file (the command-line tool's); offboarding/pgjournal in
// PostgreSQL, for a service on several replicas. Every journal keeps the
// same contract, checked by offboarding/journaltest, and uses the same
// encoding of entries (AppendEntry, DecodeEntry).
package offboarding
