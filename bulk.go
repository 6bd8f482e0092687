package backuprestore

import (
	"context"
	"errors"
	"fmt"

	"github.com/m365kit/backuprestore/models"
)

// BulkOptions configures OffboardAll and CancelOffboardAll. A nil
// *BulkOptions means all defaults. As for every option of this package,
// zero means the default and a value out of range is not replaced: it fails
// the call (every result's Err matches ErrInvalidOptions and ErrNotSent;
// nothing is sent).
type BulkOptions struct {
	// BatchSize is the number of actions per $batch request, 1 to 20
	// (Graph's limit), default 20.
	BatchSize int
	// MaxConcurrency caps the $batch requests in flight, 1 to 64, default
	// 16.
	//
	// The scheduler adapts to the service (the AWS SDKs' "adaptive" mode):
	// every item takes a token from a client-side token bucket, shared by
	// all bulk calls and runs of one Client, whose rate starts at a safe
	// 50 items/s and doubles while nothing is throttled; a 429 cuts it to
	// 0.7 × the rate really sent and pauses sending until the Retry-After
	// has passed, after which it climbs back along a CUBIC curve (concave
	// to the old rate, then probing beyond). The batches kept in flight
	// follow from that rate and the observed round trip (Little's law),
	// starting with one until the first answer, never more than this cap.
	MaxConcurrency int
	// MaxAttempts is the most times one unit's action is tried (sent, or
	// tried and refused before it was written), and separately the most
	// times it is read back, 1 to 100, default 8. A unit still throttled
	// after that fails with the service's 429; one that could never be
	// sent fails with ErrNotSent; one whose answer stayed lost fails with
	// ErrOutcomeUnknown.
	MaxAttempts int
	// OnProgress, when set, is called after every batch with the number of
	// units finished (succeeded or failed), the total, and how many failed.
	// Calls are sequential, from the goroutine that called the bulk method.
	OnProgress func(done, total, failed int)
}

// The limits of BulkOptions.
const (
	defaultBulkConcurrency = 16
	maxBulkConcurrency     = 64
	defaultBulkAttempts    = 8
	maxBulkAttempts        = 100
)

// resolve checks the options and fills in the defaults.
func (o *BulkOptions) resolve() (BulkOptions, error) {
	var v BulkOptions
	if o != nil {
		v = *o
	}
	if err := checkRange("BulkOptions.BatchSize", v.BatchSize, 1, maxBatchSize); err != nil {
		return v, err
	}
	if err := checkRange("BulkOptions.MaxConcurrency", v.MaxConcurrency, 1, maxBulkConcurrency); err != nil {
		return v, err
	}
	if err := checkRange("BulkOptions.MaxAttempts", v.MaxAttempts, 1, maxBulkAttempts); err != nil {
		return v, err
	}
	v.BatchSize = orDefault(v.BatchSize, maxBatchSize)
	v.MaxConcurrency = orDefault(v.MaxConcurrency, defaultBulkConcurrency)
	v.MaxAttempts = orDefault(v.MaxAttempts, defaultBulkAttempts)
	return v, nil
}

// BulkResult is the outcome for one distinct unit ID. Exactly one of these
// holds:
//
//   - Err == nil: the action was applied by this call (the service answered
//     2xx, or a read-back showed evidence of this call's action: see
//     Reconciled).
//   - The service's answer: Err is the *Error it sent for this unit
//     (errors.Is(err, ErrOperationNotAllowed) for a unit in the wrong
//     state, ErrNotFound for an unknown one), also when a transport
//     failure came between.
//   - errors.Is(Err, ErrNotSent): the action never reached the wire
//     (a malformed ID, a credential that failed, a refused connection, a
//     context that ended first, invalid options): the service cannot have
//     acted on it. The cause is wrapped too.
//   - errors.Is(Err, ErrOutcomeUnknown): an attempt was written to the
//     wire, its answer was lost and reading the unit back could not settle
//     it (the context ended, the read-back kept failing). Read the unit
//     before acting again.
type BulkResult struct {
	// ID is the unit ID as given (the first of any duplicates).
	ID string
	// Unit is the unit as the service returned it after the action (or as
	// read back during reconciliation); nil on failure, and on the rare
	// success whose 2xx carried no usable unit that could not be read back
	// either.
	Unit *models.ProtectionUnit
	// Err is nil on success; see BulkResult for what it can be.
	Err error
	// Attempts is how many times the action was written to the wire for
	// this unit (resends of a throttled or lost attempt included).
	Attempts int
	// Reconciled reports that an attempt's answer was lost and reading the
	// unit back showed evidence that this call applied the action, so it
	// was not sent again.
	Reconciled bool
	// RequestID is the request-id of the answer that settled the unit: the
	// $batch item's own, else the $batch response's; "" without one.
	RequestID string
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
// It returns one BulkResult per distinct ID, in input order (see BulkResult
// for what each can say); it never returns early with work unreported.
// Duplicates (byte-for-byte equal IDs: IDs are opaque, so "ABC" and "abc"
// are two units) are acted on once; an empty list returns at once.
//
// What it does with each unit: items throttled (429) or unavailable (503)
// inside a batch are sent again in a later batch after their own
// Retry-After; a $batch that never reached the wire (a refused connection,
// an outage) is sent again with backoff. A unit whose answer was lost after
// the request was written (a reset, a stall, a 5xx from a gateway) is read
// back in a later batch of GETs, with backoff between read-backs: evidence
// that this call applied the action is the success (Reconciled); without
// it the action was not applied, and it is sent again, which cannot apply
// it twice. A 403 after such an attempt is read back once before it is
// reported. The same action is never applied to a unit twice by the SDK.
//
// A credential that cannot produce a token, an unknown host, a certificate
// that does not verify or the client's guard refusing the request stop the
// whole call at once: every unfinished unit is reported not sent with that
// cause (or ErrOutcomeUnknown, for a unit with an attempt in doubt).
// Cancelling ctx stops new batches at once and reports every unfinished
// unit likewise with the context's error.
func (b *ProtectionUnitsRequestBuilder) OffboardAll(ctx context.Context, ids []string, opts *BulkOptions) BulkResults {
	return b.runBulk(ctx, ids, opts, offboardAction)
}

// CancelOffboardAll cancels the offboarding of every unit in ids, the way
// OffboardAll offboards them; see OffboardAll and BulkResult for the
// guarantees.
func (b *ProtectionUnitsRequestBuilder) CancelOffboardAll(ctx context.Context, ids []string, opts *BulkOptions) BulkResults {
	return b.runBulk(ctx, ids, opts, cancelOffboardAction)
}
