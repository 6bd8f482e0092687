package schedule

import (
	"context"
	"math"
	"sync"
	"time"
)

// Limiter paces items sent to one service budget: a token bucket whose
// fill rate (items per second) adapts to throttling along CUBIC.
//
// Callers take tokens with Wait before sending a request of n items and
// report each response: OnSuccess with the items admitted, OnThrottled
// once per response with any 429 items (one congestion signal per
// response, however many of its items were refused), ObserveLatency with
// the round trip. A congestion event cuts the rate to Beta × the measured
// send rate (W_max is that measured rate) and pauses all tokens until the
// Retry-After has passed; afterwards the rate climbs back along the CUBIC
// curve, concave up to W_max and convex beyond it. Before the first
// throttle, and again once the curve is 1.5 × W_max without a throttle
// (the budget grew), it doubles every Options.SlowStart of full-rate
// sending.
//
// A Limiter is safe for concurrent use; share one per client so that all
// its bulk calls draw on one budget. Waiters are served in arrival order,
// so none starves. The zero Limiter is ready to use, with default Options.
type Limiter struct {
	mu    sync.Mutex
	ready bool    // opts normalized and state set up (see ensure)
	opts  Options // normalized

	rate      float64   // fill rate, items/s
	tokens    float64   // in [0, capacity]; +Inf until the first refill
	refilled  time.Time // time tokens were last brought up to date
	capItems  int       // the largest recent request, so the bucket can hold it
	pauseEnd  time.Time // no tokens accrue or are issued before this
	slowStart bool

	// CUBIC state.
	wmax         float64
	k            float64   // seconds from epoch to W_max
	c            float64   // the curve's scale: Options.C, or less when stretched
	epoch        time.Time // curve origin: the end of the pause of the last decrease
	lastDecrease time.Time
	lastThrottle time.Time

	sent   sendRate
	srtt   time.Duration // smoothed round trip; 0 until observed
	rttvar time.Duration // its mean deviation (RFC 6298)
	queue  []*waiter

	admitted          int64 // items that got tokens
	succeeded         int64 // items reported admitted by the service
	throttled         int64 // items reported throttled
	throttleResponses int64
	congestionEvents  int64
}

// minKRoundTrips is the least K in round trips. A congestion event costs
// about a round trip of sending, so the throttled share is about
// RTT / cycle: at 300 ms the default K of 2.2 s made it 10% at 200
// items/s in simulation, a K of 20 round trips 6%. At 20 ms it changes
// nothing (20 round trips are 0.4 s).
const minKRoundTrips = 20.0

// slowStartAgain is how far past W_max (as a factor) the CUBIC curve
// climbs without a throttle before the Limiter probes exponentially again.
const slowStartAgain = 1.5

// The measured send rate is taken over decreaseWindow when a congestion
// event sets W_max: about the service's own window, so a burst its bucket
// absorbed does not count as sustainable. Growth is capped at twice the
// rate over the shorter growthWindow, which still lets slow start double.
const (
	decreaseWindow = time.Second
	growthWindow   = 250 * time.Millisecond
)

// waiter is one blocked Wait; wake is signalled when it becomes the head of
// the queue or the bucket's state changes under it.
type waiter struct {
	n    int
	wake chan struct{}
}

// New returns a Limiter configured by opts (see Options for defaults and
// clamping). It never fails.
func New(opts Options) *Limiter {
	l := &Limiter{opts: opts}
	l.ensure()
	return l
}

// ensure sets a Limiter up from its options on first use, so the zero
// Limiter is one with default Options. l.mu is held (or l is not shared
// yet).
func (l *Limiter) ensure() {
	if l.ready {
		return
	}
	l.ready = true
	l.opts = l.opts.normalized()
	l.rate = l.opts.InitialRate
	l.tokens = math.Inf(1) // a fresh bucket is full, whatever the first request's size
	l.slowStart = true
}

// Wait blocks until n items may be sent and takes n tokens for them. Waits
// are served first come, first served: a later small request does not
// overtake an earlier large one.
//
// It returns nil once the tokens are taken, or context.Cause(ctx) as soon
// as ctx is done, having taken nothing (also when ctx is already done on
// entry). n ≤ 0 takes nothing and returns at once.
func (l *Limiter) Wait(ctx context.Context, n int) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if n <= 0 {
		return nil
	}
	w := &waiter{n: n, wake: make(chan struct{}, 1)}
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	l.mu.Lock()
	l.ensure()
	l.queue = append(l.queue, w)
	for {
		if ctx.Err() != nil {
			l.dequeue(w)
			l.mu.Unlock()
			return context.Cause(ctx)
		}
		var fire <-chan time.Time
		if l.queue[0] == w {
			d := l.take(w.n, time.Now())
			if d == 0 {
				l.dequeue(w)
				l.mu.Unlock()
				return nil
			}
			if timer == nil {
				timer = time.NewTimer(d)
			} else {
				timer.Reset(d)
			}
			fire = timer.C
		}
		l.mu.Unlock()
		select {
		case <-ctx.Done():
		case <-w.wake:
		case <-fire:
		}
		l.mu.Lock()
	}
}

// take takes n tokens at now and returns 0, or returns how long until
// they would be there at the current rate. l.mu is held.
func (l *Limiter) take(n int, now time.Time) time.Duration {
	l.capItems = n
	l.refill(now)
	if now.Before(l.pauseEnd) {
		return l.pauseEnd.Sub(now) + seconds((float64(n)-l.tokens)/l.rate)
	}
	need := float64(n) - l.tokens
	if need > 1e-9 {
		return max(seconds(need/l.rate), time.Nanosecond)
	}
	l.tokens -= float64(n)
	l.admitted += int64(n)
	l.sent.record(now, n)
	return 0
}

// refill brings the tokens up to now. No tokens accrue during a pause.
// l.mu is held.
func (l *Limiter) refill(now time.Time) {
	from := l.refilled
	if from.Before(l.pauseEnd) {
		from = l.pauseEnd
	}
	if now.After(from) && !from.IsZero() {
		l.tokens += l.rate * now.Sub(from).Seconds()
	}
	if limit := max(l.rate*l.opts.Burst.Seconds(), float64(l.capItems)); l.tokens > limit {
		l.tokens = limit
	}
	if now.After(l.refilled) {
		l.refilled = now
	}
}

// dequeue removes w from the queue, waking the next head if w was the
// head. l.mu is held.
func (l *Limiter) dequeue(w *waiter) {
	for i, q := range l.queue {
		if q == w {
			copy(l.queue[i:], l.queue[i+1:])
			l.queue[len(l.queue)-1] = nil
			l.queue = l.queue[:len(l.queue)-1]
			if i == 0 {
				l.wakeHead()
			}
			return
		}
	}
}

// wakeHead tells the head waiter to look again. l.mu is held.
func (l *Limiter) wakeHead() {
	if len(l.queue) > 0 {
		select {
		case l.queue[0].wake <- struct{}{}:
		default:
		}
	}
}

// OnSuccess reports n items the service answered without throttling,
// whatever their status (they were counted against the budget and
// admitted); n ≤ 0 is ignored. In slow start the rate grows by
// n·ln2/max(SlowStart, 2 round trips); otherwise it follows the CUBIC
// curve from the last congestion event. Either way it never grows past
// twice the measured send rate, nor past MaxRate, and never shrinks; and
// only items that took tokens from Wait and have not been reported yet
// count (n is capped to them).
func (l *Limiter) OnSuccess(n int) {
	if n <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ensure()
	now := time.Now()
	l.refill(now)
	// Only items that took tokens count towards growth: successes reported
	// for more than was sent are no evidence of anything.
	if inflight := l.admitted - l.succeeded - l.throttled; int64(n) > inflight {
		n = int(max(inflight, 0))
	}
	l.succeeded += int64(n)
	if n == 0 {
		return
	}
	var target float64
	switch {
	case l.slowStart:
		// Double every SlowStart, but no faster than every two round
		// trips: the first 429 arrives a round trip after the budget ran
		// out, and everything sent meanwhile is throttled too.
		doubling := max(l.opts.SlowStart, 2*l.srtt)
		target = l.rate + float64(n)*math.Ln2/doubling.Seconds()
	case now.Before(l.epoch):
		return // still paused: the curve has not started
	default:
		target = cubicRate(l.wmax, l.k, l.c, now.Sub(l.epoch).Seconds())
		if target >= slowStartAgain*l.wmax {
			// Far past the old W_max without a throttle: the budget grew
			// (or a sharer left), and the cubic would take many seconds
			// to find it. Probe exponentially, as at the start.
			l.slowStart = true
		}
	}
	if target <= l.rate {
		return
	}
	if m, ok := l.sent.rate(now, l.pauseEnd, growthWindow); ok {
		target = min(target, max(l.rate, 2*m))
	}
	if r := l.opts.clamp(target); r != l.rate {
		l.rate = r
		l.wakeHead()
	}
}

// OnThrottled reports one response in which throttled of its items were
// refused with 429 (a throttled single request is 1; throttled ≤ 0 counts
// as 1), with the longest Retry-After among them. Call it once per
// response, however many of its items were throttled, and OnSuccess for
// the same response's other items. retryAfter ≤ 0 (absent or unparsable)
// means Options.PauseWithoutRetryAfter.
//
// No tokens are issued until the Retry-After has passed. Unless the
// response belongs to a congestion event already counted (it arrived
// before the end of that event's pause plus a retransmission timeout's
// worth of round trip, srtt + 4·rttvar as in RFC 6298, so its request was
// most likely sent before the decrease), the rate drops to Beta × the
// measured send rate (capped at the fill rate), that rate becomes W_max,
// and the CUBIC curve restarts when the pause ends.
func (l *Limiter) OnThrottled(throttled int, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ensure()
	now := time.Now()
	l.refill(now)
	l.throttleResponses++
	l.throttled += int64(max(throttled, 1))
	l.lastThrottle = now

	// What was being sent since the last pause ended, measured before this
	// throttle extends the pause.
	measured, measurable := l.sent.rate(now, l.pauseEnd, decreaseWindow)
	sameEvent := false
	if !l.lastDecrease.IsZero() {
		end := l.lastDecrease
		if l.pauseEnd.After(end) {
			end = l.pauseEnd
		}
		sameEvent = now.Before(end.Add(l.srtt + 4*l.rttvar))
	}
	if retryAfter <= 0 {
		retryAfter = l.opts.PauseWithoutRetryAfter
	}
	if until := now.Add(retryAfter); until.After(l.pauseEnd) {
		l.pauseEnd = until
	}
	// Whatever had accrued was spent on the service's side already: start
	// from empty after the pause, so the first request after it waits
	// n/rate for the service's bucket to refill too.
	l.tokens = min(l.tokens, 0)
	defer l.wakeHead()
	if sameEvent {
		if l.epoch.Before(l.pauseEnd) {
			l.epoch = l.pauseEnd
		}
		return
	}
	l.congestionEvents++
	sending := l.rate
	if measurable && measured < sending {
		sending = measured
	}
	// No "fast convergence" (RFC 8312 §4.6: aim below a W_max that was not
	// reached): it exists to yield to competing flows, and one client's
	// bulk calls share one Limiter. Against a single budget it only set
	// W_max below the limit (simulation: 1.5% → 2.7% of attempts
	// throttled at 50 items/s, slower convergence after a limit change).
	l.slowStart = false
	l.wmax = sending
	l.rate = l.opts.clamp(sending * l.opts.Beta)
	l.c = l.opts.C
	l.k = cubicK(l.wmax, l.rate, l.c)
	// Each congestion event costs about a round trip of sending (what was
	// in flight when the budget ran out is throttled too), so a cycle
	// must last many round trips for that to stay a small share: with
	// slow round trips, stretch the curve in time (see minKRoundTrips).
	if kRTT := minKRoundTrips * l.srtt.Seconds(); l.k > 0 && l.k < kRTT {
		l.k = kRTT
		l.c = (l.wmax - l.rate) / (l.wmax * kRTT * kRTT * kRTT)
	}
	l.epoch = l.pauseEnd
	l.lastDecrease = now
}

// ObserveLatency reports the round-trip time of one request; d ≤ 0 is
// ignored. It feeds Concurrency and tells congestion events apart.
func (l *Limiter) ObserveLatency(d time.Duration) {
	if d <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ensure()
	// TCP's smoothing (RFC 6298).
	if l.srtt == 0 {
		l.srtt, l.rttvar = d, d/2
		return
	}
	dev := d - l.srtt
	if dev < 0 {
		dev = -dev
	}
	l.rttvar += (dev - l.rttvar) / 4
	l.srtt += (d - l.srtt) / 8
}

// Concurrency returns how many requests of batchSize items to keep in
// flight so the current rate can be reached: by Little's law
// ⌈rate × round trip / batchSize⌉, plus one for headroom, at least 1 and
// at most maxConcurrency when that is > 0. batchSize ≤ 0 counts as 1.
// Until a latency has been observed the round trip is taken as 100 ms.
func (l *Limiter) Concurrency(batchSize, maxConcurrency int) int {
	batchSize = max(batchSize, 1)
	l.mu.Lock()
	l.ensure()
	rate, rtt := l.rate, l.srtt
	l.mu.Unlock()
	if rtt <= 0 {
		rtt = defaultLatency
	}
	want := math.Ceil(rate*rtt.Seconds()/float64(batchSize)) + 1
	limit := math.MaxInt32
	if maxConcurrency > 0 {
		limit = maxConcurrency
	}
	if want >= float64(limit) {
		return limit
	}
	return max(int(want), 1)
}

// Rate returns the current fill rate in items per second.
func (l *Limiter) Rate() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ensure()
	return l.rate
}

// Snapshot is the Limiter's state at one instant, for tests, benchmarks
// and diagnostics.
type Snapshot struct {
	Rate         float64       // fill rate, items/s
	MeasuredRate float64       // measured send rate, items/s (0 until measurable)
	WMax         float64       // rate at the last congestion event (0 before any)
	K            time.Duration // curve time from the end of the last pause back to W_max
	SlowStart    bool          // probing exponentially: no congestion event yet, or the budget grew
	LastThrottle time.Time     // last OnThrottled; zero if none
	PauseEnd     time.Time     // no tokens issued before this
	Tokens       float64       // tokens in the bucket now
	Latency      time.Duration // smoothed round trip (0 until observed)
	Waiting      int           // blocked Wait calls

	Admitted          int64 // items that got tokens from Wait
	Succeeded         int64 // items reported through OnSuccess
	Throttled         int64 // items reported through OnThrottled
	ThrottleResponses int64 // OnThrottled calls
	CongestionEvents  int64 // OnThrottled calls that decreased the rate
}

// Snapshot returns the Limiter's current state. It never blocks on a
// waiter and changes nothing.
func (l *Limiter) Snapshot() Snapshot {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ensure()
	now := time.Now()
	s := Snapshot{
		Rate:              l.rate,
		WMax:              l.wmax,
		K:                 seconds(l.k),
		SlowStart:         l.slowStart,
		LastThrottle:      l.lastThrottle,
		PauseEnd:          l.pauseEnd,
		Latency:           l.srtt,
		Waiting:           len(l.queue),
		Admitted:          l.admitted,
		Succeeded:         l.succeeded,
		Throttled:         l.throttled,
		ThrottleResponses: l.throttleResponses,
		CongestionEvents:  l.congestionEvents,
	}
	if m, ok := l.sent.rate(now, l.pauseEnd, growthWindow); ok {
		s.MeasuredRate = m
	}
	tokens := l.tokens
	from := l.refilled
	if from.Before(l.pauseEnd) {
		from = l.pauseEnd
	}
	if now.After(from) && !from.IsZero() {
		tokens += l.rate * now.Sub(from).Seconds()
	}
	s.Tokens = min(tokens, max(l.rate*l.opts.Burst.Seconds(), float64(l.capItems)))
	return s
}

// seconds converts a non-negative number of seconds to a Duration,
// rounding up and saturating instead of overflowing.
func seconds(s float64) time.Duration {
	if !(s > 0) {
		return 0
	}
	if s >= float64(math.MaxInt64)/float64(time.Second) {
		return math.MaxInt64
	}
	return time.Duration(math.Ceil(s * float64(time.Second)))
}
