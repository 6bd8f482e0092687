package schedule

import (
	"math"
	"testing"
	"time"
)

func TestOptionsNormalized(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	defaults := Options{
		InitialRate: DefaultInitialRate, MinRate: DefaultMinRate, MaxRate: 0,
		Beta: DefaultBeta, C: DefaultC, Burst: DefaultBurst, SlowStart: DefaultSlowStart,
		PauseWithoutRetryAfter: DefaultPauseWithoutRetryAfter,
	}
	with := func(f func(*Options)) Options { o := defaults; f(&o); return o }
	tests := []struct {
		name string
		in   Options
		want Options
	}{
		{"zero value", Options{}, defaults},
		{"negative", Options{InitialRate: -1, MinRate: -1, MaxRate: -1, Beta: -0.5, C: -1, Burst: -time.Second, SlowStart: -1, PauseWithoutRetryAfter: -1}, defaults},
		{"NaN", Options{InitialRate: nan, MinRate: nan, MaxRate: nan, Beta: nan, C: nan}, defaults},
		{"infinite", Options{InitialRate: inf, MinRate: inf, MaxRate: inf, Beta: inf, C: inf}, defaults},
		{"-Inf", Options{InitialRate: -inf, MinRate: -inf, MaxRate: -inf, Beta: -inf, C: -inf}, defaults},
		{"Beta 1 is no decrease", Options{Beta: 1}, defaults},
		{"Beta 0 is no rate", Options{Beta: 0}, defaults},
		{"Beta above 1", Options{Beta: 1.5}, defaults},
		{"kept", Options{InitialRate: 80, MinRate: 5, MaxRate: 900, Beta: 0.5, C: 0.1, Burst: time.Second, SlowStart: time.Second, PauseWithoutRetryAfter: 2 * time.Second},
			Options{InitialRate: 80, MinRate: 5, MaxRate: 900, Beta: 0.5, C: 0.1, Burst: time.Second, SlowStart: time.Second, PauseWithoutRetryAfter: 2 * time.Second}},
		{"InitialRate above MaxRate", Options{InitialRate: 500, MaxRate: 100}, with(func(o *Options) { o.InitialRate, o.MaxRate = 100, 100 })},
		{"InitialRate below MinRate", Options{InitialRate: 5, MinRate: 20}, with(func(o *Options) { o.InitialRate, o.MinRate = 20, 20 })},
		{"MinRate above MaxRate", Options{MinRate: 300, MaxRate: 100}, with(func(o *Options) { o.InitialRate, o.MinRate, o.MaxRate = 100, 100, 100 })},
		{"default MinRate above a tiny MaxRate", Options{MaxRate: 0.5}, with(func(o *Options) { o.InitialRate, o.MinRate, o.MaxRate = 0.5, 0.5, 0.5 })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.in.normalized()
			if got != tt.want {
				t.Errorf("normalized\n got %+v\nwant %+v", got, tt.want)
			}
			// And a Limiter built from it works.
			l := New(tt.in)
			if r := l.Rate(); r != tt.want.InitialRate {
				t.Errorf("Rate() = %v, want %v", r, tt.want.InitialRate)
			}
			if err := l.Wait(t.Context(), 1); err != nil {
				t.Errorf("Wait on a fresh Limiter: %v", err)
			}
		})
	}
}

func TestConcurrency(t *testing.T) {
	tests := []struct {
		name           string
		rate           float64
		latency        time.Duration // 0: none observed (100 ms assumed)
		batch, maxConc int
		want           int
	}{
		{"4,000 items/s at 20 ms in 20s", 4000, 20 * time.Millisecond, 20, 0, 5}, // 4 + 1
		{"1,000 items/s at 20 ms", 1000, 20 * time.Millisecond, 20, 0, 2},        // 1 + 1
		{"50 items/s at 20 ms", 50, 20 * time.Millisecond, 20, 0, 2},             // ⌈0.05⌉ + 1
		{"1,000 items/s at 300 ms", 1000, 300 * time.Millisecond, 20, 0, 16},     // 15 + 1
		{"capped", 1000, 300 * time.Millisecond, 20, 8, 8},
		{"cap of 1", 4000, time.Second, 20, 1, 1},
		{"no latency yet", 1000, 0, 20, 0, 6},                          // 5 + 1
		{"batch 0 counts as 1", 100, 100 * time.Millisecond, 0, 0, 11}, // 10 + 1
		{"negative batch", 100, 100 * time.Millisecond, -3, 0, 11},
		{"negative cap means none", 1000, 300 * time.Millisecond, 20, -1, 16},
		{"huge", 1e12, time.Hour, 1, 0, math.MaxInt32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := New(Options{InitialRate: tt.rate, MaxRate: tt.rate})
			if tt.latency > 0 {
				l.ObserveLatency(tt.latency)
			}
			if got := l.Concurrency(tt.batch, tt.maxConc); got != tt.want {
				t.Errorf("Concurrency(%d, %d) at %v items/s, %v = %d, want %d", tt.batch, tt.maxConc, tt.rate, tt.latency, got, tt.want)
			}
		})
	}
}

func TestObserveLatency(t *testing.T) {
	l := New(Options{})
	l.ObserveLatency(0)
	l.ObserveLatency(-time.Second)
	if s := l.Snapshot(); s.Latency != 0 {
		t.Fatalf("non-positive samples were taken: %v", s.Latency)
	}
	l.ObserveLatency(80 * time.Millisecond)
	if s := l.Snapshot(); s.Latency != 80*time.Millisecond {
		t.Fatalf("first sample: %v, want 80ms", s.Latency)
	}
	for range 100 {
		l.ObserveLatency(20 * time.Millisecond)
	}
	if s := l.Snapshot(); s.Latency < 20*time.Millisecond || s.Latency > 21*time.Millisecond {
		t.Errorf("smoothed latency %v after 100 samples of 20ms, want ≈ 20ms", s.Latency)
	}
}

func TestSnapshotCounts(t *testing.T) {
	l := New(Options{InitialRate: 1000})
	for range 3 {
		if err := l.Wait(t.Context(), 20); err != nil {
			t.Fatal(err)
		}
	}
	l.OnSuccess(20)
	l.OnSuccess(15)
	l.OnThrottled(5, time.Millisecond)
	l.OnThrottled(0, time.Millisecond) // a whole request: 1 item
	s := l.Snapshot()
	if s.Admitted != 60 || s.Succeeded != 35 || s.Throttled != 6 || s.ThrottleResponses != 2 || s.CongestionEvents != 1 {
		t.Errorf("%+v; want 60 admitted, 35 succeeded, 6 throttled, 2 responses, 1 event", s)
	}
	if s.SlowStart || s.LastThrottle.IsZero() || s.WMax == 0 || s.Tokens != 0 {
		t.Errorf("after a throttle: %+v; want out of slow start, LastThrottle and W_max set, bucket empty", s)
	}
}

func TestZeroLimiter(t *testing.T) {
	var l Limiter
	if r := l.Rate(); r != DefaultInitialRate {
		t.Fatalf("zero Limiter's rate %v, want %v", r, DefaultInitialRate)
	}
	if err := l.Wait(t.Context(), 20); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	l.ObserveLatency(20 * time.Millisecond)
	l.OnSuccess(20)
	l.OnThrottled(1, time.Millisecond)
	if s := l.Snapshot(); s.CongestionEvents != 1 || s.Rate <= 0 || math.IsInf(s.Rate, 0) {
		t.Errorf("zero Limiter after use: %+v", s)
	}
	if c := l.Concurrency(20, 4); c < 1 || c > 4 {
		t.Errorf("Concurrency = %d", c)
	}
}
