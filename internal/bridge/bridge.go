// Package bridge is the one seam between the client's engines (package
// backuprestore: the $batch scheduler, the policy PATCH, reads, waits, the
// evidence rule) and the workflows built on them (package offboarding). The
// root package fills the function variables in its init, as grpc-go's
// internal package does; a workflow calls them. Root types cross as any
// (the bridge cannot import the root package, which imports it): *Client,
// *BulkOptions, *WaitOptions, WaitCondition; each function's comment says
// which.
//
// Nothing here is public API. The engines know nothing of runs or
// journals: a workflow passes hooks (what to do before a batch is sent, what
// an earlier process sent) and gets every item's result as it settles.
package bridge

import (
	"context"
	"time"

	"github.com/m365kit/backuprestore/models"
)

// UnitRead is what a read learnt about one unit.
type UnitRead struct {
	// Unit is the unit read; nil when Err is set.
	Unit *models.ProtectionUnit
	// Err is the read's failure: the service's answer (ErrNotFound for no
	// such unit) or the transport's.
	Err error
	// Date is the response's Date header (the service's clock), Recv when
	// it arrived (the local clock); both zero when unknown.
	Date, Recv time.Time
}

// Verdict is the evidence rule's judgement of a unit read after a write in
// doubt.
type Verdict int

// The verdicts.
const (
	// NotApplied: no evidence that the write was applied.
	NotApplied Verdict = iota
	// Applied: the unit shows the write's mark, by the caller, not before
	// the write was sent.
	Applied
	// CannotTell: consistent with the write, without a mark that proves it.
	CannotTell
)

// Hooks are what a workflow asks of a write engine. Every field may be nil.
type Hooks struct {
	// SentBefore returns when an earlier process journaled a write of the
	// same kind to key as in doubt (zero: none): evidence the engine judges
	// a read-back with, as if that write were an earlier attempt of its own.
	SentBefore func(key string) time.Time
	// BeforeSend is called with the keys of a request (a $batch, a PATCH)
	// before it is sent; an error stops the whole call with that request
	// and every later one not sent (each item's error wraps it and matches
	// ErrNotSent).
	BeforeSend func(keys []string) error
	// OnResult is called once per item as it settles, sequentially, from
	// the goroutine that called the engine.
	OnResult func(Result)
	// OnProgress is called after every request with how many items have
	// settled, of how many, and how many failed.
	OnProgress func(done, total, failed int)
}

// Result is one item's outcome from a write engine.
type Result struct {
	// Key is the item as given (a unit ID).
	Key string
	// Unit is the unit as the answer or a read-back showed it; nil when
	// unknown.
	Unit *models.ProtectionUnit
	// Err is nil on success, else the engine's error (ErrNotSent,
	// ErrOutcomeUnknown, ErrAlreadyInState, the service's answer, …).
	Err error
	// Reconciled: the answer was lost and a read-back settled it.
	Reconciled bool
	// RequestID is the request-id of the answer that settled the item;
	// Sent is when its last write went out (zero if none did).
	RequestID string
	Sent      time.Time
}

// PolicyItem is one unit to remove from a policy, with what a workflow
// read of it before (evidence that a later removeRequested is its own).
type PolicyItem struct {
	UnitID string
	Prior  *models.ProtectionUnit
}

// The engines, filled by package backuprestore's init.
var (
	// ReadUnits reads units through $batch GETs with the client's pacing
	// and retries: one result per ID, in order. c is a *Client, bulk a
	// *BulkOptions (nil: defaults).
	ReadUnits func(ctx context.Context, c any, ids []string, bulk any) []UnitRead
	// Act sends a bound action ("offboard" or "cancelOffboard") to every
	// unit of ids through the $batch scheduler, with the outcome table's
	// rules; results arrive through hooks.OnResult. c is a *Client, bulk a
	// *BulkOptions.
	Act func(ctx context.Context, c any, action string, ids []string, bulk any, hooks Hooks)
	// RemoveFromPolicy removes units from one policy (PATCH …@delta, ≤ 50
	// per request, one request after another), with the outcome table's
	// rules; results arrive through hooks.OnResult. The service status is
	// not read first (a workflow has its own gate). c is a *Client, bulk a
	// *BulkOptions (for read-backs and MaxAttempts).
	RemoveFromPolicy func(ctx context.Context, c any, kind models.PolicyKind, policyID string, items []PolicyItem, bulk any, hooks Hooks)
	// WaitMany waits until cond holds for every unit of ids, polling many
	// units per $batch; done is called once per unit (nil error: cond
	// holds), progress after every poll with how many still wait. c is a
	// *Client, cond a WaitCondition, wait a WaitOptions (resolved), bulk a
	// *BulkOptions.
	WaitMany func(ctx context.Context, c any, ids []string, cond any, wait any, bulk any, firstDelay time.Duration,
		done func(id string, u *models.ProtectionUnit, err error), progress func(waiting int))
	// Judge applies the evidence rule of action ("offboard",
	// "cancelOffboard") to u, read at recv with the Date header date, for
	// a write sent at sent by the client's caller. c is a *Client.
	Judge func(c any, action string, u *models.ProtectionUnit, sent, date, recv time.Time) Verdict
	// CheckBulk resolves a *BulkOptions, failing with ErrInvalidOptions.
	CheckBulk func(bulk any) error
	// ResolveWait resolves a *WaitOptions (defaults filled in), failing
	// with ErrInvalidOptions; it returns a WaitOptions.
	ResolveWait func(wait any) (any, error)
	// PollInterval returns a resolved WaitOptions' PollInterval.
	PollInterval func(wait any) time.Duration
)
