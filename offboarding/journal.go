package offboarding

import (
	"context"
	"time"

	"github.com/m365kit/backuprestore/models"
)

// Journal is where a run keeps its state, so that a run interrupted at any
// moment (the process killed, the machine losing power) can be resumed
// without sending a write twice and without losing an outcome. The run
// records every write's intent before the request is sent and its outcome
// after; an intent without an outcome is a write in doubt, read back first
// on resume.
//
// A journal may keep many runs (see History); Start, Record, Load and
// Finish are about its latest run. A run calls Start only when it is about
// to record its first write: a dry run, a run refused before writing, or a
// run with nothing to do leaves the journal, and every earlier run in it,
// untouched.
//
// Record and Finish must be durable when they return (a file journal syncs
// to disk). An error from any method stops the run at once, with nothing
// more sent. Implementations must be safe for concurrent use: a run calls
// Record from several goroutines at once (one per $batch in flight).
//
// NewMemoryJournal is the in-memory journal; offboarding/filejournal keeps
// runs in a crash-safe file and offboarding/pgjournal in PostgreSQL.
type Journal interface {
	// Start records a new run, which becomes the latest. It fails with
	// ErrJournalInUse when the latest run is unfinished.
	Start(ctx context.Context, info RunInfo) error
	// Record appends entries to the latest run, durably, in order.
	Record(ctx context.Context, entries ...Entry) error
	// Load returns the latest run and every entry recorded for it,
	// oldest first (a journal may return a compacted equivalent, see
	// Compact); it fails with ErrNoRun when the journal holds none.
	Load(ctx context.Context) (RunInfo, []Entry, error)
	// Finish marks the latest run finished (every unit has a final
	// outcome), with its counts, so that Start may begin another.
	Finish(ctx context.Context, end RunEnd) error
}

// History is implemented by journals that keep every run (filejournal and
// pgjournal do; MemoryJournal does too).
type History interface {
	// Runs lists the runs the journal holds, oldest first.
	Runs(ctx context.Context) ([]RunSummary, error)
	// LoadRun is Load for the run with the given ID; it fails with ErrNoRun
	// when the journal holds no such run.
	LoadRun(ctx context.Context, id string) (RunInfo, []Entry, error)
}

// Action is what a run does to its units.
type Action string

// The actions of a run.
const (
	ActionOffboard       Action = "offboard"
	ActionCancelOffboard Action = "cancelOffboard"
	// ActionOnboard is an onboarding run (package onboarding): its IDs are
	// the targets (site URLs or IDs, addresses, directory object IDs) and
	// Policy the policy they are added to. Resume and Status of this
	// package refuse it (ErrOtherAction).
	ActionOnboard Action = "onboard"
)

// RunInfo describes a run in its journal: what it does, to which units,
// and, for audit, who started it from where. A resume keeps it as it was.
type RunInfo struct {
	// ID identifies the run in its journal. Start assigns one when it is
	// empty (a journal's IDs sort in the order the runs started).
	ID string
	// Action is what the run does.
	Action Action
	// IDs are the run's distinct unit IDs, in input order.
	IDs []string
	// Started is when the run began (local clock).
	Started time.Time
	// WaitCancelled: a cancel run also waits until each cancellation
	// completed (Options.WaitCancelled).
	WaitCancelled bool
	// Policy is an onboarding run's policy ID ("" for the other actions).
	Policy string
	// Audit: the signed-in operator (the token's upn or oid), the host,
	// the command line, where the targets came from (a file, arguments)
	// and the Graph endpoint. Empty when the caller did not say.
	Operator, Host, CommandLine, Source, Endpoint string
}

// RunEnd is what Finish records: when the run ended and how many units
// ended in each outcome.
type RunEnd struct {
	Finished time.Time
	Counts   map[Outcome]int
}

// RunSummary is one run of a History.
type RunSummary struct {
	Info RunInfo
	// Finished is zero while the run is unfinished; Counts are Finish's.
	Finished time.Time
	Counts   map[Outcome]int
	// Abandoned is when the run was given up unfinished (zero if never):
	// a later Start is allowed, and its units in doubt stay so.
	Abandoned time.Time
}

// Entry is one record of a run: an intent (a write about to be sent) or an
// outcome (what a stage ended in for a unit).
type Entry struct {
	// UnitID is the unit the entry is about.
	UnitID string
	// Stage is the stage of the write or outcome.
	Stage Stage
	// Intent: a write of Stage is about to be sent (true), or Stage's
	// outcome (false).
	Intent bool
	// Outcome is the stage's outcome (for !Intent). OutcomePending on a
	// StageRead entry records the unit's state before any write.
	Outcome Outcome
	// Reason and Detail explain the outcome.
	Reason Reason
	Detail string
	// Err is the failure of a Failed, Unknown or Pending outcome, kept so
	// that errors.Is and errors.As work on it after a reload (see
	// ErrorRecord).
	Err *ErrorRecord
	// Applied, on an outcome, says this run's write of the stage was
	// applied (the service accepted it, or a read-back showed evidence),
	// also when the unit goes on to a later stage.
	Applied bool
	// The unit as last seen: its status, kind, policy and name (the site's
	// name or URL, the person's display name or address).
	Status     models.ProtectionUnitStatus
	Kind       models.UnitKind
	PolicyID   string
	PolicyName string
	Name       string
	// RequestID is the request-id of the write's answer, for support;
	// Sent is when the write went out (zero when none did); Operator is who
	// sent it (the run's Options.Operator: a resume by someone else says
	// so).
	RequestID string
	Sent      time.Time
	Operator  string
	// At is when the entry was made (local clock).
	At time.Time
}
