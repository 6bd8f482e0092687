package schedule

import (
	"math"
	"sync"
	"time"
)

// graphBucket models a Graph-like app+tenant limiter for the simulation: a
// token bucket of rate items/s holding at most burst tokens, charged one
// token per item of a $batch (items are evaluated one by one, in order).
//
// Graph says throttled requests still count against the limit, so a
// throttled item takes a token too: the bucket goes into debt. A
// sliding-window limiter keeps a refused request counted for one window and
// no longer, so the debt is floored at one burst (burst = one second of
// rate here, the window). An item is admitted while at least one token is
// left; a throttled item's Retry-After is the time until the bucket is
// back to one token, in fractional seconds as Graph sends it.
type graphBucket struct {
	mu     sync.Mutex
	rate   float64 // items/s; +Inf admits everything
	burst  float64
	tokens float64
	last   time.Time

	// Timeline of what the service saw, per timelineStep since start.
	start     time.Time
	admitted  []int
	throttled []int
}

const timelineStep = 100 * time.Millisecond

// newGraphBucket returns a full bucket of rate items/s and one second of
// burst, whose timeline starts now.
func newGraphBucket(rate float64) *graphBucket {
	now := time.Now()
	b := &graphBucket{start: now, last: now}
	b.setRate(rate)
	b.tokens = b.burst
	return b
}

// setRate changes the limit from now on, as a tenant's budget might.
func (b *graphBucket) setRate(rate float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(time.Now())
	b.rate = rate
	b.burst = rate * 1 // one second of rate
	b.tokens = min(b.tokens, b.burst)
}

func (b *graphBucket) refill(now time.Time) {
	if !math.IsInf(b.rate, 1) {
		b.tokens = min(b.burst, b.tokens+b.rate*now.Sub(b.last).Seconds())
	}
	b.last = now
}

// admit evaluates a batch of n items arriving now. The first admitted
// items succeed, the rest are throttled with retryAfter.
func (b *graphBucket) admit(n int) (admitted int, retryAfter time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	step := int(now.Sub(b.start) / timelineStep)
	for len(b.admitted) <= step {
		b.admitted = append(b.admitted, 0)
		b.throttled = append(b.throttled, 0)
	}
	if math.IsInf(b.rate, 1) {
		b.admitted[step] += n
		return n, 0
	}
	b.refill(now)
	for range n {
		if b.tokens >= 1 {
			b.tokens--
			admitted++
		} else {
			b.tokens = max(b.tokens-1, -b.burst)
		}
	}
	b.admitted[step] += admitted
	b.throttled[step] += n - admitted
	if admitted < n {
		secs := (1 - b.tokens) / b.rate
		retryAfter = time.Duration(math.Ceil(secs*1000)) * time.Millisecond // Graph sends e.g. "2.128"
	}
	return admitted, retryAfter
}

// totals returns the items admitted and throttled in [from, to) since
// start, and the span in seconds.
func (b *graphBucket) totals(from, to time.Duration) (admitted, throttled int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := int(from / timelineStep); i < int(to/timelineStep) && i < len(b.admitted); i++ {
		admitted += b.admitted[i]
		throttled += b.throttled[i]
	}
	return admitted, throttled
}
