package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/m365kit/backuprestore/offboarding"
)

// A journal keeps every run started in it (its history): what it did, to
// which units, who started it from where, when it finished or was
// abandoned, and its outcomes. status, runs list and runs abandon read it;
// status and runs list open it read-only, so they work while another
// process holds it for a run.

// runRecord is one run of a journal, as loaded for status or resume.
type runRecord struct {
	sum     offboarding.RunSummary
	ep      endpoint
	entries []offboarding.Entry
	// latest: the journal's last run (the only one that can be resumed).
	latest bool
}

// info is the run's description.
func (r runRecord) info() offboarding.RunInfo { return r.sum.Info }

// runState says where a run stands: "finished", "abandoned" or
// "unfinished".
func runState(s offboarding.RunSummary) string {
	switch {
	case !s.Finished.IsZero():
		return "finished"
	case !s.Abandoned.IsZero():
		return "abandoned"
	}
	return "unfinished"
}

// runEndpoint is the endpoint a run's journal recorded (RunInfo.Endpoint,
// JSON); the zero endpoint when it recorded none it can read.
func runEndpoint(info offboarding.RunInfo) endpoint {
	var ep endpoint
	_ = json.Unmarshal([]byte(info.Endpoint), &ep)
	return ep
}

// openHistory opens the journal the command line names (--journal, or the
// endpoint's default): read-only, which works beside a writing process, or
// for writing. It fails with a usage error (exit 2) when there is no
// journal there, or it cannot be used.
func (a *app) openHistory(cmd *cobra.Command, write bool) (*fileJournal, error) {
	path, err := a.journalPath(a.endpoint().Mode)
	if err != nil {
		return nil, err
	}
	if err := checkJournalPath(path); err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, usageErrorf("no journal at %s: no run was started there (--journal names another; --emulator and --emulator-url have journals of their own)", path)
	}
	jf, err := openJournal(path, write, cmd.CommandPath())
	if err != nil {
		return nil, journalError(err)
	}
	a.cleanup = append(a.cleanup, func() { _ = jf.close() })
	return &fileJournal{f: jf}, nil
}

// loadRun loads the run id of fj ("" for the latest, a number in any
// zero-padding for "000012"). It fails with a usage error when the
// journal holds no run, or none with that ID (naming the ones it holds).
func (a *app) loadRun(ctx context.Context, fj *fileJournal, id string) (runRecord, error) {
	runs, err := fj.Runs(ctx)
	if err != nil {
		return runRecord{}, err
	}
	if len(runs) == 0 {
		return runRecord{}, usageErrorf("journal %s holds no run", fj.f.path)
	}
	i := len(runs) - 1
	if id != "" {
		i = findRun(runs, id)
		if i < 0 {
			return runRecord{}, usageErrorf("journal %s holds no run %q (its runs: %s; runs list shows them)", fj.f.path, id, runIDs(runs))
		}
	}
	info, entries, err := fj.LoadRun(ctx, runs[i].Info.ID)
	if err != nil {
		return runRecord{}, err
	}
	sum := runs[i]
	sum.Info = info
	return runRecord{sum: sum, ep: runEndpoint(info), entries: entries, latest: i == len(runs)-1}, nil
}

// findRun returns the index of the run id names, or -1: the ID itself, or
// the same number ("12" for "000012").
func findRun(runs []offboarding.RunSummary, id string) int {
	n, numErr := strconv.ParseUint(strings.TrimSpace(id), 10, 64)
	for i, r := range runs {
		if r.Info.ID == id {
			return i
		}
		if m, err := strconv.ParseUint(r.Info.ID, 10, 64); numErr == nil && err == nil && m == n {
			return i
		}
	}
	return -1
}

// runIDs lists the runs' IDs, the last few when there are many.
func runIDs(runs []offboarding.RunSummary) string {
	const most = 10
	var ids []string
	for _, r := range runs {
		ids = append(ids, r.Info.ID)
	}
	if len(ids) > most {
		return "…, " + strings.Join(ids[len(ids)-most:], ", ")
	}
	return strings.Join(ids, ", ")
}

// openRunJournal opens the journal for a resume and loads its latest run.
// It fails with a usage error (exit 2) when there is no journal, no run in
// it, or the latest run ended (finished runs resume to their results;
// an abandoned one cannot).
func (a *app) openRunJournal(cmd *cobra.Command) (*fileJournal, runRecord, error) {
	fj, err := a.openHistory(cmd, true)
	if err != nil {
		return nil, runRecord{}, err
	}
	run, err := a.loadRun(cmd.Context(), fj, "")
	if err != nil {
		return nil, runRecord{}, err
	}
	if !run.sum.Abandoned.IsZero() {
		return nil, runRecord{}, usageErrorf("the journal's latest run (%s) was abandoned: it cannot be resumed; status %s shows it",
			run.info().ID, run.info().ID)
	}
	fj.ep = run.ep
	return fj, run, nil
}
