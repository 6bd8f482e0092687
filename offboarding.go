package backuprestore

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/m365kit/backuprestore/models"
)

// RunOptions configures a run (Client.Offboarding). A nil *RunOptions
// means the defaults; out-of-range values fail the run with
// ErrInvalidOptions.
type RunOptions struct {
	// Journal keeps the run's state so it can be resumed; nil means a new
	// MemoryJournal (resumable by this process only).
	Journal Journal
	// DryRun reads the gate and every unit and reports the plan (every
	// unit's Outcome is Planned, with the Stage it would go to, or
	// Already, Skipped or Failed from the read) without writing anything:
	// no PATCH, no POST, nothing in the journal.
	DryRun bool
	// OnProgress, when set, is called as the run advances (after every
	// batch, chunk and poll), sequentially, from the calling goroutine.
	OnProgress func(RunProgress)
	// WaitCancelled makes a cancel run also wait until each cancellation
	// completed (the unit back to unprotected).
	WaitCancelled bool
	// Wait configures the waiting stages (poll interval and growth,
	// timeout). Its OnPoll is not used.
	Wait WaitOptions
	// Bulk caps the $batch stages (batch size, concurrency, attempts). Its
	// OnProgress is not used: see OnProgress above.
	Bulk BulkOptions
	// MaxRequeues is how many times a unit whose offboard the service
	// refused with 403 (its removal not settled yet) goes back to waiting,
	// 0 to 20, default 3.
	MaxRequeues int
}

const defaultMaxRequeues = 3

// Run is an offboarding or cancel run: many units taken through every
// stage of the job, with one result per unit, resumable from its journal.
// Create it with Client.Offboarding; use it for one run (Offboard or
// CancelOffboard), then Resume or Status of that run.
type Run struct {
	c    *Client
	opts RunOptions
	err  error
	j    Journal
}

// Offboarding returns a run configured by opts. The run is resumable
// through opts.Journal (see Run.Resume).
func (c *Client) Offboarding(opts *RunOptions) *Run {
	r := &Run{c: c}
	if opts != nil {
		r.opts = *opts
	}
	r.j = r.opts.Journal
	if r.j == nil {
		r.j = NewMemoryJournal()
	}
	switch {
	case r.opts.MaxRequeues < 0 || r.opts.MaxRequeues > 20:
		r.err = wrapErr("RunOptions.MaxRequeues is "+strconv.Itoa(r.opts.MaxRequeues)+", want 0 to 20", ErrInvalidOptions)
	case r.opts.MaxRequeues == 0:
		r.opts.MaxRequeues = defaultMaxRequeues
	}
	if r.err == nil {
		if _, err := r.opts.Bulk.resolve(); err != nil {
			r.err = err
		} else if _, err := r.opts.Wait.resolve(); err != nil {
			r.err = err
		}
	}
	r.opts.Bulk.OnProgress = nil
	r.opts.Wait.OnPoll = nil
	return r
}

// Offboard takes every unit of ids through the whole job: the tenant gate
// (GET /solutions/backupRestore: a status other than enabled stops the
// run with ErrServiceLocked before anything is written; a gate that cannot
// be read, for want of its permission, is reported in ServiceErr and the
// run goes on); a read of every unit ($batch); removal from its policy
// (PATCH, ≤ 50 units per request, grouped by policy), skipping units
// already offboarding or offboarded (Already), protected by a dynamic rule
// (Skipped: no PATCH is sent for them), whose offboarding was cancelled
// (Skipped), or in an unknown state; waiting until the service has removed
// them (polling many units per $batch); offboarding ($batch; a 403 because
// the removal has not settled sends the unit back to waiting, up to
// MaxRequeues times). Every write's intent is journaled before it is sent
// and its outcome after.
//
// It returns one result per distinct ID (see RunResult, Outcome) and an
// error only when the run could not go on as a whole: ErrServiceLocked,
// ErrInvalidOptions, ErrJournalInUse or another Journal failure, or the
// context's end (the results then hold every unit: unfinished ones
// Pending, or Unknown when a write was in flight; Resume continues).
func (r *Run) Offboard(ctx context.Context, ids []string) (*RunResults, error) {
	return r.begin(ctx, offboardAction.name, ids, nil)
}

// CancelOffboard cancels the offboarding of every unit of ids: a read of
// every unit; cancelOffboard ($batch) of those offboarding; units whose
// cancellation was already requested or completed are Already, units not
// offboarding (or already offboarded) Skipped; with
// RunOptions.WaitCancelled, waiting until each cancellation completed.
// Results and errors are Offboard's.
func (r *Run) CancelOffboard(ctx context.Context, ids []string) (*RunResults, error) {
	var o map[string]string
	if r.opts.WaitCancelled {
		o = map[string]string{"waitCancelled": "true"}
	}
	return r.begin(ctx, cancelOffboardAction.name, ids, o)
}

// Resume continues the run its journal holds: units with a final outcome
// keep it; every other unit is read again and taken on from its state,
// with the journal's record of what was sent before as evidence (a unit
// whose offboard was in flight when the process died and now shows
// offboardRequested is Done, not Already). Nothing the run sent before is
// sent again to a unit that shows it applied.
//
// It fails with ErrNoRun when the journal holds no run; otherwise as
// Offboard.
func (r *Run) Resume(ctx context.Context) (*RunResults, error) {
	if r.err != nil {
		return nil, r.err
	}
	info, entries, err := r.j.Load(ctx)
	if err != nil {
		return nil, wrapErr("resume the run", err)
	}
	if info.Options["waitCancelled"] == "true" {
		r.opts.WaitCancelled = true
	}
	st := newRunState(r, info.Action, info.IDs)
	st.replay(entries)
	return st.execute(ctx)
}

// Status reports the run its journal holds without any request: units
// with a final outcome, units in doubt (a write's intent without its
// outcome: Unknown) and units pending. It fails with ErrNoRun when the
// journal holds no run, or with the journal's error.
func (r *Run) Status(ctx context.Context) (*RunResults, error) {
	info, entries, err := r.j.Load(ctx)
	if err != nil {
		return nil, wrapErr("read the run's journal", err)
	}
	st := newRunState(r, info.Action, info.IDs)
	st.replay(entries)
	for _, u := range st.units {
		if !u.res.Outcome.final() && len(u.intents) > 0 {
			u.res.Outcome = OutcomeUnknown
			u.res.Reason = "a write was sent and its outcome was not recorded: it is read back on resume"
		}
	}
	return st.results(), nil
}

func (r *Run) begin(ctx context.Context, action string, ids []string, o map[string]string) (*RunResults, error) {
	if r.err != nil {
		return nil, r.err
	}
	st := newRunState(r, action, ids)
	if !r.opts.DryRun {
		if err := r.j.Start(ctx, RunInfo{Action: action, IDs: st.ids(), Started: time.Now(), Options: o}); err != nil {
			return st.results(), wrapErr("start the run's journal", err)
		}
	}
	return st.execute(ctx)
}

// runUnit is one unit's state in a run.
type runUnit struct {
	res RunResult
	// prior is the unit as read before any write of this run (from the
	// journal on resume); the evidence that a later state is this run's.
	prior *models.ProtectionUnit
	// intents are this run's writes in doubt: the stage and when its
	// intent was recorded, from the journal.
	intents map[Stage]time.Time
	// applied are the stages whose write this run has seen applied.
	applied map[Stage]bool
	// next is the stage the unit goes to next.
	next     Stage
	requeues int
}

// runState is one execution of a run (a first run or a resume).
type runState struct {
	r      *Run
	c      *Client
	action string
	order  []*runUnit
	units  map[string]*runUnit
	stage  Stage
	out    *RunResults
	// inStage are the units the running stage started with; progress
	// counts how many of them it has finished with.
	inStage []*runUnit
}

func newRunState(r *Run, action string, ids []string) *runState {
	st := &runState{r: r, c: r.c, action: action, units: map[string]*runUnit{},
		out: &RunResults{Action: action, DryRun: r.opts.DryRun}}
	for _, id := range ids {
		if _, dup := st.units[id]; dup {
			continue
		}
		u := &runUnit{res: RunResult{ID: id}, intents: map[Stage]time.Time{}, applied: map[Stage]bool{}}
		st.units[id] = u
		st.order = append(st.order, u)
	}
	return st
}

func (st *runState) ids() []string {
	out := make([]string, len(st.order))
	for i, u := range st.order {
		out[i] = u.res.ID
	}
	return out
}

func (st *runState) results() *RunResults {
	st.out.Units = make([]RunResult, len(st.order))
	for i, u := range st.order {
		st.out.Units[i] = u.res
	}
	return st.out
}

// replay applies the journal's entries: final outcomes, prior states,
// open intents.
func (st *runState) replay(entries []JournalEntry) {
	for _, e := range entries {
		u, ok := st.units[e.UnitID]
		if !ok {
			continue
		}
		if e.Intent {
			u.intents[e.Stage] = e.At
			continue
		}
		if e.Outcome != OutcomeUnknown {
			delete(u.intents, e.Stage) // an unknown outcome leaves the write in doubt
		}
		if e.Applied {
			u.applied[e.Stage] = true
		}
		if e.Stage == StageRead && u.prior == nil {
			u.prior = &models.ProtectionUnit{ID: e.UnitID, Status: e.Status, PolicyID: e.PolicyID}
			u.res.PolicyID = e.PolicyID // the policy it was in when the run read it
		}
		u.res.Kind, u.res.Stage = e.Kind, e.Stage
		// The unit as last seen, as far as the journal knows it.
		u.res.Unit = &models.ProtectionUnit{ID: e.UnitID, Status: e.Status, PolicyID: e.PolicyID, ODataType: e.Kind.ODataType()}
		if e.Stage == StageRead && e.Outcome == OutcomePending {
			continue
		}
		u.res.Outcome, u.res.Reason = e.Outcome, e.Reason
		if e.Err != "" {
			u.res.Err = errors.New(e.Err)
		}
	}
}

// open returns the units not yet final.
func (st *runState) open() []*runUnit {
	var out []*runUnit
	for _, u := range st.order {
		if !u.res.Outcome.final() {
			out = append(out, u)
		}
	}
	return out
}

// record journals entries (never in a dry run).
func (st *runState) record(ctx context.Context, entries ...JournalEntry) error {
	if st.r.opts.DryRun || len(entries) == 0 {
		return nil
	}
	// The journal is written even when ctx has ended: an outcome learnt
	// must not be lost because the caller gave up.
	if err := st.r.j.Record(context.WithoutCancel(ctx), entries...); err != nil {
		return errJournal{err}
	}
	return nil
}

// entry builds a journal entry for u.
func (st *runState) entry(u *runUnit, stage Stage, intent bool) JournalEntry {
	e := JournalEntry{UnitID: u.res.ID, Stage: stage, Intent: intent, Kind: u.res.Kind, PolicyID: u.res.PolicyID, At: time.Now()}
	if u.res.Unit != nil {
		e.Status, e.PolicyID = u.res.Unit.Status, u.res.Unit.PolicyID
	}
	if !intent {
		e.Outcome, e.Reason, e.Applied = u.res.Outcome, u.res.Reason, u.applied[stage]
		if u.res.Err != nil {
			e.Err = u.res.Err.Error()
		}
	}
	return e
}

// settle sets u's final (or pending) outcome and journals it.
func (st *runState) settle(ctx context.Context, u *runUnit, stage Stage, o Outcome, reason string, err error) error {
	u.res.Stage, u.res.Outcome, u.res.Reason, u.res.Err = stage, o, reason, err
	delete(u.intents, stage)
	return st.record(ctx, st.entry(u, stage, false))
}

func (st *runState) progress() {
	if st.r.opts.OnProgress == nil {
		return
	}
	p := RunProgress{Stage: st.stage, Total: len(st.order), Counts: map[Outcome]int{}, StageTotal: len(st.inStage)}
	for _, u := range st.order {
		p.Counts[u.res.Outcome]++
		if u.res.Outcome.final() {
			p.Done++
		}
	}
	for _, u := range st.inStage {
		if u.res.Outcome.final() || u.next != st.stage {
			p.StageDone++
		}
	}
	st.r.opts.OnProgress(p)
}

// enter starts a stage with units (whose next stage is s, or, for the
// read, every unit read).
func (st *runState) enter(s Stage, units []*runUnit) {
	st.stage, st.inStage = s, units
	st.progress()
}

// execute runs the stages for every open unit.
func (st *runState) execute(ctx context.Context) (*RunResults, error) {
	err := st.run(ctx)
	if err == nil && ctx.Err() != nil {
		err = context.Cause(ctx)
	}
	if err != nil {
		// Whatever was not finished stays pending (or unknown when a
		// write was in flight) for a resume.
		for _, u := range st.open() {
			if u.res.Outcome == OutcomePending && len(u.intents) > 0 {
				u.res.Outcome = OutcomeUnknown
			}
			if u.res.Err == nil {
				u.res.Err = err
			}
		}
	}
	st.progress()
	return st.results(), err
}

func (st *runState) run(ctx context.Context) error {
	if st.action == offboardAction.name {
		if err := st.gate(ctx); err != nil {
			return err
		}
	}
	if err := st.read(ctx, st.open()); err != nil {
		return err
	}
	if st.r.opts.DryRun {
		for _, u := range st.open() {
			u.res.Outcome, u.res.Stage = OutcomePlanned, u.next
			u.res.Reason = planReason(u.next)
		}
		return nil
	}
	if st.action == offboardAction.name {
		return st.offboardStages(ctx)
	}
	return st.cancelStages(ctx)
}

func planReason(s Stage) string {
	switch s {
	case StageRemove:
		return "would be removed from its policy, then offboarded"
	case StageWaitRemoved:
		return "removal requested; would wait for it, then offboard"
	case StageOffboard:
		return "removed from its policy; would be offboarded"
	case StageCancel:
		return "offboarding; would be cancelled"
	case StageWaitCancelled:
		return "cancellation requested; would wait for it to complete"
	}
	return ""
}

// gate reads the tenant's service status. A status other than enabled
// stops the run; a status that cannot be read is reported and the run
// goes on (the PATCH will be refused if the tenant is locked).
func (st *runState) gate(ctx context.Context) error {
	s, err := st.c.ServiceStatus(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		st.out.ServiceErr = err
		return nil
	}
	st.out.Service = s
	if allowsProtectionChanges(s) {
		return nil
	}
	lock := wrapErr("the tenant's service status is "+strconv.Quote(string(s.Status))+", which does not allow units to be removed from policies", ErrServiceLocked)
	for _, u := range st.open() {
		u.res.Outcome, u.res.Stage, u.res.Err = OutcomeSkipped, StageRead, lock
		u.res.Reason = "the tenant's backup service is " + string(s.Status)
	}
	return lock
}

// read reads units and plans each one's next stage.
func (st *runState) read(ctx context.Context, units []*runUnit) error {
	for _, u := range units {
		u.next = StageRead // until the read plans it
	}
	st.enter(StageRead, units)
	if len(units) == 0 {
		return nil
	}
	ids := make([]string, 0, len(units))
	var valid []*runUnit
	for _, u := range units {
		if err := validateID(u.res.ID); err != nil {
			if err := st.settle(ctx, u, StageRead, OutcomeFailed, "", wrapErr("read "+quoteID(u.res.ID), ErrNotSent, err)); err != nil {
				return err
			}
			continue
		}
		ids = append(ids, u.res.ID)
		valid = append(valid, u)
	}
	reads := st.c.readUnits(ctx, ids, &st.r.opts.Bulk)
	var entries []JournalEntry
	for i, u := range valid {
		rd := reads[i]
		if rd.Err != nil {
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			if errors.Is(rd.Err, ErrNotFound) {
				if err := st.settle(ctx, u, StageRead, OutcomeFailed, "", rd.Err); err != nil {
					return err
				}
				continue
			}
			u.res.Stage, u.res.Outcome, u.res.Err, u.res.Reason = StageRead, OutcomePending, rd.Err, "could not be read"
			u.next = 0
			continue
		}
		// Read again: whatever the journal said (pending, unknown), the
		// unit is planned afresh from what it is now.
		u.res.Unit, u.res.Kind, u.res.Err = rd.Unit, rd.Unit.Kind(), nil
		u.res.Outcome, u.res.Reason = OutcomePending, ""
		if u.prior == nil {
			u.res.PolicyID = rd.Unit.PolicyID
			u.prior = rd.Unit
			entries = append(entries, st.entry(u, StageRead, false))
		}
		o, stage, reason := st.plan(u, rd)
		if o != OutcomePending {
			u.next = 0
			u.res.Stage, u.res.Outcome, u.res.Reason = stage, o, reason
			entries = append(entries, st.entry(u, stage, false))
			continue
		}
		u.next, u.res.Stage = stage, StageRead
	}
	if err := st.record(ctx, entries...); err != nil {
		return err
	}
	st.progress()
	return nil
}

// plan decides, from a unit as read, where it goes: a final outcome
// (Already, Skipped, Done for a write in doubt the read shows applied), or
// OutcomePending with the next stage.
func (st *runState) plan(u *runUnit, rd unitRead) (Outcome, Stage, string) {
	if st.action == cancelOffboardAction.name {
		return st.planCancel(u, rd)
	}
	got := rd.Unit
	prior := u.prior
	switch got.Status {
	case models.StatusOffboardRequested, models.StatusOffboarded:
		wasNot := prior != nil && prior.Status != models.StatusOffboardRequested && prior.Status != models.StatusOffboarded
		switch {
		case u.applied[StageOffboard]:
			return OutcomeDone, StageOffboard, ""
		case wasNot && st.ours(u, StageOffboard, offboardAction, rd) == applied:
			u.applied[StageOffboard] = true
			return OutcomeDone, StageOffboard, "offboarded by this run (its answer was lost; read back)"
		}
		return OutcomeAlready, StageOffboard, "already " + string(got.Status)
	case models.StatusCancelOffboardRequested:
		return OutcomeSkipped, StageRead, "its offboarding was just cancelled (cancelOffboardRequested): not offboarded again"
	}
	if got.Kind() == models.KindUnknown {
		return OutcomeSkipped, StageRead, "its kind (site, drive or mailbox) cannot be told, so neither can its policy's"
	}
	switch {
	case got.CanOffboard():
		return OutcomePending, StageOffboard, ""
	case got.Status == models.StatusRemoveRequested:
		return OutcomePending, StageWaitRemoved, ""
	case got.PolicyID == "":
		return OutcomeSkipped, StageRead, "in no policy but " + string(got.Status) + " (not unprotected): cannot be offboarded yet"
	case got.ProtectionSources.Has(models.SourceDynamicRule):
		return OutcomeSkipped, StageRead, "protected by a dynamic rule: remove it through the rule (deleteAndUnprotect), not by a policy change"
	}
	switch got.Status {
	case models.StatusProtected, models.StatusProtectRequested, models.StatusUnprotectRequested, models.StatusUnprotected:
		return OutcomePending, StageRemove, ""
	}
	return OutcomeSkipped, StageRead, "in a state this run does not know: " + strconv.Quote(string(got.Status))
}

// ours judges, with the evidence rule of the actions (unitAction.judge),
// whether a write of stage that this run journaled as in doubt shows
// applied in the unit as read: its mark no earlier than the intent (on the
// service's clock, from the read's Date header), by the caller.
func (st *runState) ours(u *runUnit, stage Stage, action unitAction, rd unitRead) verdict {
	at, inDoubt := u.intents[stage]
	if !inDoubt {
		return notApplied
	}
	ev := attemptEvidence{subject: st.c.subject()}
	ev.maybeActed(at)
	return action.judge(rd.Unit, ev, rd.date, rd.recv)
}

func (st *runState) planCancel(u *runUnit, rd unitRead) (Outcome, Stage, string) {
	got := rd.Unit
	prior := u.prior
	wasOffboarding := prior != nil && prior.Status == models.StatusOffboardRequested
	v := notApplied
	if u.applied[StageCancel] {
		v = applied
	} else if wasOffboarding {
		v = st.ours(u, StageCancel, cancelOffboardAction, rd)
	}
	ours := v == applied
	if ours {
		u.applied[StageCancel] = true
	}
	switch got.Status {
	case models.StatusOffboardRequested:
		return OutcomePending, StageCancel, ""
	case models.StatusCancelOffboardRequested:
		if ours {
			if st.r.opts.WaitCancelled {
				return OutcomePending, StageWaitCancelled, ""
			}
			return OutcomeDone, StageCancel, "cancelled by this run (its answer was lost; read back)"
		}
		if st.r.opts.WaitCancelled {
			u.res.Reason = "its cancellation was already requested"
			return OutcomePending, StageWaitCancelled, ""
		}
		return OutcomeAlready, StageCancel, "its cancellation was already requested"
	case models.StatusUnprotected:
		if ours {
			return OutcomeDone, StageWaitCancelled, "cancelled by this run; the cancellation completed"
		}
		if v == cannotTell {
			u.res.Err = wrapErr("cancelOffboard "+quoteID(u.res.ID)+": its cancellation completed, and this run's cancel, whose answer was lost, may be what did it", ErrOutcomeUnknown)
			return OutcomeUnknown, StageCancel, "cancelled and completed, perhaps by this run"
		}
		if !got.OffboardRequestedDateTime.IsZero() {
			return OutcomeAlready, StageWaitCancelled, "its offboarding was already cancelled"
		}
		return OutcomeSkipped, StageRead, "not offboarding"
	case models.StatusOffboarded:
		return OutcomeSkipped, StageRead, "already offboarded: too late to cancel"
	}
	return OutcomeSkipped, StageRead, "not offboarding (" + string(got.Status) + ")"
}

// pendingAt returns the open units whose next stage is s.
func (st *runState) pendingAt(s Stage) []*runUnit {
	var out []*runUnit
	for _, u := range st.open() {
		if u.res.Outcome == OutcomePending && u.next == s && u.res.Unit != nil {
			out = append(out, u)
		}
	}
	return out
}

func (st *runState) offboardStages(ctx context.Context) error {
	if err := st.remove(ctx, st.pendingAt(StageRemove)); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	// Offboard what is ready; wait for the rest; offboard them; a 403
	// (removal not settled) sends a unit back to waiting.
	for {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if err := st.offboard(ctx, st.pendingAt(StageOffboard)); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		waiting := st.pendingAt(StageWaitRemoved)
		if len(waiting) == 0 {
			return nil
		}
		// Units the service refused to offboard (403) may already read as
		// removed: give their removal a poll interval to settle first.
		var first time.Duration
		for _, u := range waiting {
			if u.requeues > 0 {
				wo, _ := st.r.opts.Wait.resolve()
				first = wo.PollInterval
			}
		}
		if err := st.waitUntil(ctx, waiting, StageWaitRemoved, UntilRemoved, StageOffboard, first); err != nil {
			return err
		}
	}
}

func (st *runState) cancelStages(ctx context.Context) error {
	if err := st.cancel(ctx, st.pendingAt(StageCancel)); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if waiting := st.pendingAt(StageWaitCancelled); len(waiting) > 0 {
		return st.waitUntil(ctx, waiting, StageWaitCancelled, UntilCancelCompleted, 0, 0)
	}
	return nil
}

// remove removes units from their policies, one policy after another.
func (st *runState) remove(ctx context.Context, units []*runUnit) error {
	st.enter(StageRemove, units)
	type group struct {
		kind   models.PolicyKind
		policy string
	}
	groups := map[group][]*runUnit{}
	var order []group
	for _, u := range units {
		g := group{models.PolicyKindOf(u.res.Unit.Kind()), u.res.Unit.PolicyID}
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], u)
	}
	for _, g := range order {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		members := groups[g]
		byID := make(map[string]*runUnit, len(members))
		keys := make([]string, len(members))
		for i, u := range members {
			byID[u.res.ID], keys[i] = u, u.res.ID
		}
		pc := &policyChange{c: st.c, kind: g.kind, policyID: g.policy, remove: true, maxAttempts: st.bulkAttempts(), bulk: &st.r.opts.Bulk}
		pc.add(keys)
		for _, it := range pc.items {
			u := byID[it.key]
			it.prior = u.prior
			if at, ok := u.intents[StageRemove]; ok {
				it.ev.maybeActed(at)
			}
		}
		var journalErr error
		pc.beforeSend = func(items []*changeItem) error {
			entries := make([]JournalEntry, len(items))
			for i, it := range items {
				u := byID[it.key]
				u.intents[StageRemove] = time.Now()
				entries[i] = st.entry(u, StageRemove, true)
			}
			return st.record(ctx, entries...)
		}
		pc.settled = func(it *changeItem, res *PolicyChangeResult) {
			u := byID[it.key]
			if res.Unit != nil {
				u.res.Unit = res.Unit
			}
			o, next, reason := removalOutcome(res)
			if res.Err == nil {
				u.applied[StageRemove] = true
			}
			if o == OutcomePending {
				u.next, u.res.Stage, u.res.Reason, u.res.Err = next, StageRemove, reason, nil
				delete(u.intents, StageRemove)
				if err := st.record(ctx, st.entry(u, StageRemove, false)); err != nil && journalErr == nil {
					journalErr = err
				}
				return
			}
			if err := st.settle(ctx, u, StageRemove, o, reason, res.Err); err != nil && journalErr == nil {
				journalErr = err
			}
		}
		pc.run(ctx)
		st.progress()
		if journalErr != nil {
			return journalErr
		}
		if pc.abort != nil && !errors.Is(pc.abort, context.Canceled) && !errors.Is(pc.abort, context.DeadlineExceeded) {
			var je errJournal
			if errors.As(pc.abort, &je) {
				return pc.abort
			}
		}
	}
	return nil
}

// removalOutcome maps a policy change's result for a unit to the run: on
// to waiting (accepted, or already requested or out of the policy), or a
// final outcome.
func removalOutcome(res *PolicyChangeResult) (Outcome, Stage, string) {
	switch {
	case res.Err == nil:
		if res.Unit != nil && UntilRemoved.Holds(res.Unit) {
			return OutcomePending, StageOffboard, "removed from its policy"
		}
		return OutcomePending, StageWaitRemoved, "removal requested"
	case errors.Is(res.Err, ErrAlreadyInState):
		if res.Unit != nil && UntilRemoved.Holds(res.Unit) {
			return OutcomePending, StageOffboard, "already removed from its policy"
		}
		return OutcomePending, StageWaitRemoved, "its removal was already requested"
	case errors.Is(res.Err, ErrDynamicRuleUnit):
		return OutcomeSkipped, StageRemove, "protected by a dynamic rule: remove it through the rule (deleteAndUnprotect), not by a policy change"
	case errors.Is(res.Err, ErrOutcomeUnknown):
		if res.Unit != nil && UntilRemoved.Holds(res.Unit) {
			// Removed, by this run or not: either way it can be offboarded.
			return OutcomePending, StageOffboard, "removed from its policy"
		}
		return OutcomeUnknown, StageRemove, ""
	case errors.Is(res.Err, ErrNotSent):
		return OutcomePending, StageRemove, "the removal was not sent"
	}
	return OutcomeFailed, StageRemove, ""
}

func (st *runState) bulkAttempts() int {
	o, _ := st.r.opts.Bulk.resolve()
	return o.MaxAttempts
}

// offboard offboards units through $batch; a 403 sends a unit back to
// waiting for its removal, up to MaxRequeues times.
func (st *runState) offboard(ctx context.Context, units []*runUnit) error {
	return st.act(ctx, units, offboardAction, StageOffboard)
}

// cancel cancels the offboarding of units through $batch.
func (st *runState) cancel(ctx context.Context, units []*runUnit) error {
	return st.act(ctx, units, cancelOffboardAction, StageCancel)
}

// act sends action to units through the bulk scheduler, journaling every
// batch's intent before it goes out and each unit's outcome after.
func (st *runState) act(ctx context.Context, units []*runUnit, action unitAction, stage Stage) error {
	st.enter(stage, units)
	if len(units) == 0 {
		return nil
	}
	byID := make(map[string]*runUnit, len(units))
	ids := make([]string, len(units))
	for i, u := range units {
		byID[u.res.ID], ids[i] = u, u.res.ID
	}
	opts := st.r.opts.Bulk
	opts.OnProgress = func(int, int, int) { st.progress() }
	br, optErr := newBulkRun(st.c, &opts, action)
	br.prior = func(id string) attemptEvidence {
		var ev attemptEvidence
		if at, ok := byID[id].intents[stage]; ok {
			ev.maybeActed(at) // sent before the process died: may have been applied
		}
		return ev
	}
	br.beforeSend = func(items []*bulkItem) error {
		entries := make([]JournalEntry, len(items))
		for i, it := range items {
			u := byID[it.id]
			u.intents[stage] = time.Now()
			entries[i] = st.entry(u, stage, true)
		}
		return st.record(ctx, entries...)
	}
	res := br.start(ctx, ids, optErr)
	var journalErr error
	for _, x := range res {
		u := byID[x.ID]
		if x.Unit != nil {
			u.res.Unit = x.Unit
		}
		var err error
		switch {
		case x.Err == nil:
			u.applied[stage] = true
			if stage == StageCancel && st.r.opts.WaitCancelled {
				u.next, u.res.Stage, u.res.Reason = StageWaitCancelled, stage, "cancellation requested"
				delete(u.intents, stage)
				err = st.record(ctx, st.entry(u, stage, false))
				break
			}
			err = st.settle(ctx, u, stage, OutcomeDone, "", nil)
		case errors.As(x.Err, new(errJournal)):
			journalErr = x.Err
			continue
		case stage == StageOffboard && errors.Is(x.Err, ErrOperationNotAllowed) && !errors.Is(x.Err, ErrOutcomeUnknown) &&
			u.requeues < st.r.opts.MaxRequeues:
			// The removal has not settled: wait for it again.
			u.requeues++
			delete(u.intents, stage)
			u.next, u.res.Reason, u.res.Err = StageWaitRemoved, "offboard refused (403): the removal has not settled; waiting again", nil
			err = st.record(ctx, st.entry(u, stage, false))
		case errors.Is(x.Err, ErrOutcomeUnknown):
			err = st.settle(ctx, u, stage, OutcomeUnknown, "", x.Err)
		case errors.Is(x.Err, ErrNotSent):
			// Nothing reached the service: pending, so a resume tries again.
			delete(u.intents, stage)
			u.res.Stage, u.res.Err, u.res.Reason = stage, x.Err, "not sent: resume to try again"
			// Journaled also when ctx has ended: the intent recorded before
			// the batch must not stay open for a write that never left.
			err = st.record(ctx, st.entry(u, stage, false))
		default:
			err = st.settle(ctx, u, stage, OutcomeFailed, "", x.Err)
		}
		if err != nil && journalErr == nil {
			journalErr = err
		}
	}
	st.progress()
	return journalErr
}

// waitUntil waits until cond holds for units, then sends them to next (or
// settles them Done when next is 0).
func (st *runState) waitUntil(ctx context.Context, units []*runUnit, stage Stage, cond WaitCondition, next Stage, firstDelay time.Duration) error {
	st.enter(stage, units)
	byID := make(map[string]*runUnit, len(units))
	ids := make([]string, len(units))
	for i, u := range units {
		byID[u.res.ID], ids[i] = u, u.res.ID
	}
	wo, _ := st.r.opts.Wait.resolve()
	var journalErr error
	st.c.waitMany(ctx, ids, cond, wo, &st.r.opts.Bulk, firstDelay, func(id string, got *models.ProtectionUnit, err error) {
		u := byID[id]
		if got != nil {
			u.res.Unit = got
		}
		var jerr error
		switch {
		case err == nil && next == 0:
			reason := ""
			if u.res.Reason == "its cancellation was already requested" {
				jerr = st.settle(ctx, u, stage, OutcomeAlready, "its offboarding was already cancelled; the cancellation completed", nil)
				break
			}
			jerr = st.settle(ctx, u, stage, OutcomeDone, reason, nil)
		case err == nil:
			u.next, u.res.Stage, u.res.Reason, u.res.Err = next, stage, cond.String(), nil
		case errors.Is(err, ErrWaitTimedOut):
			u.res.Stage, u.res.Outcome, u.res.Err, u.res.Reason = stage, OutcomePending, err, "still waiting: resume to wait on"
			jerr = st.record(ctx, st.entry(u, stage, false))
		case ctx.Err() != nil:
			u.res.Stage, u.res.Err = stage, err
		default:
			jerr = st.settle(ctx, u, stage, OutcomeFailed, "", err)
		}
		if jerr != nil && journalErr == nil {
			journalErr = jerr
		}
	}, func(int) { st.progress() })
	if journalErr != nil {
		return journalErr
	}
	// Units whose wait timed out stay pending; they must not loop.
	for _, u := range units {
		if errors.Is(u.res.Err, ErrWaitTimedOut) {
			u.next = 0
		}
	}
	return nil
}
