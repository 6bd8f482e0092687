package schedule_test

import (
	"context"
	"fmt"
	"time"

	"github.com/m365kit/backuprestore/internal/schedule"
)

// One Limiter per client; each bulk worker takes tokens for its batch,
// sends it, and reports what came back.
func ExampleLimiter() {
	l := schedule.New(schedule.Options{})
	ctx := context.Background()

	// Keep this many $batch requests of 20 in flight (at most 8): at the
	// initial 50 items/s and an assumed 100 ms round trip, 1 + 1 spare.
	fmt.Println("in flight:", l.Concurrency(20, 8))

	if err := l.Wait(ctx, 20); err != nil {
		return // ctx ended: nothing was sent
	}
	start := time.Now()
	// ... POST /$batch with 20 items; say 17 answered (200, 403, ...)
	// and 3 were throttled, the longest Retry-After being 0.5 s.
	l.ObserveLatency(time.Since(start))
	l.OnSuccess(17)
	l.OnThrottled(3, 500*time.Millisecond)

	s := l.Snapshot()
	fmt.Println("congestion events:", s.CongestionEvents, "slow start:", s.SlowStart)
	fmt.Println("rate cut to Beta × W_max:", s.Rate == 0.7*s.WMax)
	// Output:
	// in flight: 2
	// congestion events: 1 slow start: false
	// rate cut to Beta × W_max: true
}
