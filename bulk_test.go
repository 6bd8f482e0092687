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

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// batchItemReply is a test's answer to one $batch item.
type batchItemReply struct {
	status  int
	body    string
	headers map[string]string
}

// batchService is a scripted $batch endpoint for a respond rig: it answers
// each item through decide, in reverse order (as Graph may), and logs the
// items of every $batch it answers. A fault on the rig's transport can
// fail a $batch as a whole: lose its answer after the items were decided
// (applied), or answer for it before they were.
type batchService struct {
	mu      sync.Mutex
	decide  func(method, url string) batchItemReply
	batches [][]string // "METHOD url" per item, per batch
}

func (b *batchService) respond(req *http.Request) (*http.Response, error) {
	raw, _ := io.ReadAll(req.Body)
	var in struct {
		Requests []struct {
			ID, Method, URL string
			Headers         map[string]string
		}
	}
	if err := json.Unmarshal(raw, &in); err != nil || req.URL.Path != "/v1.0/$batch" {
		return nil, fmt.Errorf("test service: unexpected request %s %s: %v", req.Method, req.URL, err)
	}
	var items []string
	for _, r := range in.Requests {
		items = append(items, r.Method+" "+r.URL)
	}
	b.mu.Lock()
	b.batches = append(b.batches, items)
	b.mu.Unlock()
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

func (b *batchService) log() [][]string {
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

// bulkRig is a respond rig whose service is svc, with retries from 100 ms.
func bulkRig(t *testing.T, svc *batchService) *rig {
	return newRig(t, rigOptions{respond: svc.respond, client: &Options{Retry: RetryOptions{BaseDelay: 100 * time.Millisecond}}})
}

// wholeBatch503 is a gateway's 503 for a $batch as a whole, with no body.
var wholeBatch503 = &step{status: 503, headers: map[string]string{"Retry-After": "1", "Content-Type": ""}}

func TestBulkBasics(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		state := newUnitState([]string{"a", "b", "c"}, "offboardRequested")
		state.status["done"] = "protected"
		svc := &batchService{decide: state.handle}
		rig := bulkRig(t, svc)
		c := rig.c
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
		for _, b := range svc.log() {
			require.LessOrEqual(t, len(b), 2)
		}
		require.Equal(t, [3]int{6, 6, 3}, progress[len(progress)-1])
		require.Equal(t, map[string]int{"a": 1, "b": 1, "c": 1}, state.applied)

		// An empty list returns at once.
		before := len(svc.log())
		require.Empty(t, c.ProtectionUnits().OffboardAll(t.Context(), nil, nil))
		require.Len(t, svc.log(), before)
	})
}

func TestBulkThrottledItemsWaitTheirRetryAfter(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		state := newUnitState([]string{"a", "b"}, "offboardRequested")
		throttled := false
		svc := &batchService{decide: func(method, url string) batchItemReply {
			if strings.Contains(url, "/b/") && !throttled {
				throttled = true
				return batchItemReply{status: 429, body: `{"error":{"code":"TooManyRequests"}}`, headers: map[string]string{"Retry-After": "2.5"}}
			}
			return state.handle(method, url)
		}}
		rig := bulkRig(t, svc)
		c := rig.c
		start := time.Now()
		res := c.ProtectionUnits().CancelOffboardAll(t.Context(), []string{"a", "b"}, nil)
		require.NoError(t, res.Err())
		require.Equal(t, 1, res[0].Attempts)
		require.Equal(t, 2, res[1].Attempts)
		log := svc.log()
		require.Len(t, log, 2)
		require.Equal(t, []string{"POST /solutions/backupRestore/protectionUnits/b/cancelOffboard"}, log[1], "only the throttled item is resent")
		// After its own Retry-After (plus the client limiter's pacing of
		// one item after the pause it took for the 429).
		waited := rig.tr.arrivals[1].Sub(start)
		require.GreaterOrEqual(t, waited, 2500*time.Millisecond, "after its own Retry-After")
		require.Less(t, waited, 2600*time.Millisecond)
	})
}

func TestBulkReconcilesAmbiguousFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name           string
		whole          fault // on the $batch as a whole
		itemFault      func(url string, first bool) *batchItemReply
		wantReconciled bool
		wantAttempts   int
	}{
		{
			name:           "connection reset after the batch was applied",
			whole:          fault{count: 1, lose: syscall.ECONNRESET},
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
			whole:          fault{count: 1, answer: wholeBatch503},
			wantReconciled: false, wantAttempts: 2,
		},
		{
			// The pipeline's resend earns a 403 per item: read back, they
			// show the action applied, so they succeeded.
			name:           "whole batch 503 after the service acted",
			whole:          fault{count: 1, replace: wholeBatch503},
			wantReconciled: true, wantAttempts: 2,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				ids := []string{"a", "b", "c"}
				state := newUnitState(ids, "offboardRequested")
				seen := map[string]bool{}
				var mu sync.Mutex
				svc := &batchService{decide: func(method, url string) batchItemReply {
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
				rig := bulkRig(t, svc)
				rig.tr.add(tc.whole)
				c := rig.c
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
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		state := newUnitState([]string{"a"}, "offboardRequested")
		failures := 0
		svc := &batchService{decide: func(method, url string) batchItemReply {
			if method == http.MethodPost && failures == 0 {
				failures++
				return batchItemReply{status: 504} // not applied
			}
			return state.handle(method, url)
		}}
		rig := bulkRig(t, svc)
		c := rig.c
		res := c.ProtectionUnits().CancelOffboardAll(t.Context(), []string{"a"}, nil)
		require.NoError(t, res.Err())
		require.Equal(t, 2, res[0].Attempts)
		require.False(t, res[0].Reconciled)
		var kinds []string
		for _, b := range svc.log() {
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
	t.Parallel()
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
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				state := newUnitState([]string{"a"}, "offboardRequested")
				posts := 0
				svc := &batchService{decide: func(method, url string) batchItemReply {
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
				rig := bulkRig(t, svc)
				c := rig.c
				res := c.ProtectionUnits().CancelOffboardAll(t.Context(), []string{"a"}, nil)
				var kinds []string
				for _, b := range svc.log() {
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
	t.Parallel()
	ids := []string{"https://evil.example/x", "//evil.example/y", "../../../$batch", "a/b?c#d", "u1"}
	var mu sync.Mutex
	var seen []string
	svc := &batchService{decide: func(method, itemURL string) batchItemReply {
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
	rig := bulkRig(t, svc)
	c := rig.c
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
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ids := make([]string, 100)
		for i := range ids {
			ids[i] = fmt.Sprintf("u%03d", i)
		}
		state := newUnitState(ids, "offboardRequested")
		ctx, cancel := context.WithCancel(t.Context())
		svc := &batchService{decide: func(method, url string) batchItemReply {
			rep := state.handle(method, url)
			if strings.Contains(url, "u010") {
				cancel()
			}
			return rep
		}}
		rig := bulkRig(t, svc)
		c := rig.c
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
		require.Len(t, svc.log(), 1)
	})
}

// Cancelling ctx stops new batches at once, whoever cancels (before the
// call, or OnProgress between batches), and a unit whose outcome is in
// doubt when ctx ends is reported as ErrOutcomeUnknown, not "not sent".
func TestBulkContextCancellationStopsNewBatches(t *testing.T) {
	t.Parallel()
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
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				state := newUnitState(ids, "offboardRequested")
				svc := &batchService{decide: func(method, url string) batchItemReply {
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
				res := bulkRig(t, svc).c.ProtectionUnits().CancelOffboardAll(ctx, ids, opts)
				cancel()
				require.Len(t, res, len(ids))
				require.Len(t, svc.log(), tc.wantBatches, "no batch after ctx ended")
				tc.check(t, res)
			})
		})
	}
}

// A read-back $batch throttled past MaxRetryDelay leaves the unit in
// doubt: ErrOutcomeUnknown, not the 429 as if nothing had been sent.
func TestBulkThrottledReadBackIsOutcomeUnknown(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		state := newUnitState([]string{"a"}, "offboardRequested")
		svc := &batchService{decide: func(method, url string) batchItemReply {
			rep := state.handle(method, url)
			if method == http.MethodPost {
				return batchItemReply{status: 500} // applied, answer lost
			}
			return rep
		}}
		rig := newRig(t, rigOptions{respond: svc.respond, client: &Options{Retry: RetryOptions{MaxRetryDelay: 500 * time.Millisecond}}})
		// The second $batch (the read-back) is throttled as a whole.
		rig.tr.add(fault{match: nth(2), count: 1, answer: &step{status: 429, headers: map[string]string{"Retry-After": "1", "Content-Type": ""}}})
		res := rig.c.ProtectionUnits().CancelOffboardAll(t.Context(), []string{"a"}, nil)
		require.ErrorIs(t, res[0].Err, ErrOutcomeUnknown)
		require.ErrorIs(t, res[0].Err, ErrThrottled)
		require.Equal(t, 2, rig.tr.count(), "the action, then one read-back")
	})
}

func TestBulkDelegatedGuard(t *testing.T) {
	t.Parallel()
	svc := &batchService{decide: func(string, string) batchItemReply { return batchItemReply{status: 200} }}
	rig := newRig(t, rigOptions{respond: svc.respond, cred: &testCred{token: appOnlyToken}})
	res := rig.c.ProtectionUnits().OffboardAll(t.Context(), []string{"a", "b"}, nil)
	for _, r := range res {
		require.ErrorIs(t, r.Err, ErrDelegatedAuthRequired)
		require.Zero(t, r.Attempts, "never sent")
	}
	require.Zero(t, rig.tr.count(), "nothing sent with an app-only token")
}

// gatewayServer: every offboard is applied by the service, then a gateway
// answers 503 (single POST and $batch item alike). GETs answer the unit.
type gatewayServer struct {
	mu      sync.Mutex
	applied map[string]time.Time
	posts   int
}

func (g *gatewayServer) unitJSON(id string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if at, ok := g.applied[id]; ok {
		return fmt.Sprintf(`{"id":%q,"status":"offboardRequested","policyId":"","offboardRequestedDateTime":%q,"lastModifiedDateTime":%q,"lastModifiedBy":{"user":{"id":"u1"}}}`,
			id, at.UTC().Format(time.RFC3339Nano), at.UTC().Format(time.RFC3339Nano))
	}
	return fmt.Sprintf(`{"id":%q,"status":"unprotected","policyId":""}`, id)
}

func (g *gatewayServer) apply(id string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.posts++
	if _, ok := g.applied[id]; !ok {
		g.applied[id] = time.Now()
	}
}

const gw503 = `{"error":{"code":"serviceNotAvailable","message":"gateway"}}`

func (g *gatewayServer) handle(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case strings.HasSuffix(path, "/$batch"):
		var in struct {
			Requests []struct{ ID, Method, URL string } `json:"requests"`
		}
		_ = json.NewDecoder(r.Body).Decode(&in)
		var out []string
		for _, q := range in.Requests {
			seg := strings.Split(strings.Trim(q.URL, "/"), "/")
			if q.Method == "POST" {
				g.apply(seg[len(seg)-2])
				out = append(out, fmt.Sprintf(`{"id":%q,"status":503,"headers":{"Content-Type":"application/json"},"body":%s}`, q.ID, gw503))
			} else {
				out = append(out, fmt.Sprintf(`{"id":%q,"status":200,"headers":{"Content-Type":"application/json"},"body":%s}`, q.ID, g.unitJSON(seg[len(seg)-1])))
			}
		}
		reply(w, 200, `{"responses":[`+strings.Join(out, ",")+`]}`)
	case r.Method == "POST" && strings.HasSuffix(path, "/offboard"):
		seg := strings.Split(path, "/")
		g.apply(seg[len(seg)-2])
		reply(w, 503, gw503)
	case r.Method == "GET":
		seg := strings.Split(path, "/")
		reply(w, 200, g.unitJSON(seg[len(seg)-1]))
	default:
		reply(w, 404, `{"error":{"code":"NotFound"}}`)
	}
}

// A regression test from a review of the outcome logic: it reproduced a
// false outcome before its fix.
func TestRegressionBulkFinal503IgnoresItsOwnDoubt(t *testing.T) {
	t.Parallel()
	g := &gatewayServer{applied: map[string]time.Time{}}
	c := newRig(t, rigOptions{handler: g.handle, client: &Options{Retry: RetryOptions{MaxRetries: 2, BaseDelay: time.Millisecond, MaxRetryDelay: 10 * time.Millisecond}}}).c
	u, err := c.ProtectionUnits().ByID("single").Offboard().Post(t.Context(), nil)
	t.Logf("single Post: unit=%v err=%v", u != nil, err)
	res := c.ProtectionUnits().OffboardAll(t.Context(), []string{"bulk1"}, &BulkOptions{MaxAttempts: 3})
	x := res[0]
	t.Logf("bulk: unit=%v attempts=%d err=%v Unknown=%v", x.Unit != nil, x.Attempts, x.Err, errors.Is(x.Err, ErrOutcomeUnknown))
	if x.Err != nil && !errors.Is(x.Err, ErrOutcomeUnknown) {
		t.Errorf("bulk reports a plain 503 failure for a unit this call offboarded (the read-back would show it): %v", x.Err)
	}
}

// A read the service refuses on its merits (403 accessDenied) is its
// answer: it is not read again and again with backoff.
func TestReadRefusedIsNotRetried(t *testing.T) {
	t.Parallel()
	rig := newRig(t, rigOptions{units: 20, fake: &fake.Options{Seed: 2}})
	id := rig.units[0].ID
	rig.srv.AddFault(fake.Fault{Route: fake.RouteGet, InBatch: true, UnitID: id, Kind: fake.FaultStatus, Status: 403, Code: "accessDenied"})
	start := time.Now()
	reads := rig.c.readUnits(t.Context(), []string{id}, &BulkOptions{MaxAttempts: 8})
	require.ErrorIs(t, reads[0].Err, ErrForbidden)
	require.Less(t, time.Since(start), 2*time.Second, "no backoff for a refusal")
	require.Equal(t, 1, countRoute(rig.srv, fake.RouteBatch), "one read")
}
