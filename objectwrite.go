package backuprestore

import (
	"context"
	"errors"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/serialization"

	"github.com/m365kit/backuprestore/internal/middleware"
	"github.com/m365kit/backuprestore/models"
)

// This file is the one driver of writes on policies, inclusion rules and
// bulk addition jobs (create, update, activate, deactivate, run,
// deleteAndUnprotect, delete). Like the single action (action.go) it only
// gathers facts and carries out what the outcome table (outcome_table.go)
// decides: decide after each attempt, settleRead after a read-back.
//
// A create differs from an action in one way: sending it again after an
// attempt that may have been acted on could make a second object. So the
// pipeline does not resend a create after a 503 (middleware.CreateOnce),
// and whenever the table would resend after such an attempt, the object is
// looked for first (objectWrite.readBack): found, it is the success; not
// found, the resend is safe.

// objectRead is what a read-back found.
type objectRead[T any] struct {
	obj     T
	state   readState
	verdict verdict
	err     error
	meta    Response
}

// objectWrite is one write on a policy, rule or job.
type objectWrite[T any] struct {
	c  *Client
	op string
	// method and path (below the base URL, percent-encoded) of the write.
	method abs.HttpMethod
	path   string
	// body is the JSON body; nil sends none.
	body []byte
	// decode reads a 2xx body; nil for a write whose success has no body
	// (DELETE's 204).
	decode       func([]byte) (T, error)
	fromParsable func(serialization.Parsable) (T, bool)
	// create marks a write whose resend could make a second object.
	create bool
	// readBack looks for the write's effect after an attempt that may have
	// been acted on. ev says when that attempt went out and who sent it.
	readBack func(ctx context.Context, ev attemptEvidence) objectRead[T]
}

// run sends the write and settles its outcome truthfully:
//
//   - a 2xx with its body (or a 204 where none is expected) is the success;
//   - nothing reached the wire: ErrNotSent;
//   - the service answered (a 4xx): that answer, as *Error;
//   - the answer was lost, or a 5xx or 408 came back: the object is read
//     back; evidence of this call's write is the success; no evidence sends
//     the write again while RetryOptions.MaxRetries allows (it cannot apply
//     twice: a create was looked for and not found; an action earns the
//     service's own answer); otherwise ErrOutcomeUnknown, wrapping every
//     failure.
func (w *objectWrite[T]) run(ctx context.Context) (T, error) {
	var zero T
	capture := capturedResponse(ctx)
	inner := withoutCapture(ctx)
	var meta Response
	attempts := 0
	finish := func(v T, err error) (T, error) {
		if capture != nil {
			*capture = meta
			capture.Attempts = attempts
		}
		return v, err
	}
	base, err := w.c.baseURL()
	if err != nil {
		return finish(zero, err)
	}
	u, err := joinPath(base, w.path)
	if err != nil {
		return finish(zero, wrapErr(w.op, err))
	}
	if err := ctx.Err(); err != nil {
		return finish(zero, wrapErr(w.op, ErrNotSent, context.Cause(ctx)))
	}
	var ev attemptEvidence
	for resend := 0; ; resend++ {
		ri := newRequestInformation(w.method, "{+baseurl}"+w.path, map[string]string{"baseurl": base.String()}, nil, nil)
		if w.body != nil {
			ri.SetStreamContentAndContentType(w.body, "application/json")
		}
		if w.create {
			ri.AddRequestOptions([]abs.RequestOption{&middleware.CreateOnce{}})
		}
		k := &call[T]{
			c:            w.c,
			op:           w.op,
			decode:       w.decodeBody,
			fromParsable: w.fromParsable,
			factory:      func(serialization.ParseNode) (serialization.Parsable, error) { return nil, nil },
			log:          &middleware.AttemptLog{},
			emptyOK:      w.decode == nil,
		}
		if k.fromParsable == nil {
			k.fromParsable = func(serialization.Parsable) (T, bool) { return zero, w.decode == nil }
		}
		v, err := k.send(inner, withURI(ri, u))
		attempts += k.log.Len()
		meta = k.meta
		lastStart := ev.note(k.log)
		if err == nil {
			return finish(v, nil)
		}
		triesLeft := resend < w.c.retry.MaxRetries
		facts := attemptFacts{ctxEnded: ctx.Err() != nil, inDoubt: ev.any(), triesLeft: triesLeft}
		facts.wire, facts.permanent = wireStateOf(err)
		answer, _ := asError(err)
		if facts.wire == middleware.Answered {
			facts.status = answer.StatusCode
		}
		d := decide(facts)
		if d.maybeActed {
			ev.maybeActed(lastStart)
		}
		if w.create && d.disp == dispRetry && ev.any() {
			d.disp = dispReadBack // look before a resend could make a second object
		}
		var waiting *Error
		switch d.disp {
		case dispNotSent, dispAnswer:
			return finish(zero, err)
		case dispUnknown:
			return finish(zero, wrapErr(w.op, ErrOutcomeUnknown, context.Cause(ctx), err))
		case dispRetry:
			delay := w.c.retry.backoff(resend + 1)
			if answer != nil && answer.RetryAfter > 0 {
				delay = answer.RetryAfter
			}
			if !sleepCtx(ctx, delay) {
				return finish(zero, err)
			}
			continue
		case dispSuccessRead:
			ev.acked = true
			ev.maybeActed(lastStart) // lets a create's read-back find its object
		case dispReadBack:
			if answer != nil && !d.maybeActed {
				waiting = answer
			}
		}
		if w.readBack == nil {
			if ev.acked {
				return finish(zero, nil)
			}
			return finish(zero, wrapErr(w.op, ErrOutcomeUnknown, err))
		}
		rd := w.readBack(inner, ev)
		attempts += rd.meta.Attempts
		if rd.meta.StatusCode != 0 {
			meta = rd.meta
		}
		meta.Reconciled = true
		rf := readFacts{read: rd.state, verdict: rd.verdict, acked: ev.acked, answer: waiting != nil, triesLeft: triesLeft}
		switch settleRead(rf) {
		case dispSuccess:
			return finish(rd.obj, nil)
		case dispAnswer:
			if waiting != nil {
				return finish(zero, waiting)
			}
			return finish(zero, rd.err)
		case dispAlready:
			return finish(rd.obj, wrapErr(w.op, ErrAlreadyInState))
		case dispUnknown:
			return finish(zero, wrapErr(w.op, ErrOutcomeUnknown, err, rd.err))
		}
		// dispRetry: not applied by this call; a resend cannot apply twice.
	}
}

func (w *objectWrite[T]) decodeBody(body []byte) (T, error) {
	var zero T
	if w.decode == nil {
		return zero, nil
	}
	return w.decode(body)
}

// readGet reads one object for a read-back: the object, how the read went
// and the service's clock.
func readGet[T any](ctx context.Context, c *Client, op, path string, decode func([]byte) (T, error)) (T, readState, time.Time, time.Time, Response, error) {
	var zero T
	base, err := c.baseURL()
	if err != nil {
		return zero, readFailed, time.Time{}, time.Time{}, Response{}, err
	}
	u, err := joinPath(base, path)
	if err != nil {
		return zero, readFailed, time.Time{}, time.Time{}, Response{}, err
	}
	ri := newRequestInformation(abs.GET, "{+baseurl}"+path, map[string]string{"baseurl": base.String()}, nil, nil)
	k := &call[T]{
		c: c, op: op, decode: decode, log: &middleware.AttemptLog{},
		factory:      func(serialization.ParseNode) (serialization.Parsable, error) { return nil, nil },
		fromParsable: func(serialization.Parsable) (T, bool) { return zero, false },
	}
	v, err := k.send(ctx, withURI(ri, u))
	meta := k.meta
	meta.Attempts = k.log.Len()
	date, recv := serviceClock(k.log)
	switch {
	case err == nil:
		return v, readOK, date, recv, meta, nil
	case errors.Is(err, ErrNotFound):
		return zero, readNotFound, date, recv, meta, err
	}
	return zero, readFailed, date, recv, meta, err
}

// createdByCall reports whether an object created at created by createdBy
// can be this call's: not before the first attempt that may have been acted
// on (on the service's clock), and by the caller when both are known.
func createdByCall(created time.Time, createdBy *models.IdentitySet, ev attemptEvidence, date, recv time.Time) bool {
	if ev.firstSent.IsZero() || created.IsZero() || created.Before(serviceThreshold(ev, date, recv)) {
		return false
	}
	if ev.subject != "" && createdBy != nil && createdBy.User != nil && createdBy.User.ID != "" &&
		!strings.EqualFold(createdBy.User.ID, ev.subject) {
		return false
	}
	return true
}

// modifiedByCall is createdByCall for a change of an existing object.
func modifiedByCall(modified time.Time, modifiedBy *models.IdentitySet, ev attemptEvidence, date, recv time.Time) bool {
	return createdByCall(modified, modifiedBy, ev, date, recv)
}

// findCreated lists a collection for a read-back of a create and returns
// the first item match accepts as this call's (see createdByCall).
func findCreated[T any, P any](ctx context.Context, l *lister[P], items func(P) []T, match func(T, time.Time, time.Time) bool) objectRead[T] {
	var zero T
	var resp Response
	cctx := WithCaptureResponse(ctx, &resp)
	for page, err := range l.pages(cctx, nil) {
		recv := time.Now()
		if err != nil {
			return objectRead[T]{state: readFailed, err: err, meta: resp}
		}
		for _, it := range items(page) {
			if match(it, resp.Date, recv) {
				return objectRead[T]{obj: it, state: readOK, verdict: applied, meta: resp}
			}
		}
	}
	return objectRead[T]{obj: zero, state: readOK, verdict: notApplied, meta: resp}
}
