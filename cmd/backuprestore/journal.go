package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/m365kit/backuprestore/offboarding"
)

// fileJournal is the run's Journal on a journal file: every Record is one
// bbolt transaction, on disk when it returns (see journalstore.go), so a
// run killed at any moment loses no intent and no outcome. It also keeps
// the endpoint the run was started against, for resume. Entries and run
// descriptions use the offboarding package's one encoding.
type fileJournal struct {
	f *journalFile
	// ep is recorded with the run by Start.
	ep endpoint
}

var _ offboarding.Journal = (*fileJournal)(nil)

// Start implements offboarding.Journal: it records a new run with the
// journal's endpoint (the latest run, when finished, is kept in the file),
// and fails with offboarding.ErrJournalInUse when the latest run is
// unfinished.
func (j *fileJournal) Start(_ context.Context, info offboarding.RunInfo) error {
	err := j.f.startRun(func(n uint64) []byte {
		if info.ID == "" {
			info.ID = strconv.FormatUint(n, 10)
		}
		info.Started = info.Started.UTC()
		return offboarding.MarshalRunInfo(info)
	}, j.ep)
	if errors.Is(err, errRunExists) {
		return fmt.Errorf("journal %s: %w", j.f.path, offboarding.ErrJournalInUse)
	}
	return err
}

// Record implements offboarding.Journal: the entries are on disk, in one
// transaction, when it returns. The context is not consulted: an outcome
// learnt must be kept even when the run is being stopped.
func (j *fileJournal) Record(_ context.Context, entries ...offboarding.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	raw := make([][]byte, len(entries))
	for i, e := range entries {
		b, err := offboarding.AppendEntry(nil, e)
		if err != nil {
			return err
		}
		raw[i] = b
	}
	err := j.f.appendEntries(raw)
	if errors.Is(err, errNoStoredRun) {
		return fmt.Errorf("journal %s: %w", j.f.path, offboarding.ErrNoRun)
	}
	return err
}

// Finish implements offboarding.Journal: the latest run is marked
// finished, so that the next Start keeps it and begins another.
func (j *fileJournal) Finish(_ context.Context, end offboarding.RunEnd) error {
	return j.f.finishRun(end.Finished)
}

// Load implements offboarding.Journal. It fails with offboarding.ErrNoRun
// when the journal holds no run, and names the entry that cannot be read
// (a journal written by a newer version, say).
func (j *fileJournal) Load(context.Context) (offboarding.RunInfo, []offboarding.Entry, error) {
	info, _, entries, err := j.load()
	return info, entries, err
}

// load is Load, with the run's endpoint.
func (j *fileJournal) load() (offboarding.RunInfo, endpoint, []offboarding.Entry, error) {
	r, err := j.f.loadRun()
	if errors.Is(err, errNoStoredRun) {
		return offboarding.RunInfo{}, endpoint{}, nil, fmt.Errorf("journal %s: %w", j.f.path, offboarding.ErrNoRun)
	}
	if err != nil {
		return offboarding.RunInfo{}, endpoint{}, nil, err
	}
	info, err := offboarding.UnmarshalRunInfo(r.info)
	if err != nil {
		return offboarding.RunInfo{}, endpoint{}, nil, fmt.Errorf("journal %s: run %d: %w (a journal of another backuprestore version?)", j.f.path, r.id, err)
	}
	out := make([]offboarding.Entry, len(r.entries))
	for i, b := range r.entries {
		e, err := offboarding.DecodeEntry(b)
		if err != nil {
			return offboarding.RunInfo{}, endpoint{}, nil, fmt.Errorf("journal %s: run %d, entry %d: %w (a journal of another backuprestore version?)", j.f.path, r.id, i+1, err)
		}
		out[i] = e
	}
	return info, r.endpoint, out, nil
}
