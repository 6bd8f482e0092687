package schedule

import (
	"context"
	"time"
)

// Pacer is what the SDK's bulk scheduler asks of a pacing policy; *Limiter
// is the one every client uses. See Limiter for each method's contract.
type Pacer interface {
	Wait(ctx context.Context, n int) error
	OnSuccess(n int)
	OnThrottled(throttled int, retryAfter time.Duration)
	ObserveLatency(d time.Duration)
	Concurrency(batchSize, maxConcurrency int) int
}

var _ Pacer = (*Limiter)(nil)

// Fixed is the scheduler the SDK had before the adaptive one: a fixed
// number of requests in flight, no pacing, and nothing learnt from 429s
// (each throttled item still waits its own Retry-After in the bulk
// scheduler). It exists so benchmarks can compare the two in one run.
type Fixed struct {
	// InFlight is the number of requests kept in flight (at least 1).
	InFlight int
}

// Wait returns at once, or the context's cause when it is done.
func (Fixed) Wait(ctx context.Context, _ int) error { return context.Cause(ctx) }

// OnSuccess does nothing.
func (Fixed) OnSuccess(int) {}

// OnThrottled does nothing.
func (Fixed) OnThrottled(int, time.Duration) {}

// ObserveLatency does nothing.
func (Fixed) ObserveLatency(time.Duration) {}

// Concurrency returns InFlight (at least 1), capped by maxConcurrency when
// that is positive.
func (f Fixed) Concurrency(_, maxConcurrency int) int {
	n := max(f.InFlight, 1)
	if maxConcurrency > 0 && n > maxConcurrency {
		n = maxConcurrency
	}
	return n
}

// NewPacer, when set, makes every client created afterwards use the Pacer
// it returns instead of a new Limiter. It is a hook for benchmarks that
// compare schedulers in one run (set it, create the client, reset it);
// production code never sets it. Not safe to change while clients are
// being created concurrently.
var NewPacer func() Pacer

// ForClient returns the Pacer a new client uses: NewPacer's, or a new
// Limiter with default Options.
func ForClient() Pacer {
	if NewPacer != nil {
		return NewPacer()
	}
	return New(Options{})
}
