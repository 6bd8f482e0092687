package offboarding

import (
	"context"
	"errors"
	"time"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/internal/bridge"
	"github.com/m365kit/backuprestore/models"
)

// pendingAt returns the open units whose next stage is s.
func (st *state) pendingAt(s Stage) []*unit {
	var out []*unit
	for _, u := range st.open() {
		if u.res.Outcome == OutcomePending && u.next == s && u.res.Unit != nil {
			out = append(out, u)
		}
	}
	return out
}

func (st *state) offboardStages(ctx context.Context) error {
	if err := st.remove(ctx, st.pendingAt(StageRemove)); err != nil {
		return err
	}
	// Offboard what is ready; wait for the rest; offboard them; a 403
	// (removal not settled) sends a unit back to waiting.
	for {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if err := st.act(ctx, st.pendingAt(StageOffboard), ActionOffboard, StageOffboard); err != nil {
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
				first = bridge.PollInterval(st.r.opts.wait)
			}
		}
		if err := st.waitUntil(ctx, waiting, StageWaitRemoved, backuprestore.UntilRemoved, StageOffboard, first); err != nil {
			return err
		}
	}
}

func (st *state) cancelStages(ctx context.Context) error {
	if err := st.act(ctx, st.pendingAt(StageCancel), ActionCancelOffboard, StageCancel); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if waiting := st.pendingAt(StageWaitCancelled); len(waiting) > 0 {
		return st.waitUntil(ctx, waiting, StageWaitCancelled, backuprestore.UntilCancelCompleted, 0, 0)
	}
	return nil
}

// writeHooks are the hooks of a write stage: the journal's evidence of
// earlier writes, the intent of every request journaled before it is sent,
// progress after every request; onResult settles each unit.
func (st *state) writeHooks(ctx context.Context, byID map[string]*unit, stage Stage, onResult func(*unit, bridge.Result) error) (bridge.Hooks, *error) {
	var journalErr error
	return bridge.Hooks{
		SentBefore: func(id string) time.Time { at, _ := byID[id].intents.get(stage); return at },
		BeforeSend: func(ids []string) error {
			// Called from the engine's workers; each unit is in one request
			// at a time, and the journal is safe for concurrent use.
			entries := make([]Entry, len(ids))
			now := time.Now()
			for i, id := range ids {
				u := byID[id]
				u.intents.set(stage, now)
				entries[i] = st.entry(u, stage, true)
			}
			return st.record(ctx, entries...)
		},
		OnResult: func(x bridge.Result) {
			u := byID[x.Key]
			if x.Unit != nil {
				u.res.Unit = x.Unit
			}
			if !x.Sent.IsZero() {
				u.res.RequestID, u.res.Sent, u.res.Operator = x.RequestID, x.Sent, st.r.opts.Operator
			}
			if err := onResult(u, x); err != nil && journalErr == nil {
				journalErr = err
			}
		},
		OnProgress: func(int, int, int) {
			if err := st.flush(ctx); err != nil && journalErr == nil {
				journalErr = err
			}
			st.progress()
		},
	}, &journalErr
}

// byID indexes units by ID.
func byID(units []*unit) (map[string]*unit, []string) {
	m := make(map[string]*unit, len(units))
	ids := make([]string, len(units))
	for i, u := range units {
		m[u.res.ID], ids[i] = u, u.res.ID
	}
	return m, ids
}

// remove removes units from their policies, one policy after another.
func (st *state) remove(ctx context.Context, units []*unit) error {
	st.enter(StageRemove, units)
	type group struct {
		kind   models.PolicyKind
		policy string
	}
	groups := map[group][]*unit{}
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
		members, _ := byID(groups[g])
		items := make([]bridge.PolicyItem, 0, len(groups[g]))
		for _, u := range groups[g] {
			items = append(items, bridge.PolicyItem{UnitID: u.res.ID, Prior: u.prior})
		}
		hooks, journalErr := st.writeHooks(ctx, members, StageRemove, func(u *unit, x bridge.Result) error {
			o, next, reason := removalOutcome(x)
			if x.Err == nil {
				u.applied[StageRemove.index()] = true
			}
			if o == OutcomePending {
				u.next = next
				return st.settle(ctx, u, StageRemove, OutcomePending, reason, "", nil)
			}
			return st.settle(ctx, u, StageRemove, o, reason, "", x.Err)
		})
		err := st.deferOutcomes(ctx, func() {
			bridge.RemoveFromPolicy(ctx, st.r.c, g.kind, g.policy, items, &st.r.opts.bulk, hooks)
		})
		st.progress()
		if *journalErr != nil {
			return *journalErr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// removalOutcome maps a policy change's result for a unit to the run: on
// to waiting (accepted, or already requested or out of the policy), or a
// final outcome.
func removalOutcome(x bridge.Result) (Outcome, Stage, Reason) {
	removed := x.Unit != nil && backuprestore.UntilRemoved.Holds(x.Unit)
	switch {
	case x.Err == nil && removed:
		return OutcomePending, StageOffboard, ReasonRemoved
	case x.Err == nil:
		return OutcomePending, StageWaitRemoved, ReasonRemovalRequested
	case errors.Is(x.Err, backuprestore.ErrAlreadyInState) && removed:
		return OutcomePending, StageOffboard, ReasonAlreadyRemoved
	case errors.Is(x.Err, backuprestore.ErrAlreadyInState):
		return OutcomePending, StageWaitRemoved, ReasonRemovalAlreadyRequested
	case errors.Is(x.Err, backuprestore.ErrDynamicRuleUnit):
		return OutcomeSkipped, StageRemove, ReasonDynamicRule
	case errors.Is(x.Err, backuprestore.ErrOutcomeUnknown) && removed:
		// Removed, by this run or not: either way it can be offboarded.
		return OutcomePending, StageOffboard, ReasonRemoved
	case errors.Is(x.Err, backuprestore.ErrOutcomeUnknown):
		return OutcomeUnknown, StageRemove, ReasonNone
	case errors.Is(x.Err, backuprestore.ErrNotSent):
		return OutcomePending, StageRemove, ReasonNotSent
	}
	return OutcomeFailed, StageRemove, ReasonNone
}

// act sends action to units through the $batch scheduler, journaling every
// batch's intent before it goes out and each unit's outcome as it settles.
func (st *state) act(ctx context.Context, units []*unit, action Action, stage Stage) error {
	st.enter(stage, units)
	if len(units) == 0 {
		return nil
	}
	members, ids := byID(units)
	hooks, journalErr := st.writeHooks(ctx, members, stage, func(u *unit, x bridge.Result) error {
		switch {
		case x.Err == nil:
			u.applied[stage.index()] = true
			if stage == StageCancel && st.r.opts.WaitCancelled {
				u.next = StageWaitCancelled
				return st.settle(ctx, u, stage, OutcomePending, ReasonCancellationRequested, "", nil)
			}
			return st.settle(ctx, u, stage, OutcomeDone, ReasonNone, "", nil)
		case errors.As(x.Err, new(errJournal)):
			return x.Err
		case stage == StageOffboard && errors.Is(x.Err, backuprestore.ErrOperationNotAllowed) &&
			!errors.Is(x.Err, backuprestore.ErrOutcomeUnknown) && u.requeues < st.r.opts.MaxRequeues:
			// The removal has not settled: wait for it again.
			u.requeues++
			u.next = StageWaitRemoved
			return st.settle(ctx, u, stage, OutcomePending, ReasonRequeued, "", nil)
		case errors.Is(x.Err, backuprestore.ErrOutcomeUnknown):
			return st.settle(ctx, u, stage, OutcomeUnknown, ReasonNone, "", x.Err)
		case errors.Is(x.Err, backuprestore.ErrNotSent):
			// Nothing reached the service: pending, so a resume tries again.
			// Journaled also when ctx has ended: the intent recorded before
			// the batch must not stay open for a write that never left.
			return st.settle(ctx, u, stage, OutcomePending, ReasonNotSent, "", x.Err)
		}
		return st.settle(ctx, u, stage, OutcomeFailed, ReasonNone, "", x.Err)
	})
	err := st.deferOutcomes(ctx, func() {
		bridge.Act(ctx, st.r.c, string(action), ids, &st.r.opts.bulk, hooks)
	})
	st.progress()
	if *journalErr != nil {
		return *journalErr
	}
	return err
}

// waitUntil waits until cond holds for units, then sends them to next (or
// settles them Done when next is 0).
func (st *state) waitUntil(ctx context.Context, units []*unit, stage Stage, cond backuprestore.WaitCondition, next Stage, firstDelay time.Duration) error {
	st.enter(stage, units)
	members, ids := byID(units)
	var journalErr error
	ferr := st.deferOutcomes(ctx, func() {
		st.waitMany(ctx, ids, members, stage, cond, next, firstDelay, &journalErr)
	})
	if journalErr == nil {
		journalErr = ferr
	}
	return journalErr
}

// waitMany is waitUntil's engine call: settled units are journaled after
// each poll.
func (st *state) waitMany(ctx context.Context, ids []string, members map[string]*unit, stage Stage, cond backuprestore.WaitCondition,
	next Stage, firstDelay time.Duration, journalErr *error) {
	bridge.WaitMany(ctx, st.r.c, ids, cond, st.r.opts.wait, &st.r.opts.bulk, firstDelay, func(id string, got *models.ProtectionUnit, err error) {
		u := members[id]
		if got != nil {
			u.res.Unit = got
		}
		var jerr error
		switch {
		case err == nil && next == 0 && u.res.Reason == ReasonCancelAlreadyRequested:
			jerr = st.settle(ctx, u, stage, OutcomeAlready, ReasonAlreadyCancelled, "", nil)
		case err == nil && next == 0:
			jerr = st.settle(ctx, u, stage, OutcomeDone, ReasonNone, "", nil)
		case err == nil:
			u.next = next
			u.res.Stage, u.res.Reason, u.res.Err = stage, ReasonNone, nil
		case errors.Is(err, backuprestore.ErrWaitTimedOut):
			u.next = 0 // stays pending; it must not loop
			jerr = st.settle(ctx, u, stage, OutcomePending, ReasonStillWaiting, "", err)
		case ctx.Err() != nil:
			u.res.Stage, u.res.Err = stage, err
		default:
			jerr = st.settle(ctx, u, stage, OutcomeFailed, ReasonNone, "", err)
		}
		if jerr != nil && *journalErr == nil {
			*journalErr = jerr
		}
	}, func(int) {
		if err := st.flush(ctx); err != nil && *journalErr == nil {
			*journalErr = err
		}
		st.progress()
	})
}
