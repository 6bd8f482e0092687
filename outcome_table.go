package backuprestore

import (
	"net/http"

	"github.com/m365kit/backuprestore/internal/middleware"
)

// This file is the one decision table every write consults: the single
// action (action.go), the $batch scheduler (bulkrun.go) and the policy
// PATCH (policychange.go). Given what happened to one attempt, it says what
// to do next; given what a read-back found, it says what the outcome is.
// The drivers only gather the facts and carry the decision out, so they
// agree on every case (outcome_table_test.go lists each one).

// attemptFacts is what happened to one attempt of a write.
type attemptFacts struct {
	// wire: Answered (a status came back), NotSent (no byte of the request
	// was written), or MaybeSent (written, no usable answer; SendUnknown is
	// read the same way).
	wire middleware.SendState
	// permanent (NotSent): no resend can do better (a credential that
	// fails, an unknown host, a certificate that does not verify, the
	// guard's refusals, a journal that cannot record).
	permanent bool
	// status (Answered) is the answer's status: the item's own in a
	// $batch, the whole response's otherwise.
	status int
	// usable (Answered 2xx): the body gave the result.
	usable bool
	// itemized: the request carries several changes that a 2xx may still
	// refuse one by one (the policy PATCH), so a 2xx whose body is unusable
	// does not prove each change.
	itemized bool
	// ctxEnded: the caller's context has ended.
	ctxEnded bool
	// inDoubt: an earlier attempt of this call may have been acted on
	// (attemptEvidence.any); this attempt is not counted.
	inDoubt bool
	// triesLeft: the driver may send the write again (for the single
	// action the pipeline has already spent its retries, so never).
	triesLeft bool
}

// disposition is what a driver does next with a write.
type disposition int

const (
	// dispSuccess: applied; the answer's body is the result.
	dispSuccess disposition = iota + 1
	// dispSuccessRead: applied (the service answered 2xx), but the body is
	// unusable: read the unit for the result; if that read fails, the
	// outcome is still success, without the unit.
	dispSuccessRead
	// dispReadBack: the service may have acted on it, or the answer may
	// refute a late success of an earlier attempt: read the unit back and
	// settle with settleRead.
	dispReadBack
	// dispRetry: send again, after the answer's Retry-After or a backoff;
	// the service did not act on it (or, for a 503, may have: the resend
	// cannot apply twice, and its answer is read with inDoubt set).
	dispRetry
	// dispAnswer: the service's answer is the result (for settleRead, the
	// read-back's own answer: no such unit).
	dispAnswer
	// dispNotSent: no attempt of the call reached the service (ErrNotSent).
	dispNotSent
	// dispUnknown: an attempt may have been acted on and nothing settled it
	// (ErrOutcomeUnknown).
	dispUnknown
	// dispAlready: a read-back shows the unit in the state asked for, but
	// not by this call (ErrAlreadyInState; the policy PATCH only).
	dispAlready
)

var dispNames = map[disposition]string{
	dispSuccess: "success", dispSuccessRead: "successRead", dispReadBack: "readBack", dispRetry: "retry",
	dispAnswer: "answer", dispNotSent: "notSent", dispUnknown: "unknown", dispAlready: "already",
}

func (d disposition) String() string { return dispNames[d] }

// decision is decide's answer.
type decision struct {
	disp disposition
	// maybeActed: this attempt may have been acted on; the driver adds it
	// to the call's evidence (attemptEvidence.maybeActed) before going on.
	maybeActed bool
	// stopAll: no attempt of this call (nor, in bulk, of any item) can do
	// better now: stop sending.
	stopAll bool
}

// decide is the table's first half: what one attempt's facts call for.
//
//   - Not sent: send again while tries are left and the failure is not
//     permanent and the context lives; otherwise the call ends not sent,
//     or unknown when an earlier attempt may have been acted on.
//   - Written without a usable answer (a reset, a stall, a cut response):
//     read back; once the context has ended, unknown.
//   - 2xx with its body: success. 2xx without it: applied, read the unit
//     for the result, except for an itemized request, which is read back.
//   - 429 and 424 (a $batch item whose dependency failed): the service did
//     not act: retry while tries are left; then the answer stands, or, when
//     an earlier attempt is in doubt, read back; when the caller's context
//     ended first, not sent.
//   - 503: may have been acted on behind a gateway: retry while tries are
//     left, then read back.
//   - 408 and other 5xx: may have been acted on: read back.
//   - Any other answer (a 4xx): the service's own refusal of a request it
//     did not act on; when an earlier attempt is in doubt (a 403
//     OperationNotAllowed that may be that attempt's late success), read
//     back first: the read decides between the late success and the answer.
func decide(f attemptFacts) decision {
	switch f.wire {
	case middleware.NotSent:
		if f.permanent || f.ctxEnded || !f.triesLeft {
			if f.inDoubt {
				return decision{disp: dispUnknown, stopAll: f.permanent}
			}
			return decision{disp: dispNotSent, stopAll: f.permanent}
		}
		return decision{disp: dispRetry}
	case middleware.Answered:
	default: // MaybeSent, SendUnknown
		if f.ctxEnded {
			return decision{disp: dispUnknown, maybeActed: true}
		}
		return decision{disp: dispReadBack, maybeActed: true}
	}
	s := f.status
	switch {
	case s >= 200 && s <= 299:
		switch {
		case f.usable:
			return decision{disp: dispSuccess}
		case f.itemized:
			return decision{disp: dispReadBack, maybeActed: true}
		}
		return decision{disp: dispSuccessRead}
	case s == http.StatusTooManyRequests || s == http.StatusFailedDependency:
		switch {
		case f.triesLeft && !f.ctxEnded:
			return decision{disp: dispRetry}
		case f.inDoubt:
			return decision{disp: dispReadBack}
		case f.ctxEnded:
			// The caller stopped before the write could be sent again: it
			// was not applied, and is not the service's refusal either.
			return decision{disp: dispNotSent}
		}
		return decision{disp: dispAnswer}
	case s == http.StatusServiceUnavailable:
		if f.triesLeft && !f.ctxEnded {
			return decision{disp: dispRetry, maybeActed: true}
		}
		return decision{disp: dispReadBack, maybeActed: true}
	case maybeActedStatus(s):
		return decision{disp: dispReadBack, maybeActed: true}
	case f.inDoubt:
		return decision{disp: dispReadBack}
	}
	return decision{disp: dispAnswer}
}

// readState is how a read-back went.
type readState int

const (
	// readOK: the unit was read (for adds, the policy's units were listed).
	readOK readState = iota + 1
	// readNotFound: the service answered that there is no such unit.
	readNotFound
	// readFailed: no read gave an answer that settles anything.
	readFailed
)

// readFacts is what a read-back found, with what the call knew before it.
type readFacts struct {
	read readState
	// verdict (readOK) is the evidence rule's judgement of the unit read.
	verdict verdict
	// acked: the service answered 2xx to an attempt whose body was
	// unusable (not itemized): applied, whatever the read shows.
	acked bool
	// answer: a definitive answer of the service waits on this read (a
	// 4xx after an attempt in doubt, see decide).
	answer bool
	// triesLeft: the driver may send the write again.
	triesLeft bool
}

// settleRead is the table's second half: what a read-back settles.
//
//   - The service answered 2xx before: success, with the unit when the
//     read gave it.
//   - The read failed: unknown. No such unit: that answer is the result.
//   - Evidence that this call applied it: success. The state asked for
//     but not by this call: already. Consistent with this call but without
//     its mark: unknown (a resend could not tell either: the unit has moved
//     on).
//   - Not applied: a waiting answer stands (it refuted a late success);
//     otherwise send again while tries are left (a write cannot apply
//     twice: the resend earns the service's own answer), else unknown.
func settleRead(r readFacts) disposition {
	if r.acked {
		return dispSuccess
	}
	switch r.read {
	case readFailed:
		return dispUnknown
	case readNotFound:
		return dispAnswer
	}
	switch r.verdict {
	case applied:
		return dispSuccess
	case alreadySo:
		return dispAlready
	case cannotTell:
		return dispUnknown
	}
	switch {
	case r.answer:
		return dispAnswer
	case r.triesLeft:
		return dispRetry
	}
	return dispUnknown
}
