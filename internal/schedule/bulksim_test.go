package schedule

import (
	"context"
	"math/rand/v2"
	"time"
)

// simBulk is one simulated bulk call, shaped like bulk.go's loop: a
// dispatcher keeps l.Concurrency(batch, 0) batches in flight; each batch
// waits for tokens, takes latency to "send" (the service evaluates it
// halfway), and its per-item outcome is reported back to the Limiter.
// Throttled items go back to the front of the queue with their attempt
// counted. It stops once items items have been admitted (items ≤ 0: when
// ctx ends) or ctx ends.
type simBulk struct {
	l       *Limiter
	srv     *graphBucket
	items   int
	batch   int
	latency time.Duration
	// jitter, when set, draws each request's latency uniformly from
	// latency ± 25%.
	jitter *rand.Rand

	// Filled in by run.
	start, end  time.Time // run began; last response
	admitted    int
	throttled   int
	maxAttempts int   // most sends of any one item
	timeline    []int // items admitted per timelineStep since start (by response time)
}

type simResponse struct {
	attempts   []int // attempts so far of each item in the batch, in order
	admitted   int   // the first admitted items succeeded, the rest were throttled
	retryAfter time.Duration
	rtt        time.Duration
	err        error
}

func (s *simBulk) run(ctx context.Context) {
	s.start = time.Now()
	var queue []int // attempts of each pending item; nil grows on demand when items ≤ 0
	if s.items > 0 {
		queue = make([]int, s.items)
	}
	next := func(n int) []int {
		if s.items <= 0 {
			return make([]int, n)
		}
		n = min(n, len(queue))
		b := append([]int(nil), queue[:n]...)
		queue = queue[n:]
		return b
	}
	done := make(chan simResponse)
	inflight := 0
	for {
		for ctx.Err() == nil && (s.items <= 0 || len(queue) > 0) && inflight < s.l.Concurrency(s.batch, 0) {
			items := next(s.batch)
			latency := s.latency
			if s.jitter != nil {
				latency += time.Duration((s.jitter.Float64() - 0.5) / 2 * float64(s.latency))
			}
			inflight++
			go func() {
				if err := s.l.Wait(ctx, len(items)); err != nil {
					done <- simResponse{attempts: items, err: err}
					return
				}
				sent := time.Now()
				time.Sleep(latency / 2)
				admitted, ra := s.srv.admit(len(items))
				time.Sleep(latency - latency/2)
				done <- simResponse{attempts: items, admitted: admitted, retryAfter: ra, rtt: time.Since(sent)}
			}()
		}
		if inflight == 0 {
			return
		}
		r := <-done
		inflight--
		if r.err != nil {
			continue
		}
		n := len(r.attempts)
		s.l.ObserveLatency(r.rtt)
		if r.admitted > 0 {
			s.l.OnSuccess(r.admitted)
		}
		if r.admitted < n {
			s.l.OnThrottled(n-r.admitted, r.retryAfter)
		}
		for i := range r.attempts {
			r.attempts[i]++
			s.maxAttempts = max(s.maxAttempts, r.attempts[i])
		}
		if s.items > 0 {
			queue = append(r.attempts[r.admitted:], queue...)
		}
		s.admitted += r.admitted
		s.throttled += n - r.admitted
		s.end = time.Now()
		step := int(s.end.Sub(s.start) / timelineStep)
		for len(s.timeline) <= step {
			s.timeline = append(s.timeline, 0)
		}
		s.timeline[step] += r.admitted
		if s.items > 0 && s.admitted >= s.items {
			// Every item is in; nothing can be in flight.
			return
		}
	}
}

// admittedBetween returns the items admitted by responses in [from, to)
// since start.
func (s *simBulk) admittedBetween(from, to time.Duration) int {
	sum := 0
	for i := int(from / timelineStep); i < int(to/timelineStep) && i < len(s.timeline); i++ {
		sum += s.timeline[i]
	}
	return sum
}
