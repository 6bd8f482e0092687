package backuprestore

import (
	"context"
	"fmt"
	"github.com/m365kit/backuprestore/internal/bridge"
	"net/http"
	"slices"
	"time"

	"github.com/m365kit/backuprestore/internal/middleware"
	"github.com/m365kit/backuprestore/models"
)

// bulkItem is the scheduler's state for one unit.
type bulkItem struct {
	idx int // in the results
	id  string
	// attempts counts actions written to the wire, tries every action
	// send (also those refused before the wire), reads the read-backs
	// since the last doubt arose.
	attempts, tries, reads int
	// ev is what is known about attempts that may have been acted on.
	ev attemptEvidence
	// needsRead: the next request for this item is a read-back.
	needsRead bool
	// sent is when the item's last action batch was handed to the
	// pipeline (zero while none was).
	sent time.Time
	// waiting is a definitive answer of the service that came after an
	// attempt that may have been acted on (a 403 OperationNotAllowed may be
	// that attempt's late success): the read-back decides between them.
	waiting   *Error
	notBefore time.Time
	// lastErr is the last failure of any kind; answer the service's last
	// own answer for this unit (kept when a later read-back fails).
	lastErr error
	answer  *Error
	// readDate and readRecv are the Date header of the $batch that carried
	// the unit's read and when it arrived (readUnits).
	readDate, readRecv time.Time
}

// inDoubt reports whether an attempt may have been acted on without the
// outcome being settled.
func (it *bulkItem) inDoubt() bool { return it.needsRead || it.waiting != nil || it.ev.any() }

type bulkJob struct {
	read  bool
	items []*bulkItem
}

type bulkJobDone struct {
	job  bulkJob
	resp batchResult
	err  error
	log  *middleware.AttemptLog
	meta Response
	// sent is when the $batch was handed to the pipeline.
	sent time.Time
}

// bulkRun is one OffboardAll/CancelOffboardAll call. Only the calling
// goroutine touches it; batches run on worker goroutines and report back
// over a channel.
type bulkRun struct {
	c       *Client
	action  unitAction
	opts    BulkOptions
	base    string // BaseURL, for absolute URLs in errors
	results BulkResults
	items   []*bulkItem
	ready   []*bulkItem // send as soon as a slot is free
	delayed []*bulkItem // wait until notBefore
	done    int
	failed  int
	// answered: a $batch has come back, so more may be in flight at once.
	answered bool
	// abort is the cause that stopped the run (a credential that fails,
	// an unknown host, the guard); nil while it runs.
	abort error
	// readOnly: the call only reads the units (readUnits); no action.
	readOnly bool
	// hooks are a workflow's (internal/bridge): evidence from an earlier
	// process, a refusal before a batch is sent, each result as it settles.
	hooks bridge.Hooks
}

func (b *ProtectionUnitsRequestBuilder) runBulk(ctx context.Context, ids []string, opts *BulkOptions, action unitAction) BulkResults {
	r, optErr := newBulkRun(b.c, opts, action)
	return r.start(ctx, ids, optErr)
}

func newBulkRun(c *Client, opts *BulkOptions, action unitAction) (*bulkRun, error) {
	o, optErr := opts.resolve()
	return &bulkRun{c: c, action: action, opts: o}, optErr
}

// start registers ids and runs to the end.
func (r *bulkRun) start(ctx context.Context, ids []string, optErr error) BulkResults {
	action := r.action
	if base, err := r.c.baseURL(); err == nil {
		r.base = base.String()
	}
	index := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		if _, dup := index[id]; dup {
			continue
		}
		index[id] = struct{}{}
		r.results = append(r.results, BulkResult{ID: id})
		it := &bulkItem{idx: len(r.results) - 1, id: id}
		r.items = append(r.items, it)
		switch err := validateID(id); {
		case optErr != nil:
			r.finish(it, nil, wrapErr(action.name+" "+quoteID(id), ErrNotSent, optErr))
		case err != nil:
			r.finish(it, nil, wrapErr(action.name+" "+quoteID(id), ErrNotSent, err))
		default:
			if f := r.hooks.SentBefore; f != nil {
				if t := f(id); !t.IsZero() {
					it.ev.maybeActed(t) // sent by an earlier process: may have been applied
				}
			}
			it.needsRead = r.readOnly
			r.ready = append(r.ready, it)
		}
	}
	if len(r.results) == 0 {
		return r.results
	}
	r.progress()
	r.loop(ctx)
	return r.results
}

// concurrency is how many batches may be in flight: one until the first
// answer (so a failing credential or an unknown host costs one request),
// then what the client's limiter asks for at its rate and the observed
// round trip, capped by MaxConcurrency.
func (r *bulkRun) concurrency() int {
	if !r.answered {
		return 1
	}
	return r.c.limiter.Concurrency(r.opts.BatchSize, r.opts.MaxConcurrency)
}

func (r *bulkRun) loop(ctx context.Context) {
	doneCh := make(chan bulkJobDone)
	inflight := 0
	stopped := false // ctx ended or the run was aborted: launch nothing more
	for {
		if ctx.Err() != nil || r.abort != nil {
			stopped = true // also when OnProgress or a caller cancelled between selects
		}
		r.promote(time.Now())
		for !stopped && inflight < r.concurrency() {
			job, ok := r.nextJob()
			if !ok {
				break
			}
			inflight++
			go func() { doneCh <- r.run(ctx, job) }()
		}
		if inflight == 0 && (stopped || len(r.ready)+len(r.delayed) == 0) {
			break
		}
		var wake <-chan time.Time
		var timer *time.Timer
		if !stopped && len(r.ready) == 0 && len(r.delayed) > 0 {
			timer = time.NewTimer(time.Until(r.earliest()))
			wake = timer.C
		}
		var ctxDone <-chan struct{}
		if !stopped {
			ctxDone = ctx.Done()
		}
		select {
		case d := <-doneCh:
			inflight--
			r.process(ctx, d)
			r.progress()
		case <-wake:
		case <-ctxDone:
			stopped = true
		}
		if timer != nil {
			timer.Stop()
		}
	}
	cause := r.abort
	if cause == nil && ctx.Err() != nil {
		cause = context.Cause(ctx)
	}
	if cause != nil {
		for _, it := range append(r.ready, r.delayed...) {
			r.finishUnsettled(it, cause)
		}
		r.ready, r.delayed = nil, nil
		r.progress()
	}
}

// finishUnsettled reports an item the run could not finish: unknown when
// an attempt may have been acted on, else not sent.
func (r *bulkRun) finishUnsettled(it *bulkItem, cause error) {
	op := r.action.name + " " + quoteID(it.id)
	if r.readOnly {
		r.finish(it, nil, wrapErr(op, cause))
		return
	}
	if it.inDoubt() {
		r.finish(it, nil, wrapErr(op+": an attempt may have been applied and was not settled", ErrOutcomeUnknown, cause, answerOrNil(it.answer)))
		return
	}
	r.finish(it, nil, wrapErr(op, ErrNotSent, cause, answerOrNil(it.answer)))
}

// answerOrNil returns e as an error, or a nil error for a nil *Error.
func answerOrNil(e *Error) error {
	if e == nil {
		return nil
	}
	return e
}

// promote moves delayed items whose time has come to ready.
func (r *bulkRun) promote(now time.Time) {
	kept := r.delayed[:0]
	for _, it := range r.delayed {
		if !it.notBefore.After(now) {
			r.ready = append(r.ready, it)
		} else {
			kept = append(kept, it)
		}
	}
	r.delayed = kept
}

func (r *bulkRun) earliest() time.Time {
	t := r.delayed[0].notBefore
	for _, it := range r.delayed[1:] {
		if it.notBefore.Before(t) {
			t = it.notBefore
		}
	}
	return t
}

// nextJob takes up to BatchSize ready items of one kind, read-backs first
// (they settle outcomes that are already in doubt).
func (r *bulkRun) nextJob() (bulkJob, bool) {
	if len(r.ready) == 0 {
		return bulkJob{}, false
	}
	read := slices.ContainsFunc(r.ready, func(it *bulkItem) bool { return it.needsRead })
	job := bulkJob{read: read}
	kept := r.ready[:0]
	for _, it := range r.ready {
		if it.needsRead == read && len(job.items) < r.opts.BatchSize {
			job.items = append(job.items, it)
		} else {
			kept = append(kept, it)
		}
	}
	r.ready = kept
	return job, true
}

// itemPath is the URL of an item's request, relative to the version root.
func (r *bulkRun) itemPath(id string, read bool) string {
	p := pathProtectionUnits + "/" + escapeSegment(id)
	if !read {
		p += "/" + r.action.name
	}
	return p
}

// run sends one batch; it runs on a worker goroutine and touches no shared
// state.
func (r *bulkRun) run(ctx context.Context, job bulkJob) bulkJobDone {
	reqs := make([]batchRequest, len(job.items))
	delegated := ""
	for i, it := range job.items {
		if job.read {
			reqs[i] = batchRequest{method: http.MethodGet, url: r.itemPath(it.id, true)}
		} else {
			reqs[i] = batchRequest{method: http.MethodPost, url: r.itemPath(it.id, false)}
			delegated = r.action.name
		}
	}
	log := &middleware.AttemptLog{}
	if !job.read && r.hooks.BeforeSend != nil {
		keys := make([]string, len(job.items))
		for i, it := range job.items {
			keys[i] = it.id
		}
		if err := r.hooks.BeforeSend(keys); err != nil {
			return bulkJobDone{job: job, err: wrapErr("$batch", ErrNotSent, errRefusedByHook{err}), log: log}
		}
	}
	// Every item counts against Graph's limits on its own: take a token
	// for each. A context that ends meanwhile sends nothing.
	if err := r.c.limiter.Wait(ctx, len(reqs)); err != nil {
		return bulkJobDone{job: job, err: wrapErr("$batch", ErrNotSent, err), log: log}
	}
	sent := time.Now()
	resp, meta, err := r.c.sendBatch(withoutCapture(ctx), reqs, delegated, log)
	r.pace(len(reqs), resp, err, log)
	return bulkJobDone{job: job, resp: resp, err: err, log: log, meta: meta, sent: sent}
}

// pace tells the client's limiter what a $batch of n items met: its round
// trip, every 429 the pipeline waited out, and how many items the service
// admitted or throttled. It runs on the worker goroutine (the limiter is
// safe for concurrent use).
func (r *bulkRun) pace(n int, resp batchResult, err error, log *middleware.AttemptLog) {
	l := r.c.limiter
	all := log.Attempts()
	for i, a := range all {
		if a.State != middleware.Answered {
			continue
		}
		if i == len(all)-1 {
			l.ObserveLatency(a.End.Sub(a.Start))
		}
		if a.Status == http.StatusTooManyRequests {
			l.OnThrottled(n, retryAfterOf(a.Header))
		}
	}
	if err != nil {
		return
	}
	throttled, longest := 0, time.Duration(0)
	for _, item := range resp {
		if item.status == http.StatusTooManyRequests {
			throttled++
			longest = max(longest, retryAfterOf(item.header))
		}
	}
	l.OnSuccess(len(resp) - throttled)
	// Any throttled item is congestion: against Graph's rate-driven
	// limits, a client under its budget is not throttled at all, and
	// ignoring a few 429s per batch kept the client over a 50 items/s
	// budget with 8% of attempts throttled (BenchmarkThrottledBulk).
	if throttled > 0 {
		l.OnThrottled(throttled, longest)
	}
}

// process applies a finished batch to the items' states.
func (r *bulkRun) process(ctx context.Context, d bulkJobDone) {
	wired := 0 // attempts of this $batch that reached the wire
	for _, a := range d.log.Attempts() {
		if a.State != middleware.NotSent {
			wired++
		}
		if a.State == middleware.Answered {
			r.answered = true
		}
	}
	date, recv := serviceClock(d.log)
	for pos, it := range d.job.items {
		if d.job.read {
			it.reads++
		} else {
			it.tries++
			it.sent = d.sent
			it.attempts += wired
			it.ev.note(d.log) // the pipeline's resends of the $batch are earlier attempts
			r.results[it.idx].Attempts = it.attempts
		}
		if d.err != nil {
			r.onBatchFailure(ctx, it, d.job.read, d.err, d.sent)
			continue
		}
		resp, ok := d.resp[pos]
		if !ok {
			// The $batch came back without this item: its fate is unknown.
			e := &Error{StatusCode: d.meta.StatusCode, unexpected: true, Method: http.MethodPost, URL: d.meta.URL,
				Message: "the $batch response has no item for " + it.id, RequestID: d.meta.RequestID}
			if d.job.read {
				r.readLater(it, 0, e)
			} else {
				r.apply(ctx, it, attemptFacts{wire: middleware.MaybeSent}, d.sent, nil, e, nil)
			}
			continue
		}
		r.results[it.idx].RequestID = cmpOr(resp.header.Get("request-id"), d.meta.RequestID)
		if d.job.read {
			r.onReadResponse(it, resp, date, recv)
		} else {
			r.onActionResponse(ctx, it, resp, d.sent)
		}
	}
}

// triesLeft reports whether an item's action may be sent again, after a
// wait of after (a Retry-After longer than MaxRetryDelay is not waited out).
func (r *bulkRun) triesLeft(it *bulkItem, after time.Duration) bool {
	return it.tries < r.opts.MaxAttempts && after <= r.c.retry.MaxRetryDelay
}

// onBatchFailure handles a $batch request that failed as a whole.
func (r *bulkRun) onBatchFailure(ctx context.Context, it *bulkItem, read bool, err error, sent time.Time) {
	state, permanent := wireStateOf(err)
	e, _ := asError(err)
	if read {
		r.onReadBatchFailure(ctx, it, state, permanent, e, err)
		return
	}
	// A $batch answered 2xx whose body is unusable says nothing of each
	// item (each has its own status): itemized.
	f := attemptFacts{wire: state, permanent: permanent, itemized: true, ctxEnded: ctx.Err() != nil,
		inDoubt: it.ev.any(), triesLeft: r.triesLeft(it, 0)}
	var after time.Duration
	if e != nil {
		f.status, after = e.StatusCode, e.RetryAfter
		f.triesLeft = r.triesLeft(it, after)
	}
	r.apply(ctx, it, f, sent, e, err, nil)
}

// onReadBatchFailure handles a read-back (or, for readUnits, a read) whose
// $batch failed as a whole.
func (r *bulkRun) onReadBatchFailure(ctx context.Context, it *bulkItem, state middleware.SendState, permanent bool, e *Error, err error) {
	switch {
	case state == middleware.NotSent && permanent:
		// A credential that fails, an unknown host, the guard: no later
		// batch can do better. Stop the run at once.
		if r.abort == nil {
			r.abort = err
		}
		r.keep(it)
	case ctx.Err() != nil && r.readOnly:
		r.finish(it, nil, wrapErr("read protection unit "+quoteID(it.id), context.Cause(ctx), err))
	case ctx.Err() != nil:
		r.keep(it) // reported when the run ends
	case e == nil:
		r.readLater(it, 0, err)
	case e.StatusCode == http.StatusTooManyRequests || e.StatusCode == http.StatusServiceUnavailable || maybeActedStatus(e.StatusCode) ||
		(e.unexpected && e.StatusCode >= 200 && e.StatusCode <= 299):
		r.readLater(it, e.RetryAfter, e)
	case r.readOnly:
		r.finish(it, nil, e)
	default:
		// A read-back the service refused as a whole (401, 403, …) settles
		// nothing.
		r.settle(it, readFacts{read: readFailed}, nil, e)
	}
}

func (r *bulkRun) onActionResponse(ctx context.Context, it *bulkItem, resp batchResponse, sent time.Time) {
	url := r.base + r.itemPath(it.id, false)
	s := resp.status
	f := attemptFacts{wire: middleware.Answered, status: s, ctxEnded: ctx.Err() != nil, inDoubt: it.ev.any()}
	var u *models.ProtectionUnit
	var decodeErr error
	if s >= 200 && s <= 299 {
		if u, decodeErr = decodeUnit(resp.body); decodeErr == nil {
			// The common case: no *Error is built (it would keep a copy of
			// the body for as long as the call runs).
			f.usable, f.triesLeft = true, true
			r.apply(ctx, it, f, sent, nil, nil, u)
			return
		}
	}
	e := newErrorFromParts(s, resp.header, resp.body, decodeErr, http.MethodPost, url)
	f.triesLeft = r.triesLeft(it, e.RetryAfter)
	r.apply(ctx, it, f, sent, e, e, u)
}

// apply carries out the outcome table's decision for an item's attempt:
// answer is the service's answer (nil when none came), err the attempt's
// failure, u the unit of a usable 2xx.
func (r *bulkRun) apply(ctx context.Context, it *bulkItem, f attemptFacts, sent time.Time, answer *Error, err error, u *models.ProtectionUnit) {
	d := decide(f)
	if d.maybeActed {
		it.ev.maybeActed(sent)
	}
	if d.stopAll && r.abort == nil {
		r.abort = err
	}
	op := r.action.name + " " + quoteID(it.id)
	if answer != nil && (answer.StatusCode < 200 || answer.StatusCode > 299) {
		it.answer = answer
	}
	it.lastErr = err
	switch d.disp {
	case dispSuccess:
		it.lastErr, it.answer, it.waiting = nil, nil, nil
		r.finish(it, u, nil)
	case dispSuccessRead:
		it.ev.acked = true // applied; only the unit is missing
		r.inDoubt(it, err)
	case dispReadBack:
		if answer != nil && !d.maybeActed && answer.StatusCode >= 300 {
			it.waiting = answer // may be refuted by a late success
		}
		r.inDoubt(it, err)
	case dispRetry:
		var after time.Duration
		if answer != nil {
			after = answer.RetryAfter
		}
		r.delay(it, after, it.tries)
	case dispAnswer:
		r.finish(it, nil, answer)
	case dispNotSent:
		r.finish(it, nil, wrapErr(op, ErrNotSent, context.Cause(ctx), err))
	default: // dispUnknown
		r.finish(it, nil, wrapErr(op+": an attempt may have been applied and was not settled", ErrOutcomeUnknown, context.Cause(ctx), err, answerOrNil(it.answer)))
	}
}

func (r *bulkRun) onReadResponse(it *bulkItem, resp batchResponse, date, recv time.Time) {
	url := r.base + r.itemPath(it.id, true)
	s := resp.status
	switch {
	case s >= 200 && s <= 299:
		u, err := decodeUnit(resp.body)
		if err != nil {
			r.readLater(it, 0, newErrorFromParts(s, resp.header, resp.body, err, http.MethodGet, url))
			return
		}
		if r.readOnly {
			it.needsRead, it.readDate, it.readRecv = false, date, recv
			r.finish(it, u, nil)
			return
		}
		r.settle(it, readFacts{read: readOK, verdict: r.action.judge(u, it.ev, date, recv)}, u, nil)
	case s == http.StatusNotFound:
		// The service's answer: no such unit.
		r.settle(it, readFacts{read: readNotFound}, nil, newErrorFromParts(s, resp.header, resp.body, nil, http.MethodGet, url))
	case s >= 400 && s < 500 && s != http.StatusRequestTimeout && s != http.StatusTooManyRequests:
		// The service's own refusal of the read (403 accessDenied, 401, a
		// 400): asking again cannot change it.
		e := newErrorFromParts(s, resp.header, resp.body, nil, http.MethodGet, url)
		r.settle(it, readFacts{read: readFailed}, nil, e)
	default:
		e := newErrorFromParts(s, resp.header, resp.body, nil, http.MethodGet, url)
		r.readLater(it, e.RetryAfter, e)
	}
}

// settle carries out the outcome table's judgement of a read-back: u is
// the unit read (readOK), readErr the read's failure or answer.
func (r *bulkRun) settle(it *bulkItem, rf readFacts, u *models.ProtectionUnit, readErr error) {
	if r.readOnly {
		r.finish(it, u, readErr)
		return
	}
	rf.acked, rf.answer, rf.triesLeft = it.ev.acked, it.waiting != nil, r.triesLeft(it, 0)
	op := r.action.name + " " + quoteID(it.id)
	waiting := it.waiting
	it.needsRead, it.waiting = false, nil
	switch settleRead(rf) {
	case dispSuccess:
		r.results[it.idx].Reconciled = true
		r.finish(it, u, nil) // u is nil when the service's 2xx settled it and no read gave the unit
	case dispAnswer:
		if waiting != nil && rf.read == readOK {
			r.finish(it, nil, waiting) // the read-back refutes a late success
			return
		}
		r.finish(it, nil, readErr)
	case dispRetry:
		// Not applied by this call: sending the action again cannot apply
		// it twice.
		it.reads = 0 // MaxAttempts bounds the read-backs of one doubt
		r.ready = append(r.ready, it)
	default: // dispUnknown
		msg := ": reading the unit back failed"
		switch {
		case rf.read == readOK && rf.verdict == cannotTell:
			msg = ": the unit is " + string(u.Status) + ", consistent with this call's action, but carries no mark that proves it"
		case rf.read == readOK && it.answer != nil:
			msg = fmt.Sprintf(": the service answered %d; it may have acted, and the unit read back shows no sign of it yet", it.answer.StatusCode)
		case rf.read == readOK:
			msg = ": no attempt's answer came back"
		}
		r.finish(it, nil, wrapErr(op+msg, ErrOutcomeUnknown, it.lastErr, readErr, answerOrNil(it.answer)))
	}
}

// inDoubt schedules a read-back of an item whose action may have been applied.
func (r *bulkRun) inDoubt(it *bulkItem, err error) {
	it.needsRead, it.lastErr = true, err
	r.ready = append(r.ready, it)
}

// keep puts an item back to wait, untouched (the run is ending).
func (r *bulkRun) keep(it *bulkItem) { r.ready = append(r.ready, it) }

// readLater reads an item back again after the delay asked for (or a
// backoff), up to MaxAttempts read-backs; then the read has failed (see
// settle: unknown, or applied when the service had answered 2xx).
func (r *bulkRun) readLater(it *bulkItem, after time.Duration, err error) {
	if it.reads >= r.opts.MaxAttempts || after > r.c.retry.MaxRetryDelay {
		if r.readOnly {
			r.finish(it, nil, wrapErr("read protection unit "+quoteID(it.id), err))
			return
		}
		r.settle(it, readFacts{read: readFailed}, nil, err)
		return
	}
	it.needsRead = true
	r.delay(it, after, max(it.reads, 1))
}

func (r *bulkRun) delay(it *bulkItem, after time.Duration, attempt int) {
	if after <= 0 {
		after = r.c.retry.backoff(attempt)
	}
	it.notBefore = time.Now().Add(after)
	r.delayed = append(r.delayed, it)
}

func (r *bulkRun) finish(it *bulkItem, u *models.ProtectionUnit, err error) {
	res := &r.results[it.idx]
	res.Unit, res.Err = u, err
	r.done++
	if err != nil {
		r.failed++
	}
	if r.hooks.OnResult != nil {
		r.hooks.OnResult(bridge.Result{Key: it.id, Unit: u, Err: err, Reconciled: res.Reconciled, RequestID: res.RequestID, Sent: it.sent})
	}
}

func (r *bulkRun) progress() {
	if r.opts.OnProgress != nil {
		r.opts.OnProgress(r.done, len(r.results), r.failed)
	}
	if r.hooks.OnProgress != nil {
		r.hooks.OnProgress(r.done, len(r.results), r.failed)
	}
}

// quoteID shortens and quotes an ID for an error message.
func quoteID(id string) string {
	if len(id) > 64 {
		id = id[:64] + "…"
	}
	return `"` + id + `"`
}

// errRefusedByHook marks a workflow's refusal to let a request go out (its
// journal could not record the intent): nothing more is sent.
type errRefusedByHook struct{ err error }

func (e errRefusedByHook) Error() string { return "recording the intent failed: " + e.err.Error() }
func (e errRefusedByHook) Unwrap() error { return e.err }

// unitRead is what readUnits learnt about one unit: the unit, or the
// error of its read (*Error with ErrNotFound for an unknown unit, or the
// transport's), and the service's clock when it was read.
type unitRead struct {
	Unit       *models.ProtectionUnit
	Err        error
	date, recv time.Time
}

// readUnits reads many units through $batch GETs, with the bulk
// scheduler's pacing, retries and backoff; one result per ID, in order
// (duplicates share a read).
func (c *Client) readUnits(ctx context.Context, ids []string, opts *BulkOptions) []unitRead {
	r, optErr := newBulkRun(c, opts, unitAction{name: "read"})
	r.readOnly = true
	res := r.start(ctx, ids, optErr)
	byID := make(map[string]unitRead, len(res))
	for _, it := range r.items {
		x := res[it.idx]
		byID[x.ID] = unitRead{Unit: x.Unit, Err: x.Err, date: it.readDate, recv: it.readRecv}
	}
	out := make([]unitRead, len(ids))
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out
}
