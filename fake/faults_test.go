package fake_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

func TestFaultStatus(t *testing.T) {
	date := time.Now().Add(3 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name       string
		fault      fake.Fault
		status     int
		code       string
		retryAfter string
	}{
		{"429 default Retry-After", fake.Fault{Kind: fake.FaultStatus, Status: 429}, 429, "TooManyRequests", "1"},
		{"429 fractional", fake.Fault{Kind: fake.FaultStatus, Status: 429, RetryAfter: "2.128"}, 429, "TooManyRequests", "2.128"},
		{"429 HTTP date", fake.Fault{Kind: fake.FaultStatus, Status: 429, RetryAfter: date}, 429, "TooManyRequests", date},
		{"429 without Retry-After", fake.Fault{Kind: fake.FaultStatus, Status: 429, NoRetryAfter: true}, 429, "TooManyRequests", ""},
		{"503 default", fake.Fault{Kind: fake.FaultStatus}, 503, "serviceNotAvailable", ""},
		{"503 with Retry-After", fake.Fault{Kind: fake.FaultStatus, Status: 503, RetryAfter: "10"}, 503, "serviceNotAvailable", "10"},
		{"500", fake.Fault{Kind: fake.FaultStatus, Status: 500}, 500, "generalException", ""},
		{"504", fake.Fault{Kind: fake.FaultStatus, Status: 504}, 504, "UnknownError", ""},
		{"409 custom code", fake.Fault{Kind: fake.FaultStatus, Status: 409, Code: "Conflict", Message: "busy"}, 409, "Conflict", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, route := range []struct {
				r      fake.Route
				method string
				path   string
			}{
				{fake.RouteList, "GET", unitsPath},
				{fake.RouteGet, "GET", unitPath("u")},
				{fake.RouteOffboard, "POST", unitPath("u", "offboard")},
				{fake.RouteCancelOffboard, "POST", unitPath("c", "cancelOffboard")},
			} {
				e := newEnv(t, nil)
				e.add(site("u", models.StatusUnprotected, ""), site("c", models.StatusOffboardRequested, ""))
				f := tt.fault
				f.Route, f.Count = route.r, 1
				id := e.srv.AddFault(f)
				r := e.do(route.method, route.path, header("client-request-id", "cr"))
				require.Equal(t, tt.status, r.status, route.path)
				require.Equal(t, tt.code, r.errCode(t))
				require.Equal(t, tt.retryAfter, r.header.Get("Retry-After"))
				require.Equal(t, "cr", r.header.Get("client-request-id"))
				inner := r.json(t)["error"].(map[string]any)["innerError"].(map[string]any)
				require.Equal(t, r.header.Get("request-id"), inner["request-id"])
				if tt.status == 429 {
					require.Equal(t, "429", inner["status"])
				}
				require.Empty(t, e.srv.AllTransitions(), "a status fault happens before the handler")
				require.Equal(t, 1, e.srv.FaultHits(id))
				// Count 1: the next request succeeds.
				require.Equal(t, 200, e.do(route.method, route.path).status)
				require.Equal(t, fake.FaultStatus, e.srv.Requests()[0].Fault)
				require.Equal(t, fake.FaultNone, e.srv.Requests()[1].Fault)
			}
		})
	}
}

func TestFaultResets(t *testing.T) {
	for _, overHTTP := range []bool{false, true} {
		t.Run(fmt.Sprintf("http=%v", overHTTP), func(t *testing.T) {
			e := newEnv(t, nil)
			if overHTTP {
				ts := httptest.NewServer(e.srv)
				t.Cleanup(ts.Close)
				c := ts.Client()
				e.client = &http.Client{Transport: rewrite{ts.URL, c.Transport}}
			}
			e.add(site("before", models.StatusUnprotected, ""), site("after", models.StatusUnprotected, ""))

			e.srv.AddFault(fake.Fault{Route: fake.RouteOffboard, UnitID: "before", Kind: fake.FaultResetBefore, Count: 1})
			r := e.do("POST", unitPath("before", "offboard"))
			require.Error(t, r.err)
			t.Logf("reset error: %v", r.err)
			require.ErrorIs(t, r.err, syscall.ECONNRESET)
			require.Equal(t, models.StatusUnprotected, e.status("before"), "not applied")

			e.srv.AddFault(fake.Fault{Route: fake.RouteOffboard, UnitID: "after", Kind: fake.FaultResetAfter, Count: 1})
			r = e.do("POST", unitPath("after", "offboard"))
			require.Error(t, r.err)
			t.Logf("reset error: %v", r.err)
			require.ErrorIs(t, r.err, syscall.ECONNRESET)
			require.Equal(t, models.StatusOffboardRequested, e.status("after"), "applied, though the client got an error")
			ts := e.srv.Transitions("after")
			require.Len(t, ts, 1)
			// The client retries: 403, and still exactly one transition.
			r = e.do("POST", unitPath("after", "offboard"))
			require.Equal(t, 403, r.status)
			require.Equal(t, 1, causes(e.srv.Transitions("after"), fake.CauseOffboard))
			// The log shows both resets without a status.
			var faults []fake.FaultKind
			for _, rec := range e.srv.Requests() {
				if rec.Fault != fake.FaultNone {
					require.Zero(t, rec.Status)
					faults = append(faults, rec.Fault)
				}
			}
			require.Equal(t, []fake.FaultKind{fake.FaultResetBefore, fake.FaultResetAfter}, faults)
			// A whole $batch can be reset after its items were applied.
			e.add(site("b1", models.StatusUnprotected, ""))
			e.srv.AddFault(fake.Fault{Route: fake.RouteBatch, Kind: fake.FaultResetAfter, Count: 1})
			r = e.batch(item("1", "POST", unitPath("b1", "offboard")))
			require.Error(t, r.err)
			require.Equal(t, models.StatusOffboardRequested, e.status("b1"))
		})
	}
}

// rewrite sends requests for the Graph host to a test server.
type rewrite struct {
	base string
	rt   http.RoundTripper
}

func (rw rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	u := *r.URL
	u.Scheme, u.Host = "http", rw.base[len("http://"):]
	r2.URL, r2.Host = &u, u.Host
	return rw.rt.RoundTrip(r2)
}

func TestFaultBodies(t *testing.T) {
	e := newEnv(t, nil)
	e.add(site("u", models.StatusUnprotected, ""), site("v", models.StatusUnprotected, ""))
	e.srv.AddFault(fake.Fault{Route: fake.RouteOffboard, UnitID: "u", Kind: fake.FaultTruncatedBody, Count: 1})
	r := e.do("POST", unitPath("u", "offboard"))
	require.NoError(t, r.err)
	require.Equal(t, 200, r.status)
	require.False(t, json.Valid(r.body), "%s", r.body)
	require.Contains(t, string(r.body), `"@odata.context"`)
	require.Equal(t, fmt.Sprint(len(r.body)), r.header.Get("Content-Length"))
	require.Equal(t, models.StatusOffboardRequested, e.status("u"), "the handler ran")

	// Truncated errors too.
	e.srv.AddFault(fake.Fault{Route: fake.RouteGet, Kind: fake.FaultTruncatedBody, Count: 1})
	r = e.do("GET", unitPath("nope"))
	require.Equal(t, 404, r.status)
	require.False(t, json.Valid(r.body))

	e.srv.AddFault(fake.Fault{Route: fake.RouteOffboard, Kind: fake.FaultHTMLBody, Count: 1})
	r = e.do("POST", unitPath("v", "offboard"))
	require.Equal(t, 502, r.status)
	require.Equal(t, "text/html", r.header.Get("Content-Type"))
	require.Contains(t, string(r.body), "<html>")
	require.Contains(t, string(r.body), "502 Bad Gateway")
	require.NotEmpty(t, r.header.Get("request-id"))
	require.Equal(t, models.StatusUnprotected, e.status("v"), "the proxy answered; nothing applied")
	e.srv.AddFault(fake.Fault{Kind: fake.FaultHTMLBody, Status: 504, Count: 1})
	r = e.do("GET", unitsPath)
	require.Equal(t, 504, r.status)
	require.Contains(t, string(r.body), "504 Gateway Timeout")

	// Over HTTP the truncated body arrives as sent.
	ts := httptest.NewServer(e.srv)
	t.Cleanup(ts.Close)
	e.srv.AddFault(fake.Fault{Route: fake.RouteList, Kind: fake.FaultTruncatedBody, Count: 1})
	r = doWith(t, ts.Client(), e.token, "GET", ts.URL+"/v1.0"+unitsPath)
	require.NoError(t, r.err)
	require.False(t, json.Valid(r.body))
}

func TestFaultLatency(t *testing.T) {
	e := newEnv(t, nil)
	e.add(site("u", models.StatusUnprotected, ""))
	e.srv.AddFault(fake.Fault{Route: fake.RouteGet, Kind: fake.FaultLatency, Latency: 50 * time.Millisecond, Count: 2})
	start := time.Now()
	require.Equal(t, 200, e.do("GET", unitPath("u")).status)
	require.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)

	// The request's context ends the wait.
	e.srv.AddFault(fake.Fault{Route: fake.RouteGet, Kind: fake.FaultLatency, Latency: 10 * time.Second, Count: 1})
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", base+unitPath("u"), nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+e.token)
	start = time.Now()
	_, err = e.client.Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), 5*time.Second)

	// Latency combines with another fault, and with other latencies.
	e.srv.AddFault(fake.Fault{Route: fake.RouteOffboard, Kind: fake.FaultLatency, Latency: 20 * time.Millisecond, Count: 1})
	e.srv.AddFault(fake.Fault{Route: fake.RouteOffboard, Kind: fake.FaultLatency, Latency: 20 * time.Millisecond, Count: 1})
	e.srv.AddFault(fake.Fault{Route: fake.RouteOffboard, Kind: fake.FaultStatus, Status: 503, Count: 1})
	start = time.Now()
	require.Equal(t, 503, e.do("POST", unitPath("u", "offboard")).status)
	require.GreaterOrEqual(t, time.Since(start), 40*time.Millisecond)

	// A latency-delayed offboard whose client gives up is not applied.
	e.srv.AddFault(fake.Fault{Route: fake.RouteOffboard, Kind: fake.FaultLatency, Latency: time.Second, Count: 1})
	ctx, cancel = context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	req, err = http.NewRequestWithContext(ctx, "POST", base+unitPath("u", "offboard"), nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+e.token)
	_, err = e.client.Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, models.StatusUnprotected, e.status("u"))

	// Inside a $batch.
	e.srv.AddFault(fake.Fault{Route: fake.RouteGet, InBatch: true, Kind: fake.FaultLatency, Latency: 30 * time.Millisecond, Count: 1})
	start = time.Now()
	items, _ := batchResponses(t, e.batch(item("1", "GET", unitPath("u"))))
	require.EqualValues(t, 200, items["1"]["status"])
	require.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)
}

func TestFaultMatchingAndLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	e.add(site("a", models.StatusProtected, "p"), site("b", models.StatusProtected, "p"))
	// UnitID and Route targeting.
	id := e.srv.AddFault(fake.Fault{Route: fake.RouteGet, UnitID: "b", Kind: fake.FaultStatus, Status: 500})
	require.Equal(t, 200, e.do("GET", unitPath("a")).status)
	require.Equal(t, 200, e.do("GET", unitsPath).status)
	for range 3 {
		require.Equal(t, 500, e.do("GET", unitPath("b")).status, "Count 0: forever")
	}
	require.Equal(t, 3, e.srv.FaultHits(id))
	require.True(t, e.srv.RemoveFault(id))
	require.False(t, e.srv.RemoveFault(id))
	require.Zero(t, e.srv.FaultHits(id))
	require.Equal(t, 200, e.do("GET", unitPath("b")).status)

	// RouteAny hits everything, including $batch; the first fault added wins.
	e.srv.AddFault(fake.Fault{Kind: fake.FaultStatus, Status: 504, Count: 2})
	e.srv.AddFault(fake.Fault{Kind: fake.FaultStatus, Status: 500, Count: 1})
	require.Equal(t, 504, e.do("GET", unitsPath).status)
	require.Equal(t, 504, e.batch(item("1", "GET", unitPath("a"))).status)
	require.Equal(t, 500, e.do("GET", unitsPath).status)
	require.Equal(t, 200, e.do("GET", unitsPath).status)
	e.srv.AddFault(fake.Fault{Kind: fake.FaultStatus})
	e.srv.ClearFaults()
	require.Equal(t, 200, e.do("GET", unitsPath).status)
}

func TestFaultProbabilityIsSeeded(t *testing.T) {
	pattern := func(seed uint64) []int {
		e := newEnv(t, &fake.Options{Seed: seed})
		e.add(site("a", models.StatusProtected, "p"))
		e.srv.AddFault(fake.Fault{Kind: fake.FaultStatus, Status: 503, Probability: 0.3})
		var out []int
		for range 200 {
			out = append(out, e.do("GET", unitPath("a")).status)
		}
		return out
	}
	p1, p2, p3 := pattern(7), pattern(7), pattern(8)
	require.Equal(t, p1, p2, "same seed, same faults")
	require.NotEqual(t, p1, p3)
	n := 0
	for _, s := range p1 {
		if s == 503 {
			n++
		}
	}
	require.InDelta(t, 60, n, 25, "about 30%% of 200")

	// Count and Probability together: at most Count hits.
	e := newEnv(t, nil)
	e.add(site("a", models.StatusProtected, "p"))
	id := e.srv.AddFault(fake.Fault{Kind: fake.FaultStatus, Probability: 0.5, Count: 3})
	for range 100 {
		e.do("GET", unitPath("a"))
	}
	require.Equal(t, 3, e.srv.FaultHits(id))
}

func TestAddFaultPanics(t *testing.T) {
	srv := fake.NewServer(nil)
	for name, f := range map[string]fake.Fault{
		"no kind":            {},
		"unknown kind":       {Kind: 99},
		"probability":        {Kind: fake.FaultStatus, Probability: 1.5},
		"negative prob":      {Kind: fake.FaultStatus, Probability: -0.1},
		"count":              {Kind: fake.FaultStatus, Count: -1},
		"latency":            {Kind: fake.FaultLatency},
		"reset in batch":     {Kind: fake.FaultResetAfter, InBatch: true},
		"html in batch item": {Kind: fake.FaultHTMLBody, Route: fake.RouteBatchItem},
		"batch in batch":     {Kind: fake.FaultStatus, Route: fake.RouteBatch, InBatch: true},
		"status":             {Kind: fake.FaultStatus, Status: 200},
		"route":              {Kind: fake.FaultStatus, Route: fake.RouteUnknown},
	} {
		require.Panics(t, func() { srv.AddFault(f) }, name)
	}
	require.Equal(t, "resetAfter", fake.FaultResetAfter.String())
	require.Equal(t, "cancelOffboard", fake.RouteCancelOffboard.String())
}
