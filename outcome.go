package backuprestore

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/m365kit/backuprestore/internal/errs"
	"github.com/m365kit/backuprestore/internal/middleware"
	"github.com/m365kit/backuprestore/models"
)

// This file holds the rules that keep every reported outcome true: what a
// failed call's error says about whether its request reached the wire, and
// what a unit read back after a lost answer proves about an action.

// wireStateOf tells what a failed call's error says about its request:
// Answered (a *Error: the service, or something in front of it, answered),
// NotSent (nothing reached the wire: the service cannot have acted), or
// MaybeSent (request bytes were written and no usable answer came back, or
// nothing is known, which must be read the same way). permanent marks a
// not-sent failure that a resend cannot fix (a refused credential, an
// unknown host, the guard's refusals).
func wireStateOf(err error) (state middleware.SendState, permanent bool) {
	if _, ok := asError(err); ok {
		return middleware.Answered, false
	}
	if refusedBeforeSending(err) {
		return middleware.NotSent, true
	}
	var se *middleware.SendError
	if errors.As(err, &se) {
		if se.State == middleware.SendUnknown {
			return middleware.MaybeSent, false
		}
		return se.State, se.Permanent
	}
	if errors.Is(err, ErrNotSent) {
		return middleware.NotSent, false
	}
	if st, perm := middleware.Classify(err); st == middleware.NotSent {
		return st, perm
	}
	return middleware.MaybeSent, false
}

// refusedBeforeSending reports whether err is one of the client's own
// refusals, raised before anything went on the wire, or a credential that
// could not produce a token.
func refusedBeforeSending(err error) bool {
	for _, e := range []error{ErrInvalidProtectionUnitID, ErrDelegatedAuthRequired, ErrForeignHost, errs.NoToken, ErrCredential} {
		if errors.Is(err, e) {
			return true
		}
	}
	var rh errRefusedByHook
	return errors.As(err, &rh) // a workflow's journal failed: nothing more goes out
}

// unitAction describes one bound action (offboard, cancelOffboard) for
// single calls, bulk and reconciliation.
type unitAction struct {
	name string
	// targets are the states the action leads to: its own state first,
	// then the one the service moves the unit to on its own afterwards.
	targets []models.ProtectionUnitStatus
}

var (
	offboardAction       = unitAction{"offboard", []models.ProtectionUnitStatus{models.StatusOffboardRequested, models.StatusOffboarded}}
	cancelOffboardAction = unitAction{"cancelOffboard", []models.ProtectionUnitStatus{models.StatusCancelOffboardRequested, models.StatusUnprotected}}
)

// actionNamed returns the action called name.
func actionNamed(name string) unitAction {
	if name == cancelOffboardAction.name {
		return cancelOffboardAction
	}
	return offboardAction
}

// evidenceSlack allows for the service stamping a unit with a clock a
// little behind the one behind its Date header.
const evidenceSlack = time.Second

// attemptEvidence is what a call knows about its attempts that may have
// been acted on although their answer was lost.
type attemptEvidence struct {
	// firstSent is the local time the first such attempt was handed to
	// the transport; zero when there was none.
	firstSent time.Time
	// acked: the service answered 2xx to one of them (its body was
	// unusable): the action was applied, only the unit is missing.
	acked bool
	// subject is the oid of the caller's token, "" when unknown.
	subject string
}

// any reports whether an attempt may have been acted on.
func (ev *attemptEvidence) any() bool { return !ev.firstSent.IsZero() || ev.acked }

// maybeActed records an attempt sent at t that may have been acted on.
func (ev *attemptEvidence) maybeActed(t time.Time) {
	if ev.firstSent.IsZero() || t.Before(ev.firstSent) {
		ev.firstSent = t
	}
}

// note reads a call's attempts before its last one: every one written to
// the wire without a usable answer, and every one answered with a status
// after which a gateway may have let the request through (408, 5xx), may
// have been acted on. The last attempt is the one the outcome table
// decides on (decide's maybeActed); it returns that attempt's start, or
// now when the log has none.
func (ev *attemptEvidence) note(log *middleware.AttemptLog) (lastStart time.Time) {
	if s := log.Subject(); s != "" {
		ev.subject = s
	}
	all := log.Attempts()
	if len(all) == 0 {
		return time.Now()
	}
	for _, a := range all[:len(all)-1] {
		ev.noteAttempt(a)
	}
	return all[len(all)-1].Start
}

func (ev *attemptEvidence) noteAttempt(a middleware.Attempt) {
	switch {
	case a.State == middleware.MaybeSent || a.State == middleware.SendUnknown:
		ev.maybeActed(a.Start)
	case a.State == middleware.Answered && maybeActedStatus(a.Status):
		ev.maybeActed(a.Start)
	}
}

// maybeActedStatus reports whether a response with this status leaves open
// that the service acted on the request: a timeout or a 5xx can come from a
// gateway after the service applied it.
func maybeActedStatus(s int) bool {
	return s == http.StatusRequestTimeout || s >= 500
}

// verdict is what a unit read back says about an action whose answer was lost.
type verdict int

const (
	// notApplied: no evidence that this call changed the unit.
	notApplied verdict = iota
	// applied: the unit shows this call's action (see judge).
	applied
	// cannotTell: the unit is consistent with this call's action but
	// carries no mark that proves it (a cancellation the service has
	// already completed).
	cannotTell
	// alreadySo: the unit is in the state the change asks for, but not by
	// this call (the policy PATCH's read-backs).
	alreadySo
)

// judge decides whether u, read back at readRecv (local clock) with the
// read's Date header readDate (the service's clock; zero if absent), shows
// that this call applied the action. It takes evidence, not the state
// alone: a unit already in the target state before the call proves
// nothing. The rule:
//
//   - The unit is in one of the action's target states.
//   - Its mark of the action is not earlier than the first attempt that may
//     have been acted on, on the service's clock: offboardRequestedDateTime
//     for offboard (kept when the unit later becomes offboarded),
//     lastModifiedDateTime for cancelOffboard. The service's clock is
//     estimated from the read's Date header: the attempt went out at least
//     (readRecv − firstSent) before the service wrote that Date, and Date is
//     truncated to the second, so the estimate errs early; evidenceSlack
//     allows for the service's own clocks differing a little.
//   - When both are known, lastModifiedBy's user is the caller (the oid of
//     the caller's token): a change by someone else is not ours.
//
// A 2xx answer to an attempt (acked) is evidence in itself, whatever the
// unit's state now. A cancellation
// the service already completed (unprotected) has no mark of its own: a
// recent lastModifiedDateTime on a unit that was offboarding is consistent
// with this call but does not prove it (cannotTell).
func (a unitAction) judge(u *models.ProtectionUnit, ev attemptEvidence, readDate, readRecv time.Time) verdict {
	if ev.acked {
		// The service answered 2xx: applied, whatever has happened to the
		// unit since (another admin may have undone it).
		return applied
	}
	if u == nil || !slices.Contains(a.targets, u.Status) {
		return notApplied
	}
	if ev.firstSent.IsZero() {
		return notApplied
	}
	threshold := ev.firstSent
	if !readDate.IsZero() && !readRecv.IsZero() {
		threshold = threshold.Add(readDate.Sub(readRecv))
	}
	threshold = threshold.Add(-evidenceSlack)
	if mb := u.LastModifiedBy; ev.subject != "" && mb != nil && mb.User != nil && mb.User.ID != "" &&
		!strings.EqualFold(mb.User.ID, ev.subject) && u.Status == a.targets[0] {
		return notApplied // someone else made the change
	}
	var mark time.Time
	switch {
	case a.name == offboardAction.name:
		mark = u.OffboardRequestedDateTime
	case u.Status == models.StatusCancelOffboardRequested:
		mark = u.LastModifiedDateTime
	default: // unprotected after a cancellation: no mark of its own
		if !u.OffboardRequestedDateTime.IsZero() && !u.LastModifiedDateTime.Before(threshold) {
			return cannotTell
		}
		return notApplied
	}
	if mark.IsZero() || mark.Before(threshold) {
		return notApplied
	}
	return applied
}
