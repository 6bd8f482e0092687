package offboarding

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/models"
)

// unit is one unit's state in a run.
type unit struct {
	res Result
	// prior is the unit as read before any write of this run (from the
	// journal on resume): the evidence that a later state is this run's.
	prior *models.ProtectionUnit
	// intents are this run's writes in doubt: when each stage's intent was
	// recorded (from the journal on resume), zero for none. Arrays, not
	// maps: a run holds one unit per target, and two maps each were a
	// tenth of a 100,000-unit run's memory.
	intents stageTimes
	// applied are the stages whose write this run has seen applied.
	applied [numStages]bool
	// next is the stage the unit goes to next.
	next     Stage
	requeues int
}

// state is one execution of a run (a first run or a resume).
type state struct {
	r     *Run
	info  RunInfo
	order []*unit
	units map[string]*unit
	// started: the run is in its journal (never in a dry run).
	started bool
	stage   Stage
	out     *Results
	// inStage are the units the running stage started with.
	inStage []*unit
	// deferring: outcomes settled now are journaled by the next flush,
	// not one Record each (see deferOutcomes); deferred holds them.
	deferring bool
	deferred  []Entry
}

func newState(r *Run, info RunInfo) *state {
	st := &state{r: r, info: info, units: map[string]*unit{},
		out: &Results{RunID: info.ID, Action: info.Action, DryRun: r.opts.DryRun}}
	for _, id := range info.IDs {
		st.add(id)
	}
	return st
}

// add registers a unit, once.
func (st *state) add(id string) {
	if _, dup := st.units[id]; dup {
		return
	}
	u := &unit{res: Result{ID: id}}
	st.units[id] = u
	st.order = append(st.order, u)
}

func (st *state) ids() []string {
	out := make([]string, len(st.order))
	for i, u := range st.order {
		out[i] = u.res.ID
	}
	return out
}

func (st *state) results() *Results {
	st.out.RunID = st.info.ID
	st.out.Units = make([]Result, len(st.order))
	for i, u := range st.order {
		st.out.Units[i] = u.res
	}
	return st.out
}

// replay applies the journal's entries: final outcomes, prior states,
// writes in doubt, evidence of writes applied.
func (st *state) replay(entries []Entry) {
	for _, e := range entries {
		u, ok := st.units[e.UnitID]
		if !ok {
			continue
		}
		if e.Intent {
			u.intents.set(e.Stage, e.At)
			continue
		}
		if e.Outcome != OutcomeUnknown {
			u.intents.clear(e.Stage) // an unknown outcome leaves the write in doubt
		}
		if e.Applied {
			u.applied[e.Stage.index()] = true
		}
		if e.Stage == StageRead && u.prior == nil {
			u.prior = &models.ProtectionUnit{ID: e.UnitID, Status: e.Status, PolicyID: e.PolicyID}
			u.res.PolicyID = e.PolicyID // the policy it was in when the run read it
			u.res.PolicyName = e.PolicyName
		}
		u.res.Kind, u.res.Stage = e.Kind, e.Stage
		if e.Name != "" {
			u.res.Name = e.Name
		}
		if e.RequestID != "" || !e.Sent.IsZero() {
			u.res.RequestID, u.res.Sent, u.res.Operator = e.RequestID, e.Sent, e.Operator
		}
		// The unit as last seen, as far as the journal knows it.
		u.res.Unit = &models.ProtectionUnit{ID: e.UnitID, Status: e.Status, PolicyID: e.PolicyID, ODataType: e.Kind.ODataType()}
		if setsNothing(e) {
			continue
		}
		u.res.Outcome, u.res.Reason, u.res.Detail, u.res.Err = e.Outcome, e.Reason, e.Detail, e.Err.Err()
	}
}

// open returns the units not yet final.
func (st *state) open() []*unit {
	var out []*unit
	for _, u := range st.order {
		if !u.res.Outcome.Final() {
			out = append(out, u)
		}
	}
	return out
}

// errJournal is a failure of the run's journal: it stops the run, with
// nothing more sent.
type errJournal struct{ err error }

func (e errJournal) Error() string { return "offboarding: the journal failed: " + e.err.Error() }
func (e errJournal) Unwrap() error { return e.err }

// record journals entries (never in a dry run). It is called from the
// run's goroutine and, for intents, from the engines' workers: the journal
// is safe for concurrent use.
func (st *state) record(ctx context.Context, entries ...Entry) error {
	if !st.started || len(entries) == 0 {
		return nil
	}
	// The journal is written even when ctx has ended: an outcome learnt
	// must not be lost because the caller gave up.
	if err := st.r.opts.Journal.Record(context.WithoutCancel(ctx), entries...); err != nil {
		return errJournal{err}
	}
	return nil
}

// entry builds a journal entry for u.
func (st *state) entry(u *unit, stage Stage, intent bool) Entry {
	e := Entry{UnitID: u.res.ID, Stage: stage, Intent: intent, Kind: u.res.Kind, PolicyID: u.res.PolicyID,
		PolicyName: u.res.PolicyName, Name: u.res.Name, At: time.Now()}
	if u.res.Unit != nil {
		e.Status, e.PolicyID = u.res.Unit.Status, u.res.Unit.PolicyID
	}
	if !intent {
		e.Outcome, e.Reason, e.Detail, e.Applied = u.res.Outcome, u.res.Reason, u.res.Detail, u.applied[stage.index()]
		e.Err = RecordError(u.res.Err)
		e.RequestID, e.Sent, e.Operator = u.res.RequestID, u.res.Sent, u.res.Operator
	}
	return e
}

// set sets u's outcome.
func (u *unit) set(stage Stage, o Outcome, reason Reason, detail string, err error) {
	u.res.Stage, u.res.Outcome, u.res.Reason, u.res.Detail, u.res.Err = stage, o, reason, detail, err
}

// settle sets u's outcome for stage, closes the stage's write in doubt
// (unless the outcome is Unknown) and journals it (at the next flush while
// outcomes are deferred).
func (st *state) settle(ctx context.Context, u *unit, stage Stage, o Outcome, reason Reason, detail string, err error) error {
	u.set(stage, o, reason, detail, err)
	if o != OutcomeUnknown {
		u.intents.clear(stage)
	}
	if st.deferring {
		st.deferred = append(st.deferred, st.entry(u, stage, false))
		return nil
	}
	return st.record(ctx, st.entry(u, stage, false))
}

// deferOutcomes runs an engine (fn) whose results arrive one unit at a
// time, with the outcomes settled meanwhile journaled in groups: at every
// flush (the hooks call it after each request, the waits after each poll)
// and when fn returns. Each Record is a synced write, and a durable
// journal can coalesce only concurrent calls: one Record per unit from the
// engine's goroutine made two fdatasyncs per unit of an offboarding, and
// held the engine's loop through each. An outcome learnt but not yet
// flushed when the process dies is safe: its intent is journaled, so a
// resume reads the unit back and settles it by the evidence rule, as any
// write in doubt. It returns the journal's failure of the last flush.
func (st *state) deferOutcomes(ctx context.Context, fn func()) error {
	st.deferring = true
	fn()
	st.deferring = false
	return st.flush(ctx)
}

// flush journals the deferred outcomes, in one Record.
func (st *state) flush(ctx context.Context) error {
	if len(st.deferred) == 0 {
		return nil
	}
	err := st.record(ctx, st.deferred...)
	st.deferred = st.deferred[:0]
	return err
}

// markInDoubt reports u Unknown: a write of it was sent (its intent is
// journaled) and nothing recorded its outcome.
func (st *state) markInDoubt(u *unit) {
	if u.res.Outcome == OutcomeUnknown && errors.Is(u.res.Err, backuprestore.ErrOutcomeUnknown) {
		return
	}
	var stage Stage
	for s := range u.intents.stages() {
		stage = max(stage, s)
	}
	u.res.Stage, u.res.Outcome, u.res.Reason, u.res.Detail = stage, OutcomeUnknown, ReasonInDoubt, ""
	u.res.Err = fmt.Errorf("offboarding: %s %q: a write was sent and its outcome was not recorded: %w", stage, u.res.ID, backuprestore.ErrOutcomeUnknown)
}

func (st *state) progress() {
	if st.r.opts.OnProgress == nil {
		return
	}
	p := Progress{Stage: st.stage, Total: len(st.order), Counts: map[Outcome]int{}, StageTotal: len(st.inStage)}
	for _, u := range st.order {
		p.Counts[u.res.Outcome]++
		if u.res.Outcome.Final() {
			p.Done++
		}
	}
	for _, u := range st.inStage {
		if u.res.Outcome.Final() || u.next != st.stage {
			p.StageDone++
		}
	}
	st.r.opts.OnProgress(p)
}

// enter starts a stage with units.
func (st *state) enter(s Stage, units []*unit) {
	st.stage, st.inStage = s, units
	st.progress()
}

// execute runs the stages for every open unit, then reports: units not
// finished stay Pending for a resume, or Unknown when a write of theirs is
// in doubt; a run whose units are all final is marked finished.
func (st *state) execute(ctx context.Context) (*Results, error) {
	err := st.run(ctx)
	if err == nil && ctx.Err() != nil {
		err = context.Cause(ctx)
	}
	for _, u := range st.open() {
		switch {
		case u.intents.any():
			st.markInDoubt(u)
		case u.res.Outcome == OutcomeUnknown:
			// Journaled Unknown earlier and not settled since.
		case err != nil && u.res.Err == nil:
			u.res.Err = err
		}
	}
	if err == nil && st.started && len(st.open()) == 0 {
		if ferr := st.r.opts.Journal.Finish(context.WithoutCancel(ctx), RunEnd{Finished: time.Now(), Counts: st.results().Count()}); ferr != nil {
			err = fmt.Errorf("offboarding: mark the run finished: %w", ferr)
		}
	}
	st.progress()
	return st.results(), err
}

func (st *state) run(ctx context.Context) error {
	if st.info.Action == ActionOffboard {
		if err := st.gate(ctx); err != nil {
			return err
		}
	}
	if err := st.read(ctx, st.open()); err != nil {
		return err
	}
	if st.info.Action == ActionOffboard {
		if err := st.analyseRules(ctx); err != nil {
			return err
		}
	}
	if st.r.opts.DryRun {
		for _, u := range st.open() {
			if u.res.Outcome == OutcomePending && u.res.Unit != nil {
				u.set(u.next, OutcomePlanned, planReason(u.next), u.res.Detail, nil)
			}
		}
		return nil
	}
	if st.info.Action == ActionOffboard {
		if err := st.ruleStage(ctx); err != nil {
			return err
		}
		return st.offboardStages(ctx)
	}
	return st.cancelStages(ctx)
}

func planReason(s Stage) Reason {
	switch s {
	case StageRemove:
		return ReasonWouldRemove
	case StageWaitRemoved:
		return ReasonWouldWaitRemoved
	case StageOffboard:
		return ReasonWouldOffboard
	case StageCancel:
		return ReasonWouldCancel
	case StageWaitCancelled:
		return ReasonWouldWaitCancelled
	case StageRuleChange:
		return ReasonViaRule
	}
	return ReasonNone
}

// numStages bounds the stages' values (StageRead … StageRuleChange).
const numStages = int(StageRuleChange) + 1

// index is s as an index of a per-stage array; 0 for a value that is not a
// stage (never used).
func (s Stage) index() int {
	if s > 0 && int(s) < numStages {
		return int(s)
	}
	return 0
}

// stageTimes holds a time per stage; zero means none.
type stageTimes [numStages]time.Time

func (t *stageTimes) get(s Stage) (time.Time, bool) {
	at := t[s.index()]
	return at, !at.IsZero() && s.index() != 0
}
func (t *stageTimes) set(s Stage, at time.Time) {
	if s.index() != 0 {
		t[s.index()] = at
	}
}
func (t *stageTimes) clear(s Stage) { t[s.index()] = time.Time{} }

// any reports whether a stage has a time.
func (t *stageTimes) any() bool {
	for i := 1; i < numStages; i++ {
		if !t[i].IsZero() {
			return true
		}
	}
	return false
}

// stages yields the stages that have a time, in order.
func (t *stageTimes) stages() func(func(Stage) bool) {
	return func(yield func(Stage) bool) {
		for i := 1; i < numStages; i++ {
			if !t[i].IsZero() && !yield(Stage(i)) {
				return
			}
		}
	}
}
