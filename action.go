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

// post sends the action and settles its outcome truthfully:
//
//   - A 2xx with the unit is the success. Throttled (429) and unavailable
//     (503) answers, and failures before the request was written, are
//     retried by the pipeline; the service did not act on them.
//   - Nothing reached the wire: the error matches ErrNotSent.
//   - The service answered (a 403, a 404, …): that answer is the result.
//   - The answer was lost after the request was written (a reset, a stall,
//     a timeout, a 408/500/502/504 from a gateway, or a 2xx whose body was
//     unusable): the unit is read back. Evidence that this call applied the
//     action (see unitAction.judge) is the success. Without it the action
//     was not applied by this call, so it is sent again (an action cannot
//     apply twice: the resend earns the service's own answer), up to
//     RetryOptions.MaxRetries times.
//   - A 403 OperationNotAllowed after an attempt that may have been acted
//     on could be this call's own late success: the unit is read back once
//     more; evidence is the success, otherwise the 403 stands.
//   - A read-back that answers 404 is the result (the unit does not
//     exist); one that fails, or the context ending while the request was
//     on the wire, leaves the outcome unknown: ErrOutcomeUnknown, wrapping
//     the failures and the service's last answer.
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
	var undecided bool // a read-back could not tell (see verdict cannotTell)
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
		ev.note(k.log) // earlier attempts, this call's pipeline retries included
		if err == nil {
			return finish(unit, nil)
		}
		state, _ := wireStateOf(err)
		var answer *Error // the service's answer, when it gave one
		switch state {
		case middleware.NotSent:
			if ev.any() || undecided {
				return finish(nil, wrapErr(op, ErrOutcomeUnknown, err))
			}
			return finish(nil, err)
		case middleware.Answered:
			answer, _ = asError(err)
			switch {
			case answer.unexpected && answer.StatusCode >= 200 && answer.StatusCode <= 299:
				ev.acked = true // applied; only the unit is missing
			case errors.Is(answer, ErrOperationNotAllowed) && ev.any():
				// may be this call's own late success: read back below
			case maybeActedStatus(answer.StatusCode):
				// a gateway's failure after the service may have acted
			default:
				if undecided {
					return finish(nil, wrapErr(op, ErrOutcomeUnknown, answer))
				}
				return finish(nil, answer)
			}
		default: // written, no usable answer
			if ctx.Err() != nil {
				return finish(nil, wrapErr(op, ErrOutcomeUnknown, context.Cause(ctx), err))
			}
		}
		got, info, readErr := b.item.readBackPatiently(inner, &attempts)
		if info.meta.StatusCode != 0 {
			meta = info.meta
		}
		meta.Reconciled = true
		if readErr != nil {
			if ev.acked {
				// The service's 2xx settled it: applied. Only the unit is
				// missing; say that, not "unknown".
				return finish(nil, wrapErr(op+": the service answered 2xx (applied) but the unit could not be read back", ErrUnexpectedResponse, err, readErr))
			}
			if errors.Is(readErr, ErrNotFound) {
				return finish(nil, readErr) // the service's answer: no such unit
			}
			return finish(nil, wrapErr(op, ErrOutcomeUnknown, err, readErr))
		}
		switch act.judge(got, ev, info.date, info.recv) {
		case applied:
			return finish(got, nil)
		case cannotTell:
			undecided = true
		}
		if answer != nil && errors.Is(answer, ErrOperationNotAllowed) {
			// The read-back refutes a late success of an earlier attempt.
			if undecided {
				return finish(nil, wrapErr(op, ErrOutcomeUnknown, answer))
			}
			meta = k.meta
			return finish(nil, answer)
		}
		if resend >= c.retry.MaxRetries {
			return finish(nil, wrapErr(op, ErrOutcomeUnknown, err))
		}
		// Not applied by this call: sending it again cannot apply it twice.
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
