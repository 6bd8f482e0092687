package offboarding

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/m365kit/backuprestore"
)

// Run is an offboarding or cancel run: many units taken through every
// stage of the job, with one result per unit, resumable from its journal.
// Create it with New; use it for one run (Offboard or CancelOffboard), then
// Resume or Status of that run. A Run is not safe for concurrent use.
type Run struct {
	c    *backuprestore.Client
	opts resolved
	err  error
}

// New returns a run of c configured by opts (nil: the defaults). Invalid
// options are reported by the first method called (ErrInvalidOptions).
func New(c *backuprestore.Client, opts *Options) *Run {
	r := &Run{c: c}
	r.opts, r.err = opts.resolve()
	if c == nil && r.err == nil {
		r.err = fmt.Errorf("offboarding: New: the client is nil: %w", backuprestore.ErrInvalidOptions)
	}
	return r
}

// Offboard takes every unit of ids through the whole job: the tenant gate
// (GET /solutions/backupRestore: a status other than enabled stops the run
// with backuprestore.ErrServiceLocked before anything is written; a gate
// that cannot be read, for want of its permission, is reported in
// ServiceErr and the run goes on); a read of every unit ($batch); removal
// from its policy (PATCH, ≤ 50 units per request, grouped by policy),
// skipping units already offboarding or offboarded (Already), protected by
// a dynamic rule (Skipped: no PATCH is sent for them), whose offboarding was
// cancelled (Skipped), or in an unknown state; waiting until the service
// has removed them (polling many units per $batch); offboarding ($batch; a
// 403 because the removal has not settled sends the unit back to waiting,
// up to MaxRequeues times). Every write's intent is journaled before it is
// sent and its outcome after; when every unit has a final outcome the run
// is marked finished in the journal.
//
// It returns one result per distinct ID (see Result, Outcome) and an error
// only when the run could not go on as a whole: ErrServiceLocked,
// ErrInvalidOptions, ErrJournalInUse or another journal failure, or the
// context's end (the results then hold every unit: unfinished ones
// Pending, or Unknown when a write of theirs is really in doubt; Resume
// continues).
func (r *Run) Offboard(ctx context.Context, ids []string) (*Results, error) {
	return r.begin(ctx, ActionOffboard, ids)
}

// CancelOffboard cancels the offboarding of every unit of ids: a read of
// every unit; cancelOffboard ($batch) of those offboarding; units whose
// cancellation was already requested or completed are Already, units not
// offboarding (or already offboarded) Skipped; with Options.WaitCancelled,
// waiting until each cancellation completed. Results and errors are
// Offboard's.
func (r *Run) CancelOffboard(ctx context.Context, ids []string) (*Results, error) {
	return r.begin(ctx, ActionCancelOffboard, ids)
}

// Resume continues the latest run its journal holds: units with a final
// outcome keep it; every other unit is read again and taken on from its
// state, with the journal's record of what was sent before as evidence (a
// unit whose offboard was in flight when the process died and now shows
// offboardRequested is Done, not Already), and the outcome of each write
// that read settles is journaled. Nothing the run sent before is sent again
// to a unit that shows it applied.
//
// It fails with ErrNoRun when the journal holds no run; otherwise as
// Offboard.
func (r *Run) Resume(ctx context.Context) (*Results, error) {
	if r.err != nil {
		return nil, r.err
	}
	info, entries, err := r.opts.Journal.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("offboarding: resume the run: %w", err)
	}
	if info.Action != ActionOffboard && info.Action != ActionCancelOffboard {
		return nil, fmt.Errorf("offboarding: resume the run: it is an %s run: %w", info.Action, ErrOtherAction)
	}
	if info.WaitCancelled {
		r.opts.WaitCancelled = true
	}
	st := newState(r, info)
	st.started = true
	st.replay(entries)
	return st.execute(ctx)
}

// Status reports the latest run its journal holds without any request:
// units with a final outcome, units in doubt (a write's intent without its
// outcome: Unknown, as Resume would report them before reading them back)
// and units pending. It fails with ErrNoRun when the journal holds no run,
// or with the journal's error.
func (r *Run) Status(ctx context.Context) (*Results, error) {
	if r.err != nil {
		return nil, r.err
	}
	info, entries, err := r.opts.Journal.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("offboarding: read the run's journal: %w", err)
	}
	if info.Action != ActionOffboard && info.Action != ActionCancelOffboard {
		return nil, fmt.Errorf("offboarding: read the run's journal: it is an %s run: %w", info.Action, ErrOtherAction)
	}
	return StatusOf(info, entries), nil
}

// StatusOf is Status for a run already loaded (History.LoadRun, say).
func StatusOf(info RunInfo, entries []Entry) *Results {
	st := newState(&Run{opts: resolved{Options: Options{WaitCancelled: info.WaitCancelled}}}, info)
	st.replay(entries)
	for _, u := range st.order {
		if !u.res.Outcome.Final() && u.intents.any() {
			st.markInDoubt(u)
		}
	}
	return st.results()
}

func (r *Run) begin(ctx context.Context, action Action, ids []string) (*Results, error) {
	if r.err != nil {
		return nil, r.err
	}
	host, _ := os.Hostname()
	info := RunInfo{Action: action, Started: time.Now(), WaitCancelled: action == ActionCancelOffboard && r.opts.WaitCancelled,
		Operator: r.opts.Operator, Host: host, CommandLine: r.opts.CommandLine, Source: r.opts.Source, Endpoint: r.opts.Endpoint}
	st := newState(r, info)
	for _, id := range ids {
		st.add(id)
	}
	st.info.IDs = st.ids()
	if !r.opts.DryRun {
		if err := r.opts.Journal.Start(ctx, st.info); err != nil {
			return st.results(), fmt.Errorf("offboarding: start the run's journal: %w", err)
		}
		st.started = true
		// The journal may have assigned the ID.
		if got, _, err := r.opts.Journal.Load(ctx); err == nil {
			st.info.ID = got.ID
		}
	}
	return st.execute(ctx)
}
