package backuprestore

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	abs "github.com/microsoft/kiota-abstractions-go"
	khttp "github.com/microsoft/kiota-http-go"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/internal/faultproxy"
)

// A credential that cannot get a token fails fast and says so: nothing is
// sent, the credential's own error type is reachable, a bulk call stops at
// once (every unit not sent, within a second) and asks for a token at most
// three times; no token storm against Entra ID.
//
// Not parallel: it holds the bulk call to a wall-clock bound (a second),
// which other tests loading the machine would stretch.
func TestCredentialFailureFailsFast(t *testing.T) {
	rig := newTCPRig(t, 10, 1)
	cause := &azidentity.AuthenticationFailedError{}
	cred := fake.NewDelegatedCredential()
	cred.SetError(cause)
	c := rig.client(t, cred, tcpOptions(8))

	_, err := c.ProtectionUnits().ByID("u1").CancelOffboard().Post(t.Context(), nil)
	require.ErrorIs(t, err, ErrCredential)
	require.ErrorIs(t, err, ErrNotSent)
	require.NotErrorIs(t, err, ErrOutcomeUnknown)
	var afe *azidentity.AuthenticationFailedError
	require.ErrorAs(t, err, &afe, "the credential's own error stays reachable")
	require.Equal(t, 1, cred.Calls(), "a single call asks once")

	ids := make([]string, 500)
	for i := range ids {
		ids[i] = "unit-" + string(rune('a'+i%26)) + strings.Repeat("x", i%7) + "-" + itoa(i)
	}
	before := cred.Calls()
	var lastDone, lastTotal int
	start := time.Now()
	res := c.ProtectionUnits().CancelOffboardAll(t.Context(), ids, &BulkOptions{OnProgress: func(done, total, _ int) { lastDone, lastTotal = done, total }})
	elapsed := time.Since(start)
	require.Less(t, elapsed, time.Second, "bulk stops at once")
	require.LessOrEqual(t, cred.Calls()-before, 3, "GetToken calls for one bulk call")
	require.Equal(t, len(ids), lastDone)
	require.Equal(t, len(ids), lastTotal)
	for _, r := range res {
		require.ErrorIs(t, r.Err, ErrNotSent, r.ID)
		require.ErrorIs(t, r.Err, ErrCredential, r.ID)
		require.ErrorAs(t, r.Err, &afe)
		require.Zero(t, r.Attempts)
	}
	require.Empty(t, rig.proxy.Events(), "nothing reached the wire")
	t.Logf("500 IDs with a failing credential: %v, %d GetToken calls", elapsed, cred.Calls()-before)
}

// A host that does not exist: nothing is sent, nothing is retried, and a
// bulk call ends at once with every unit not sent.
//
// Not parallel: it holds the calls to a wall-clock bound (a second).
func TestUnknownHostFailsFast(t *testing.T) {
	dnsErr := &net.DNSError{Err: "no such host", Name: "graph.microsfot.com", IsNotFound: true}
	dials := 0
	tr := &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) {
		dials++
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: dnsErr}
	}}
	c, err := NewClient(fake.NewDelegatedCredential(), &Options{BaseURL: "https://graph.microsfot.com/v1.0", HTTPClient: &http.Client{Transport: tr}})
	require.NoError(t, err)
	start := time.Now()
	_, err = c.ProtectionUnits().ByID("u1").Offboard().Post(t.Context(), nil)
	require.ErrorIs(t, err, ErrNotSent)
	var de *net.DNSError
	require.ErrorAs(t, err, &de)
	require.Equal(t, 1, dials, "an unknown host is not retried")
	res := c.ProtectionUnits().OffboardAll(t.Context(), []string{"a", "b"}, nil)
	for _, r := range res {
		require.ErrorIs(t, r.Err, ErrNotSent)
		require.NotErrorIs(t, r.Err, ErrOutcomeUnknown)
	}
	require.Less(t, time.Since(start), time.Second)
	require.Equal(t, 2, dials)
}

// An outage (nothing listens) is "not sent", never "outcome unknown", and
// the bulk call resends with backoff until the service is back.
//
// Not parallel: the outage lasts 300 ms of wall time, which the bulk
// call's retries must outlast; a loaded machine would change the race.
func TestOutageIsNotSent(t *testing.T) {
	rig := newTCPRig(t, 60, 5)
	before, ids := statesOf(rig.srv)
	c := rig.client(t, nil, tcpOptions(2))
	require.NoError(t, rig.proxy.Down())

	_, err := c.ProtectionUnits().ByID(ids[0]).CancelOffboard().Post(t.Context(), nil)
	require.ErrorIs(t, err, ErrNotSent)
	require.ErrorContains(t, err, "after 3 attempts", "transport errors say they were retried")
	require.NotErrorIs(t, err, ErrOutcomeUnknown)

	res := c.ProtectionUnits().CancelOffboardAll(t.Context(), ids, &BulkOptions{MaxAttempts: 2})
	for _, r := range res {
		require.ErrorIs(t, r.Err, ErrNotSent, r.ID)
		require.NotErrorIs(t, r.Err, ErrOutcomeUnknown, r.ID)
		require.Zero(t, r.Attempts)
	}
	require.Empty(t, rig.srv.AllTransitions())

	// Back up after a while: the same call goes through.
	go func() { time.Sleep(300 * time.Millisecond); _ = rig.proxy.Up() }()
	res = c.ProtectionUnits().CancelOffboardAll(t.Context(), ids, nil)
	n := checkOutcomes(t, rig, cancelOffboardAction, fake.RouteCancelOffboard, fake.CauseCancelOffboard, before, res)
	require.Zero(t, n.notSent+n.unknown, "%+v", n)
	require.Positive(t, n.success)
}

// The context's end tells the truth: before the request is written it is
// the context's error and nothing was sent; while an action the service
// applied is on the wire it is ErrOutcomeUnknown, single and bulk alike.
//
// Not parallel: the action must reach the service within a 250 ms
// deadline, which a loaded machine could miss.
func TestContextEndingsTellTheTruth(t *testing.T) {
	rig := newTCPRig(t, 40, 9)
	c := rig.c
	var offboarding []string
	for _, u := range rig.srv.Units() {
		if string(u.Status) == "offboardRequested" {
			offboarding = append(offboarding, u.ID)
		}
	}
	require.GreaterOrEqual(t, len(offboarding), 3)

	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.ProtectionUnits().ByID(offboarding[0]).CancelOffboard().Post(cancelled, nil)
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, ErrNotSent)
	require.NotErrorIs(t, err, ErrOutcomeUnknown)
	res := c.ProtectionUnits().CancelOffboardAll(cancelled, offboarding[:2], nil)
	for _, r := range res {
		require.ErrorIs(t, r.Err, ErrNotSent)
		require.ErrorIs(t, r.Err, context.Canceled)
	}
	require.Empty(t, rig.proxy.Events())

	// The service applies the action; its answer stalls past the caller's deadline.
	_, err = rig.proxy.AddRule(faultproxy.Rule{Kind: faultproxy.Stall, Stall: 3 * time.Second})
	require.NoError(t, err)
	ctx, cancel2 := context.WithTimeout(t.Context(), 250*time.Millisecond)
	defer cancel2()
	_, err = c.ProtectionUnits().ByID(offboarding[0]).CancelOffboard().Post(ctx, nil)
	require.ErrorIs(t, err, ErrOutcomeUnknown)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Len(t, rig.srv.Transitions(offboarding[0]), 1, "the service did apply it")

	ctx3, cancel3 := context.WithTimeout(t.Context(), 250*time.Millisecond)
	defer cancel3()
	res = c.ProtectionUnits().CancelOffboardAll(ctx3, offboarding[1:3], nil)
	for _, r := range res {
		require.ErrorIs(t, r.Err, ErrOutcomeUnknown, r.ID)
		require.ErrorIs(t, r.Err, context.DeadlineExceeded, r.ID)
	}
}

// Every call can hand its caller the response metadata, success or not;
// Kiota's HeadersInspectionOptions is honoured (never with Authorization);
// bulk results carry the item's own request-id.
func TestResponseMetadata(t *testing.T) {
	t.Parallel()
	rig := newRig(t, rigOptions{units: 30})
	srv, c, units := rig.srv, rig.c, rig.units
	var target string
	for _, u := range units {
		if string(u.Status) == "offboardRequested" {
			target = u.ID
		}
	}
	require.NotEmpty(t, target)

	var meta Response
	hi := khttp.NewHeadersInspectionOptions()
	hi.InspectResponseHeaders, hi.InspectRequestHeaders = true, true
	unit, err := c.ProtectionUnits().ByID(target).CancelOffboard().Post(WithCaptureResponse(t.Context(), &meta),
		&RequestConfiguration{Options: []abs.RequestOption{hi}})
	require.NoError(t, err)
	require.NotNil(t, unit)
	require.Equal(t, http.StatusOK, meta.StatusCode)
	require.NotEmpty(t, meta.RequestID)
	require.Equal(t, meta.RequestID, meta.Header.Get("request-id"))
	require.Equal(t, 1, meta.Attempts)
	require.False(t, meta.Date.IsZero())
	require.Equal(t, http.MethodPost, meta.Method)
	require.Contains(t, meta.URL, "/cancelOffboard")
	require.Equal(t, []string{meta.RequestID}, hi.GetResponseHeaders().Get("request-id"))
	require.NotEmpty(t, hi.GetRequestHeaders().Get("Prefer"))
	require.Empty(t, hi.GetRequestHeaders().Get("Authorization"), "no token in inspected headers")

	// A failure fills it too.
	meta = Response{}
	_, err = c.ProtectionUnits().ByID(target).CancelOffboard().Post(WithCaptureResponse(t.Context(), &meta), nil)
	require.ErrorIs(t, err, ErrOperationNotAllowed)
	require.Equal(t, http.StatusForbidden, meta.StatusCode)
	require.NotEmpty(t, meta.RequestID)

	// Reads and pages.
	meta = Response{}
	_, err = c.ProtectionUnits().ByID(units[0].ID).Get(WithCaptureResponse(t.Context(), &meta), nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, meta.StatusCode)
	meta = Response{}
	_, err = c.ProtectionUnits().Get(WithCaptureResponse(t.Context(), &meta), nil)
	require.NoError(t, err)
	require.NotEmpty(t, meta.RequestID)

	// Bulk: each result's request-id is its $batch item's.
	ids := []string{units[1].ID, units[2].ID, "nope"}
	res := c.ProtectionUnits().CancelOffboardAll(t.Context(), ids, nil)
	byReq := map[string]string{}
	for _, rq := range srv.Requests() {
		if rq.InBatch {
			byReq[rq.UnitID] = rq.RequestID
		}
	}
	for _, r := range res {
		require.NotEmpty(t, r.RequestID, r.ID)
		require.Equal(t, byReq[r.ID], r.RequestID, r.ID)
	}
}

// Errors read well: one "backuprestore:" prefix, the full URL with its
// query, absolute URLs in bulk errors; a typed-nil credential is refused.
func TestErrorsReadWell(t *testing.T) {
	t.Parallel()
	c := newRig(t, rigOptions{units: 5}).c
	var errs []error
	for _, err := range c.ProtectionUnits().All(t.Context(), &ListOptions{Filter: "displayName eq 'x'"}) {
		require.Error(t, err)
		var e *Error
		require.ErrorAs(t, err, &e)
		require.Equal(t, http.StatusBadRequest, e.StatusCode)
		require.Contains(t, e.URL, "$filter=")
		require.Contains(t, e.Error(), "displayName")
		errs = append(errs, err)
	}
	_, err := c.ProtectionUnits().ByID("").Get(t.Context(), nil)
	errs = append(errs, err)
	res := c.ProtectionUnits().OffboardAll(t.Context(), []string{"missing", " "}, nil)
	for _, r := range res {
		errs = append(errs, r.Err)
	}
	var e *Error
	require.ErrorAs(t, res[0].Err, &e)
	require.True(t, strings.HasPrefix(e.URL, fake.DefaultBaseURL+"/solutions/backupRestore/protectionUnits/missing/offboard"), e.URL)
	for _, err := range errs {
		require.Equal(t, 1, strings.Count(err.Error(), "backuprestore:"), "one prefix: %q", err.Error())
	}

	var typedNil *fake.Credential
	_, err = NewClient(typedNil, nil)
	require.ErrorContains(t, err, "credential is nil")
}
