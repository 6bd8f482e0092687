package offboarding

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/internal/bridge"
	"github.com/m365kit/backuprestore/models"
)

// gate reads the tenant's service status. A status other than enabled
// stops the run; a status that cannot be read is reported and the run
// goes on (RemoveUnits reads it again, and the service refuses a locked
// tenant's PATCH).
func (st *state) gate(ctx context.Context) error {
	s, err := st.r.c.ServiceStatus(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		st.out.ServiceErr = err
		return nil
	}
	st.out.Service = s
	if s.Status == models.ServiceEnabled {
		return nil
	}
	lock := fmt.Errorf("offboarding: the tenant's service status is %q, which does not allow units to be removed from policies: %w",
		s.Status, backuprestore.ErrServiceLocked)
	for _, u := range st.open() {
		u.set(StageRead, OutcomeSkipped, ReasonServiceLocked, string(s.Status), lock)
	}
	return lock
}

// unitName is what a person calls a unit: a site's name or URL, a
// person's display name or address.
func unitName(u *models.ProtectionUnit) string {
	for _, n := range []string{u.SiteName, u.SiteWebURL, u.DisplayName, u.Email} {
		if n != "" {
			return n
		}
	}
	return ""
}

// policyNames lists the tenant's policies' display names by ID; a listing
// that fails gives the names read so far (names are for people, not for
// deciding anything).
func (st *state) policyNames(ctx context.Context) map[string]string {
	names := map[string]string{}
	for p, err := range st.r.c.ProtectionPolicies().All(ctx, nil) {
		if err != nil {
			break
		}
		names[p.ID] = p.DisplayName
	}
	return names
}

// read reads units and plans each one's next stage. A unit with a write in
// doubt that the read settles has that write's outcome journaled.
func (st *state) read(ctx context.Context, units []*unit) error {
	for _, u := range units {
		u.next = StageRead // until the read plans it
	}
	st.enter(StageRead, units)
	if len(units) == 0 {
		return nil
	}
	ids := make([]string, len(units))
	for i, u := range units {
		ids[i] = u.res.ID
	}
	reads := bridge.ReadUnits(ctx, st.r.c, ids, &st.r.opts.bulk)
	names := st.policyNames(ctx)
	var entries []Entry
	for i, u := range units {
		rd := reads[i]
		if rd.Err != nil {
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			if errors.Is(rd.Err, backuprestore.ErrNotFound) || errors.Is(rd.Err, backuprestore.ErrInvalidProtectionUnitID) {
				u.next = 0
				u.set(StageRead, OutcomeFailed, ReasonNone, "", rd.Err)
				entries = append(entries, st.closeIntents(u)...)
				entries = append(entries, st.entry(u, StageRead, false))
				continue
			}
			u.next = 0
			if u.intents.any() {
				st.markInDoubt(u) // still in doubt: nothing settled it
				continue
			}
			u.set(StageRead, OutcomePending, ReasonUnreadable, "", rd.Err)
			continue
		}
		// Read again: whatever the journal said (pending, unknown), the
		// unit is planned afresh from what it is now.
		u.res.Unit, u.res.Kind, u.res.Err = rd.Unit, rd.Unit.Kind(), nil
		if n := unitName(rd.Unit); n != "" {
			u.res.Name = n
		}
		u.res.Outcome, u.res.Reason, u.res.Detail = OutcomePending, ReasonNone, ""
		if u.prior == nil {
			u.res.PolicyID = rd.Unit.PolicyID
			u.res.PolicyName = names[rd.Unit.PolicyID]
			// Only what the evidence rule and the planner read of it: a
			// whole unit per unit would double the run's memory.
			u.prior = &models.ProtectionUnit{ID: rd.Unit.ID, Status: rd.Unit.Status, PolicyID: rd.Unit.PolicyID}
			entries = append(entries, st.entry(u, StageRead, false))
		}
		o, stage, reason, detail := st.plan(u, rd)
		if o == OutcomePending {
			u.next, u.res.Stage, u.res.Reason, u.res.Detail = stage, StageRead, reason, detail
			entries = append(entries, st.closeIntents(u)...)
			continue
		}
		u.next = 0
		u.set(stage, o, reason, detail, u.res.Err)
		if o != OutcomeUnknown {
			entries = append(entries, st.closeIntents(u)...)
		}
		entries = append(entries, st.entry(u, stage, false))
	}
	if err := st.record(ctx, entries...); err != nil {
		return err
	}
	st.progress()
	return nil
}

// closeIntents returns the entries that record the outcome of u's writes in
// doubt, which a read has just settled (applied or not, the unit is
// planned from what it is now), and forgets them.
func (st *state) closeIntents(u *unit) []Entry {
	var out []Entry
	for s := range u.intents.stages() {
		e := st.entry(u, s, false)
		if !u.res.Outcome.Final() {
			e.Outcome, e.Reason, e.Detail, e.Err = OutcomePending, ReasonNone, "", nil
		}
		out = append(out, e)
		u.intents.clear(s)
	}
	return out
}

// plan decides, from a unit as read, where it goes: a final outcome
// (Already, Skipped, Done for a write in doubt the read shows applied), or
// OutcomePending with the next stage.
func (st *state) plan(u *unit, rd bridge.UnitRead) (Outcome, Stage, Reason, string) {
	if st.info.Action == ActionCancelOffboard {
		return st.planCancel(u, rd)
	}
	got := rd.Unit
	prior := u.prior
	switch got.Status {
	case models.StatusOffboardRequested, models.StatusOffboarded:
		wasNot := prior != nil && prior.Status != models.StatusOffboardRequested && prior.Status != models.StatusOffboarded
		switch {
		case u.applied[StageOffboard.index()]:
			return OutcomeDone, StageOffboard, ReasonNone, ""
		case wasNot && st.ours(u, StageOffboard, rd) == bridge.Applied:
			u.applied[StageOffboard.index()] = true
			return OutcomeDone, StageOffboard, ReasonReadBack, ""
		}
		return OutcomeAlready, StageOffboard, ReasonAlreadyOffboarding, string(got.Status)
	case models.StatusCancelOffboardRequested:
		return OutcomeSkipped, StageRead, ReasonCancelRequested, ""
	}
	// What needs no kind first: only the removal's PATCH goes to a
	// workload's policy collection.
	switch {
	case got.CanOffboard():
		return OutcomePending, StageOffboard, ReasonNone, ""
	case got.Status == models.StatusRemoveRequested:
		return OutcomePending, StageWaitRemoved, ReasonNone, ""
	case got.PolicyID == "":
		return OutcomeSkipped, StageRead, ReasonNotUnprotected, string(got.Status)
	case got.ProtectionSources.Has(models.SourceDynamicRule):
		switch {
		case u.applied[StageRuleChange.index()]:
			return OutcomeSkipped, StageRead, ReasonStillRuleProtected, ""
		case st.r.opts.ViaRules:
			return OutcomePending, StageRuleChange, ReasonViaRule, ""
		}
		return OutcomeSkipped, StageRead, ReasonDynamicRule, ""
	}
	switch got.Status {
	case models.StatusProtected, models.StatusProtectRequested, models.StatusUnprotectRequested, models.StatusUnprotected:
		if got.Kind() == models.KindUnknown {
			return OutcomeSkipped, StageRead, ReasonUnknownKind, ""
		}
		return OutcomePending, StageRemove, ReasonNone, ""
	}
	return OutcomeSkipped, StageRead, ReasonUnknownState, strconv.Quote(string(got.Status))
}

// ours judges, with the evidence rule of the actions, whether a write of
// stage that this run journaled as in doubt shows applied in the unit as
// read: its mark no earlier than the intent (on the service's clock, from
// the read's Date header), by the caller.
func (st *state) ours(u *unit, stage Stage, rd bridge.UnitRead) bridge.Verdict {
	at, inDoubt := u.intents.get(stage)
	if !inDoubt {
		return bridge.NotApplied
	}
	action := string(ActionOffboard)
	if stage == StageCancel {
		action = string(ActionCancelOffboard)
	}
	return bridge.Judge(st.r.c, action, rd.Unit, at, rd.Date, rd.Recv)
}

func (st *state) planCancel(u *unit, rd bridge.UnitRead) (Outcome, Stage, Reason, string) {
	got := rd.Unit
	wasOffboarding := u.prior != nil && u.prior.Status == models.StatusOffboardRequested
	v := bridge.NotApplied
	if u.applied[StageCancel.index()] {
		v = bridge.Applied
	} else if wasOffboarding {
		v = st.ours(u, StageCancel, rd)
	}
	ours := v == bridge.Applied
	if ours {
		u.applied[StageCancel.index()] = true
	}
	wait := st.r.opts.WaitCancelled
	switch got.Status {
	case models.StatusOffboardRequested:
		return OutcomePending, StageCancel, ReasonNone, ""
	case models.StatusCancelOffboardRequested:
		switch {
		case ours && wait:
			return OutcomePending, StageWaitCancelled, ReasonCancellationRequested, ""
		case ours:
			return OutcomeDone, StageCancel, ReasonReadBack, ""
		case wait:
			return OutcomePending, StageWaitCancelled, ReasonCancelAlreadyRequested, ""
		}
		return OutcomeAlready, StageCancel, ReasonCancelAlreadyRequested, ""
	case models.StatusUnprotected:
		switch {
		case ours:
			return OutcomeDone, StageWaitCancelled, ReasonCancelCompleted, ""
		case v == bridge.CannotTell:
			u.res.Err = fmt.Errorf("offboarding: cancelOffboard %q: its cancellation completed, and this run's cancel, whose answer was lost, may be what did it: %w",
				u.res.ID, backuprestore.ErrOutcomeUnknown)
			return OutcomeUnknown, StageCancel, ReasonCancelCompletedPerhapsOurs, ""
		case !got.OffboardRequestedDateTime.IsZero():
			return OutcomeAlready, StageWaitCancelled, ReasonAlreadyCancelled, ""
		}
		return OutcomeSkipped, StageRead, ReasonNotOffboarding, string(got.Status)
	case models.StatusOffboarded:
		return OutcomeSkipped, StageRead, ReasonTooLateToCancel, ""
	}
	return OutcomeSkipped, StageRead, ReasonNotOffboarding, string(got.Status)
}
