package schedule

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// waitAt calls l.Wait and returns how long after start it returned.
func waitAt(t *testing.T, ctx context.Context, l *Limiter, n int, start time.Time) time.Duration {
	t.Helper()
	if err := l.Wait(ctx, n); err != nil {
		t.Fatalf("Wait(%d): %v", n, err)
	}
	return time.Since(start)
}

// near reports whether got is within tol of want.
func near(got, want, tol time.Duration) bool {
	return got >= want-tol && got <= want+tol
}

func TestWaitAdmitsAtFillRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(Options{InitialRate: 100, Burst: 10 * time.Millisecond})
		start := time.Now()
		// A fresh bucket is full: the first request goes at once.
		if got := waitAt(t, t.Context(), l, 10, start); got != 0 {
			t.Fatalf("first Wait returned after %v, want at once", got)
		}
		// Then 10 items per 100 ms: 20 requests take 2 s.
		for i := 1; i <= 20; i++ {
			want := time.Duration(i) * 100 * time.Millisecond
			if got := waitAt(t, t.Context(), l, 10, start); !near(got, want, time.Microsecond) {
				t.Fatalf("request %d admitted at %v, want %v", i, got, want)
			}
		}
		if s := l.Snapshot(); s.Admitted != 210 || s.Rate != 100 {
			t.Errorf("Admitted %d, Rate %v; want 210, 100", s.Admitted, s.Rate)
		}
	})
}

func TestWaitBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Burst 1 s at 100 items/s: the bucket holds 100 tokens.
		l := New(Options{InitialRate: 100, Burst: time.Second})
		start := time.Now()
		for i := range 10 {
			if got := waitAt(t, t.Context(), l, 10, start); got != 0 {
				t.Fatalf("request %d of the burst waited %v", i, got)
			}
		}
		if got := waitAt(t, t.Context(), l, 10, start); !near(got, 100*time.Millisecond, time.Microsecond) {
			t.Fatalf("request after the burst at %v, want 100ms", got)
		}
		// Idle for 10 s: the bucket refills to its capacity, not beyond.
		time.Sleep(10 * time.Second)
		start = time.Now()
		for range 10 {
			if got := waitAt(t, t.Context(), l, 10, start); got != 0 {
				t.Fatalf("after idling, the burst waited %v", got)
			}
		}
		if got := waitAt(t, t.Context(), l, 10, start); !near(got, 100*time.Millisecond, time.Microsecond) {
			t.Fatalf("idling stored more than the burst: request 11 at %v, want 100ms", got)
		}
	})
}

func TestWaitLargerThanBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Capacity 10 tokens, requests of 50: each goes once 50 have
		// accrued, so the rate still holds.
		l := New(Options{InitialRate: 100, Burst: 100 * time.Millisecond})
		start := time.Now()
		if got := waitAt(t, t.Context(), l, 50, start); got != 0 {
			t.Fatalf("first large request waited %v", got)
		}
		for i := 1; i <= 3; i++ {
			want := time.Duration(i) * 500 * time.Millisecond
			if got := waitAt(t, t.Context(), l, 50, start); !near(got, want, time.Microsecond) {
				t.Fatalf("large request %d at %v, want %v", i, got, want)
			}
		}
	})
}

func TestWaitNothing(t *testing.T) {
	l := New(Options{})
	for _, n := range []int{0, -5} {
		if err := l.Wait(t.Context(), n); err != nil {
			t.Errorf("Wait(%d) = %v, want nil", n, err)
		}
	}
	ctx, cancel := context.WithCancelCause(t.Context())
	stop := errors.New("stop")
	cancel(stop)
	if err := l.Wait(ctx, 0); !errors.Is(err, stop) {
		t.Errorf("Wait(done ctx, 0) = %v, want the cause", err)
	}
	if s := l.Snapshot(); s.Admitted != 0 {
		t.Errorf("Admitted %d, want 0", s.Admitted)
	}
}

func TestWaitCancel(t *testing.T) {
	stop := errors.New("stop")
	t.Run("already done", func(t *testing.T) {
		l := New(Options{})
		ctx, cancel := context.WithCancelCause(t.Context())
		cancel(stop)
		// Tokens are there, but a done ctx takes none.
		if err := l.Wait(ctx, 10); !errors.Is(err, stop) {
			t.Fatalf("Wait = %v, want %v", err, stop)
		}
		if s := l.Snapshot(); s.Admitted != 0 || s.Waiting != 0 {
			t.Fatalf("Admitted %d, Waiting %d; want 0, 0", s.Admitted, s.Waiting)
		}
	})
	t.Run("while waiting", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := New(Options{InitialRate: 10, MinRate: 1, Burst: time.Millisecond})
			start := time.Now()
			waitAt(t, t.Context(), l, 10, start) // drains the fresh bucket; next 10 at 1 s
			ctx, cancel := context.WithCancelCause(t.Context())
			errc := make(chan error)
			var returned time.Duration
			go func() {
				err := l.Wait(ctx, 10)
				returned = time.Since(start)
				errc <- err
			}()
			// A second waiter queued behind the one that will be cancelled.
			next := make(chan time.Duration)
			time.Sleep(time.Millisecond)
			go func() { next <- waitAt(t, t.Context(), l, 10, start) }()
			time.Sleep(299 * time.Millisecond)
			synctest.Wait()
			if s := l.Snapshot(); s.Waiting != 2 {
				t.Fatalf("Waiting %d, want 2", s.Waiting)
			}
			cancel(stop)
			if err := <-errc; !errors.Is(err, stop) {
				t.Fatalf("Wait = %v, want %v", err, stop)
			}
			if returned != 300*time.Millisecond {
				t.Errorf("cancelled Wait returned at %v, want at the cancel (300ms)", returned)
			}
			// The cancelled waiter took nothing: the next one gets the
			// tokens it would have had, at 1 s.
			if got := <-next; !near(got, time.Second, time.Microsecond) {
				t.Errorf("next waiter admitted at %v, want 1s", got)
			}
			if s := l.Snapshot(); s.Admitted != 20 || s.Waiting != 0 {
				t.Errorf("Admitted %d, Waiting %d; want 20, 0", s.Admitted, s.Waiting)
			}
		})
	})
	t.Run("deadline", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := New(Options{InitialRate: 1, MinRate: 1})
			waitAt(t, t.Context(), l, 1, time.Now())
			ctx, cancel := context.WithTimeout(t.Context(), 250*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := l.Wait(ctx, 1)
			if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 250*time.Millisecond {
				t.Errorf("Wait = %v after %v, want DeadlineExceeded after 250ms", err, time.Since(start))
			}
		})
	})
}

// TestWaitConcurrentShare: waiters are served in arrival order, so
// callers looping on Wait take turns and together get the fill rate.
func TestWaitConcurrentShare(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const rate, callers, run = 200.0, 3, 10 * time.Second
		l := New(Options{InitialRate: rate, Burst: time.Millisecond})
		// Drain the fresh bucket, so that every caller is queued before
		// the first token is due (else the first to start gets a head
		// start of a round).
		waitAt(t, t.Context(), l, 10, time.Now())
		ctx, cancel := context.WithTimeout(t.Context(), run)
		defer cancel()
		got := make([]int, callers)
		var wg sync.WaitGroup
		for i := range callers {
			wg.Go(func() {
				for l.Wait(ctx, 10) == nil {
					got[i] += 10
				}
			})
		}
		wg.Wait()
		total := 0
		for _, g := range got {
			total += g
		}
		// rate × run (the last request may fall on the deadline).
		if want := int(rate * run.Seconds()); total < want-10 || total > want {
			t.Errorf("together %d items in %v, want %d", total, run, want)
		}
		t.Logf("shares %v of %d", got, total)
		for i, g := range got {
			if share := total / callers; g < share-10 || g > share+10 {
				t.Errorf("caller %d got %d items of %d, want %d ± one request", i, g, total, share)
			}
		}
	})
}
