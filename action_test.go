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

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// Tests of the single actions, offboard and cancelOffboard (action.go):
// what the call reports after an ambiguous failure, a read-back, a
// resend, a 2xx whose body was cut.

// After an ambiguous failure, a single action reads the unit back instead
// of resending blindly (which would earn a false 403 if it had been
// applied), and takes only evidence of its own action as a success.
func TestSingleActionReconciliation(t *testing.T) {
	t.Parallel()
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
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				rig := newRig(t, rigOptions{respond: script(tc.script...), client: tc.opts})
				var meta Response
				unit, err := rig.c.ProtectionUnits().ByID("u1").Offboard().Post(WithCaptureResponse(t.Context(), &meta), nil)
				require.Equal(t, tc.methods, rig.tr.methods())
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
				rig.tr.allClosed(t)
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
	t.Parallel()
	var mu sync.Mutex
	status := "offboardRequested"
	modified := time.Now().Add(-time.Hour).UTC()
	rig := newRig(t, rigOptions{handler: func(w http.ResponseWriter, r *http.Request) {
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
	}, client: &Options{HTTPClient: &http.Client{Timeout: 200 * time.Millisecond}}})
	unit, err := rig.c.ProtectionUnits().ByID("u1").CancelOffboard().Post(t.Context(), nil)
	require.NoError(t, err)
	require.Equal(t, models.StatusCancelOffboardRequested, unit.Status)
	var methods []string
	for _, r := range rig.ts.seen() {
		methods = append(methods, r.Method)
	}
	require.Equal(t, []string{"POST", "GET"}, methods)
}

// A single action after a reset that happened after the service applied
// it: the client reads the unit back and returns it, instead of resending
// and surfacing a false 403.
func TestSingleActionResetAfterApplyAgainstEmulator(t *testing.T) {
	t.Parallel()
	rig := newRig(t, rigOptions{})
	srv, c := rig.srv, rig.c
	require.NoError(t, srv.AddUnit(fake.Unit{Kind: models.KindSite, ID: "s", SiteID: "h,a,b", Status: models.StatusOffboardRequested}))
	srv.AddFault(fake.Fault{Route: fake.RouteCancelOffboard, Kind: fake.FaultResetAfter, Count: 1})
	u, err := c.ProtectionUnits().ByID("s").CancelOffboard().Post(t.Context(), nil)
	require.NoError(t, err)
	require.Equal(t, models.StatusCancelOffboardRequested, u.Status)
	require.Len(t, srv.Transitions("s"), 1, "applied exactly once")
}

// The service answered the offboard 2xx (its body cut), and the read-back
// failed: the action was applied, so the call must not report it unknown.
// (A regression test from a review of the outcome logic: it reproduced a
// false outcome before its fix.)
func TestRegressionAcked2xxThenReadFailsIsUnknown(t *testing.T) {
	t.Parallel()
	rig := newRig(t, rigOptions{units: 50, fake: &fake.Options{Seed: 3},
		client: &Options{Retry: RetryOptions{MaxRetries: 1, BaseDelay: time.Millisecond, MaxRetryDelay: 5 * time.Millisecond}}})
	srv, c := rig.srv, rig.c
	id := offboardable(t, srv)
	srv.AddFault(fake.Fault{Route: fake.RouteOffboard, Kind: fake.FaultTruncatedBody, Count: 1})
	srv.AddFault(fake.Fault{Route: fake.RouteGet, Kind: fake.FaultStatus, Status: 500})
	_, err := c.ProtectionUnits().ByID(id).Offboard().Post(t.Context(), nil)
	t.Logf("err=%v", err)
	if errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("the service answered 2xx (applied: %d offboards), yet the call reports ErrOutcomeUnknown", causes(srv)[id][fake.CauseOffboard])
	}
}

// The service answered the first offboard 2xx (its body cut); right after,
// another admin cancelled that offboarding and the cancellation completed
// (the unit is unprotected again, so a second offboard would be applied).
// The call must not send it again. (A regression test from a review of
// the outcome logic: it reproduced a false outcome before its fix.)
func TestRegressionAckedOffboardIsSentAgain(t *testing.T) {
	t.Parallel()
	rig := newRig(t, rigOptions{units: 50, fake: &fake.Options{Seed: 3, RealTimeClock: true, CancelDelay: 20 * time.Millisecond, ProtectDelay: 24 * time.Hour},
		client: &Options{Retry: RetryOptions{BaseDelay: 5 * time.Millisecond, MaxRetryDelay: time.Second}}})
	srv, c := rig.srv, rig.c
	id := offboardable(t, srv)
	srv.AddFault(fake.Fault{Route: fake.RouteOffboard, Kind: fake.FaultTruncatedBody, Count: 1})
	other := rig.client(t, nil, &Options{HTTPClient: srv.Client()}) // another admin, beside the rig's transport
	rig.tr.add(fault{match: posts("/offboard"), count: 1, then: func(r *http.Request, _ *http.Response) {
		if _, e := other.ProtectionUnits().ByID(id).CancelOffboard().Post(r.Context(), nil); e != nil {
			t.Logf("other admin's cancel: %v", e)
		}
		// The cancellation completes on the emulator's real-time clock
		// (CancelDelay 20 ms): the unit is unprotected again.
		time.Sleep(80 * time.Millisecond)
	}})
	u, err := c.ProtectionUnits().ByID(id).Offboard().Post(t.Context(), nil)
	st := ""
	if u != nil {
		st = string(u.Status)
	}
	n := causes(srv)[id][fake.CauseOffboard]
	t.Logf("Post: status=%s err=%v; offboards applied: %d", st, err, n)
	if n > 1 {
		t.Errorf("the service answered 2xx to the first offboard, yet the call sent it again and it was applied %d times (undoing another admin's cancel)", n)
	}
}
