package schedule

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"testing/synctest"
	"time"
)

// The simulations run a Graph-like service bucket (server_test.go) against
// simulated bulk calls (bulksim_test.go): batches of 20 items, 20 ms per
// request (fixed, or jittered ±25% from a seeded generator), concurrency
// from Limiter.Concurrency, default Options. Time is synctest's virtual
// clock, so a 200 s run takes milliseconds and every run is deterministic.

const (
	simBatch   = 20
	simLatency = 20 * time.Millisecond
	simItems   = 10_000
	// simMaxAttempts is bulk.go's default MaxAttempts: an item throttled
	// that many times would fail for throttling.
	simMaxAttempts = 8
	// simWarmup is excluded from the steady-state figure (never from the
	// headline one).
	simWarmup = 3 * time.Second
)

// simVariant is one latency model: seed 0 is a fixed 20 ms.
type simVariant struct {
	name string
	seed uint64
}

var simVariants = []simVariant{{"fixed", 0}, {"jitter1", 1}, {"jitter2", 2}, {"jitter3", 3}}

func (v simVariant) bulk(l *Limiter, srv *graphBucket, items int) *simBulk {
	b := &simBulk{l: l, srv: srv, items: items, batch: simBatch, latency: simLatency}
	if v.seed != 0 {
		b.jitter = rand.New(rand.NewPCG(v.seed, 0x5eed))
	}
	return b
}

// TestSimulationAgainstLimit: 10,000 items against a budget of L items/s
// (burst one second of L). The headline throughput is measured from the
// very first request, no warm-up excluded; it is ≥ 90% of L, as is the
// steady state after simWarmup. At most 5% of item attempts are
// throttled, and no item comes near failing for throttling.
func TestSimulationAgainstLimit(t *testing.T) {
	for _, limit := range []float64{50, 200, 1000} {
		for _, v := range simVariants {
			t.Run(fmtRate(limit)+"/"+v.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					srv := newGraphBucket(limit)
					l := New(Options{})
					b := v.bulk(l, srv, simItems)
					b.run(t.Context())

					elapsed := b.end.Sub(b.start)
					throughput := float64(b.admitted) / elapsed.Seconds()
					// The service's bucket starts full: one second of L
					// is free. Without it:
					sustained := (float64(b.admitted) - limit) / elapsed.Seconds()
					steady := float64(b.admittedBetween(simWarmup, elapsed+timelineStep)) / (elapsed - simWarmup).Seconds()
					throttledShare := float64(b.throttled) / float64(b.admitted+b.throttled)
					s := l.Snapshot()
					t.Logf("L=%v %s: %d items in %.2fs: %.1f%% of L from the start (%.1f%% without the service's initial burst, %.1f%% after %v); %.2f%% of %d item attempts throttled; %d congestion events, %d throttled responses; ≤ %d sends per item",
						limit, v.name, b.admitted, elapsed.Seconds(), 100*throughput/limit, 100*sustained/limit, 100*steady/limit, simWarmup,
						100*throttledShare, b.admitted+b.throttled, s.CongestionEvents, s.ThrottleResponses, b.maxAttempts)

					if b.admitted != simItems {
						t.Fatalf("admitted %d items, want %d", b.admitted, simItems)
					}
					if throughput < 0.9*limit {
						t.Errorf("%.1f items/s, want ≥ 90%% of %v", throughput, limit)
					}
					if steady < 0.9*limit {
						t.Errorf("%.1f items/s after %v, want ≥ 90%% of %v", steady, simWarmup, limit)
					}
					if throttledShare > 0.05 {
						t.Errorf("%.2f%% of item attempts throttled, want ≤ 5%%", 100*throttledShare)
					}
					if b.maxAttempts >= simMaxAttempts {
						t.Errorf("an item was sent %d times: it would fail for throttling at MaxAttempts %d", b.maxAttempts, simMaxAttempts)
					}
					// The service's view agrees with the caller's.
					if a, th := srv.totals(0, time.Hour); a != b.admitted || th != b.throttled {
						t.Errorf("service counted %d admitted, %d throttled; caller %d, %d", a, th, b.admitted, b.throttled)
					}
				})
			})
		}
	}
}

// TestSimulationUnlimited: with nothing throttling, slow start must reach
// the throughput of the old fixed 4 batches of 20 in flight at 20 ms
// (4,000 items/s over a 200 ms window) within 1.5 s, and finish 10,000
// items sooner than that fixed scheduler (2.5 s).
func TestSimulationUnlimited(t *testing.T) {
	const within = 1500 * time.Millisecond
	for _, v := range simVariants {
		t.Run(v.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := newGraphBucket(math.Inf(1))
				l := New(Options{})
				b := v.bulk(l, srv, simItems)
				b.run(t.Context())

				const window = 200 * time.Millisecond
				reached := time.Duration(-1)
				for at := time.Duration(0); at+window <= b.end.Sub(b.start)+timelineStep; at += timelineStep {
					if a, _ := srv.totals(at, at+window); float64(a)/window.Seconds() >= 4000 {
						reached = at + window
						break
					}
				}
				elapsed := b.end.Sub(b.start)
				t.Logf("L=∞ %s: ≥ 4,000 items/s over %v by %v; %d items in %v (%.0f items/s); final rate %.0f items/s",
					v.name, window, reached, b.admitted, elapsed.Round(time.Millisecond), float64(b.admitted)/elapsed.Seconds(), l.Rate())
				if reached < 0 || reached > within {
					t.Errorf("4,000 items/s reached at %v, want within %v", reached, within)
				}
				if b.throttled != 0 || l.Snapshot().CongestionEvents != 0 {
					t.Errorf("nothing throttles, yet %d items throttled", b.throttled)
				}
				if fixed := time.Duration(simItems/(4*simBatch)) * simLatency; elapsed > fixed {
					t.Errorf("10,000 items took %v, the fixed 4-in-flight scheduler takes %v", elapsed, fixed)
				}
			})
		})
	}
}

// TestSimulationLimitChange: the budget goes 1,000 → 200 → 1,000 items/s,
// 30 s each. After each change the Limiter must converge within
// convergeWithin: from then to the end of the phase, every 2 s window
// admits ≥ 80% of the new limit and throttles ≤ 5% of its item attempts,
// and the phase from then on averages ≥ 90% of the limit. (In steady state
// every 2 s window is ≥ 84% and ≤ 2.5%: the bottom of a CUBIC cycle dips
// below 90% for a while, so a 90% floor per window would never hold.) The
// changes land at 8 points of a CUBIC cycle (4 with -short), with fixed
// latency and with jitter; the worst case is asserted and logged.
func TestSimulationLimitChange(t *testing.T) {
	const (
		phase          = 30 * time.Second
		window         = 2 * time.Second
		convergeWithin = 7 * time.Second
	)
	limits := []float64{1000, 200, 1000}
	worst := make([]time.Duration, len(limits))
	variants, step := simVariants, 500*time.Millisecond
	if testing.Short() {
		variants, step = simVariants[:1], time.Second
	}
	for _, v := range variants {
		for offset := time.Duration(0); offset < 4*time.Second; offset += step {
			synctest.Test(t, func(t *testing.T) {
				srv := newGraphBucket(limits[0])
				l := New(Options{})
				b := v.bulk(l, srv, 0)
				ctx, cancel := context.WithCancel(t.Context())
				starts := []time.Duration{0, phase + offset, 2*phase + offset}
				go func() {
					for i := 1; i < len(limits); i++ {
						time.Sleep(starts[i] - time.Since(srv.start))
						srv.setRate(limits[i])
					}
					time.Sleep(3*phase + offset - time.Since(srv.start))
					cancel()
				}()
				b.run(ctx)

				for i := 1; i < len(limits); i++ {
					end := starts[i] + phase
					converged := convergence(srv, starts[i], end, window, limits[i])
					what := fmt.Sprintf("%s, change at +%v: %v → %v items/s", v.name, offset, limits[i-1], limits[i])
					if converged < 0 {
						t.Errorf("%s: never converged", what)
						continue
					}
					worst[i] = max(worst[i], converged)
					if converged > convergeWithin {
						t.Errorf("%s: converged in %v, want ≤ %v", what, converged, convergeWithin)
					}
				}
			})
		}
	}
	t.Logf("worst convergence: 1000 → 200 items/s in %v, 200 → 1000 items/s in %v (every %v window ≥ 80%% of the limit and ≤ 5%% throttled, ≥ 90%% on average)", worst[1], worst[2], window)
}

// convergence returns how long after start the service's timeline settles
// at limit (see TestSimulationLimitChange), or -1 if it never does before
// end.
func convergence(srv *graphBucket, start, end, window time.Duration, limit float64) time.Duration {
search:
	for at := start; at+window <= end; at += timelineStep {
		for w := at; w+window <= end; w += timelineStep {
			a, th := srv.totals(w, w+window)
			if float64(a) < 0.8*limit*window.Seconds() || float64(th) > 0.05*float64(a+th) {
				continue search
			}
		}
		if a, _ := srv.totals(at, end); float64(a) < 0.9*limit*(end-at).Seconds() {
			continue search
		}
		return at - start
	}
	return -1
}

// TestSimulationSharedLimiter: two bulk calls of 10,000 items share one
// Limiter (one client), the second starting 2 s after the first. Together
// they stay within the budget (≥ 90% of it, ≤ 5% of attempts throttled),
// and while both run neither admits more than 30% more than the other.
func TestSimulationSharedLimiter(t *testing.T) {
	for _, limit := range []float64{200, 1000} {
		for _, v := range simVariants[:2] {
			t.Run(fmtRate(limit)+"/"+v.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					srv := newGraphBucket(limit)
					l := New(Options{})
					a := v.bulk(l, srv, simItems)
					b := v.bulk(l, srv, simItems)
					if b.jitter != nil {
						b.jitter = rand.New(rand.NewPCG(v.seed+100, 0x5eed))
					}
					done := make(chan struct{})
					go func() { a.run(t.Context()); close(done) }()
					time.Sleep(2 * time.Second)
					b.run(t.Context())
					<-done

					// Both active from b's start to whichever finished first.
					first := a.end
					if b.end.Before(first) {
						first = b.end
					}
					from, to := b.start.Sub(a.start), first.Sub(a.start)
					shareA := a.admittedBetween(from, to)
					shareB := b.admittedBetween(0, to-from)
					overlap := (to - from).Seconds()
					together := float64(shareA+shareB) / overlap
					all, throttled := srv.totals(0, time.Hour)
					throttledShare := float64(throttled) / float64(all+throttled)
					t.Logf("L=%v %s: both running for %.1fs: A %d items, B %d items (B/A %.2f), together %.1f%% of L; %.2f%% of all item attempts throttled",
						limit, v.name, overlap, shareA, shareB, float64(shareB)/float64(shareA), 100*together/limit, 100*throttledShare)

					if lo, hi := min(shareA, shareB), max(shareA, shareB); float64(hi) > 1.3*float64(lo) {
						t.Errorf("unfair: A %d, B %d items while both ran", shareA, shareB)
					}
					if together < 0.9*limit {
						t.Errorf("together %.1f items/s, want ≥ 90%% of %v", together, limit)
					}
					if throttledShare > 0.05 {
						t.Errorf("%.2f%% of item attempts throttled, want ≤ 5%%", 100*throttledShare)
					}
					if a.admitted != simItems || b.admitted != simItems {
						t.Errorf("admitted %d and %d, want %d each", a.admitted, b.admitted, simItems)
					}
				})
			})
		}
	}
}

func fmtRate(r float64) string {
	if math.IsInf(r, 1) {
		return "unlimited"
	}
	return strconv.FormatFloat(r, 'f', -1, 64) + "_per_s"
}

// TestSimulationSlowRoundTrips runs the 10,000 items at 300 ms per request
// (±25%), well beyond the 20 ms the defaults are tuned for. A congestion
// event costs about a round trip of sending, so the throttled share grows
// with the round trip: at 50 items/s the targets still hold and are
// asserted; at 200 items/s they hold only just (4.6% throttled with this
// jitter, 5.8% with a fixed 300 ms), at 1,000 items/s they do not (about
// 17% throttled, 72% of the limit: slow start overshoots the service's
// one-second burst by a few times, and a round trip of that is in flight
// when the first 429 comes back). The figures are logged; what must hold
// at any latency is asserted: every item gets in, none comes near failing
// for throttling.
func TestSimulationSlowRoundTrips(t *testing.T) {
	const latency = 300 * time.Millisecond
	for _, limit := range []float64{50, 200, 1000} {
		t.Run(fmtRate(limit), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := newGraphBucket(limit)
				l := New(Options{})
				b := &simBulk{l: l, srv: srv, items: simItems, batch: simBatch, latency: latency,
					jitter: rand.New(rand.NewPCG(1, 0x5eed))}
				b.run(t.Context())
				elapsed := b.end.Sub(b.start)
				throughput := float64(b.admitted) / elapsed.Seconds()
				throttledShare := float64(b.throttled) / float64(b.admitted+b.throttled)
				t.Logf("L=%v at %v: %.1f%% of L from the start; %.2f%% of %d item attempts throttled; %d congestion events; ≤ %d sends per item",
					limit, latency, 100*throughput/limit, 100*throttledShare, b.admitted+b.throttled, l.Snapshot().CongestionEvents, b.maxAttempts)
				if b.admitted != simItems {
					t.Fatalf("admitted %d items, want %d", b.admitted, simItems)
				}
				if b.maxAttempts >= simMaxAttempts {
					t.Errorf("an item was sent %d times: it would fail for throttling at MaxAttempts %d", b.maxAttempts, simMaxAttempts)
				}
				if limit == 50 && (throughput < 0.9*limit || throttledShare > 0.05) {
					t.Errorf("at 50 items/s: %.1f items/s, %.2f%% throttled; want ≥ 90%% and ≤ 5%%", throughput, 100*throttledShare)
				}
			})
		})
	}
}
