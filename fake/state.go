package fake

import (
	"container/heap"
	"time"

	"github.com/m365kit/backuprestore/models"
)

// The service's literal 403 messages for the two actions.
const (
	msgOffboardNotAllowed = "Can't process this request as it is not in valid state."
	msgCancelNotAllowed   = "Offboarding cannot be cancelled as it is not in a valid state."
)

// armLocked arms the timer matching e's current status, if any.
func (st *store) armLocked(e *entry) {
	switch e.u.Status {
	case models.StatusOffboardRequested:
		at := e.u.OffboardRequestedDateTime
		if at.IsZero() {
			at = e.u.LastModifiedDateTime
		}
		st.pushTimer(timer{at: at.Add(st.opts.GracePeriod), id: e.u.ID, gen: e.gen})
	case models.StatusCancelOffboardRequested:
		st.pushTimer(timer{at: e.u.LastModifiedDateTime.Add(st.opts.CancelDelay), id: e.u.ID, gen: e.gen})
	case models.StatusProtectRequested, models.StatusUnprotectRequested:
		st.pushTimer(timer{at: e.u.LastModifiedDateTime.Add(st.opts.ProtectDelay), id: e.u.ID, gen: e.gen})
	case models.StatusRemoveRequested:
		st.pushTimer(timer{at: e.u.LastModifiedDateTime.Add(st.life.removalDelay), id: e.u.ID, gen: e.gen})
	}
}

// fireTimersLocked applies, in deadline order, every timer due on the
// emulator's clock. Each transition is dated at its deadline, not at the
// moment it is noticed. Stale timers (the unit changed status since) are
// dropped.
func (st *store) fireTimersLocked() {
	if len(st.timers) == 0 {
		return
	}
	now := st.clock.now()
	for len(st.timers) > 0 && !st.timers[0].at.After(now) {
		t := heap.Pop(&st.timers).(timer)
		e, ok := st.units[t.id]
		if !ok || e.gen != t.gen {
			continue
		}
		var to models.ProtectionUnitStatus
		cause, policyID := CauseTimer, e.u.PolicyID
		switch e.u.Status {
		case models.StatusOffboardRequested:
			to = models.StatusOffboarded
		case models.StatusCancelOffboardRequested:
			to = models.StatusUnprotected
		case models.StatusProtectRequested:
			to, cause = models.StatusProtected, CauseProtected
		case models.StatusUnprotectRequested:
			to = models.StatusUnprotected
		case models.StatusRemoveRequested:
			// The removal completes: the unit leaves its policy.
			to, cause = models.StatusUnprotected, CauseRemoved
			e.u.PolicyID, e.u.ProtectionSources = "", "none"
		default:
			continue
		}
		from := e.u.Status
		e.u.Status = to
		e.u.LastModifiedDateTime = t.at
		e.u.LastModifiedBy = serviceIdentity()
		st.transitionLocked(e, from, to, t.at, cause, "", false, policyID)
	}
}

// transitionLocked records a status change of e (whose status is already
// to) concerning policy policyID, bumps its generation and arms the timer
// of the new status.
func (st *store) transitionLocked(e *entry, from, to models.ProtectionUnitStatus, at time.Time, cause Cause, requestID string, inBatch bool, policyID string) {
	e.gen++
	st.byUnit[e.u.ID] = append(st.byUnit[e.u.ID], len(st.transitions))
	st.transitions = append(st.transitions, Transition{
		UnitID: e.u.ID, From: from, To: to, At: at, Cause: cause, RequestID: requestID, InBatch: inBatch, PolicyID: policyID,
	})
	st.armLocked(e)
}

// actionError is an action refused by the state machine.
type actionError struct {
	status  int
	code    string
	message string
}

// applyActionLocked runs offboard or cancelOffboard on the unit with this
// ID on behalf of who, and returns a copy of the updated unit, or the error
// the service answers with.
func (st *store) applyActionLocked(id string, op Route, who IdentitySet, requestID string, inBatch bool) (Unit, *actionError) {
	e, ok := st.units[id]
	if !ok {
		return Unit{}, notFound(id)
	}
	now := st.clock.now()
	from := e.u.Status
	var cause Cause
	switch op {
	case RouteOffboard:
		if !e.u.Offboardable() {
			return Unit{}, &actionError{403, "OperationNotAllowed", msgOffboardNotAllowed}
		}
		e.u.Status = models.StatusOffboardRequested
		e.u.OffboardRequestedDateTime = now
		cause = CauseOffboard
	case RouteCancelOffboard:
		if e.u.Status != models.StatusOffboardRequested {
			return Unit{}, &actionError{403, "OperationNotAllowed", msgCancelNotAllowed}
		}
		e.u.Status = models.StatusCancelOffboardRequested
		cause = CauseCancelOffboard
	default:
		panic("fake: applyAction with route " + op.String())
	}
	e.u.LastModifiedBy = who.clone()
	e.u.LastModifiedDateTime = now
	st.transitionLocked(e, from, e.u.Status, now, cause, requestID, inBatch, e.u.PolicyID)
	return e.u.clone(), nil
}

// notFound is the 404 for an unknown unit ID.
func notFound(id string) *actionError {
	return &actionError{404, codeNotFound, "The protection unit with id '" + id + "' was not found."}
}

// codeNotFound is the error code of a 404 for an unknown unit.
const codeNotFound = "ProtectionUnitNotFound"
