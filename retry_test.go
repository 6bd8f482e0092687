package backuprestore

import (
	"context"
	"errors"
	"net/http"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRetryHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		retryAfter func() string
		want       time.Duration
	}{
		{"fractional seconds", func() string { return "2.128" }, 2128 * time.Millisecond},
		{"sub-second is not truncated to zero", func() string { return "0.3" }, 300 * time.Millisecond},
		{"whole seconds", func() string { return "10" }, 10 * time.Second},
		{"http date", func() string { return time.Now().Add(7 * time.Second).UTC().Format(http.TimeFormat) }, 7 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				rig := newRig(t, rigOptions{respond: script(
					step{status: 429, headers: map[string]string{"Retry-After": tc.retryAfter()}, body: `{"error":{"code":"TooManyRequests"}}`},
					step{status: 200, body: okUnit},
				)})
				tr, c := rig.tr, rig.c
				start := time.Now()
				unit, err := c.ProtectionUnits().ByID("u1").CancelOffboard().Post(t.Context(), nil)
				require.NoError(t, err)
				require.Equal(t, "u1", unit.ID)
				require.Equal(t, 2, tr.count())
				// HTTP dates have one-second resolution.
				require.InDelta(t, tc.want.Seconds(), tr.arrivals[1].Sub(start).Seconds(), 1.0)
				if tc.name != "http date" {
					require.Equal(t, tc.want, tr.arrivals[1].Sub(start))
				}
				tr.allClosed(t)
			})
		})
	}
}

func TestRetryGivesUpPastMaxRetryDelay(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		rig := newRig(t, rigOptions{respond: script(
			step{status: 429, headers: map[string]string{"Retry-After": "3600"}, body: `{"error":{"code":"TooManyRequests","message":"Please retry again later."}}`},
		), client: &Options{Retry: RetryOptions{MaxRetryDelay: 30 * time.Second}}})
		tr, c := rig.tr, rig.c
		start := time.Now()
		_, err := c.ProtectionUnits().ByID("u1").Get(t.Context(), nil)
		require.Zero(t, time.Since(start), "no sleep past the cap")
		require.ErrorIs(t, err, ErrThrottled)
		e, _ := errors.AsType[*Error](err)
		require.Equal(t, time.Hour, e.RetryAfter)
		require.Equal(t, 1, tr.count())
		tr.allClosed(t)
	})
}

func TestRetryBackoffWithJitterWithoutHeader(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		rig := newRig(t, rigOptions{respond: script(
			step{status: 503}, step{status: 503}, step{status: 503}, step{status: 503},
		), client: &Options{Retry: RetryOptions{BaseDelay: time.Second, MaxRetries: 3}}})
		tr, c := rig.tr, rig.c
		_, err := c.ProtectionUnits().ByID("u1").Get(t.Context(), nil)
		require.ErrorIs(t, err, ErrServiceUnavailable)
		require.Equal(t, 4, tr.count(), "first attempt and three retries")
		for i, base := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
			gap := tr.arrivals[i+1].Sub(tr.arrivals[i])
			require.GreaterOrEqual(t, gap, base/2, "retry %d", i+1)
			require.LessOrEqual(t, gap, base, "retry %d", i+1)
		}
		tr.allClosed(t)
	})
}

func TestRetryRulesPerMethod(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		post     bool
		first    step
		attempts int
	}{
		{"GET retried on 429", false, step{status: 429}, 2},
		{"GET retried on 503", false, step{status: 503}, 2},
		{"GET retried on 504", false, step{status: 504}, 2},
		{"GET not retried on 500", false, step{status: 500}, 1},
		{"GET not retried on 502", false, step{status: 502}, 1},
		{"GET retried on a reset connection", false, step{err: syscall.ECONNRESET}, 2},
		{"POST retried on 429", true, step{status: 429}, 2},
		{"POST retried on 503", true, step{status: 503}, 2},
		{"POST not retried on 403", true, step{status: 403, body: `{"error":{"code":"OperationNotAllowed"}}`}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				rig := newRig(t, rigOptions{respond: script(tc.first, step{status: 200, body: okUnit})})
				tr, c := rig.tr, rig.c
				var err error
				if tc.post {
					_, err = c.ProtectionUnits().ByID("u1").Offboard().Post(t.Context(), nil)
				} else {
					_, err = c.ProtectionUnits().ByID("u1").Get(t.Context(), nil)
				}
				require.Equal(t, tc.attempts, tr.count())
				if tc.attempts == 2 {
					require.NoError(t, err)
				} else {
					require.Error(t, err)
				}
				if tc.first.err != nil && tc.attempts == 1 {
					require.ErrorIs(t, err, syscall.ECONNRESET)
				}
				tr.allClosed(t)
			})
		})
	}
}

func TestRetryStopsWhenContextEnds(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		rig := newRig(t, rigOptions{respond: script(step{status: 429, headers: map[string]string{"Retry-After": "30"}}, step{status: 200, body: okUnit})})
		tr, c := rig.tr, rig.c
		ctx, cancel := context.WithCancel(t.Context())
		go func() {
			time.Sleep(5 * time.Second)
			cancel()
		}()
		start := time.Now()
		_, err := c.ProtectionUnits().ByID("u1").Get(ctx, nil)
		require.ErrorIs(t, err, context.Canceled)
		require.Equal(t, 5*time.Second, time.Since(start), "woken by the cancellation, not the timer")
		require.Equal(t, 1, tr.count())
		tr.allClosed(t)
	})
}

func TestRetryDoesNotOutwaitTheDeadline(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		rig := newRig(t, rigOptions{respond: script(step{status: 503, headers: map[string]string{"Retry-After": "20"}}, step{status: 200, body: okUnit})})
		c := rig.c
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		start := time.Now()
		_, err := c.ProtectionUnits().ByID("u1").Get(ctx, nil)
		require.Zero(t, time.Since(start))
		require.ErrorIs(t, err, ErrServiceUnavailable, "the service's answer, not a deadline error")
		e, _ := errors.AsType[*Error](err)
		require.Equal(t, 20*time.Second, e.RetryAfter)
	})
}

func TestRetryIgnoresMalformedRetryAfter(t *testing.T) {
	t.Parallel()
	for _, h := range []string{"-5", "soon", "NaN", "1e999"} {
		t.Run(h, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				rig := newRig(t, rigOptions{respond: script(step{status: 429, headers: map[string]string{"Retry-After": h}}, step{status: 200, body: okUnit}), client: &Options{Retry: RetryOptions{BaseDelay: time.Second}}})
				c := rig.c
				start := time.Now()
				_, err := c.ProtectionUnits().ByID("u1").Get(t.Context(), nil)
				require.NoError(t, err)
				d := time.Since(start)
				require.True(t, d >= 500*time.Millisecond && d <= time.Second, "fell back to backoff: %v", d)
			})
		})
	}
}

func TestRetriesDisabled(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		rig := newRig(t, rigOptions{respond: script(step{status: 429, headers: map[string]string{"Retry-After": "1"}}), client: &Options{Retry: RetryOptions{MaxRetries: -1}}})
		tr, c := rig.tr, rig.c
		_, err := c.ProtectionUnits().ByID("u1").Get(t.Context(), nil)
		require.ErrorIs(t, err, ErrThrottled)
		require.Equal(t, 1, tr.count())
	})
}
