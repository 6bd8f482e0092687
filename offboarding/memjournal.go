package offboarding

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// MemoryJournal is a Journal (and History) held in memory: a run can be
// resumed by the same process (after its context ended, say), not after
// the process died. The zero value is ready to use; it is safe for
// concurrent use.
type MemoryJournal struct {
	mu   sync.Mutex
	runs []*memRun
}

type memRun struct {
	sum     RunSummary
	entries []Entry
}

// NewMemoryJournal returns an empty in-memory journal.
func NewMemoryJournal() *MemoryJournal { return &MemoryJournal{} }

// latest returns the latest run, or nil.
func (j *MemoryJournal) latest() *memRun {
	if len(j.runs) == 0 {
		return nil
	}
	return j.runs[len(j.runs)-1]
}

// Start implements Journal.
func (j *MemoryJournal) Start(_ context.Context, info RunInfo) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if l := j.latest(); l != nil && l.sum.Finished.IsZero() && l.sum.Abandoned.IsZero() {
		return ErrJournalInUse
	}
	if info.ID == "" {
		info.ID = fmt.Sprintf("%06d", len(j.runs)+1)
	}
	info.IDs = slices.Clone(info.IDs)
	j.runs = append(j.runs, &memRun{sum: RunSummary{Info: info}})
	return nil
}

// Record implements Journal; it fails with ErrNoRun before Start.
func (j *MemoryJournal) Record(_ context.Context, entries ...Entry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	l := j.latest()
	if l == nil {
		return ErrNoRun
	}
	l.entries = append(l.entries, entries...)
	return nil
}

// Load implements Journal.
func (j *MemoryJournal) Load(context.Context) (RunInfo, []Entry, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	l := j.latest()
	if l == nil {
		return RunInfo{}, nil, ErrNoRun
	}
	return l.load()
}

func (r *memRun) load() (RunInfo, []Entry, error) {
	info := r.sum.Info
	info.IDs = slices.Clone(info.IDs)
	return info, slices.Clone(r.entries), nil
}

// Finish implements Journal; it fails with ErrNoRun before Start.
func (j *MemoryJournal) Finish(_ context.Context, end RunEnd) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	l := j.latest()
	if l == nil {
		return ErrNoRun
	}
	l.sum.Finished, l.sum.Counts = end.Finished, maps.Clone(end.Counts)
	return nil
}

// Abandon gives up the latest run if it is unfinished, so that Start may
// begin another; it fails with ErrNoRun when the journal holds no run.
func (j *MemoryJournal) Abandon(_ context.Context) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	l := j.latest()
	if l == nil {
		return ErrNoRun
	}
	if l.sum.Finished.IsZero() && l.sum.Abandoned.IsZero() {
		l.sum.Abandoned = time.Now()
	}
	return nil
}

// Runs implements History.
func (j *MemoryJournal) Runs(context.Context) ([]RunSummary, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]RunSummary, len(j.runs))
	for i, r := range j.runs {
		out[i] = r.sum
		out[i].Info.IDs = slices.Clone(r.sum.Info.IDs)
		out[i].Counts = maps.Clone(r.sum.Counts)
	}
	return out, nil
}

// LoadRun implements History.
func (j *MemoryJournal) LoadRun(_ context.Context, id string) (RunInfo, []Entry, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, r := range j.runs {
		if r.sum.Info.ID == id {
			return r.load()
		}
	}
	return RunInfo{}, nil, fmt.Errorf("run %q: %w", id, ErrNoRun)
}
