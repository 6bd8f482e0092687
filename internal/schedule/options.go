package schedule

import (
	"math"
	"time"
)

// Defaults for Options. They are tuned against a Graph-like app+tenant
// token bucket of 50 to 1,000 items/s with 20 ms per request (see
// simulation_test.go): ≥ 90% of the limit with ≤ 5% of item attempts
// throttled, and ≥ 4,000 items/s after about 1.1 s when nothing throttles.
const (
	// DefaultInitialRate is 50 items/s (2.5 batches of 20 a second): at or
	// below the lowest app+tenant budget the SDK is tuned for, so a client
	// that starts against such a tenant is not throttled by its first
	// second, and slow start still reaches 4,000 items/s in about 1 s.
	DefaultInitialRate = 50.0
	// DefaultMinRate is 1 item/s: the rate never falls below one batch of
	// 20 every 20 s, so a run keeps probing even after many throttles.
	DefaultMinRate = 1.0
	// DefaultBeta is CUBIC's multiplicative decrease (RFC 8312, AWS SDKs).
	DefaultBeta = 0.7
	// DefaultC is the relative CUBIC scale (1/s³). With Beta 0.7 it gives
	// K = ∛(0.3/C) ≈ 2.2 s from the decreased rate back to W_max, 1.5 s
	// more to probe 10% past it and 2.5 s to 50% past it (where the
	// Limiter probes exponentially again): in simulation a congestion event
	// every 2.5 to 3 s against a steady budget, whatever its size, and a
	// budget that grew fivefold found within 5.5 s. Smaller values throttle
	// less often but find new capacity slower (0.011: K ≈ 3 s, up to 7.4 s
	// to find it).
	DefaultC = 0.03
	// DefaultBurst is the unused fill time the bucket keeps as tokens:
	// enough for a late worker to catch up, too little to dump a burst on
	// the service after an idle spell.
	DefaultBurst = 100 * time.Millisecond
	// DefaultSlowStart is the doubling time of the rate before the first
	// throttle: 50 items/s to 4,000 in about 1 s of full-rate sending.
	// Faster doubling overshoots a bursty budget further before the first
	// 429 arrives (100 ms: deeper throttling cascades in the simulation).
	DefaultSlowStart = 150 * time.Millisecond
	// DefaultPauseWithoutRetryAfter is how long a throttle without a
	// usable Retry-After pauses sending (Graph: never retry at once).
	DefaultPauseWithoutRetryAfter = time.Second
	// defaultLatency stands in for the round-trip time until one has been
	// observed.
	defaultLatency = 100 * time.Millisecond
)

// Options configures a Limiter. The zero value means all defaults. A zero,
// negative, NaN or infinite field means that field's default (MaxRate: no
// ceiling), and fields that contradict each other are clamped as each
// field says. Options never make New fail or panic.
type Options struct {
	// InitialRate is the fill rate, in items per second, before anything
	// has been learnt; default DefaultInitialRate. It is clamped into
	// [MinRate, MaxRate].
	InitialRate float64
	// MinRate is the lowest fill rate, in items per second; default
	// DefaultMinRate. It is clamped to MaxRate when that is lower.
	MinRate float64
	// MaxRate is the highest fill rate, in items per second; 0 (or any
	// non-positive, NaN or infinite value) means no ceiling.
	MaxRate float64
	// Beta is the multiplicative decrease on a congestion event, in (0, 1);
	// default DefaultBeta. Values outside (0, 1) mean the default.
	Beta float64
	// C is CUBIC's scale, relative to W_max, in 1/s³: between throttles
	// the rate is W_max·(1 + C·(t−K)³). Default DefaultC.
	C float64
	// Burst is how much unused fill time the bucket keeps: it holds at most
	// max(rate·Burst, n) tokens for a Wait of n items, so a request larger
	// than the burst still goes, after n/rate of filling. Default
	// DefaultBurst.
	Burst time.Duration
	// SlowStart is the doubling time of the rate, at full-rate sending,
	// in slow start (until the first throttle, and after the budget is
	// found to have grown); default DefaultSlowStart. The rate never
	// doubles faster than every two observed round trips.
	SlowStart time.Duration
	// PauseWithoutRetryAfter is how long a throttle reported without a
	// positive Retry-After pauses sending; default
	// DefaultPauseWithoutRetryAfter.
	PauseWithoutRetryAfter time.Duration
}

// normalized returns o with defaults filled in and contradictions clamped.
func (o Options) normalized() Options {
	usable := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) }
	if !usable(o.MaxRate) {
		o.MaxRate = 0
	}
	if !usable(o.MinRate) {
		o.MinRate = DefaultMinRate
	}
	if o.MaxRate > 0 && o.MinRate > o.MaxRate {
		o.MinRate = o.MaxRate
	}
	if !usable(o.InitialRate) {
		o.InitialRate = DefaultInitialRate
	}
	o.InitialRate = o.clamp(o.InitialRate)
	if !(o.Beta > 0 && o.Beta < 1) {
		o.Beta = DefaultBeta
	}
	if !usable(o.C) {
		o.C = DefaultC
	}
	if o.Burst <= 0 {
		o.Burst = DefaultBurst
	}
	if o.SlowStart <= 0 {
		o.SlowStart = DefaultSlowStart
	}
	if o.PauseWithoutRetryAfter <= 0 {
		o.PauseWithoutRetryAfter = DefaultPauseWithoutRetryAfter
	}
	return o
}

// clamp puts r into [MinRate, MaxRate] of normalized options.
func (o Options) clamp(r float64) float64 {
	if o.MaxRate > 0 && r > o.MaxRate {
		r = o.MaxRate
	}
	if r < o.MinRate {
		r = o.MinRate
	}
	return r
}
