package backuprestore

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/m365kit/backuprestore/internal/errs"
	"github.com/m365kit/backuprestore/models"
)

// ErrNoRun matches a Journal that holds no run (Load before Start, or a
// Resume or Status with nothing to resume).
var ErrNoRun error = errs.New("backuprestore: the journal holds no run")

// ErrJournalInUse matches Journal.Start on a journal that already holds a
// run: finish it (Resume) or use another journal.
var ErrJournalInUse error = errs.New("backuprestore: the journal already holds a run")

// Journal is where a run keeps its state, so that a run interrupted at any
// moment (the process killed) can be resumed without sending an action
// twice and without losing an outcome. The run records every write's
// intent before the request is sent and its outcome after; an intent
// without an outcome is a write in doubt, read back first on resume.
//
// Record must be durable when it returns (a durable journal syncs to
// disk); an error from Start or Record stops the run at once, with nothing
// more sent. Implementations must be safe for concurrent use.
// NewMemoryJournal is the in-memory default; cmd/backuprestore ships a
// durable one.
type Journal interface {
	// Start records a new run. It fails with ErrJournalInUse when the
	// journal already holds one.
	Start(ctx context.Context, info RunInfo) error
	// Record appends entries, durably, in order.
	Record(ctx context.Context, entries ...JournalEntry) error
	// Load returns the run and every entry recorded, oldest first; it
	// fails with ErrNoRun when the journal holds none.
	Load(ctx context.Context) (RunInfo, []JournalEntry, error)
}

// RunInfo identifies a run in its journal.
type RunInfo struct {
	// Action is "offboard" or "cancelOffboard".
	Action string
	// IDs are the run's distinct unit IDs, in input order.
	IDs []string
	// Started is when the run began (local clock).
	Started time.Time
	// Options holds the run's settings that a resume keeps (e.g.
	// "waitCancelled": "true").
	Options map[string]string
}

// JournalEntry is one record of a run: an intent (a write about to be
// sent) or an outcome (what a stage ended in for a unit).
type JournalEntry struct {
	// UnitID is the unit the entry is about.
	UnitID string
	// Stage is the stage of the write or outcome.
	Stage Stage
	// Intent: true when a write is about to be sent, false for an outcome.
	Intent bool
	// Outcome is the stage's outcome (for !Intent). OutcomePending on a
	// StageRead entry records the unit's state before any write.
	Outcome Outcome
	// Status, PolicyID and Kind are the unit as last seen.
	Status   models.ProtectionUnitStatus
	PolicyID string
	Kind     models.UnitKind
	// Reason explains a Skipped, Already or Pending outcome in words.
	Reason string
	// Err is the error's text of a Failed or Unknown outcome.
	Err string
	// Applied, on an outcome, says this run's write of the stage was
	// applied (the service accepted it, or a read-back showed evidence),
	// also when the unit goes on to a later stage (a removal accepted, a
	// cancellation requested and now waited for).
	Applied bool
	// At is when the entry was made (local clock).
	At time.Time
}

// MemoryJournal is a Journal held in memory: a run can be resumed by the
// same process (after its context ended, say), not after the process died.
// The zero value is ready to use; it is safe for concurrent use.
type MemoryJournal struct {
	mu      sync.Mutex
	started bool
	info    RunInfo
	entries []JournalEntry
}

// NewMemoryJournal returns an empty in-memory journal.
func NewMemoryJournal() *MemoryJournal { return &MemoryJournal{} }

// Start implements Journal.
func (j *MemoryJournal) Start(_ context.Context, info RunInfo) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.started {
		return ErrJournalInUse
	}
	j.started = true
	info.IDs = slices.Clone(info.IDs)
	j.info = info
	return nil
}

// Record implements Journal.
func (j *MemoryJournal) Record(_ context.Context, entries ...JournalEntry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.started {
		return ErrNoRun
	}
	j.entries = append(j.entries, entries...)
	return nil
}

// Load implements Journal.
func (j *MemoryJournal) Load(context.Context) (RunInfo, []JournalEntry, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.started {
		return RunInfo{}, nil, ErrNoRun
	}
	info := j.info
	info.IDs = slices.Clone(info.IDs)
	return info, slices.Clone(j.entries), nil
}
