package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/m365kit/backuprestore/offboarding"
)

// fileJournal is the run's Journal on a journal file (see journalstore.go):
// a run killed at any moment loses no intent and no outcome. It also keeps
// the endpoint the run was started against, for resume: as JSON in the
// run's RunInfo.Endpoint.
type fileJournal struct {
	f *journalFile
	// ep is recorded with the run by Start.
	ep endpoint
}

var (
	_ offboarding.Journal = (*fileJournal)(nil)
	_ offboarding.History = (*fileJournal)(nil)
)

// Start implements offboarding.Journal: it records a new run with the
// journal's endpoint (earlier runs stay in the file), and fails with
// offboarding.ErrJournalInUse when the latest run is unfinished.
func (j *fileJournal) Start(ctx context.Context, info offboarding.RunInfo) error {
	b, err := json.Marshal(j.ep)
	if err != nil {
		return err
	}
	info.Endpoint = string(b)
	info.Started = info.Started.UTC()
	return j.f.j.Start(ctx, info)
}

// Record implements offboarding.Journal: the entries are on disk when it
// returns, with those of concurrent calls (one fdatasync for all).
func (j *fileJournal) Record(ctx context.Context, entries ...offboarding.Entry) error {
	return j.f.j.Record(ctx, entries...)
}

// Finish implements offboarding.Journal: the latest run is marked
// finished, so that the next Start keeps it and begins another.
func (j *fileJournal) Finish(ctx context.Context, end offboarding.RunEnd) error {
	return j.f.j.Finish(ctx, end)
}

// Load implements offboarding.Journal. It fails with offboarding.ErrNoRun
// when the journal holds no run, and names the entry that cannot be read
// (a journal written by a newer version, say).
func (j *fileJournal) Load(ctx context.Context) (offboarding.RunInfo, []offboarding.Entry, error) {
	return j.f.j.Load(ctx)
}

// Runs implements offboarding.History.
func (j *fileJournal) Runs(ctx context.Context) ([]offboarding.RunSummary, error) {
	return j.f.j.Runs(ctx)
}

// LoadRun implements offboarding.History.
func (j *fileJournal) LoadRun(ctx context.Context, id string) (offboarding.RunInfo, []offboarding.Entry, error) {
	return j.f.j.LoadRun(ctx, id)
}

// load is Load, with the run's endpoint.
func (j *fileJournal) load() (offboarding.RunInfo, endpoint, []offboarding.Entry, error) {
	info, entries, err := j.Load(context.Background())
	if err != nil {
		return offboarding.RunInfo{}, endpoint{}, nil, err
	}
	var ep endpoint
	if err := json.Unmarshal([]byte(info.Endpoint), &ep); err != nil {
		return offboarding.RunInfo{}, endpoint{}, nil, fmt.Errorf("journal %s: run %s: its endpoint: %w", j.f.path, info.ID, err)
	}
	return info, ep, entries, nil
}

// archive readies the journal for a new run: the latest run, finished or
// not, stays in the file, and an unfinished one is abandoned.
func (j *fileJournal) archive(ctx context.Context) error {
	err := j.f.j.Abandon(ctx)
	if errors.Is(err, offboarding.ErrNoRun) {
		return nil
	}
	return err
}
