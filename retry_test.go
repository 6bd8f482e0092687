package backuprestore

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/models"
)

func TestRetryHonoursRetryAfter(t *testing.T) {
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
			synctest.Test(t, func(t *testing.T) {
				tr := &scriptedTransport{script: []step{
					{status: 429, headers: map[string]string{"Retry-After": tc.retryAfter()}, body: `{"error":{"code":"TooManyRequests"}}`},
					{status: 200, body: okUnit},
				}}
				c := scriptedClient(t, tr, nil)
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
	synctest.Test(t, func(t *testing.T) {
		tr := &scriptedTransport{script: []step{
			{status: 429, headers: map[string]string{"Retry-After": "3600"}, body: `{"error":{"code":"TooManyRequests","message":"Please retry again later."}}`},
		}}
		c := scriptedClient(t, tr, &Options{Retry: RetryOptions{MaxRetryDelay: 30 * time.Second}})
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
	synctest.Test(t, func(t *testing.T) {
		tr := &scriptedTransport{script: []step{
			{status: 503}, {status: 503}, {status: 503}, {status: 503},
		}}
		c := scriptedClient(t, tr, &Options{Retry: RetryOptions{BaseDelay: time.Second, MaxRetries: 3}})
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
			synctest.Test(t, func(t *testing.T) {
				tr := &scriptedTransport{script: []step{tc.first, {status: 200, body: okUnit}}}
				c := scriptedClient(t, tr, nil)
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
	synctest.Test(t, func(t *testing.T) {
		tr := &scriptedTransport{script: []step{{status: 429, headers: map[string]string{"Retry-After": "30"}}, {status: 200, body: okUnit}}}
		c := scriptedClient(t, tr, nil)
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
	synctest.Test(t, func(t *testing.T) {
		tr := &scriptedTransport{script: []step{{status: 503, headers: map[string]string{"Retry-After": "20"}}, {status: 200, body: okUnit}}}
		c := scriptedClient(t, tr, nil)
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
	for _, h := range []string{"-5", "soon", "NaN", "1e999"} {
		t.Run(h, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				tr := &scriptedTransport{script: []step{{status: 429, headers: map[string]string{"Retry-After": h}}, {status: 200, body: okUnit}}}
				c := scriptedClient(t, tr, &Options{Retry: RetryOptions{BaseDelay: time.Second}})
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
	synctest.Test(t, func(t *testing.T) {
		tr := &scriptedTransport{script: []step{{status: 429, headers: map[string]string{"Retry-After": "1"}}}}
		c := scriptedClient(t, tr, &Options{Retry: RetryOptions{MaxRetries: -1}})
		_, err := c.ProtectionUnits().ByID("u1").Get(t.Context(), nil)
		require.ErrorIs(t, err, ErrThrottled)
		require.Equal(t, 1, tr.count())
	})
}

// After an ambiguous failure, a single action reads the unit back instead
// of resending blindly (which would earn a false 403 if it had been
// applied), and takes only evidence of its own action as a success.
func TestSingleActionReconciliation(t *testing.T) {
	unprotected := `{"id":"u1","status":"unprotected","policyId":""}`
	notAllowed := step{status: 403, body: `{"error":{"code":"OperationNotAllowed"}}`}
	// Offboarding since 2025: in the target state, but not by this call.
	offboardingLongAgo := `{"id":"u1","status":"offboardRequested","offboardRequestedDateTime":"1999-06-01T00:00:00Z"}`
	// Offboarded just now, by someone else.
	offboardedBySomeoneElse := `{"id":"u1","status":"offboardRequested","offboardRequestedDateTime":"{{now}}",` +
		`"lastModifiedBy":{"user":{"id":"someone-else"}}}`
	offboardedByUs := `{"id":"u1","status":"offboardRequested","offboardRequestedDateTime":"{{now}}",` +
		`"lastModifiedBy":{"user":{"id":"u1"}}}`
	cases := []struct {
		name    string
		script  []step
		opts    *Options
		methods []string
		wantErr []error
		notErr  error
	}{
		{"reset after the action was applied", []step{{err: syscall.ECONNRESET}, {status: 200, body: appliedUnit}}, nil,
			[]string{"POST", "GET"}, nil, nil},
		{"applied, lastModifiedBy is the caller", []step{{err: syscall.ECONNRESET}, {status: 200, body: offboardedByUs}}, nil,
			[]string{"POST", "GET"}, nil, nil},
		{"200 with an empty object: the 2xx is the evidence", []step{{status: 200, body: `{}`}, {status: 200, body: okUnit}}, nil,
			[]string{"POST", "GET"}, nil, nil},
		{"the client's own timeout, applied", []step{{err: context.DeadlineExceeded}, {status: 200, body: appliedUnit}}, nil,
			[]string{"POST", "GET"}, nil, nil},
		{"504, applied", []step{{status: 504}, {status: 200, body: appliedUnit}}, nil, []string{"POST", "GET"}, nil, nil},
		{"500, not applied, resent once", []step{{status: 500}, {status: 200, body: unprotected}, {status: 200, body: okUnit}}, nil,
			[]string{"POST", "GET", "POST"}, nil, nil},
		{"502 not applied, retries disabled", []step{{status: 502}, {status: 200, body: unprotected}}, &Options{Retry: RetryOptions{MaxRetries: -1}},
			[]string{"POST", "GET"}, []error{ErrOutcomeUnknown, ErrServer}, nil},
		{"500, applied late: the resend's 403 is read back", []step{{status: 500}, {status: 200, body: unprotected},
			notAllowed, {status: 200, body: appliedUnit}}, nil,
			[]string{"POST", "GET", "POST", "GET"}, nil, nil},
		{"500, then moved by someone else: the 403 stands", []step{{status: 500}, {status: 200, body: unprotected},
			notAllowed, {status: 200, body: `{"id":"u1","status":"protected","policyId":"p"}`}}, nil,
			[]string{"POST", "GET", "POST", "GET"}, []error{ErrOperationNotAllowed}, ErrOutcomeUnknown},
		{"503 after the service acted: the pipeline's resend earns a 403, read back", []step{{status: 503, headers: map[string]string{"Retry-After": "1"}},
			notAllowed, {status: 200, body: appliedUnit}}, nil,
			[]string{"POST", "POST", "GET"}, nil, nil},
		{"429, then a 403: the 403 stands (a 429 is never acted on)", []step{{status: 429, headers: map[string]string{"Retry-After": "1"}},
			notAllowed}, nil,
			[]string{"POST", "POST"}, []error{ErrOperationNotAllowed}, ErrOutcomeUnknown},
		// Issue 12, point 1: a unit already in the target state is no success of this call.
		// The resend's 403 could be the first attempt applied late, so it
		// is read back once more before it stands.
		{"already offboarding before the call: the 403 behind the reset is reported", []step{{err: syscall.ECONNRESET},
			{status: 200, body: offboardingLongAgo}, notAllowed, {status: 200, body: offboardingLongAgo}}, nil,
			[]string{"POST", "GET", "POST", "GET"}, []error{ErrOperationNotAllowed}, ErrOutcomeUnknown},
		{"changed by someone else just now: not ours", []step{{err: syscall.ECONNRESET},
			{status: 200, body: offboardedBySomeoneElse}, notAllowed, {status: 200, body: offboardedBySomeoneElse}}, nil,
			[]string{"POST", "GET", "POST", "GET"}, []error{ErrOperationNotAllowed}, ErrOutcomeUnknown},
		// Issue 12, point 4: the read-back's 404 is the service's answer.
		{"unknown unit: the read-back's 404 is reported", []step{{status: 504}, {status: 404, body: `{"error":{"code":"ProtectionUnitNotFound"}}`}}, nil,
			[]string{"POST", "GET"}, []error{ErrNotFound}, ErrOutcomeUnknown},
		{"read-back fails", []step{{status: 504}, {status: 400, body: `{"error":{"code":"BadRequest"}}`}}, nil,
			[]string{"POST", "GET"}, []error{ErrOutcomeUnknown, ErrServiceUnavailable, ErrBadRequest}, nil},
		{"a definite 403 is not reconciled", []step{notAllowed}, nil,
			[]string{"POST"}, []error{ErrOperationNotAllowed}, ErrOutcomeUnknown},
		{"refused connection: not sent, resent by the pipeline", []step{{err: dialRefused()}, {status: 200, body: okUnit}}, nil,
			[]string{"POST", "POST"}, nil, nil},
		{"refused every time: not sent, never outcome unknown", []step{{err: dialRefused()}}, nil,
			[]string{"POST", "POST", "POST", "POST"}, []error{ErrNotSent, syscall.ECONNREFUSED}, ErrOutcomeUnknown},
		{"unknown host: not sent, not retried", []step{{err: &net.DNSError{Err: "no such host", Name: "graph.example", IsNotFound: true}}}, nil,
			[]string{"POST"}, []error{ErrNotSent}, ErrOutcomeUnknown},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				tr := &scriptedTransport{script: tc.script}
				c := scriptedClient(t, tr, tc.opts)
				var meta Response
				unit, err := c.ProtectionUnits().ByID("u1").Offboard().Post(WithCaptureResponse(t.Context(), &meta), nil)
				var methods []string
				for _, r := range tr.requests {
					methods = append(methods, r.Method)
				}
				require.Equal(t, tc.methods, methods)
				require.Equal(t, len(tc.methods), meta.Attempts, "Response.Attempts counts every request")
				if tc.wantErr != nil {
					for _, want := range tc.wantErr {
						require.ErrorIs(t, err, want)
					}
					if tc.notErr != nil {
						require.NotErrorIs(t, err, tc.notErr)
					}
					require.Nil(t, unit)
					return
				}
				require.NoError(t, err)
				require.Equal(t, "offboardRequested", string(unit.Status))
				require.Equal(t, 200, meta.StatusCode)
				require.NotEmpty(t, meta.RequestID)
				tr.allClosed(t)
			})
		})
	}
}

// dialRefused is the error net/http returns when nothing listens.
func dialRefused() error {
	return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
}

// http.Client.Timeout ends a cancelOffboard the service applied: the call
// reads the unit back and reports the success, instead of an error the
// caller would retry into a false 403.
func TestSingleActionClientTimeoutIsReconciled(t *testing.T) {
	var mu sync.Mutex
	status := "offboardRequested"
	modified := time.Now().Add(-time.Hour).UTC()
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if r.Method == http.MethodPost {
			status = "cancelOffboardRequested" // applied...
			modified = time.Now().UTC()
			mu.Unlock()
			select { // ...but the answer comes too late
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		s := status
		mu.Unlock()
		reply(w, 200, `{"id":"u1","status":"`+s+`","lastModifiedDateTime":"`+modified.Format(time.RFC3339Nano)+`"}`)
	})
	c := ts.client(t, delegatedCred(), &Options{HTTPClient: &http.Client{Timeout: 200 * time.Millisecond}})
	unit, err := c.ProtectionUnits().ByID("u1").CancelOffboard().Post(t.Context(), nil)
	require.NoError(t, err)
	require.Equal(t, models.StatusCancelOffboardRequested, unit.Status)
	var methods []string
	for _, r := range ts.seen() {
		methods = append(methods, r.Method)
	}
	require.Equal(t, []string{"POST", "GET"}, methods)
}
