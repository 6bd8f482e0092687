package schedule

import (
	"context"
	"math"
	"testing"
	"testing/synctest"
	"time"
)

// saturate keeps l busy from a goroutine: Wait(batch) then, unless report
// is false, OnSuccess(batch), until ctx ends. It sends exactly at the fill
// rate, so the measured send rate follows it.
func saturate(ctx context.Context, l *Limiter, batch int, report bool) {
	go func() {
		for l.Wait(ctx, batch) == nil {
			if report {
				l.OnSuccess(batch)
			}
		}
	}()
}

func within(got, want, frac float64) bool {
	return math.Abs(got-want) <= frac*math.Abs(want)
}

// TestCubicCurve: after a throttle the rate drops to Beta × the measured
// send rate, climbs back to W_max along a concave curve by K, then probes
// beyond it along a convex one, and resumes slow start at 1.5 × W_max.
func TestCubicCurve(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const beta, c = 0.7, 0.03
		l := New(Options{InitialRate: 1000, Beta: beta, C: c, Burst: time.Millisecond})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		// Send at 1,000 items/s for 2 s without reporting (the rate holds).
		saturate(ctx, l, 10, false)
		time.Sleep(2 * time.Second)
		measured := l.Snapshot().MeasuredRate
		if !within(measured, 1000, 0.01) {
			t.Fatalf("measured send rate %v, want 1000", measured)
		}
		cancel()
		synctest.Wait()

		const retryAfter = 10 * time.Millisecond
		l.OnThrottled(3, retryAfter)
		s := l.Snapshot()
		if !within(s.WMax, 1000, 0.01) || !within(s.Rate, beta*s.WMax, 1e-9) || s.SlowStart || s.CongestionEvents != 1 {
			t.Fatalf("after the throttle: %+v; want W_max ≈ 1000, rate = %v × W_max, out of slow start, 1 event", s, beta)
		}
		wmax := s.WMax
		k := math.Cbrt((1 - beta) / c)
		if !within(s.K.Seconds(), k, 1e-6) {
			t.Fatalf("K = %v, want %.3fs", s.K, k)
		}

		ctx, cancel = context.WithCancel(t.Context())
		defer cancel()
		saturate(ctx, l, 10, true)
		epoch := s.PauseEnd
		type sample struct{ t, rate float64 }
		var samples []sample
		for {
			time.Sleep(250 * time.Millisecond)
			s := l.Snapshot()
			samples = append(samples, sample{time.Since(epoch).Seconds(), s.Rate})
			if s.SlowStart {
				break
			}
			if len(samples) > 100 {
				t.Fatalf("no slow start after %v: rate %v, W_max %v", time.Since(epoch), s.Rate, wmax)
			}
		}
		cancel()

		var atK float64
		for i, p := range samples {
			if p.t <= k+0.05 && p.t >= k-0.2 {
				atK = p.rate
			}
			last := samples[len(samples)-1]
			if p == last {
				// Slow start has begun: the rate is 1.5 × W_max or
				// beyond.
				if p.rate < 1.5*wmax {
					t.Errorf("slow start resumed at %v items/s, below 1.5 × W_max = %v", p.rate, 1.5*wmax)
				}
				break
			}
			// On the curve W_max·(1 + C(t−K)³), up to the granularity of
			// one OnSuccess (10 items) per step.
			if want := wmax * (1 + c*math.Pow(p.t-k, 3)); !within(p.rate, want, 0.01) {
				t.Errorf("t=%.2fs: rate %.1f, want %.1f on the curve", p.t, p.rate, want)
			}
			if i >= 2 && i < len(samples)-1 {
				d1 := samples[i-1].rate - samples[i-2].rate
				d2 := p.rate - samples[i-1].rate
				if d2 < 0 {
					t.Errorf("t=%.2fs: rate fell from %.1f to %.1f between throttles", p.t, samples[i-1].rate, p.rate)
				}
				switch {
				case p.t < k-0.1 && d2 > d1+0.5:
					t.Errorf("t=%.2fs: not concave before K (steps %.2f then %.2f)", p.t, d1, d2)
				case samples[i-2].t > k+0.1 && d2 < d1-0.5:
					t.Errorf("t=%.2fs: not convex after K (steps %.2f then %.2f)", p.t, d1, d2)
				}
			}
		}
		if !within(atK, wmax, 0.01) {
			t.Errorf("rate at K ≈ %.2fs is %.1f, want W_max %.1f", k, atK, wmax)
		}
	})
}

// TestDecreaseFromMeasuredRate: a fill rate that was never used is not
// what the decrease starts from.
func TestDecreaseFromMeasuredRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(Options{InitialRate: 1000})
		// 100 items/s, far below the fill rate.
		for range 20 {
			if err := l.Wait(t.Context(), 10); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		l.OnThrottled(1, time.Millisecond)
		if s := l.Snapshot(); !within(s.WMax, 100, 0.02) || !within(s.Rate, 70, 0.02) {
			t.Errorf("W_max %v, rate %v; want ≈ 100 and 70 (Beta × the measured rate, not × 1000)", s.WMax, s.Rate)
		}
	})
}

// TestRetryAfterHonoured: no token is issued before the Retry-After has
// passed, and the bucket restarts empty after it.
func TestRetryAfterHonoured(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter []time.Duration // one OnThrottled each, in order
		wantPause  time.Duration
	}{
		{"fractional", []time.Duration{2128 * time.Millisecond}, 2128 * time.Millisecond},
		{"absent", []time.Duration{0}, 700 * time.Millisecond}, // PauseWithoutRetryAfter below
		{"negative", []time.Duration{-time.Second}, 700 * time.Millisecond},
		{"a shorter one does not shorten it", []time.Duration{3 * time.Second, time.Second}, 3 * time.Second},
		{"a longer one extends it", []time.Duration{time.Second, 3 * time.Second}, 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l := New(Options{InitialRate: 100, PauseWithoutRetryAfter: 700 * time.Millisecond})
				start := time.Now()
				for _, ra := range tt.retryAfter {
					l.OnThrottled(1, ra)
				}
				rate := l.Rate() // 70: Beta × 100
				want := tt.wantPause + time.Duration(float64(10)/rate*float64(time.Second))
				got := waitAt(t, t.Context(), l, 10, start)
				if got < tt.wantPause {
					t.Fatalf("a token was issued at %v, before the Retry-After (%v)", got, tt.wantPause)
				}
				if !near(got, want, time.Microsecond) {
					t.Errorf("admitted at %v, want %v (the pause, then 10 tokens at %v/s)", got, want, rate)
				}
			})
		})
	}
	t.Run("waiter already blocked", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := New(Options{InitialRate: 100, Burst: time.Millisecond})
			start := time.Now()
			waitAt(t, t.Context(), l, 10, start) // next 10 due at 100 ms
			done := make(chan time.Duration)
			go func() { done <- waitAt(t, t.Context(), l, 10, start) }()
			time.Sleep(50 * time.Millisecond)
			l.OnThrottled(20, time.Second)
			got := <-done
			if got < 1050*time.Millisecond {
				t.Fatalf("the blocked waiter was admitted at %v, inside the pause (until 1.05s)", got)
			}
			if want := 1050*time.Millisecond + time.Duration(10/l.Rate()*float64(time.Second)); !near(got, want, time.Microsecond) {
				t.Errorf("admitted at %v, want %v", got, want)
			}
		})
	})
}

// TestSameCongestionEvent: throttled responses to requests sent before the
// decrease took effect extend the pause but do not decrease again.
func TestSameCongestionEvent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(Options{InitialRate: 1000})
		for range 20 {
			l.ObserveLatency(20 * time.Millisecond) // srtt 20 ms, rttvar → 0
		}
		l.OnThrottled(5, 50*time.Millisecond)
		rate := l.Rate()
		time.Sleep(10 * time.Millisecond)
		l.OnThrottled(20, 80*time.Millisecond) // in flight at the decrease
		s := l.Snapshot()
		if s.CongestionEvents != 1 || s.Rate != rate || s.ThrottleResponses != 2 || s.Throttled != 25 {
			t.Fatalf("second throttle of the same event: %+v; want 1 event, rate %v, 2 responses, 25 items", s, rate)
		}
		if want := time.Now().Add(80 * time.Millisecond); !s.PauseEnd.Equal(want) {
			t.Errorf("pause ends %v, want extended to %v", s.PauseEnd, want)
		}
		// Past the pause plus a round trip: a new request's throttle, a
		// new event.
		time.Sleep(80*time.Millisecond + 25*time.Millisecond)
		l.OnThrottled(1, 10*time.Millisecond)
		if s := l.Snapshot(); s.CongestionEvents != 2 || s.Rate >= rate {
			t.Errorf("a later throttle: %d events, rate %v; want 2 and below %v", s.CongestionEvents, s.Rate, rate)
		}
	})
}

// TestSlowStart: before the first throttle the rate doubles every
// SlowStart of full-rate sending, or every two round trips if longer.
func TestSlowStart(t *testing.T) {
	tests := []struct {
		name    string
		latency time.Duration // 0: none observed
		run     time.Duration
		want    float64 // 50 × 2^(run/doubling)
	}{
		{"SlowStart", 0, time.Second, 50 * 32},                           // doubling 200 ms
		{"two round trips", 250 * time.Millisecond, time.Second, 50 * 4}, // doubling 500 ms
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l := New(Options{InitialRate: 50, SlowStart: 200 * time.Millisecond, Burst: time.Millisecond})
				if tt.latency > 0 {
					l.ObserveLatency(tt.latency)
				}
				ctx, cancel := context.WithTimeout(t.Context(), tt.run)
				defer cancel()
				saturate(ctx, l, 1, true)
				<-ctx.Done()
				synctest.Wait()
				if got := l.Rate(); !within(got, tt.want, 0.05) {
					t.Errorf("rate after %v: %.1f, want %.1f", tt.run, got, tt.want)
				}
			})
		})
	}
}

// TestGrowthCappedByMeasuredRate: reporting successes does not inflate a
// rate nobody is sending at.
func TestGrowthCappedByMeasuredRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(Options{InitialRate: 100})
		for range 50 {
			if err := l.Wait(t.Context(), 1); err != nil { // 10 items/s
				t.Fatal(err)
			}
			l.OnSuccess(1000)
			time.Sleep(100 * time.Millisecond)
		}
		// The first report grows the rate by one item's worth (1 item
		// sent, 1000 reported: only the one counts), then 2 × the
		// measured 10 items/s is below the rate: no more growth.
		if got, want := l.Rate(), 100+math.Ln2/DefaultSlowStart.Seconds(); !within(got, want, 1e-9) {
			t.Errorf("rate %v after sending 10 items/s, want it held at %v", got, want)
		}
		if s := l.Snapshot(); s.Succeeded != 50 {
			t.Errorf("Succeeded %d, want the 50 items sent", s.Succeeded)
		}
	})
}

// TestRateClamped: MaxRate caps growth, MinRate floors decreases.
func TestRateClamped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(Options{InitialRate: 100, MinRate: 30, MaxRate: 400, Burst: time.Millisecond})
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		saturate(ctx, l, 1, true)
		<-ctx.Done()
		synctest.Wait()
		if got := l.Rate(); got != 400 {
			t.Errorf("rate %v after 5 s of slow start, want MaxRate 400", got)
		}
		for range 20 {
			l.OnThrottled(1, time.Millisecond)
			time.Sleep(time.Second)
		}
		if got := l.Rate(); got != 30 {
			t.Errorf("rate %v after 20 throttles, want MinRate 30", got)
		}
	})
}

func TestCubicK(t *testing.T) {
	tests := []struct{ wmax, rate, c, want float64 }{
		{1000, 700, 0.03, math.Cbrt(10)},
		{50, 35, 0.03, math.Cbrt(10)}, // scale-free
		{1000, 1000, 0.03, 0},
		{1000, 1200, 0.03, 0},
		{0, 0, 0.03, 0},
	}
	for _, tt := range tests {
		if got := cubicK(tt.wmax, tt.rate, tt.c); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("cubicK(%v, %v, %v) = %v, want %v", tt.wmax, tt.rate, tt.c, got, tt.want)
		}
		if tt.wmax > 0 && tt.rate < tt.wmax {
			if got := cubicRate(tt.wmax, tt.want, tt.c, 0); math.Abs(got-tt.rate) > 1e-9 {
				t.Errorf("curve starts at %v, want %v", got, tt.rate)
			}
		}
	}
}

// TestCubicStretchedForSlowRoundTrips: with a slow round trip the curve
// takes at least 20 round trips back to W_max, still starting at Beta ×
// W_max.
func TestCubicStretchedForSlowRoundTrips(t *testing.T) {
	tests := []struct {
		rtt   time.Duration
		wantK float64 // seconds
	}{
		{0, math.Cbrt(0.3 / DefaultC)},
		{20 * time.Millisecond, math.Cbrt(0.3 / DefaultC)},
		{300 * time.Millisecond, 6},
	}
	for _, tt := range tests {
		t.Run(tt.rtt.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l := New(Options{InitialRate: 100, Burst: time.Millisecond})
				if tt.rtt > 0 {
					l.ObserveLatency(tt.rtt)
				}
				l.OnThrottled(1, time.Millisecond)
				s := l.Snapshot()
				if !within(s.K.Seconds(), tt.wantK, 1e-6) || !within(s.Rate, 70, 1e-9) {
					t.Fatalf("K %v, rate %v; want %.3fs, 70", s.K, s.Rate, tt.wantK)
				}
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				saturate(ctx, l, 1, true)
				time.Sleep(time.Millisecond + time.Duration(tt.wantK*float64(time.Second)))
				if got := l.Rate(); !within(got, 100, 0.01) {
					t.Errorf("rate at K: %v, want W_max 100", got)
				}
			})
		})
	}
}
