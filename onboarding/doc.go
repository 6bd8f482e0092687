// Package onboarding protects many sites, OneDrive accounts or mailboxes at
// once: Run.Onboard takes targets (site URLs or site IDs for a SharePoint
// policy; e-mail addresses or directory object IDs for OneDrive and
// Exchange), splits them into bulk addition jobs, creates the jobs, waits
// for them, and reports every input item: protected by this run, already
// protected (in this policy or another), not found, or failed with the
// service's reason.
//
// # Why a package of its own
//
// Onboarding is a workflow over the client, as offboarding is (the way
// aws-sdk-go-v2's feature/s3/manager sits over service/s3), and it keeps
// its state in the same journal: an offboarding.Journal (memory, file or
// PostgreSQL) records an onboarding run with offboarding's Entry, RunInfo
// and Outcome, under offboarding.ActionOnboard and the stages
// offboarding.StageAddJob and offboarding.StageWaitJob. One encoding, one
// set of durable journals, one audit trail for both halves of an admin's
// job. It is not inside package offboarding because the two share no
// engine: offboarding drives the $batch scheduler and the policy PATCH
// through internal/bridge; onboarding needs only the client's public bulk
// addition jobs, and its own vocabulary of reasons.
//
// # Jobs
//
// A job names at most Options.JobSize targets (default DefaultJobSize,
// 5,000; at most backuprestore.MaxTargetsPerJob, 50,000, the documented
// limit). 5,000 keeps a job's request body near 300 KB, well under Graph's
// 4 MB, and bounds what one job in doubt or one failed create costs on a
// resume, while 50,000 targets still take only ten jobs. Each job is named
// "backuprestore onboard " and a fresh marker (backuprestore.NewJobMarker),
// recorded in the journal before the job is created: a create whose answer
// was lost, in this process or a killed one, is found again by that name
// in the policy's jobs, so no job is ever created twice.
//
// # Truthful results
//
// Every input line gets one Result, in input order. A target that is
// neither a URL nor an ID nor an address, and a target given twice, are
// refused before anything is sent: by default the whole call fails with
// backuprestore.ErrInvalidTarget or backuprestore.ErrDuplicateTarget naming
// every such line, and nothing is created; with Options.SkipInvalid those
// lines are reported (Failed, Skipped) and the rest is onboarded.
package onboarding
