package backuprestore

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/internal/faultproxy"
	"github.com/m365kit/backuprestore/models"
)

// This file drives the client through real TCP faults: a fault-injecting
// proxy (internal/faultproxy) on 127.0.0.1 between the client and the
// emulator served over loopback. Every outcome is checked against the
// emulator's transition and request logs and the proxy's own log of what
// the client wrote, not against the emulator's in-process fault hooks.

// wireTap records what a client wrote to its TCP connections: the oracle
// of "written to the wire". (The proxy's log alone is not: a request the
// client wrote into a connection the proxy closed during an outage, before
// reading it, was written all the same.)
type wireTap struct {
	mu      sync.Mutex
	written []*bytes.Buffer
}

func (w *wireTap) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	buf := &bytes.Buffer{}
	w.mu.Lock()
	w.written = append(w.written, buf)
	w.mu.Unlock()
	return &tappedConn{Conn: c, tap: w, buf: buf}, nil
}

func (w *wireTap) bytes() [][]byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([][]byte, len(w.written))
	for i, b := range w.written {
		out[i] = bytes.Clone(b.Bytes())
	}
	return out
}

type tappedConn struct {
	net.Conn
	tap *wireTap
	buf *bytes.Buffer
}

func (c *tappedConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.tap.mu.Lock()
	c.buf.Write(p[:n])
	c.tap.mu.Unlock()
	return n, err
}

// newTCPRig is the fault suites' rig (rigOptions.proxy): an emulator of
// units whose clock runs in real time from 2026-01-01, so its timestamps
// and Date headers are months away from this machine's clock and
// evidence must come from the skew the client measures, served over
// loopback behind the fault proxy; the clients' sockets are tapped.
func newTCPRig(t *testing.T, units int, seed uint64) *rig {
	t.Helper()
	rig := newRig(t, rigOptions{proxy: true, units: units, fake: &fake.Options{Seed: seed, RealTimeClock: true, PageSize: 100}, client: tcpOptions(8)})
	// Every request takes a while, so runs last long enough for the
	// proxy's outages to catch requests in flight.
	rig.srv.AddFault(fake.Fault{Kind: fake.FaultLatency, Latency: 20 * time.Millisecond})
	rig.srv.AddFault(fake.Fault{Kind: fake.FaultLatency, Latency: 2 * time.Millisecond, InBatch: true})
	return rig
}

// tcpOptions are the clients' options through the proxy: short retry
// delays, a stall timeout the proxy's stalls exceed, and retries: one
// fault in five requests and outages a third of the time call for a
// larger budget than the default, as a user facing such a network would
// set.
func tcpOptions(retries int) *Options {
	return &Options{Retry: RetryOptions{MaxRetries: retries, BaseDelay: 40 * time.Millisecond, MaxRetryDelay: 2 * time.Second, StallTimeout: 300 * time.Millisecond}}
}

// faults installs a mix of every TCP fault, on every route.
func (r *rig) faults(t *testing.T) {
	t.Helper()
	for _, rule := range []faultproxy.Rule{
		{Kind: faultproxy.ResetBeforeForward, Probability: 0.04},
		{Kind: faultproxy.ResetAfterResponse, Probability: 0.06},
		{Kind: faultproxy.TruncateBody, Probability: 0.04},
		{Kind: faultproxy.CloseBeforeResponse, Probability: 0.03},
		{Kind: faultproxy.Stall, Probability: 0.02, Stall: 700 * time.Millisecond},
		{Kind: faultproxy.StallBeforeForward, Probability: 0.02, Stall: 700 * time.Millisecond},
	} {
		_, err := r.proxy.AddRule(rule)
		require.NoError(t, err)
	}
}

// outages takes the proxy down for down every period until ctx ends.
func (r *rig) outages(ctx context.Context, period, down time.Duration) *sync.WaitGroup {
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				_ = r.proxy.Up()
				return
			case <-time.After(period - down):
			}
			_ = r.proxy.Down()
			select {
			case <-ctx.Done():
			case <-time.After(down):
			}
			_ = r.proxy.Up()
		}
	})
	return &wg
}

// written reports, per unit ID, whether the client wrote an action
// request for it to a socket (what the wire tap saw): a request line
// "POST /v1.0/solutions/…/{id}/{action}" or a $batch item URL.
func (r *rig) written(action string) map[string]bool {
	out := map[string]bool{}
	needle := []byte(pathProtectionUnits + "/")
	suffix := []byte("/" + action)
	for _, b := range r.tap.bytes() {
		for {
			i := bytes.Index(b, needle)
			if i < 0 {
				break
			}
			b = b[i+len(needle):]
			end := bytes.IndexAny(b, "/\" ?")
			if end < 0 {
				break
			}
			id, rest := b[:end], b[end:]
			if bytes.HasPrefix(rest, suffix) && len(rest) > len(suffix) && strings.IndexByte("\" ?", rest[len(suffix)]) >= 0 {
				out[unescapeSegment(string(id))] = true
			}
		}
	}
	return out
}

// answered returns, per unit, the statuses the emulator answered the
// action with (its request log, $batch items included).
func (r *rig) answered(route fake.Route) map[string][]int {
	out := map[string][]int{}
	for _, rq := range r.srv.Requests() {
		if rq.Route == route {
			out[rq.UnitID] = append(out[rq.UnitID], rq.Status)
		}
	}
	return out
}

func unescapeSegment(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			var v byte
			for _, c := range []byte(s[i+1 : i+3]) {
				v <<= 4
				switch {
				case c >= '0' && c <= '9':
					v |= c - '0'
				case c >= 'A' && c <= 'F':
					v |= c - 'A' + 10
				case c >= 'a' && c <= 'f':
					v |= c - 'a' + 10
				}
			}
			b.WriteByte(v)
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// outcomeTally counts what a run reported.
type outcomeTally struct {
	success, reconciled, notAllowed, notFound, notSent, unknown, other int
}

// checkOutcomes holds every result against the emulator's logs and the
// proxy's: one outcome per input, none applied twice, no false success, no
// false failure, every 403/404 the service sent reported as such, "not
// sent" only when nothing was written, "outcome unknown" only when it was.
func checkOutcomes(t *testing.T, rig *rig, action unitAction, route fake.Route, cause fake.Cause,
	before map[string]models.ProtectionUnitStatus, results BulkResults) outcomeTally {
	t.Helper()
	written := rig.written(action.name)
	answered := rig.answered(route)
	var n outcomeTally
	for _, res := range results {
		applied := 0
		for _, tr := range rig.srv.Transitions(res.ID) {
			if tr.Cause == cause {
				applied++
			}
		}
		require.LessOrEqual(t, applied, 1, "%s: %s applied twice", res.ID, action.name)
		wasTarget := before[res.ID] == action.targets[0] || before[res.ID] == action.targets[1]
		switch err := res.Err; {
		case err == nil:
			require.Equal(t, 1, applied, "%s: reported success without a transition this run caused (before: %s)", res.ID, before[res.ID])
			require.NotNil(t, res.Unit)
			n.success++
			if res.Reconciled {
				n.reconciled++
			}
		case errors.Is(err, ErrOutcomeUnknown):
			require.True(t, written[res.ID], "%s: outcome unknown, but no action was written for it: %v", res.ID, err)
			if n.unknown < 3 {
				t.Logf("%s: unknown: %v", res.ID, err)
			}
			n.unknown++
		case errors.Is(err, ErrNotSent):
			if n.notSent < 3 {
				t.Logf("%s: not sent: %v", res.ID, err)
			}
			require.Zero(t, applied, "%s: not sent, yet applied", res.ID)
			require.False(t, written[res.ID], "%s: not sent, yet the proxy read an action for it: %v", res.ID, err)
			n.notSent++
		case errors.Is(err, ErrOperationNotAllowed):
			require.Zero(t, applied, "%s: applied by this call, reported as a 403 (false failure): %v", res.ID, err)
			require.Contains(t, answered[res.ID], http.StatusForbidden, "%s: reported a 403 the service never sent", res.ID)
			n.notAllowed++
		case errors.Is(err, ErrNotFound):
			require.Zero(t, applied)
			n.notFound++
		default:
			require.Zero(t, applied, "%s: applied by this call, reported as %v (false failure)", res.ID, err)
			n.other++
			t.Logf("%s: other failure: %v", res.ID, err)
		}
		if wasTarget {
			require.Zero(t, applied, "%s was already %s", res.ID, before[res.ID])
			require.Error(t, res.Err, "%s was already %s before the call: not a success of this call", res.ID, before[res.ID])
		}
		// The service's own 403: when it answered one and nothing was
		// applied, the result says so (possibly wrapped in "unknown",
		// when the 403 came after an attempt whose answer was lost).
		if applied == 0 && len(answered[res.ID]) > 0 && allStatus(answered[res.ID], http.StatusForbidden) &&
			!errors.Is(res.Err, ErrOutcomeUnknown) {
			// A 403 whose body the proxy cut has no code left: still
			// the service's 403.
			require.ErrorIs(t, res.Err, ErrForbidden, "%s: the service answered only 403s", res.ID)
		}
	}
	return n
}

func allStatus(ss []int, want int) bool {
	for _, s := range ss {
		if s != want {
			return false
		}
	}
	return true
}

func statesOf(srv *fake.Server) (map[string]models.ProtectionUnitStatus, []string) {
	before := map[string]models.ProtectionUnitStatus{}
	var ids []string
	for _, u := range srv.Units() {
		before[u.ID] = models.ProtectionUnitStatus(u.Status)
		ids = append(ids, u.ID)
	}
	return before, ids
}

// Both bulk calls over 3,000 units, through every TCP fault and outages
// of the proxy.
func TestBulkTruthfulUnderTCPFaults(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: the TCP fault runs take ~20 s")
	}
	for _, tc := range []struct {
		action unitAction
		route  fake.Route
		cause  fake.Cause
	}{
		{cancelOffboardAction, fake.RouteCancelOffboard, fake.CauseCancelOffboard},
		{offboardAction, fake.RouteOffboard, fake.CauseOffboard},
	} {
		t.Run(tc.action.name, func(t *testing.T) {
			t.Parallel()
			rig := newTCPRig(t, 3000, 42)
			before, ids := statesOf(rig.srv)
			ids = append(ids, "no-such-unit-1", "no-such-unit-2", ids[0]) // unknown IDs and a duplicate
			rig.faults(t)
			c := rig.c
			ctx, stop := context.WithCancel(t.Context())
			wg := rig.outages(ctx, 400*time.Millisecond, 120*time.Millisecond)
			var res BulkResults
			if tc.action.name == offboardAction.name {
				res = c.ProtectionUnits().OffboardAll(t.Context(), ids, &BulkOptions{MaxConcurrency: 8})
			} else {
				res = c.ProtectionUnits().CancelOffboardAll(t.Context(), ids, &BulkOptions{MaxConcurrency: 8})
			}
			stop()
			wg.Wait()
			require.Len(t, res, len(ids)-1, "one outcome per distinct input")
			n := checkOutcomes(t, rig, tc.action, tc.route, tc.cause, before, res)
			st := rig.proxy.Stats()
			t.Logf("%s over %d units: %+v; proxy: %d requests, faults %v", tc.action.name, len(res), n, st.Requests, st.Faults)
			require.Positive(t, n.success)
			require.Positive(t, n.reconciled, "some successes were settled by reading back")
			require.Positive(t, n.notAllowed)
			require.Equal(t, 2, n.notFound)
		})
	}
}

// Single actions through the same faults.
func TestSingleActionsTruthfulUnderTCPFaults(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: the TCP fault runs take ~10 s")
	}
	rig := newTCPRig(t, 300, 7)
	before, ids := statesOf(rig.srv)
	rig.faults(t)
	c := rig.c
	ctx, stop := context.WithCancel(t.Context())
	wg := rig.outages(ctx, 400*time.Millisecond, 100*time.Millisecond)
	res := make(BulkResults, 0, len(ids))
	var mu sync.Mutex
	var work sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, id := range ids {
		work.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			var meta Response
			u, err := c.ProtectionUnits().ByID(id).CancelOffboard().Post(WithCaptureResponse(t.Context(), &meta), nil)
			mu.Lock()
			res = append(res, BulkResult{ID: id, Unit: u, Err: err, Reconciled: meta.Reconciled})
			mu.Unlock()
		})
	}
	work.Wait()
	stop()
	wg.Wait()
	n := checkOutcomes(t, rig, cancelOffboardAction, fake.RouteCancelOffboard, fake.CauseCancelOffboard, before, res)
	t.Logf("single cancelOffboard over %d units: %+v; proxy faults %v", len(res), n, rig.proxy.Stats().Faults)
	require.Positive(t, n.success)
	require.Positive(t, n.notAllowed)
}

// A full listing through truncated bodies, stalls, resets and outages
// completes: a page GET is safe to send again.
func TestListingCompletesUnderTCPFaults(t *testing.T) {
	t.Parallel()
	rig := newTCPRig(t, 2500, 3)
	rig.faults(t)
	c := rig.c
	ctx, stop := context.WithCancel(t.Context())
	wg := rig.outages(ctx, 500*time.Millisecond, 60*time.Millisecond)
	defer func() { stop(); wg.Wait() }()
	seen := map[string]bool{}
	for u, err := range c.ProtectionUnits().All(t.Context(), nil) {
		require.NoError(t, err)
		require.False(t, seen[u.ID], "unit %s listed twice", u.ID)
		seen[u.ID] = true
	}
	require.Len(t, seen, rig.srv.Len())
	st := rig.proxy.Stats()
	t.Logf("listing of %d units: %d requests, faults %v", len(seen), st.Requests, st.Faults)
	require.Positive(t, st.Faults[faultproxy.TruncateBody]+st.Faults[faultproxy.Stall]+st.Faults[faultproxy.ResetAfterResponse])
}
