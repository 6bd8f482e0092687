package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/models"
)

// fileJournal is the SDK's Journal on a journal file: every Record is one
// bbolt transaction, on disk when it returns (see journalstore.go), so a
// run killed at any moment loses no intent and no outcome. It also keeps
// the endpoint the run was started against, for resume.
type fileJournal struct {
	f *journalFile
	// ep is recorded with the run by Start.
	ep endpoint
}

var _ backuprestore.Journal = (*fileJournal)(nil)

// runInfoJSON is RunInfo as stored.
type runInfoJSON struct {
	Action  string            `json:"action"`
	IDs     []string          `json:"ids"`
	Started time.Time         `json:"started"`
	Options map[string]string `json:"options,omitempty"`
}

// entryJSON is a JournalEntry as stored. Stage, outcome and kind are
// stored by name, not by number, so that the file reads the same whatever
// order the SDK's constants have.
type entryJSON struct {
	UnitID   string    `json:"unit"`
	Stage    string    `json:"stage"`
	Intent   bool      `json:"intent,omitempty"`
	Outcome  string    `json:"outcome"`
	Status   string    `json:"status,omitempty"`
	PolicyID string    `json:"policyId,omitempty"`
	Kind     string    `json:"kind,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	Err      string    `json:"err,omitempty"`
	Applied  bool      `json:"applied,omitempty"`
	At       time.Time `json:"at"`
}

// nameTable maps the names String gives the values 0…63 of an SDK enum back
// to the values ("Stage(9)"-style names of undefined values are left out).
func nameTable[T ~int](str func(T) string) map[string]T {
	out := map[string]T{}
	for i := range 64 {
		v := T(i)
		if s := str(v); !strings.Contains(s, "(") {
			out[s] = v
		}
	}
	return out
}

// The name tables of the stored enums.
var (
	stageByName   = nameTable(backuprestore.Stage.String)
	outcomeByName = nameTable(backuprestore.Outcome.String)
	kindByName    = nameTable(models.UnitKind.String)
)

// Start implements backuprestore.Journal: it records a new run with the
// journal's endpoint, and fails with backuprestore.ErrJournalInUse when
// the journal holds a current run.
func (j *fileJournal) Start(_ context.Context, info backuprestore.RunInfo) error {
	b, err := json.Marshal(runInfoJSON{Action: info.Action, IDs: info.IDs, Started: info.Started.UTC(), Options: info.Options})
	if err != nil {
		return err
	}
	err = j.f.startRun(b, j.ep)
	if errors.Is(err, errRunExists) {
		return fmt.Errorf("journal %s: %w", j.f.path, backuprestore.ErrJournalInUse)
	}
	return err
}

// Record implements backuprestore.Journal: the entries are on disk, in one
// transaction, when it returns. The context is not consulted: an outcome
// learnt must be kept even when the run is being stopped.
func (j *fileJournal) Record(_ context.Context, entries ...backuprestore.JournalEntry) error {
	if len(entries) == 0 {
		return nil
	}
	raw := make([][]byte, len(entries))
	for i, e := range entries {
		b, err := json.Marshal(entryJSON{UnitID: e.UnitID, Stage: e.Stage.String(), Intent: e.Intent, Outcome: e.Outcome.String(),
			Status: string(e.Status), PolicyID: e.PolicyID, Kind: e.Kind.String(), Reason: e.Reason, Err: e.Err, Applied: e.Applied, At: e.At.UTC()})
		if err != nil {
			return err
		}
		raw[i] = b
	}
	err := j.f.appendEntries(raw)
	if errors.Is(err, errNoStoredRun) {
		return fmt.Errorf("journal %s: %w", j.f.path, backuprestore.ErrNoRun)
	}
	return err
}

// Load implements backuprestore.Journal. It fails with
// backuprestore.ErrNoRun when no run is current, and names the entry that
// cannot be read (a journal written by a newer version, say).
func (j *fileJournal) Load(context.Context) (backuprestore.RunInfo, []backuprestore.JournalEntry, error) {
	info, _, entries, err := j.load()
	return info, entries, err
}

// load is Load, with the run's endpoint.
func (j *fileJournal) load() (backuprestore.RunInfo, endpoint, []backuprestore.JournalEntry, error) {
	r, err := j.f.loadRun()
	if errors.Is(err, errNoStoredRun) {
		return backuprestore.RunInfo{}, endpoint{}, nil, fmt.Errorf("journal %s: %w", j.f.path, backuprestore.ErrNoRun)
	}
	if err != nil {
		return backuprestore.RunInfo{}, endpoint{}, nil, err
	}
	var ri runInfoJSON
	if err := json.Unmarshal(r.info, &ri); err != nil {
		return backuprestore.RunInfo{}, endpoint{}, nil, fmt.Errorf("journal %s: run %d: %w", j.f.path, r.id, err)
	}
	info := backuprestore.RunInfo{Action: ri.Action, IDs: ri.IDs, Started: ri.Started, Options: ri.Options}
	out := make([]backuprestore.JournalEntry, len(r.entries))
	for i, b := range r.entries {
		e, err := decodeEntry(b)
		if err != nil {
			return backuprestore.RunInfo{}, endpoint{}, nil, fmt.Errorf("journal %s: run %d, entry %d: %w", j.f.path, r.id, i+1, err)
		}
		out[i] = e
	}
	return info, r.endpoint, out, nil
}

// decodeEntry reads one stored entry.
func decodeEntry(b []byte) (backuprestore.JournalEntry, error) {
	var e entryJSON
	if err := json.Unmarshal(b, &e); err != nil {
		return backuprestore.JournalEntry{}, err
	}
	stage, ok := stageByName[e.Stage]
	if !ok {
		return backuprestore.JournalEntry{}, fmt.Errorf("unknown stage %q (a journal of a newer backuprestore?)", e.Stage)
	}
	outcome, ok := outcomeByName[e.Outcome]
	if !ok {
		return backuprestore.JournalEntry{}, fmt.Errorf("unknown outcome %q (a journal of a newer backuprestore?)", e.Outcome)
	}
	kind := kindByName[e.Kind] // an unknown kind reads as KindUnknown, as the service's would
	return backuprestore.JournalEntry{UnitID: e.UnitID, Stage: stage, Intent: e.Intent, Outcome: outcome,
		Status: models.ProtectionUnitStatus(e.Status), PolicyID: e.PolicyID, Kind: kind, Reason: e.Reason, Err: e.Err, Applied: e.Applied, At: e.At}, nil
}
