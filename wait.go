package backuprestore

import (
	"context"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/m365kit/backuprestore/models"
)

// WaitCondition is what a wait waits for: a state of the unit, read with
// its real status (the client always sends include-unknown-enum-members).
type WaitCondition struct {
	name string
	// holds reports whether the unit reached the state.
	holds func(u *models.ProtectionUnit) bool
}

// String names the condition, e.g. "removed from its policy".
func (c WaitCondition) String() string { return c.name }

// Holds reports whether u is in the state the condition waits for.
func (c WaitCondition) Holds(u *models.ProtectionUnit) bool {
	return u != nil && c.holds != nil && c.holds(u)
}

// The conditions the lifecycle waits for.
var (
	// UntilRemoved: the service has removed the unit from its policy
	// (empty policyId and unprotected), the state offboard requires.
	UntilRemoved = WaitCondition{"removed from its policy", func(u *models.ProtectionUnit) bool {
		return u.PolicyID == "" && u.Status == models.StatusUnprotected
	}}
	// UntilOffboarded: the grace period ended and the backups were deleted.
	UntilOffboarded = WaitCondition{"offboarded", func(u *models.ProtectionUnit) bool {
		return u.Status == models.StatusOffboarded
	}}
	// UntilCancelCompleted: a cancelled offboarding is complete: the unit
	// is back to unprotected (the service does not document the state a
	// cancellation ends in; unprotected is where it goes in practice and
	// in the emulator).
	UntilCancelCompleted = WaitCondition{"cancellation completed", func(u *models.ProtectionUnit) bool {
		return u.Status == models.StatusUnprotected
	}}
)

// WaitOptions configures a wait. A nil *WaitOptions means the defaults;
// zero fields mean their default and negative ones are rejected
// (ErrInvalidOptions).
type WaitOptions struct {
	// PollInterval is the first delay between reads, default 15 s; it
	// grows by half each read, with jitter, up to MaxPollInterval.
	PollInterval time.Duration
	// MaxPollInterval caps the delay between reads, default 5 min.
	MaxPollInterval time.Duration
	// Timeout ends the wait with ErrWaitTimedOut, default none (only ctx
	// ends it). The service documents no duration for removal.
	Timeout time.Duration
	// OnPoll, when set, is called after every read with the unit as read.
	OnPoll func(u *models.ProtectionUnit)
}

// maxFailedPolls is how many polls in a row may fail (each after the
// pipeline's own retries) before a wait gives up with the error.
const maxFailedPolls = 5

// The defaults of WaitOptions.
const (
	DefaultPollInterval    = 15 * time.Second
	DefaultMaxPollInterval = 5 * time.Minute
)

func (o *WaitOptions) resolve() (WaitOptions, error) {
	var v WaitOptions
	if o != nil {
		v = *o
	}
	if v.PollInterval < 0 || v.MaxPollInterval < 0 || v.Timeout < 0 {
		return v, wrapErr("WaitOptions: a negative duration", ErrInvalidOptions)
	}
	if v.PollInterval == 0 {
		v.PollInterval = DefaultPollInterval
	}
	if v.MaxPollInterval == 0 {
		v.MaxPollInterval = max(DefaultMaxPollInterval, v.PollInterval)
	}
	if v.MaxPollInterval < v.PollInterval {
		return v, wrapErr("WaitOptions.MaxPollInterval is below PollInterval", ErrInvalidOptions)
	}
	return v, nil
}

// poller spaces reads: PollInterval growing by half per read up to
// MaxPollInterval, with ±20% jitter so many waiters spread out.
type poller struct {
	o    WaitOptions
	next time.Duration
}

func (p *poller) delay() time.Duration {
	if p.next == 0 {
		p.next = p.o.PollInterval
	}
	d := p.next
	p.next = min(p.next+p.next/2, p.o.MaxPollInterval)
	jitter := time.Duration(float64(d) * (rand.Float64()*0.4 - 0.2))
	return max(d+jitter, time.Millisecond)
}

// Wait reads the unit until cond holds, polling with backoff and jitter
// (see WaitOptions), and returns the unit as last read. Each read has the
// pipeline's retries (429 and 503 after their Retry-After, transport
// failures, stalls); a read that still fails is tried again at the next
// poll, since nothing is lost by waiting, until 5 polls in a row have
// failed.
//
// It fails with ErrInvalidProtectionUnitID or ErrInvalidOptions (also for
// a zero WaitCondition) before sending anything; with the service's *Error
// when it answers a read with a 4xx (ErrNotFound for an unknown unit), or
// with the last error after 5 failed polls in a row; with ErrWaitTimedOut
// (and the last unit read) after WaitOptions.Timeout; with the context's
// error when ctx ends.
func (b *ProtectionUnitItemRequestBuilder) Wait(ctx context.Context, cond WaitCondition, opts *WaitOptions) (*models.ProtectionUnit, error) {
	o, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	if cond.holds == nil {
		return nil, wrapErr("Wait: a zero WaitCondition (use UntilRemoved, UntilOffboarded or UntilCancelCompleted)", ErrInvalidOptions)
	}
	if err := validateID(b.id); err != nil {
		return nil, err
	}
	var deadline <-chan time.Time
	if o.Timeout > 0 {
		t := time.NewTimer(o.Timeout)
		defer t.Stop()
		deadline = t.C
	}
	p := poller{o: o}
	var last *models.ProtectionUnit
	failed := 0 // polls in a row that got no usable answer
	for {
		u, err := b.Get(ctx, nil)
		switch {
		case err == nil:
			failed = 0
			last = u
			if o.OnPoll != nil {
				o.OnPoll(u)
			}
			if cond.Holds(u) {
				return u, nil
			}
		case ctx.Err() != nil:
			return last, wrapErr("wait until "+cond.name, context.Cause(ctx), err)
		default:
			if e, ok := asError(err); ok && e.StatusCode >= 400 && e.StatusCode < 500 && e.StatusCode != 408 && e.StatusCode != 429 {
				return last, err
			}
			// Each read had the pipeline's retries already; a service that
			// keeps failing (5xx, unusable bodies) ends the wait with its
			// error rather than keeping the caller forever.
			if failed++; failed >= maxFailedPolls {
				return last, wrapErr("wait until "+cond.name+": "+strconv.Itoa(failed)+" polls in a row failed", err)
			}
		}
		wait := time.NewTimer(p.delay())
		select {
		case <-ctx.Done():
			wait.Stop()
			return last, wrapErr("wait until "+cond.name, context.Cause(ctx))
		case <-deadline:
			wait.Stop()
			return last, wrapErr("wait until "+cond.name+" of unit "+quoteID(b.id), ErrWaitTimedOut)
		case <-wait.C:
		}
	}
}

// waitMany waits until cond holds for every unit of ids, reading the ones
// still waiting together through $batch GETs each round (so thousands cost
// a read per 20 units per round). done is called once per unit, from the
// calling goroutine, when cond holds for it (with the unit), when a read
// answers a 4xx (with the error), or at the end for the units still
// waiting (with ErrWaitTimedOut, or the context's error, and the last unit
// read). progress, when set, is called after every round.
func (c *Client) waitMany(ctx context.Context, ids []string, cond WaitCondition, o WaitOptions, bulk *BulkOptions, firstDelay time.Duration,
	done func(id string, u *models.ProtectionUnit, err error), progress func(waiting int)) {
	waiting := append([]string(nil), ids...)
	if firstDelay > 0 && !sleepCtx(ctx, firstDelay) {
		for _, id := range waiting {
			done(id, nil, wrapErr("wait until "+cond.name+" of unit "+quoteID(id), context.Cause(ctx)))
		}
		return
	}
	last := map[string]*models.ProtectionUnit{}
	var deadline time.Time
	if o.Timeout > 0 {
		deadline = time.Now().Add(o.Timeout)
	}
	p := poller{o: o}
	for len(waiting) > 0 {
		reads := c.readUnits(ctx, waiting, bulk)
		still := waiting[:0]
		for i, id := range waiting {
			rd := reads[i]
			switch {
			case rd.Err == nil:
				last[id] = rd.Unit
				if cond.Holds(rd.Unit) {
					done(id, rd.Unit, nil)
					continue
				}
			case ctx.Err() != nil:
			default:
				if e, ok := asError(rd.Err); ok && e.StatusCode >= 400 && e.StatusCode < 500 && e.StatusCode != 408 && e.StatusCode != 429 {
					done(id, last[id], rd.Err)
					continue
				}
			}
			still = append(still, id)
		}
		waiting = still
		if progress != nil {
			progress(len(waiting))
		}
		if len(waiting) == 0 {
			return
		}
		var cause error
		switch {
		case ctx.Err() != nil:
			cause = context.Cause(ctx)
		case !deadline.IsZero() && !time.Now().Before(deadline):
			cause = ErrWaitTimedOut
		default:
			d := p.delay()
			if !deadline.IsZero() {
				d = min(d, time.Until(deadline)) // one last read at the deadline
			}
			if !sleepCtx(ctx, d) {
				cause = context.Cause(ctx)
			}
		}
		if cause != nil {
			for _, id := range waiting {
				done(id, last[id], wrapErr("wait until "+cond.name+" of unit "+quoteID(id), cause))
			}
			return
		}
	}
}
