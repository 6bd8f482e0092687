package backuprestore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"time"

	"github.com/m365kit/backuprestore/internal/errs"
	"github.com/m365kit/backuprestore/internal/middleware"
	"github.com/m365kit/backuprestore/models"
)

// ErrOutcomeUnknown is reported for a bulk item whose action may or may not
// have been applied: the request failed ambiguously (a reset connection, a
// timeout, a 5xx) and the unit could not be read back to find out. The
// result's Err wraps it together with the last failure.
var ErrOutcomeUnknown error = errs.New("backuprestore: outcome unknown: the action may have been applied")

// BulkOptions configures OffboardAll and CancelOffboardAll. A nil
// *BulkOptions means all defaults.
type BulkOptions struct {
	// BatchSize is the number of actions per $batch request, 1 to 20,
	// default 20 (Graph's limit).
	BatchSize int
	// Concurrency is the number of $batch requests in flight, default 4.
	Concurrency int
	// MaxAttempts is the most times one unit's action is sent, default 8.
	// A unit still throttled (or still ambiguous) after that fails with
	// the last error.
	MaxAttempts int
	// OnProgress, when set, is called after every batch with the number of
	// units finished (succeeded or failed), the total, and how many failed.
	// Calls are sequential, from the goroutine that called the bulk method.
	OnProgress func(done, total, failed int)
}

// BulkResult is the outcome for one distinct unit ID.
type BulkResult struct {
	// ID is the unit ID as given (the first of any duplicates).
	ID string
	// Unit is the unit as the service returned it after the action (or as
	// read back during reconciliation); nil on failure.
	Unit *models.ProtectionUnit
	// Err is nil on success. Per-unit failures are the same *Error and
	// sentinels as single calls (errors.Is(err, ErrOperationNotAllowed) for
	// a unit in the wrong state); a malformed ID is ErrInvalidProtectionUnitID
	// and was never sent; a cancelled context is the context's error
	// (wrapped). ErrOutcomeUnknown means an attempt may have been applied
	// and reading the unit back did not settle it (ctx ended, or the
	// read-back kept failing): read it yourself before acting again.
	Err error
	// Attempts is how many times the action was sent for this unit.
	Attempts int
	// Reconciled reports that an attempt failed ambiguously (a reset
	// connection, a timeout, a 5xx) and reading the unit back showed the
	// action had been applied, so it was not sent again.
	Reconciled bool
}

// BulkResults holds one BulkResult per distinct input ID, in the order the
// IDs first appear.
type BulkResults []BulkResult

// Failed returns the results with an error.
func (r BulkResults) Failed() BulkResults {
	var out BulkResults
	for _, x := range r {
		if x.Err != nil {
			out = append(out, x)
		}
	}
	return out
}

// Err joins the failures ("<id>: <error>"), or returns nil when every unit
// succeeded.
func (r BulkResults) Err() error {
	var es []error
	for _, x := range r {
		if x.Err != nil {
			es = append(es, fmt.Errorf("%s: %w", x.ID, x.Err))
		}
	}
	return errors.Join(es...)
}

// OffboardAll offboards every unit in ids through Graph JSON batching
// (POST /$batch, up to 20 actions per batch, several batches in flight).
// There is no bulk endpoint: each unit gets its own offboard action.
//
// It returns one BulkResult per distinct ID, in input order; it never
// returns early with work unreported. Duplicates (byte-for-byte equal IDs:
// IDs are opaque, so "ABC" and "abc" are two units) are acted on once; an
// empty list returns at once. Items throttled inside a batch are retried in
// a later batch after their own Retry-After. An ambiguous failure is
// reconciled by reading the unit back: if it already shows the target state
// the item succeeded (Reconciled), otherwise the action is sent again; the
// same action is never applied to a unit twice by the SDK. Cancelling ctx
// stops new batches and reports every unfinished unit with the context's
// error.
func (b *ProtectionUnitsRequestBuilder) OffboardAll(ctx context.Context, ids []string, opts *BulkOptions) BulkResults {
	return b.runBulk(ctx, ids, opts, offboardAction)
}

// CancelOffboardAll cancels the offboarding of every unit in ids, the way
// OffboardAll offboards them; see OffboardAll for the guarantees.
func (b *ProtectionUnitsRequestBuilder) CancelOffboardAll(ctx context.Context, ids []string, opts *BulkOptions) BulkResults {
	return b.runBulk(ctx, ids, opts, cancelOffboardAction)
}

// bulkAction describes one bound action for bulk and reconciliation.
type bulkAction struct {
	name string
	// applied lists the states that show the action took effect. For
	// cancelOffboard that includes unprotected, which the unit reaches once
	// the service completes the cancellation (only cancelOffboard leads from
	// offboardRequested to it).
	applied []models.ProtectionUnitStatus
}

var (
	offboardAction       = bulkAction{"offboard", []models.ProtectionUnitStatus{models.StatusOffboardRequested, models.StatusOffboarded}}
	cancelOffboardAction = bulkAction{"cancelOffboard", []models.ProtectionUnitStatus{models.StatusCancelOffboardRequested, models.StatusUnprotected}}
)

func (a bulkAction) isApplied(u *models.ProtectionUnit) bool {
	return u != nil && slices.Contains(a.applied, u.Status)
}

// bulkItem is the scheduler's state for one unit.
type bulkItem struct {
	idx      int // in the results
	id       string
	attempts int // actions sent
	reads    int // read-backs sent
	// ambiguous: an earlier action attempt may have been applied (its
	// outcome was unknown). It stays set after a read-back shows the action
	// not applied, since the service may still apply it late: a later 403
	// OperationNotAllowed is then read back once (refuted403) before it is
	// reported.
	ambiguous  bool
	refuted403 bool
	// needsRead: the next request for this item is a read-back.
	needsRead bool
	notBefore time.Time
	lastErr   error
}

type bulkJob struct {
	read  bool
	items []*bulkItem
}

type bulkJobDone struct {
	job  bulkJob
	resp batchResult
	err  error
	// resent is how many times the pipeline resent this $batch (after a
	// 429 or 503); resent503, that one of them followed a 503, so its items
	// may have been acted on before the response that came back.
	resent    int
	resent503 bool
}

// bulkRun is one OffboardAll/CancelOffboardAll call. Only the calling
// goroutine touches it; batches run on worker goroutines and report back
// over a channel.
type bulkRun struct {
	c       *Client
	action  bulkAction
	opts    BulkOptions
	results BulkResults
	ready   []*bulkItem // send as soon as a slot is free
	delayed []*bulkItem // wait until notBefore
	done    int
	failed  int
}

func (b *ProtectionUnitsRequestBuilder) runBulk(ctx context.Context, ids []string, opts *BulkOptions, action bulkAction) BulkResults {
	r := &bulkRun{c: b.c, action: action, opts: bulkDefaults(opts)}
	index := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		if _, dup := index[id]; dup {
			continue
		}
		index[id] = struct{}{}
		r.results = append(r.results, BulkResult{ID: id})
		if err := validateID(id); err != nil {
			r.finish(&bulkItem{idx: len(r.results) - 1, id: id}, nil, err)
			continue
		}
		r.ready = append(r.ready, &bulkItem{idx: len(r.results) - 1, id: id})
	}
	if len(r.results) == 0 {
		return r.results
	}
	r.progress()
	r.loop(ctx)
	return r.results
}

func bulkDefaults(opts *BulkOptions) BulkOptions {
	var o BulkOptions
	if opts != nil {
		o = *opts
	}
	if o.BatchSize <= 0 || o.BatchSize > maxBatchSize {
		o.BatchSize = maxBatchSize
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	return o
}

func (r *bulkRun) loop(ctx context.Context) {
	doneCh := make(chan bulkJobDone)
	inflight := 0
	stopped := false // ctx ended: launch nothing more
	for {
		if ctx.Err() != nil {
			stopped = true // also when OnProgress or a caller cancelled between selects
		}
		r.promote(time.Now())
		for !stopped && inflight < r.opts.Concurrency {
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
	if stopped || ctx.Err() != nil {
		cause := context.Cause(ctx)
		for _, it := range append(r.ready, r.delayed...) {
			switch {
			case it.needsRead:
				// An earlier attempt may have been applied; it was not
				// read back, so nobody knows.
				r.finish(it, nil, fmt.Errorf("%w: %s %s: an attempt may have been applied and was not read back: %w",
					ErrOutcomeUnknown, r.action.name, it.id, cause))
			case it.attempts > 0:
				r.finish(it, nil, fmt.Errorf("backuprestore: %s %s not sent again: %w", r.action.name, it.id, cause))
			default:
				r.finish(it, nil, fmt.Errorf("backuprestore: %s %s not sent: %w", r.action.name, it.id, cause))
			}
		}
		r.ready, r.delayed = nil, nil
		r.progress()
	}
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

// run sends one batch; it runs on a worker goroutine and touches no shared
// state.
func (r *bulkRun) run(ctx context.Context, job bulkJob) bulkJobDone {
	reqs := make([]batchRequest, len(job.items))
	delegated := ""
	for i, it := range job.items {
		path := pathProtectionUnits + "/" + escapeSegment(it.id)
		if job.read {
			reqs[i] = batchRequest{method: http.MethodGet, url: path}
		} else {
			reqs[i] = batchRequest{method: http.MethodPost, url: path + "/" + r.action.name}
			delegated = r.action.name
		}
	}
	var attempts middleware.AttemptLog
	resp, err := r.c.sendBatch(ctx, reqs, delegated, &attempts)
	// A $batch the pipeline resent after a 503 may have been acted on the
	// first time (a gateway can fail after the service applied the items).
	retried := attempts.Retried()
	return bulkJobDone{job: job, resp: resp, err: err, resent: len(retried),
		resent503: slices.Contains(retried, http.StatusServiceUnavailable)}
}

// process applies a finished batch to the items' states.
func (r *bulkRun) process(ctx context.Context, d bulkJobDone) {
	sent := d.err == nil || !refusedBeforeSending(d.err)
	for pos, it := range d.job.items {
		if !sent {
			r.finish(it, nil, d.err)
			continue
		}
		if !d.job.read {
			it.attempts += 1 + d.resent
			if d.resent503 {
				it.ambiguous = true // a later 403 is read back before it is reported
			}
			r.results[it.idx].Attempts = it.attempts
		} else {
			it.reads++
		}
		if d.err != nil {
			r.onBatchFailure(ctx, it, d.job.read, d.err)
			continue
		}
		resp, ok := d.resp[pos]
		if !ok {
			r.ambiguous(it, fmt.Errorf("%w: the $batch response has no item for %s", ErrUnexpectedResponse, it.id))
			continue
		}
		if d.job.read {
			r.onReadResponse(it, resp)
		} else {
			r.onActionResponse(it, resp)
		}
	}
}

// onBatchFailure handles a $batch request that failed as a whole.
func (r *bulkRun) onBatchFailure(ctx context.Context, it *bulkItem, read bool, err error) {
	if ctx.Err() != nil {
		// The request was on the wire when ctx ended: the actions may
		// have been applied (or, for a read-back, are still in doubt).
		r.finish(it, nil, fmt.Errorf("%w: %s %s: %w", ErrOutcomeUnknown, r.action.name, it.id, err))
		return
	}
	e, isResp := asError(err)
	switch {
	case isResp && (e.StatusCode == http.StatusTooManyRequests || e.StatusCode == http.StatusServiceUnavailable) && read:
		r.readLater(it, e.RetryAfter, err)
	case isResp && (e.StatusCode == http.StatusTooManyRequests || e.StatusCode == http.StatusServiceUnavailable):
		// The service did not act on the batch: send it again later.
		r.retryLater(it, e.RetryAfter, err)
	case isResp && e.StatusCode >= 400 && e.StatusCode < 500:
		r.finish(it, nil, err)
	case read:
		r.readAgain(it, err)
	default:
		// A reset connection, a timeout, a 5xx: the service may have acted.
		r.ambiguous(it, err)
	}
}

func (r *bulkRun) onActionResponse(it *bulkItem, resp batchResponse) {
	method, url := http.MethodPost, pathProtectionUnits+"/"+escapeSegment(it.id)+"/"+r.action.name
	switch s := resp.status; {
	case s >= 200 && s <= 299:
		u, err := decodeUnit(resp.body)
		if err != nil {
			// Applied, but the body is unusable: read the unit back.
			r.ambiguous(it, newErrorFromParts(s, resp.header, resp.body, err, method, url))
			return
		}
		r.finish(it, u, nil)
	case s == http.StatusTooManyRequests || s == http.StatusServiceUnavailable:
		e := newErrorFromParts(s, resp.header, resp.body, nil, method, url)
		r.retryLater(it, e.RetryAfter, e)
	case s >= 500 || s == http.StatusFailedDependency || s == http.StatusRequestTimeout:
		r.ambiguous(it, newErrorFromParts(s, resp.header, resp.body, nil, method, url))
	default:
		e := newErrorFromParts(s, resp.header, resp.body, nil, method, url)
		if it.ambiguous && !it.refuted403 && errors.Is(e, ErrOperationNotAllowed) {
			// A previous attempt may have been applied after all (late):
			// that would explain the state, so read the unit back rather
			// than report a false failure.
			it.refuted403 = true
			r.ambiguous(it, e)
			return
		}
		r.finish(it, nil, e)
	}
}

func (r *bulkRun) onReadResponse(it *bulkItem, resp batchResponse) {
	method, url := http.MethodGet, pathProtectionUnits+"/"+escapeSegment(it.id)
	switch s := resp.status; {
	case s >= 200 && s <= 299:
		u, err := decodeUnit(resp.body)
		if err != nil {
			r.readAgain(it, newErrorFromParts(s, resp.header, resp.body, err, method, url))
			return
		}
		if r.action.isApplied(u) {
			r.results[it.idx].Reconciled = true
			r.finish(it, u, nil)
			return
		}
		// Not applied: the earlier attempt did nothing, so sending the
		// action again cannot apply it twice. After a 403, though, the unit
		// is in neither state: the 403 stands.
		it.needsRead = false
		if it.refuted403 || it.attempts >= r.opts.MaxAttempts {
			r.finish(it, nil, it.lastErr)
			return
		}
		r.ready = append(r.ready, it)
	case s == http.StatusTooManyRequests || s == http.StatusServiceUnavailable:
		e := newErrorFromParts(s, resp.header, resp.body, nil, method, url)
		r.readLater(it, e.RetryAfter, e)
	case s == http.StatusNotFound:
		r.finish(it, nil, newErrorFromParts(s, resp.header, resp.body, nil, method, url))
	default:
		r.readAgain(it, newErrorFromParts(s, resp.header, resp.body, nil, method, url))
	}
}

// ambiguous schedules a read-back of an item whose action may have been applied.
func (r *bulkRun) ambiguous(it *bulkItem, err error) {
	it.ambiguous, it.needsRead, it.lastErr = true, true, err
	r.ready = append(r.ready, it)
}

// readAgain retries a failed read-back after a backoff, up to MaxAttempts.
func (r *bulkRun) readAgain(it *bulkItem, err error) {
	r.readLater(it, 0, err)
}

func (r *bulkRun) readLater(it *bulkItem, after time.Duration, err error) {
	if it.reads >= r.opts.MaxAttempts || after > r.c.retry.MaxRetryDelay {
		r.finish(it, nil, fmt.Errorf("%w: %s %s: %w", ErrOutcomeUnknown, r.action.name, it.id, err))
		return
	}
	it.needsRead = true
	r.delay(it, after, err)
}

// retryLater resends an action the service did not act on, after the
// delay it asked for (or a backoff), up to MaxAttempts.
func (r *bulkRun) retryLater(it *bulkItem, after time.Duration, err error) {
	if it.attempts >= r.opts.MaxAttempts || after > r.c.retry.MaxRetryDelay {
		r.finish(it, nil, err)
		return
	}
	r.delay(it, after, err)
}

func (r *bulkRun) delay(it *bulkItem, after time.Duration, err error) {
	if after <= 0 {
		after = r.backoff(max(it.attempts, it.reads))
	}
	it.lastErr = err
	it.notBefore = time.Now().Add(after)
	r.delayed = append(r.delayed, it)
}

// backoff is the client's base delay doubled per attempt, with jitter.
func (r *bulkRun) backoff(attempt int) time.Duration {
	d := r.c.retry.BaseDelay
	for range max(attempt-1, 0) {
		if d *= 2; d >= r.c.retry.MaxRetryDelay {
			d = r.c.retry.MaxRetryDelay
			break
		}
	}
	return d/2 + rand.N(d/2+1)
}

func (r *bulkRun) finish(it *bulkItem, u *models.ProtectionUnit, err error) {
	res := &r.results[it.idx]
	res.Unit, res.Err = u, err
	r.done++
	if err != nil {
		r.failed++
	}
}

func (r *bulkRun) progress() {
	if r.opts.OnProgress != nil {
		r.opts.OnProgress(r.done, len(r.results), r.failed)
	}
}
