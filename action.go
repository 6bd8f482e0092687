package backuprestore

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"

	"github.com/m365kit/backuprestore/internal/middleware"
	"github.com/m365kit/backuprestore/models"
)

// actionBuilder is the shared implementation of the two bound actions.
type actionBuilder struct {
	item     *ProtectionUnitItemRequestBuilder
	action   string
	template string
}

func (b *actionBuilder) toRequest(ctx context.Context, cfg *RequestConfiguration) (*abs.RequestInformation, *url.URL, error) {
	ri, u, err := b.item.request(ctx, abs.POST, b.template, "/"+b.action, cfg)
	if err != nil {
		return nil, nil, err
	}
	// The service accepts these only with a delegated token; the guard
	// middleware refuses an app-only one before sending.
	ri.AddRequestOptions([]abs.RequestOption{&middleware.DelegatedOnly{Operation: b.action, Permission: permissionReadWrite}})
	return ri, u, nil
}

// post sends the action and settles its outcome truthfully, by the
// outcome table (outcome_table.go: decide, then settleRead after a
// read-back):
//
//   - A 2xx with the unit is the success. Throttled (429) and unavailable
//     (503) answers, and failures before the request was written, are
//     retried by the pipeline.
//   - Nothing reached the wire: the error matches ErrNotSent.
//   - The service answered (a 403, a 404, …): that answer is the result.
//   - The answer was lost after the request was written (a reset, a stall,
//     a timeout, a 408 or 5xx from a gateway): the unit is read back.
//     Evidence that this call applied the action (see unitAction.judge) is
//     the success. Without it the action was not applied by this call, so
//     it is sent again (an action cannot apply twice: the resend earns the
//     service's own answer), up to RetryOptions.MaxRetries times.
//   - A 2xx whose body is unusable: applied. The unit is read back for the
//     result; when that read fails too, Post returns a nil unit and a nil
//     error (the action was applied; the unit could not be had).
//   - A 4xx after an attempt that may have been acted on (a 403
//     OperationNotAllowed can be this call's own late success) is read
//     back first: evidence is the success, otherwise the answer stands.
//   - A read-back that answers 404 is the result (the unit does not
//     exist); one that fails, a unit consistent with this call's action
//     but without its mark, or the context ending while the request was on
//     the wire, leaves the outcome unknown: ErrOutcomeUnknown, wrapping the
//     failures and the service's last answer.
func (b *actionBuilder) post(ctx context.Context, cfg *RequestConfiguration) (*models.ProtectionUnit, error) {
	act := actionNamed(b.action)
	c := b.item.c
	op := b.action + " protection unit " + b.item.id
	capture := capturedResponse(ctx)
	inner := withoutCapture(ctx)
	var meta Response
	attempts := 0
	finish := func(u *models.ProtectionUnit, err error) (*models.ProtectionUnit, error) {
		if capture != nil {
			*capture = meta
			capture.Attempts = attempts
		}
		return u, err
	}
	ri, u, err := b.toRequest(ctx, cfg)
	if err != nil {
		return finish(nil, err)
	}
	if err := ctx.Err(); err != nil {
		return finish(nil, wrapErr(op, ErrNotSent, context.Cause(ctx)))
	}
	var ev attemptEvidence
	for resend := 0; ; resend++ {
		if resend > 0 {
			if ri, u, err = b.toRequest(ctx, cfg); err != nil {
				return finish(nil, err)
			}
		}
		k := newUnitCall(c, op)
		k.log = &middleware.AttemptLog{}
		unit, err := k.send(inner, withURI(ri, u))
		attempts += k.log.Len()
		meta = k.meta
		lastStart := ev.note(k.log) // the pipeline's own retries are earlier attempts
		if err == nil {
			return finish(unit, nil)
		}
		facts := attemptFacts{ctxEnded: ctx.Err() != nil, inDoubt: ev.any()}
		facts.wire, facts.permanent = wireStateOf(err)
		answer, _ := asError(err)
		if facts.wire == middleware.Answered {
			facts.status = answer.StatusCode
		}
		d := decide(facts)
		if d.maybeActed {
			ev.maybeActed(lastStart)
		}
		var waiting *Error // a definitive answer the read-back decides on
		switch d.disp {
		case dispAnswer:
			return finish(nil, err)
		case dispNotSent:
			if !errors.Is(err, ErrNotSent) {
				err = wrapErr(op, ErrNotSent, context.Cause(ctx), err)
			}
			return finish(nil, err)
		case dispUnknown:
			return finish(nil, wrapErr(op, ErrOutcomeUnknown, context.Cause(ctx), err))
		case dispSuccessRead:
			ev.acked = true
		case dispReadBack:
			if answer != nil && !d.maybeActed {
				waiting = answer
			}
		}
		got, info, readErr := b.item.readBackPatiently(inner, &attempts)
		if info.meta.StatusCode != 0 {
			meta = info.meta
		}
		meta.Reconciled = true
		rf := readFacts{read: readOK, acked: ev.acked, answer: waiting != nil, triesLeft: resend < c.retry.MaxRetries}
		switch {
		case readErr == nil:
			rf.verdict = act.judge(got, ev, info.date, info.recv)
		case errors.Is(readErr, ErrNotFound):
			rf.read = readNotFound
		default:
			rf.read = readFailed
		}
		switch settleRead(rf) {
		case dispSuccess:
			if readErr != nil {
				return finish(nil, nil) // applied (2xx); the unit could not be read
			}
			return finish(got, nil)
		case dispAnswer:
			if waiting != nil && readErr == nil {
				meta = k.meta
				return finish(nil, waiting) // the read-back refutes a late success
			}
			return finish(nil, readErr) // the service's answer: no such unit
		case dispUnknown:
			if readErr == nil && rf.verdict == cannotTell {
				return finish(nil, wrapErr(op+": the unit is "+string(got.Status)+", consistent with this call's action, but carries no mark that proves it", ErrOutcomeUnknown, err))
			}
			return finish(nil, wrapErr(op, ErrOutcomeUnknown, err, readErr))
		}
		// dispRetry: not applied by this call; sending it again cannot
		// apply it twice.
	}
}

// readInfo is what a read-back learned besides the unit.
type readInfo struct {
	meta     Response
	attempts int
	// date is the Date header of the response that carried the unit (the
	// service's clock), recv when its headers arrived (local clock).
	date, recv time.Time
}

// readBack reads the unit, recording when the answer arrived and what the
// service's clock said, for judging evidence.
func (b *ProtectionUnitItemRequestBuilder) readBack(ctx context.Context) (*models.ProtectionUnit, readInfo, error) {
	ri, u, err := b.request(ctx, abs.GET, templateItem, "", nil)
	if err != nil {
		return nil, readInfo{}, err
	}
	k := newUnitCall(b.c, "read back protection unit "+b.id)
	k.log = &middleware.AttemptLog{}
	unit, err := k.send(ctx, withURI(ri, u))
	info := readInfo{meta: k.meta, attempts: k.log.Len()}
	info.date, info.recv = serviceClock(k.log)
	return unit, info, err
}

// readBackPatiently reads the unit back up to RetryOptions.MaxRetries+1
// times (each read with the pipeline's own retries), with backoff between
// reads, until one answers: an outcome in doubt is worth more patience than
// a plain read. It stops at the service's answer (a unit, a 404, another
// error status) or when ctx ends. attempts is incremented by every HTTP
// request sent.
func (b *ProtectionUnitItemRequestBuilder) readBackPatiently(ctx context.Context, attempts *int) (*models.ProtectionUnit, readInfo, error) {
	for read := 1; ; read++ {
		got, info, err := b.readBack(ctx)
		*attempts += info.attempts
		if err == nil || read > b.c.retry.MaxRetries || ctx.Err() != nil {
			return got, info, err
		}
		if _, answered := asError(err); answered {
			if _, cut := errors.AsType[*cutRead](err); !cut {
				return got, info, err
			}
		}
		if !sleepCtx(ctx, b.c.retry.backoff(read)) {
			return got, info, err
		}
	}
}

// serviceClock returns the Date header of the last answered attempt and
// when its headers arrived, or zero times.
func serviceClock(log *middleware.AttemptLog) (date, recv time.Time) {
	all := log.Attempts()
	for i := len(all) - 1; i >= 0; i-- {
		a := all[i]
		if a.State != middleware.Answered || a.Header == nil {
			continue
		}
		if d, err := http.ParseTime(a.Header.Get("Date")); err == nil {
			return d.UTC(), a.End
		}
		return time.Time{}, a.End
	}
	return time.Time{}, time.Time{}
}
