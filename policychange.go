package backuprestore

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/m365kit/backuprestore/internal/bridge"
	"net/http"
	"strconv"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/serialization"

	"github.com/m365kit/backuprestore/internal/jsonlex"
	"github.com/m365kit/backuprestore/internal/middleware"
	"github.com/m365kit/backuprestore/models"
)

// maxDeltaItems is the most items one policy PATCH carries. The service
// caps a policy's creation at 50 units; the cap of an update (PATCH) is
// undocumented, so the same 50 is used.
const maxDeltaItems = 50

// PolicyItemError is the service's answer for one item of a policy PATCH
// that it refused while the PATCH as a whole answered 200. Both documented
// shapes become one: the "@Core.DataModificationException" annotation of
// the update pages (info.code, info.message, failedOperation, responseCode)
// and the error-codes page's per-item "error" (code ProtectionUnitNotFound
// or ProtectionUnitAlreadyExists). errors.Is matches ErrNotFound for
// ProtectionUnitNotFound (or a per-item 404), ErrConflict for
// ProtectionUnitAlreadyExists (or a per-item 409).
type PolicyItemError struct {
	// Code is the per-item code: "ProtectionUnitNotFound",
	// "ProtectionUnitAlreadyExists", or info.code ("Invalid").
	Code string
	// Message is the service's message for the item.
	Message string
	// ResponseCode is the per-item status (responseCode), 0 when absent.
	ResponseCode int
	// FailedOperation is "remove" or "add" (or the service's verbatim word).
	FailedOperation string
	// Details are the per-item error's details, if any.
	Details []models.PublicErrorDetail
	// Method and URL identify the PATCH.
	Method, URL string
	// RequestID is the PATCH response's request-id.
	RequestID string
}

// Error describes the refused item; it never panics.
func (e *PolicyItemError) Error() string {
	if e == nil {
		return "backuprestore: <nil> *PolicyItemError"
	}
	var b strings.Builder
	b.WriteString(errPrefix)
	if e.Method != "" {
		b.WriteString(e.Method + " " + e.URL + ": ")
	}
	op := e.FailedOperation
	if op == "" {
		op = "change"
	}
	b.WriteString(op + " refused")
	if e.ResponseCode != 0 {
		b.WriteString(" with " + strconv.Itoa(e.ResponseCode))
	}
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	for _, d := range e.Details {
		b.WriteString(" (" + d.Code + ": " + d.Message + ")")
	}
	if e.RequestID != "" {
		b.WriteString(" (request-id " + e.RequestID + ")")
	}
	return b.String()
}

// Is matches the package sentinels by code and per-item status.
func (e *PolicyItemError) Is(target error) bool {
	if e == nil {
		return false
	}
	switch target {
	case ErrNotFound:
		return strings.EqualFold(e.Code, CodeProtectionUnitNotFound) || e.ResponseCode == http.StatusNotFound
	case ErrConflict:
		return strings.EqualFold(e.Code, CodeProtectionUnitAlreadyExists) || e.ResponseCode == http.StatusConflict
	}
	return false
}

// PolicyChangeResult is the outcome of one requested change of a policy.
// Exactly one of these holds:
//
//   - Err == nil: the service accepted this change in this call (its answer
//     showed the unit removeRequested or, for an add, protectRequested; or
//     a read-back after a lost answer showed evidence of it: Reconciled).
//   - errors.Is(Err, ErrAlreadyInState): nothing was needed or nothing this
//     call sent did it (the unit was already removeRequested or out of the
//     policy, the artifact already protected by it).
//   - The service's answer: a *PolicyItemError for the item, or the *Error
//     of the PATCH as a whole (ErrNotFound for PolicyNotFound,
//     ErrDynamicRuleUnit, ErrDuplicateInList, ErrServiceLocked, …).
//   - errors.Is(Err, ErrNotSent): no PATCH carrying it reached the wire.
//   - errors.Is(Err, ErrOutcomeUnknown): a PATCH carrying it was written,
//     its answer was lost, and reading back could not settle it.
type PolicyChangeResult struct {
	// ID is the item as requested: a unit ID to remove, or the artifact
	// to add (a site ID, or a user's directory object ID).
	ID string
	// Unit is the unit as the service echoed it or as read back; nil when
	// unknown.
	Unit *models.ProtectionUnit
	// Err is nil on success; see PolicyChangeResult.
	Err error
	// Reconciled reports that the change's answer was lost and reading the
	// unit back showed evidence that this call made it.
	Reconciled bool
	// RequestID is the request-id of the PATCH answer that settled the
	// item ("" when none came back), for Microsoft support.
	RequestID string
	// Attempts counts the PATCH requests that carried the item and reached
	// the wire (the pipeline's resends included).
	Attempts int
}

// PolicyChangeResults holds one result per distinct requested item, in
// the order the items first appear.
type PolicyChangeResults []PolicyChangeResult

// Failed returns the failures (see the package doc, "Failed"): the
// results whose Err is set, except ErrAlreadyInState (nothing was needed).
func (r PolicyChangeResults) Failed() PolicyChangeResults {
	var out PolicyChangeResults
	for _, x := range r {
		if x.Err != nil && !errors.Is(x.Err, ErrAlreadyInState) {
			out = append(out, x)
		}
	}
	return out
}

// Err joins the failures ("<id>: <error>"), or returns nil when every
// change was accepted.
func (r PolicyChangeResults) Err() error {
	var es []error
	for _, x := range r {
		if x.Err != nil {
			es = append(es, fmt.Errorf("%s: %w", x.ID, x.Err))
		}
	}
	return errors.Join(es...)
}

// RemoveUnits removes units from the policy: PATCH
// …/{workload}ProtectionPolicies/{id} with "…ProtectionUnits@delta" items
// {"@removed":{"reason":"changed"},"id":…}, at most 50 per request
// (chunks are sent one after the other). An accepted unit goes to
// removeRequested (its policyId kept) and, once the service has removed
// it, to an empty policyId and unprotected: wait for that with
// ProtectionUnitItemRequestBuilder.Wait(ctx, UntilRemoved, nil). The PATCH
// is not compressed: it is a few KiB, and gzip would cost every PATCH CPU
// and, through a proxy that refuses it, a 415 round trip.
//
// It returns one result per distinct ID, in input order (see
// PolicyChangeResult), and an error only when nothing could be sent at all
// (a malformed policy ID: ErrInvalidPolicyID; on the collection of every
// kind, the read of the policy that tells its workload failed); every
// result then carries that error too. A malformed unit ID is that unit's
// ErrInvalidProtectionUnitID, never sent.
//
// Truthful outcomes, as for the actions: a PATCH throttled (429) or
// unavailable (503), or one that never reached the wire, is sent again
// with backoff; one whose answer was lost after it was written (a reset, a
// stall, a 5xx from a gateway, a 200 whose body was cut) is settled by
// reading its units back: a unit in removeRequested whose change is after
// the request was sent (on the service's clock, estimated from its Date
// header) and whose lastModifiedBy is the caller was removed by this call;
// one still protected in the policy was not, and is sent again (a removal
// cannot apply twice); one already removeRequested before, or out of the
// policy, gets ErrAlreadyInState and is never sent again. A 400
// ProtectionUnitActionNotAllowed (a unit protected by a dynamic rule) makes
// the service refuse the whole request: the chunk is split and sent again
// until the unit that caused it is found; that unit alone fails with
// ErrDynamicRuleUnit.
func (b *ProtectionPolicyItemRequestBuilder) RemoveUnits(ctx context.Context, unitIDs []string, opts *PolicyChangeOptions) (PolicyChangeResults, error) {
	return b.change(ctx, unitIDs, true, opts)
}

// AddUnits adds artifacts to the policy: PATCH with "…ProtectionUnits@delta"
// items {"siteId": …} (SharePoint) or {"directoryObjectId": …} (OneDrive,
// Exchange), at most 50 per request. An accepted artifact becomes a new
// unit in protectRequested. Results, errors and the handling of lost
// answers are RemoveUnits', except that a lost answer is settled by
// listing the policy's units: an artifact now in the policy as a unit
// created after the request was sent was added by this call; one not in it
// is sent again; one already there before gets ErrAlreadyInState.
func (b *ProtectionPolicyItemRequestBuilder) AddUnits(ctx context.Context, artifacts []string, opts *PolicyChangeOptions) (PolicyChangeResults, error) {
	return b.change(ctx, artifacts, false, opts)
}

func (b *ProtectionPolicyItemRequestBuilder) change(ctx context.Context, keys []string, remove bool, opts *PolicyChangeOptions) (PolicyChangeResults, error) {
	pc := &policyChange{c: b.c, policyID: b.id, remove: remove}
	pc.add(keys)
	o, err := opts.resolve()
	if err != nil {
		pc.failAll(wrapErr(pc.verb(), ErrNotSent, err))
		return pc.results, err
	}
	pc.maxAttempts, pc.onProgress = o.MaxAttempts, o.OnProgress
	if err := b.check(); err != nil {
		pc.failAll(wrapErr(pc.verb(), ErrNotSent, err))
		return pc.results, err
	}
	if err := b.c.gate(ctx); err != nil {
		pc.failAll(wrapErr(pc.verb(), ErrNotSent, err))
		return pc.results, err
	}
	kind, err := b.resolveKind(ctx)
	if err != nil {
		pc.failAll(wrapErr(pc.verb()+": the policy's workload could not be read", ErrNotSent, err))
		return pc.results, err
	}
	pc.kind = kind
	pc.run(ctx)
	return pc.results, nil
}

// changeItem is one requested change.
type changeItem struct {
	idx int
	key string // unit ID (remove) or artifact (add)
	// prior is the unit as read before the change (a run reads every unit
	// first): evidence that a later removeRequested is this call's.
	prior *models.ProtectionUnit
	tries int
	ev    attemptEvidence
	// answer is the service's last own answer for the item; waiting is a
	// definitive one that came after an attempt that may have been acted
	// on: the read-back decides between it and a late success.
	answer  error
	waiting error
	lastErr error
	// sent is when the last PATCH carrying the item went out.
	sent time.Time
	// attempts counts the PATCH requests that carried the item to the
	// wire; requestID is the last answer's request-id.
	attempts  int
	requestID string
}

// policyChange is one RemoveUnits/AddUnits call (or a run's remove stage
// for one policy). Chunks are sent one after the other.
type policyChange struct {
	c           *Client
	kind        models.PolicyKind
	policyID    string
	remove      bool
	maxAttempts int
	results     PolicyChangeResults
	items       []*changeItem
	// hooks are a workflow's (internal/bridge): evidence from an earlier
	// process, a refusal before a PATCH is sent, each result as it settles.
	hooks bridge.Hooks
	// bulk caps the read-backs' $batch requests (a run's BulkOptions).
	bulk *BulkOptions
	// onProgress is PolicyChangeOptions.OnProgress; done and failed count
	// the settled items.
	onProgress   func(done, total, failed int)
	done, failed int
	// queue holds chunks to send, in order.
	queue [][]*changeItem
	// abort stops the change: a permanent not-sent failure, a failed hook.
	abort error
}

func (pc *policyChange) verb() string {
	if pc.remove {
		return "remove from protection policy " + quoteID(pc.policyID)
	}
	return "add to protection policy " + quoteID(pc.policyID)
}

// add registers keys, deduplicated; malformed unit IDs fail at once.
func (pc *policyChange) add(keys []string) {
	seen := make(map[string]struct{}, len(keys))
	for _, k := range keys {
		if _, dup := seen[k]; dup {
			continue
		}
		seen[k] = struct{}{}
		pc.results = append(pc.results, PolicyChangeResult{ID: k})
		it := &changeItem{idx: len(pc.results) - 1, key: k}
		pc.items = append(pc.items, it)
	}
}

func (pc *policyChange) failAll(err error) {
	for _, it := range pc.items {
		if pc.results[it.idx].Err == nil && pc.results[it.idx].Unit == nil {
			pc.results[it.idx].Err = err
		}
	}
}

// finish records an item's final result.
func (pc *policyChange) finish(it *changeItem, u *models.ProtectionUnit, err error, reconciled bool) {
	res := &pc.results[it.idx]
	res.Unit, res.Err, res.Reconciled = u, err, reconciled
	res.RequestID, res.Attempts = it.requestID, it.attempts
	pc.done++
	if err != nil && !errors.Is(err, ErrAlreadyInState) {
		pc.failed++
	}
	if pc.hooks.OnResult != nil {
		pc.hooks.OnResult(bridge.Result{Key: it.key, Unit: u, Err: err, Reconciled: reconciled, RequestID: it.requestID, Sent: it.sent})
	}
}

func (pc *policyChange) itemOp(it *changeItem) string {
	return pc.verb() + ": " + quoteID(it.key)
}

// run sends every chunk until each item is settled or ctx ends.
func (pc *policyChange) run(ctx context.Context) {
	var pending []*changeItem
	for _, it := range pc.items {
		if pc.remove {
			if err := validateID(it.key); err != nil {
				pc.finish(it, nil, wrapErr(pc.itemOp(it), ErrNotSent, err), false)
				continue
			}
		} else if strings.TrimSpace(it.key) == "" {
			pc.finish(it, nil, wrapErr(pc.itemOp(it)+": an empty artifact", ErrNotSent, ErrInvalidOptions), false)
			continue
		}
		pending = append(pending, it)
	}
	for len(pending) > 0 {
		pc.queue = append(pc.queue, pending[:min(maxDeltaItems, len(pending))])
		pending = pending[min(maxDeltaItems, len(pending)):]
	}
	attempt := 0
	for len(pc.queue) > 0 {
		if pc.abort == nil && ctx.Err() != nil {
			pc.abort = context.Cause(ctx)
		}
		chunk := pc.queue[0]
		pc.queue = pc.queue[1:]
		if pc.abort != nil {
			for _, it := range chunk {
				pc.finishUnsettled(it, pc.abort)
			}
			continue
		}
		if len(chunk) == 0 {
			continue
		}
		delay := pc.sendChunk(ctx, chunk)
		if pc.onProgress != nil {
			pc.onProgress(pc.done, len(pc.items), pc.failed)
		}
		if pc.hooks.OnProgress != nil {
			pc.hooks.OnProgress(pc.done, len(pc.items), pc.failed)
		}
		if delay > 0 && len(pc.queue) > 0 {
			attempt++
			if !sleepCtx(ctx, delay) && pc.abort == nil {
				pc.abort = context.Cause(ctx)
			}
		} else {
			attempt = 0
		}
	}
}

// finishUnsettled reports an item the change could not finish.
func (pc *policyChange) finishUnsettled(it *changeItem, cause error) {
	if it.ev.any() || it.waiting != nil {
		pc.finish(it, nil, wrapErr(pc.itemOp(it)+": an attempt may have been applied and was not settled", ErrOutcomeUnknown, cause, it.answer), false)
		return
	}
	pc.finish(it, nil, wrapErr(pc.itemOp(it), ErrNotSent, cause, it.answer), false)
}

// sendChunk sends one PATCH and settles what it can; it returns how long to
// wait before the next chunk (a Retry-After, or a backoff after a failure).
func (pc *policyChange) sendChunk(ctx context.Context, chunk []*changeItem) time.Duration {
	if pc.hooks.BeforeSend != nil {
		keys := make([]string, len(chunk))
		for i, it := range chunk {
			keys[i] = it.key
		}
		if err := pc.hooks.BeforeSend(keys); err != nil {
			err = errRefusedByHook{err}
			pc.abort = err
			for _, it := range chunk {
				pc.finishUnsettled(it, err)
			}
			return 0
		}
	}
	if err := pc.c.limiter.Wait(ctx, 1); err != nil {
		pc.abort = err
		for _, it := range chunk {
			pc.finishUnsettled(it, err)
		}
		return 0
	}
	sent := time.Now()
	for _, it := range chunk {
		it.tries++
		it.sent = sent
	}
	echo, meta, log, err := pc.patch(withoutCapture(ctx), chunk)
	pc.pace(log)
	wired := 0
	for _, a := range log.Attempts() {
		if a.State != middleware.NotSent {
			wired++
		}
	}
	lastStart := sent
	for _, it := range chunk {
		lastStart = it.ev.note(log) // the pipeline's resends are earlier attempts
		it.attempts += wired
		if meta.RequestID != "" {
			it.requestID = meta.RequestID
		}
	}
	state, permanent := wireStateOf(err)
	e, _ := asError(err)
	if state == middleware.Answered && errors.Is(e, ErrDynamicRuleUnit) && len(chunk) > 1 {
		// The whole request was refused for one of its units (or a few):
		// find them by halves; nothing was applied.
		for _, it := range chunk {
			it.tries-- // this try told us something, it did not fail
		}
		half := len(chunk) / 2
		pc.queue = append([][]*changeItem{chunk[:half], chunk[half:]}, pc.queue...)
		return 0
	}
	var doubt, again []*changeItem
	var retryAfter time.Duration
	for _, it := range chunk {
		f := attemptFacts{wire: state, permanent: permanent, itemized: true, ctxEnded: ctx.Err() != nil,
			inDoubt: it.ev.any(), triesLeft: it.tries < pc.maxAttempts}
		var answer error // the service's answer for this item
		var u *models.ProtectionUnit
		switch {
		case err == nil:
			var ok bool
			if u, ok = echo.find(it.key, pc.remove); !ok {
				f.wire = middleware.MaybeSent // answered without this item: its fate is unknown
				break
			}
			f.wire = middleware.Answered
			if itemErr := pc.itemError(u, meta); itemErr != nil {
				answer, f.status = itemErr, cmp.Or(itemErr.ResponseCode, http.StatusBadRequest)
			} else {
				f.status, f.usable = http.StatusOK, true
			}
		case e != nil:
			answer, f.status = e, e.StatusCode
			retryAfter = max(retryAfter, e.RetryAfter)
		}
		if answer != nil && f.status >= 300 {
			it.answer = answer
		}
		it.lastErr = cmp.Or[error](answer, err)
		d := decide(f)
		if d.maybeActed {
			it.ev.maybeActed(lastStart)
		}
		if d.stopAll && pc.abort == nil {
			pc.abort = err
		}
		switch d.disp {
		case dispSuccess:
			pc.finish(it, u, nil, false)
		case dispReadBack:
			if answer != nil && !d.maybeActed && f.status >= 300 {
				it.waiting = answer
			}
			doubt = append(doubt, it)
		case dispRetry:
			again = append(again, it)
		case dispAnswer:
			pc.finish(it, u, answer, false)
		case dispNotSent:
			pc.finish(it, nil, wrapErr(pc.itemOp(it), ErrNotSent, context.Cause(ctx), err), false)
		default: // dispUnknown (dispSuccessRead cannot happen: the PATCH is itemized)
			pc.finish(it, nil, wrapErr(pc.itemOp(it)+": an attempt may have been applied and was not settled", ErrOutcomeUnknown, context.Cause(ctx), err, it.answer), false)
		}
	}
	if len(doubt) > 0 {
		pc.settleByReading(ctx, doubt)
	}
	if len(again) > 0 {
		pc.queue = append(pc.queue, again)
		return max(retryAfter, pc.c.retry.backoff(again[0].tries))
	}
	return 0
}

// pace tells the client's limiter about the PATCH: one request.
func (pc *policyChange) pace(log *middleware.AttemptLog) {
	all := log.Attempts()
	for i, a := range all {
		if a.State != middleware.Answered {
			continue
		}
		if i == len(all)-1 {
			pc.c.limiter.ObserveLatency(a.End.Sub(a.Start))
		}
		if a.Status == http.StatusTooManyRequests {
			pc.c.limiter.OnThrottled(1, retryAfterOf(a.Header))
		} else if i == len(all)-1 {
			pc.c.limiter.OnSuccess(1)
		}
	}
}

// itemError reads a refused item of the PATCH's answer: the
// @Core.DataModificationException annotation, a per-item "error", or an
// item without the status the change leads to.
func (pc *policyChange) itemError(u *models.ProtectionUnit, meta Response) *PolicyItemError {
	pe := &PolicyItemError{Method: http.MethodPatch, URL: meta.URL, RequestID: meta.RequestID}
	if dme, ok := u.DataModificationError(); ok {
		pe.Code, pe.Message, pe.ResponseCode, pe.FailedOperation = dme.Code, dme.Message, dme.ResponseCode, dme.FailedOperation
		return pe
	}
	if u.Error != nil {
		pe.Code, pe.Message, pe.Details = u.Error.Code, u.Error.Message, u.Error.Details
		pe.FailedOperation = map[bool]string{true: "remove", false: "add"}[pc.remove]
		return pe
	}
	want := []models.ProtectionUnitStatus{models.StatusProtectRequested, models.StatusProtected}
	if pc.remove {
		want = []models.ProtectionUnitStatus{models.StatusRemoveRequested}
	}
	for _, s := range want {
		if u.Status == s {
			return nil
		}
	}
	pe.FailedOperation = map[bool]string{true: "remove", false: "add"}[pc.remove]
	pe.Message = "the answer's item has status " + strconv.Quote(string(u.Status)) + ", not the one the change leads to"
	return pe
}

// deltaEcho is a PATCH answer's "…ProtectionUnits@delta" items.
type deltaEcho []*models.ProtectionUnit

// find returns the echo item for a requested key: the unit with that id
// (removals), or with that siteId/directoryObjectId (adds).
func (d deltaEcho) find(key string, remove bool) (*models.ProtectionUnit, bool) {
	for _, u := range d {
		if remove && u.ID == key {
			return u, true
		}
		if !remove && (strings.EqualFold(u.SiteID, key) || strings.EqualFold(u.DirectoryObjectID, key)) {
			return u, true
		}
	}
	return nil, false
}

// patch sends one PATCH with the chunk's items.
func (pc *policyChange) patch(ctx context.Context, chunk []*changeItem) (deltaEcho, Response, *middleware.AttemptLog, error) {
	log := &middleware.AttemptLog{}
	base, err := pc.c.baseURL()
	if err != nil {
		return nil, Response{}, log, err
	}
	item := &ProtectionPolicyItemRequestBuilder{c: pc.c, id: pc.policyID, kind: pc.kind}
	p := item.itemPath(pc.kind)
	ri := newRequestInformation(abs.PATCH, "{+baseurl}"+p, map[string]string{"baseurl": base.String()}, nil, nil)
	ri.SetStreamContentAndContentType(pc.body(chunk), "application/json")
	u, err := joinPath(base, p)
	if err != nil {
		return nil, Response{}, log, err
	}
	key := pc.kind.DeltaKey()
	k := &call[deltaEcho]{
		c:       pc.c,
		op:      pc.verb(),
		log:     log,
		redact:  true,
		decode:  func(body []byte) (deltaEcho, error) { return decodeDeltaEcho(body, key) },
		factory: func(serialization.ParseNode) (serialization.Parsable, error) { return nil, nil },
		fromParsable: func(serialization.Parsable) (deltaEcho, bool) {
			return nil, false
		},
	}
	echo, err := k.send(ctx, withURI(ri, u))
	return echo, k.meta, log, err
}

// body writes {"<kind>ProtectionUnits@delta":[…]}.
func (pc *policyChange) body(chunk []*changeItem) []byte {
	b := make([]byte, 0, 64+len(chunk)*80)
	b = append(b, '{')
	b = jsonlex.AppendString(b, pc.kind.DeltaKey())
	b = append(b, ":["...)
	addKey := "siteId"
	if pc.kind != models.PolicyKindSharePoint {
		addKey = "directoryObjectId"
	}
	for i, it := range chunk {
		if i > 0 {
			b = append(b, ',')
		}
		if pc.remove {
			b = append(b, `{"@removed":{"reason":"changed"},"id":`...)
		} else {
			b = append(b, '{')
			b = jsonlex.AppendString(b, addKey)
			b = append(b, ':')
		}
		if pc.remove {
			b = jsonlex.AppendString(b, it.key)
		} else {
			b = jsonlex.AppendString(b, strings.TrimSpace(it.key))
		}
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// decodeDeltaEcho reads the items of a PATCH answer under key.
func decodeDeltaEcho(body []byte, key string) (deltaEcho, error) {
	var wire map[string]json.RawMessage
	if err := json.Unmarshal(body, &wire); err != nil {
		return nil, fmt.Errorf("decoding the policy PATCH answer: %w", err)
	}
	raw, ok := wire[key]
	if !ok {
		for k, v := range wire { // case-insensitive, as OData allows
			if strings.EqualFold(k, key) {
				raw, ok = v, true
			}
		}
	}
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, fmt.Errorf("the policy PATCH answer has no %q array", key)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("decoding %q: %w", key, err)
	}
	out := make(deltaEcho, 0, len(items))
	for i, it := range items {
		u := &models.ProtectionUnit{}
		if err := u.UnmarshalJSON(it); err != nil {
			return nil, fmt.Errorf("decoding %q item %d: %w", key, i, err)
		}
		out = append(out, u)
	}
	return out, nil
}

// settleByReading reads back items whose change may have been applied
// although its answer was lost, and settles each: applied by this call,
// already so, not applied (sent again), or unknown.
func (pc *policyChange) settleByReading(ctx context.Context, items []*changeItem) {
	if !pc.remove {
		pc.settleAddsByListing(ctx, items)
		return
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.key
	}
	reads := pc.c.readUnits(ctx, ids, pc.bulk)
	var again []*changeItem
	for i, it := range items {
		rd := reads[i]
		rf := readFacts{read: readOK}
		switch {
		case rd.Err == nil:
			rf.verdict = pc.judgeRemoval(it, rd.Unit, rd.date, rd.recv)
		case errors.Is(rd.Err, ErrNotFound):
			rf.read = readNotFound
		default:
			rf.read = readFailed
		}
		if pc.settleRead(it, rf, rd.Unit, rd.Err) {
			again = append(again, it)
		}
	}
	if len(again) > 0 {
		pc.queue = append(pc.queue, again)
	}
}

// settleRead carries out the outcome table's judgement of an item's
// read-back (u the unit read, readErr the read's failure or answer); it
// reports whether the item is to be sent again.
func (pc *policyChange) settleRead(it *changeItem, rf readFacts, u *models.ProtectionUnit, readErr error) (again bool) {
	rf.answer, rf.triesLeft = it.waiting != nil, it.tries < pc.maxAttempts
	waiting := it.waiting
	it.waiting = nil
	switch settleRead(rf) {
	case dispSuccess:
		pc.finish(it, u, nil, true)
	case dispAlready:
		what := "the unit is " + describeUnit(u)
		if !pc.remove {
			what = "the artifact is already protected by this policy"
		}
		pc.finish(it, u, wrapErr(pc.itemOp(it)+": "+what+", not by this call", ErrAlreadyInState), false)
	case dispAnswer:
		if waiting != nil && rf.read == readOK {
			// The earlier attempt was not applied, and the service refused
			// the later one on its merits: its answer stands.
			pc.finish(it, u, waiting, false)
		} else {
			pc.finish(it, nil, readErr, false)
		}
	case dispRetry:
		return true // not applied: a change cannot apply twice
	default: // dispUnknown
		switch {
		case rf.read == readOK && rf.verdict == cannotTell:
			pc.finish(it, u, wrapErr(pc.itemOp(it)+": the unit is "+describeUnit(u)+"; this call may have done it", ErrOutcomeUnknown, it.lastErr), true)
		case rf.read == readOK && answerStatus(it.answer) != 0:
			pc.finish(it, u, wrapErr(fmt.Sprintf("%s: the service answered %d; it may have acted, and the unit read back shows no sign of it yet",
				pc.itemOp(it), answerStatus(it.answer)), ErrOutcomeUnknown, it.lastErr, it.answer), false)
		case rf.read == readOK:
			pc.finish(it, u, wrapErr(pc.itemOp(it)+": no attempt's answer came back", ErrOutcomeUnknown, it.lastErr, it.answer), false)
		default:
			pc.finish(it, nil, wrapErr(pc.itemOp(it)+": reading back failed", ErrOutcomeUnknown, it.lastErr, it.answer, readErr), false)
		}
	}
	return false
}

// judgeRemoval decides what a unit read back says about a removal whose
// answer was lost. Evidence that this call removed it: the unit was read
// in the policy, not removeRequested, before the change (a run's read), or
// its lastModifiedDateTime is after the first attempt that may have been
// acted on (on the service's clock, as unitAction.judge estimates it) and
// lastModifiedBy is the caller.
func (pc *policyChange) judgeRemoval(it *changeItem, u *models.ProtectionUnit, date, recv time.Time) verdict {
	inPolicy := u.PolicyID == pc.policyID
	removed := u.PolicyID == ""
	wasInPolicy := it.prior != nil && it.prior.PolicyID == pc.policyID && it.prior.Status != models.StatusRemoveRequested
	switch {
	case inPolicy && u.Status == models.StatusRemoveRequested:
		if wasInPolicy || recentByCaller(u, it.ev, date, recv) {
			return applied
		}
		return alreadySo
	case removed:
		if wasInPolicy {
			return applied // read in the policy, now out of it: this removal, completed
		}
		if !it.ev.firstSent.IsZero() && !u.LastModifiedDateTime.Before(serviceThreshold(it.ev, date, recv)) {
			return cannotTell
		}
		return alreadySo
	case inPolicy:
		return notApplied
	}
	// In another policy now: whatever happened, this policy's change is
	// moot; say so without claiming it.
	if it.ev.any() {
		return cannotTell
	}
	return alreadySo
}

// serviceThreshold is the earliest the first maybe-acted attempt can have
// reached the service, on its clock (see unitAction.judge).
func serviceThreshold(ev attemptEvidence, date, recv time.Time) time.Time {
	t := ev.firstSent
	if !date.IsZero() && !recv.IsZero() {
		t = t.Add(date.Sub(recv))
	}
	return t.Add(-evidenceSlack)
}

// recentByCaller reports whether u was last changed after the first
// maybe-acted attempt, by the caller when both are known.
func recentByCaller(u *models.ProtectionUnit, ev attemptEvidence, date, recv time.Time) bool {
	if ev.firstSent.IsZero() || u.LastModifiedDateTime.IsZero() {
		return false
	}
	if mb := u.LastModifiedBy; ev.subject != "" && mb != nil && mb.User != nil && mb.User.ID != "" && !strings.EqualFold(mb.User.ID, ev.subject) {
		return false
	}
	return !u.LastModifiedDateTime.Before(serviceThreshold(ev, date, recv))
}

// describeUnit names a unit's state for a message.
func describeUnit(u *models.ProtectionUnit) string {
	if u.PolicyID == "" {
		return string(u.Status) + " with no policy"
	}
	return string(u.Status) + " in policy " + quoteID(u.PolicyID)
}

// settleAddsByListing lists the policy's units once and settles adds
// whose answer was lost.
func (pc *policyChange) settleAddsByListing(ctx context.Context, items []*changeItem) {
	item := &ProtectionPolicyItemRequestBuilder{c: pc.c, id: pc.policyID, kind: pc.kind}
	byArtifact := map[string]*models.ProtectionUnit{}
	var date, recv time.Time
	var meta Response
	lctx := WithCaptureResponse(ctx, &meta)
	for u, err := range item.Units(lctx, nil) {
		if err != nil {
			for _, it := range items {
				pc.settleRead(it, readFacts{read: readFailed}, nil, wrapErr("listing the policy's units", err))
			}
			return
		}
		for _, a := range []string{u.SiteID, u.DirectoryObjectID} {
			if a != "" {
				byArtifact[strings.ToLower(a)] = u
			}
		}
	}
	date, recv = meta.Date, time.Now()
	var again []*changeItem
	for _, it := range items {
		u, ok := byArtifact[strings.ToLower(strings.TrimSpace(it.key))]
		rf := readFacts{read: readOK, verdict: alreadySo}
		switch {
		case !ok:
			rf.verdict = notApplied
		case !it.ev.firstSent.IsZero() && !u.CreatedDateTime.IsZero() && !u.CreatedDateTime.Before(serviceThreshold(it.ev, date, recv)):
			rf.verdict = applied
		}
		if pc.settleRead(it, rf, u, nil) {
			again = append(again, it)
		}
	}
	if len(again) > 0 {
		pc.queue = append(pc.queue, again)
	}
}

// answerStatus is the HTTP status of a service's answer (an *Error or a
// *PolicyItemError), or 0 when err is neither.
func answerStatus(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode
	}
	var pe *PolicyItemError
	if errors.As(err, &pe) {
		return pe.ResponseCode
	}
	return 0
}
