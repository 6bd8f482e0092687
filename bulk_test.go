package backuprestore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/models"
)

// batchItemReply is a test's answer to one $batch item.
type batchItemReply struct {
	status  int
	body    string
	headers map[string]string
}

// batchTransport answers $batch requests item by item through decide, and
// keeps a log. whole, when set, can fail the $batch request as a whole.
type batchTransport struct {
	mu     sync.Mutex
	decide func(method, url string) batchItemReply
	whole  func(n int) (status int, err error)
	// actThenFail: a status from whole comes after the items were decided
	// (a gateway failing after the service acted).
	actThenFail bool
	batches     [][]string // "METHOD url" per item, per batch
	times       []time.Time
}

func (b *batchTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	raw, _ := io.ReadAll(req.Body)
	var in struct {
		Requests []struct {
			ID, Method, URL string
			Headers         map[string]string
		}
	}
	if err := json.Unmarshal(raw, &in); err != nil || req.URL.Path != "/v1.0/$batch" {
		return nil, fmt.Errorf("test transport: unexpected request %s %s: %v", req.Method, req.URL, err)
	}
	b.mu.Lock()
	n := len(b.batches)
	var items []string
	for _, r := range in.Requests {
		items = append(items, r.Method+" "+r.URL)
	}
	b.batches = append(b.batches, items)
	b.times = append(b.times, time.Now())
	b.mu.Unlock()
	if b.whole != nil {
		if status, err := b.whole(n); err != nil || status != 0 {
			if err != nil {
				// Decide (apply) first, then lose the response: a reset
				// after the service acted.
				for _, r := range in.Requests {
					b.decide(r.Method, r.URL)
				}
				return nil, err
			}
			if b.actThenFail {
				for _, r := range in.Requests {
					b.decide(r.Method, r.URL)
				}
			}
			return &http.Response{StatusCode: status, Header: http.Header{"Retry-After": {"1"}}, Body: http.NoBody, Request: req}, nil
		}
	}
	var out []string
	for i := len(in.Requests) - 1; i >= 0; i-- { // not in request order
		r := in.Requests[i]
		if r.Headers["Prefer"] != "include-unknown-enum-members" {
			return nil, fmt.Errorf("item %s without Prefer", r.ID)
		}
		rep := b.decide(r.Method, r.URL)
		h, _ := json.Marshal(rep.headers)
		body := rep.body
		if body == "" {
			body = "null"
		}
		out = append(out, fmt.Sprintf(`{"id":%q,"status":%d,"headers":%s,"body":%s}`, r.ID, rep.status, h, body))
	}
	resp := `{"responses":[` + strings.Join(out, ",") + `]}`
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(resp)), ContentLength: int64(len(resp)), Request: req}, nil
}

func (b *batchTransport) log() [][]string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([][]string(nil), b.batches...)
}

// unitState is a minimal state table for bulk tests: id -> status, and
// when each unit last changed (lastModifiedDateTime, as the service stamps
// it; set a day before the test starts).
type unitState struct {
	mu       sync.Mutex
	status   map[string]string
	modified map[string]time.Time
	// applied counts actions applied per unit.
	applied map[string]int
}

func newUnitState(ids []string, status string) *unitState {
	s := &unitState{status: map[string]string{}, modified: map[string]time.Time{}, applied: map[string]int{}}
	for _, id := range ids {
		s.status[id] = status
		s.modified[id] = time.Now().Add(-24 * time.Hour)
	}
	return s
}

// cancel applies cancelOffboard or answers the state.
func (s *unitState) handle(method, url string) batchItemReply {
	s.mu.Lock()
	defer s.mu.Unlock()
	rest := strings.TrimPrefix(url, "/solutions/backupRestore/protectionUnits/")
	id, action, _ := strings.Cut(rest, "/")
	st, ok := s.status[id]
	if !ok {
		return batchItemReply{status: 404, body: `{"error":{"code":"itemNotFound","message":"no unit"}}`}
	}
	if method == http.MethodPost && action == "cancelOffboard" {
		if st != "offboardRequested" {
			return batchItemReply{status: 403, body: `{"error":{"code":"OperationNotAllowed","message":"Offboarding cannot be cancelled as it is not in a valid state.","details":[]}}`}
		}
		s.status[id] = "cancelOffboardRequested"
		s.modified[id] = time.Now()
		s.applied[id]++
		st = s.status[id]
	}
	return batchItemReply{status: 200, body: fmt.Sprintf(`{"id":%q,"status":%q,"lastModifiedDateTime":%q}`, id, st,
		s.modified[id].UTC().Format(time.RFC3339Nano)), headers: map[string]string{"Content-Type": "application/json"}}
}

func bulkClient(t *testing.T, tr http.RoundTripper) *Client {
	return scriptedClient(t, tr, &Options{Retry: RetryOptions{BaseDelay: 100 * time.Millisecond}})
}

func TestBulkBasics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		state := newUnitState([]string{"a", "b", "c"}, "offboardRequested")
		state.status["done"] = "protected"
		tr := &batchTransport{decide: state.handle}
		c := bulkClient(t, tr)
		var progress [][3]int
		res := c.ProtectionUnits().CancelOffboardAll(t.Context(), []string{"a", "b", "a", "", "done", "c", "missing"}, &BulkOptions{
			BatchSize:  2,
			OnProgress: func(done, total, failed int) { progress = append(progress, [3]int{done, total, failed}) },
		})
		require.Len(t, res, 6, "one result per distinct ID")
		var order []string
		for _, r := range res {
			order = append(order, r.ID)
		}
		require.Equal(t, []string{"a", "b", "", "done", "c", "missing"}, order, "input order, duplicates once")
		for _, r := range res {
			switch r.ID {
			case "a", "b", "c":
				require.NoError(t, r.Err)
				require.Equal(t, models.StatusCancelOffboardRequested, r.Unit.Status)
				require.Equal(t, 1, r.Attempts)
				require.False(t, r.Reconciled)
			case "":
				require.ErrorIs(t, r.Err, ErrInvalidProtectionUnitID)
				require.Zero(t, r.Attempts)
			case "done":
				require.ErrorIs(t, r.Err, ErrOperationNotAllowed)
				require.ErrorIs(t, r.Err, ErrForbidden)
			case "missing":
				require.ErrorIs(t, r.Err, ErrNotFound)
			}
		}
		require.Len(t, res.Failed(), 3)
		require.Error(t, res.Err())
		for _, b := range tr.log() {
			require.LessOrEqual(t, len(b), 2)
		}
		require.Equal(t, [3]int{6, 6, 3}, progress[len(progress)-1])
		require.Equal(t, map[string]int{"a": 1, "b": 1, "c": 1}, state.applied)

		// An empty list returns at once.
		before := len(tr.log())
		require.Empty(t, c.ProtectionUnits().OffboardAll(t.Context(), nil, nil))
		require.Len(t, tr.log(), before)
	})
}

func TestBulkThrottledItemsWaitTheirRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		state := newUnitState([]string{"a", "b"}, "offboardRequested")
		throttled := false
		tr := &batchTransport{decide: func(method, url string) batchItemReply {
			if strings.Contains(url, "/b/") && !throttled {
				throttled = true
				return batchItemReply{status: 429, body: `{"error":{"code":"TooManyRequests"}}`, headers: map[string]string{"Retry-After": "2.5"}}
			}
			return state.handle(method, url)
		}}
		c := bulkClient(t, tr)
		start := time.Now()
		res := c.ProtectionUnits().CancelOffboardAll(t.Context(), []string{"a", "b"}, nil)
		require.NoError(t, res.Err())
		require.Equal(t, 1, res[0].Attempts)
		require.Equal(t, 2, res[1].Attempts)
		log := tr.log()
		require.Len(t, log, 2)
		require.Equal(t, []string{"POST /solutions/backupRestore/protectionUnits/b/cancelOffboard"}, log[1], "only the throttled item is resent")
		// After its own Retry-After (plus the client limiter's pacing of
		// one item after the pause it took for the 429).
		waited := tr.times[1].Sub(start)
		require.GreaterOrEqual(t, waited, 2500*time.Millisecond, "after its own Retry-After")
		require.Less(t, waited, 2600*time.Millisecond)
	})
}

func TestBulkReconcilesAmbiguousFailures(t *testing.T) {
	cases := []struct {
		name           string
		whole          func(n int) (int, error)
		actThenFail    bool
		itemFault      func(url string, first bool) *batchItemReply
		wantReconciled bool
		wantAttempts   int
	}{
		{
			name:           "connection reset after the batch was applied",
			whole:          func(n int) (int, error) { return 0, map[bool]error{true: syscall.ECONNRESET}[n == 0] },
			wantReconciled: true, wantAttempts: 1,
		},
		{
			name: "item 500 that was applied",
			itemFault: func(url string, first bool) *batchItemReply {
				if first {
					return &batchItemReply{status: 500, body: `{"error":{"code":"InternalServerError"}}`}
				}
				return nil
			},
			wantReconciled: true, wantAttempts: 1,
		},
		{
			name:           "whole batch 503, retried by the pipeline",
			whole:          func(n int) (int, error) { return map[bool]int{true: 503}[n == 0], nil },
			wantReconciled: false, wantAttempts: 2,
		},
		{
			// The pipeline's resend earns a 403 per item: read back, they
			// show the action applied, so they succeeded.
			name:           "whole batch 503 after the service acted",
			whole:          func(n int) (int, error) { return map[bool]int{true: 503}[n == 0], nil },
			actThenFail:    true,
			wantReconciled: true, wantAttempts: 2,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ids := []string{"a", "b", "c"}
				state := newUnitState(ids, "offboardRequested")
				seen := map[string]bool{}
				var mu sync.Mutex
				tr := &batchTransport{whole: tc.whole, actThenFail: tc.actThenFail, decide: func(method, url string) batchItemReply {
					rep := state.handle(method, url)
					if tc.itemFault != nil && method == http.MethodPost {
						mu.Lock()
						first := !seen[url]
						seen[url] = true
						mu.Unlock()
						if f := tc.itemFault(url, first); f != nil {
							return *f // applied, but the answer is a 500
						}
					}
					return rep
				}}
				c := bulkClient(t, tr)
				res := c.ProtectionUnits().CancelOffboardAll(t.Context(), ids, nil)
				require.NoError(t, res.Err())
				for _, r := range res {
					require.Equal(t, tc.wantReconciled, r.Reconciled, r.ID)
					require.Equal(t, tc.wantAttempts, r.Attempts, r.ID)
					require.Equal(t, models.StatusCancelOffboardRequested, r.Unit.Status)
				}
				require.Equal(t, map[string]int{"a": 1, "b": 1, "c": 1}, state.applied, "never applied twice")
			})
		})
	}
}

func TestBulkResendsWhenReadBackShowsNotApplied(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		state := newUnitState([]string{"a"}, "offboardRequested")
		failures := 0
		tr := &batchTransport{decide: func(method, url string) batchItemReply {
			if method == http.MethodPost && failures == 0 {
				failures++
				return batchItemReply{status: 504} // not applied
			}
			return state.handle(method, url)
		}}
		c := bulkClient(t, tr)
		res := c.ProtectionUnits().CancelOffboardAll(t.Context(), []string{"a"}, nil)
		require.NoError(t, res.Err())
		require.Equal(t, 2, res[0].Attempts)
		require.False(t, res[0].Reconciled)
		var kinds []string
		for _, b := range tr.log() {
			kinds = append(kinds, strings.Fields(b[0])[0])
		}
		require.Equal(t, []string{"POST", "GET", "POST"}, kinds)
		require.Equal(t, 1, state.applied["a"])
	})
}

// The service may apply an action after answering 504: the read-back shows
// it not applied, the resend earns a 403, and a second read-back finds it
// applied. That is a success, not a false OperationNotAllowed; a 403 the
// read-back does not explain stands.
func TestBulkActionAppliedLate(t *testing.T) {
	cases := []struct {
		name       string
		finalState string // what the unit becomes after the first 504
		wantErr    error
	}{
		{"applied late", "cancelOffboardRequested", nil},
		{"changed by someone else", "protected", ErrOperationNotAllowed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				state := newUnitState([]string{"a"}, "offboardRequested")
				posts := 0
				tr := &batchTransport{decide: func(method, url string) batchItemReply {
					if method == http.MethodPost {
						posts++
						switch posts {
						case 1:
							return batchItemReply{status: 504} // not applied yet
						case 2:
							// Applied late (or changed by someone else) before
							// the resend arrived.
							state.mu.Lock()
							state.status["a"] = tc.finalState
							state.modified["a"] = time.Now()
							state.mu.Unlock()
						}
					}
					return state.handle(method, url)
				}}
				c := bulkClient(t, tr)
				res := c.ProtectionUnits().CancelOffboardAll(t.Context(), []string{"a"}, nil)
				var kinds []string
				for _, b := range tr.log() {
					kinds = append(kinds, strings.Fields(b[0])[0])
				}
				require.Equal(t, []string{"POST", "GET", "POST", "GET"}, kinds)
				require.Equal(t, 2, res[0].Attempts)
				if tc.wantErr != nil {
					require.ErrorIs(t, res[0].Err, tc.wantErr)
					require.False(t, res[0].Reconciled)
					return
				}
				require.NoError(t, res[0].Err)
				require.True(t, res[0].Reconciled)
				require.Equal(t, models.StatusCancelOffboardRequested, res[0].Unit.Status)
			})
		})
	}
}

// Item URLs inside $batch are built by the client, relative to the
// version root, with the ID as one escaped segment: an ID that looks like
// an absolute URL, a scheme-relative one or a path climb cannot point an
// item at another host or another route.
func TestBulkItemURLsStayRelative(t *testing.T) {
	ids := []string{"https://evil.example/x", "//evil.example/y", "../../../$batch", "a/b?c#d", "u1"}
	var mu sync.Mutex
	var seen []string
	tr := &batchTransport{decide: func(method, itemURL string) batchItemReply {
		mu.Lock()
		seen = append(seen, itemURL)
		mu.Unlock()
		rest, ok := strings.CutPrefix(itemURL, "/solutions/backupRestore/protectionUnits/")
		segment, action, _ := strings.Cut(rest, "/")
		id, err := url.PathUnescape(segment)
		if !ok || action != "cancelOffboard" || err != nil {
			return batchItemReply{status: 400, body: `{"error":{"code":"BadRequest","message":"unexpected item URL"}}`}
		}
		return batchItemReply{status: 200, body: fmt.Sprintf(`{"id":%q,"status":"cancelOffboardRequested"}`, id),
			headers: map[string]string{"Content-Type": "application/json"}}
	}}
	c := bulkClient(t, tr)
	res := c.ProtectionUnits().CancelOffboardAll(t.Context(), ids, nil)
	require.NoError(t, res.Err())
	for i, r := range res {
		require.Equal(t, ids[i], r.Unit.ID, "the ID made the round trip as one segment")
	}
	require.Len(t, seen, len(ids))
	for _, u := range seen {
		require.True(t, strings.HasPrefix(u, "/solutions/backupRestore/protectionUnits/"), u)
		require.NotContains(t, u, "://")
		require.Equal(t, 5, strings.Count(u, "/"), "one segment for the ID: %s", u)
	}
}

func TestBulkContextCancellation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ids := make([]string, 100)
		for i := range ids {
			ids[i] = fmt.Sprintf("u%03d", i)
		}
		state := newUnitState(ids, "offboardRequested")
		ctx, cancel := context.WithCancel(t.Context())
		tr := &batchTransport{decide: func(method, url string) batchItemReply {
			rep := state.handle(method, url)
			if strings.Contains(url, "u010") {
				cancel()
			}
			return rep
		}}
		c := bulkClient(t, tr)
		res := c.ProtectionUnits().CancelOffboardAll(ctx, ids, &BulkOptions{MaxConcurrency: 1})
		require.Len(t, res, 100)
		ok, cancelled := 0, 0
		for _, r := range res {
			switch {
			case r.Err == nil:
				ok++
			case errors.Is(r.Err, context.Canceled):
				cancelled++
			default:
				t.Fatalf("%s: %v", r.ID, r.Err)
			}
		}
		require.Equal(t, 100, ok+cancelled, "every unit has an outcome")
		require.Equal(t, 20, ok, "the batch in flight finished; no new batch started")
		require.Len(t, tr.log(), 1)
	})
}

// Cancelling ctx stops new batches at once, whoever cancels (before the
// call, or OnProgress between batches), and a unit whose outcome is in
// doubt when ctx ends is reported as ErrOutcomeUnknown, not "not sent".
func TestBulkContextCancellationStopsNewBatches(t *testing.T) {
	ids := []string{"a", "b", "c", "d", "e", "f"}
	cases := []struct {
		name        string
		precancel   bool
		cancelAfter int // OnProgress calls (the first is the initial 0/n)
		fault500    string
		wantBatches int
		check       func(t *testing.T, res BulkResults)
	}{
		{name: "cancelled before the call", precancel: true, wantBatches: 0,
			check: func(t *testing.T, res BulkResults) {
				for _, r := range res {
					require.ErrorIs(t, r.Err, context.Canceled, r.ID)
					require.ErrorContains(t, r.Err, "not sent")
					require.Zero(t, r.Attempts, r.ID)
				}
			}},
		{name: "cancelled by OnProgress after the first batch", cancelAfter: 2, wantBatches: 1,
			check: func(t *testing.T, res BulkResults) {
				require.NoError(t, res[0].Err)
				require.NoError(t, res[1].Err)
				for _, r := range res[2:] {
					require.ErrorIs(t, r.Err, context.Canceled, r.ID)
					require.Zero(t, r.Attempts, r.ID)
				}
			}},
		{name: "a unit in doubt when ctx ends", cancelAfter: 2, fault500: "a", wantBatches: 1,
			check: func(t *testing.T, res BulkResults) {
				require.ErrorIs(t, res[0].Err, ErrOutcomeUnknown)
				require.ErrorIs(t, res[0].Err, context.Canceled)
				require.Equal(t, 1, res[0].Attempts)
				require.NoError(t, res[1].Err)
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				state := newUnitState(ids, "offboardRequested")
				tr := &batchTransport{decide: func(method, url string) batchItemReply {
					rep := state.handle(method, url)
					if tc.fault500 != "" && method == http.MethodPost && strings.Contains(url, "/"+tc.fault500+"/") {
						return batchItemReply{status: 500} // applied, answer lost
					}
					return rep
				}}
				ctx, cancel := context.WithCancel(t.Context())
				if tc.precancel {
					cancel()
				}
				calls := 0
				opts := &BulkOptions{BatchSize: 2, MaxConcurrency: 1, OnProgress: func(done, total, failed int) {
					if calls++; calls == tc.cancelAfter {
						cancel()
					}
				}}
				res := bulkClient(t, tr).ProtectionUnits().CancelOffboardAll(ctx, ids, opts)
				cancel()
				require.Len(t, res, len(ids))
				require.Len(t, tr.log(), tc.wantBatches, "no batch after ctx ended")
				tc.check(t, res)
			})
		})
	}
}

// A read-back $batch throttled past MaxRetryDelay leaves the unit in
// doubt: ErrOutcomeUnknown, not the 429 as if nothing had been sent.
func TestBulkThrottledReadBackIsOutcomeUnknown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		state := newUnitState([]string{"a"}, "offboardRequested")
		tr := &batchTransport{
			whole: func(n int) (int, error) { return map[bool]int{true: 429}[n == 1], nil },
			decide: func(method, url string) batchItemReply {
				rep := state.handle(method, url)
				if method == http.MethodPost {
					return batchItemReply{status: 500} // applied, answer lost
				}
				return rep
			},
		}
		c := scriptedClient(t, tr, &Options{Retry: RetryOptions{MaxRetryDelay: 500 * time.Millisecond}})
		res := c.ProtectionUnits().CancelOffboardAll(t.Context(), []string{"a"}, nil)
		require.ErrorIs(t, res[0].Err, ErrOutcomeUnknown)
		require.ErrorIs(t, res[0].Err, ErrThrottled)
		require.Len(t, tr.log(), 2, "the action, then one read-back")
	})
}

func TestBulkDelegatedGuard(t *testing.T) {
	tr := &batchTransport{decide: func(string, string) batchItemReply { return batchItemReply{status: 200} }}
	c, err := NewClient(&testCred{token: appOnlyToken}, &Options{HTTPClient: &http.Client{Transport: tr}})
	require.NoError(t, err)
	res := c.ProtectionUnits().OffboardAll(t.Context(), []string{"a", "b"}, nil)
	for _, r := range res {
		require.ErrorIs(t, r.Err, ErrDelegatedAuthRequired)
		require.Zero(t, r.Attempts, "never sent")
	}
	require.Empty(t, tr.log(), "nothing sent with an app-only token")
}
