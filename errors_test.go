package backuprestore

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Every non-2xx becomes *Error whatever the body, and Error() never panics.
func TestNon2xxBodiesBecomeError(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		status      int
		contentType string
		body        string
		headers     map[string]string
		check       func(t *testing.T, e *Error)
		is          []error
		isNot       []error
	}{
		{
			name: "graph envelope with innerError", status: 404, contentType: "application/json",
			body: `{"error":{"code":"ProtectionUnitNotFound","message":"Unit not found.","target":"id","details":[{"code":"d1","message":"m1","target":"t1"}],"innerError":{"date":"2026-11-28T10:00:00","request-id":"inner-req","client-request-id":"inner-client"}}}`,
			check: func(t *testing.T, e *Error) {
				require.Equal(t, "ProtectionUnitNotFound", e.Code)
				require.Equal(t, "Unit not found.", e.Message)
				require.Equal(t, "id", e.Target)
				require.Equal(t, "d1", e.Details[0].Code)
				require.Equal(t, "inner-req", e.RequestID, "innerError request-id when the header is absent")
				require.Equal(t, "inner-client", e.ClientRequestID)
				require.Equal(t, time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC), e.Date)
			},
			is: []error{ErrNotFound}, isNot: []error{ErrForbidden, ErrServer},
		},
		{
			name: "lowercase innererror, headers win", status: 400, contentType: "application/json",
			headers: map[string]string{"request-id": "hdr-req", "client-request-id": "hdr-client", "Date": "Sat, 28 Nov 2026 12:00:00 GMT"},
			body:    `{"error":{"code":"InvalidProtectionUnitId","message":"bad","innererror":{"request-id":"inner-req","client-request-id":"inner-client","date":"2020-01-01T00:00:00"}}}`,
			check: func(t *testing.T, e *Error) {
				require.Equal(t, "hdr-req", e.RequestID)
				require.Equal(t, "hdr-client", e.ClientRequestID)
				require.Equal(t, time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC), e.Date)
				require.Equal(t, "inner-req", e.InnerError.RequestID)
			},
			is: []error{ErrBadRequest, ErrInvalidProtectionUnitID},
		},
		{
			name: "empty object", status: 500, contentType: "application/json", body: `{}`,
			check: func(t *testing.T, e *Error) { require.Empty(t, e.Code); require.Equal(t, "{}", string(e.RawBody)) },
			is:    []error{ErrServer}, isNot: []error{ErrServiceUnavailable},
		},
		{
			name: "empty body", status: 503, body: "",
			check: func(t *testing.T, e *Error) { require.Empty(t, e.Code); require.Nil(t, e.Err) },
			is:    []error{ErrServiceUnavailable, ErrServer},
		},
		{
			name: "html from a proxy", status: 502, contentType: "text/html",
			body: `<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>`,
			check: func(t *testing.T, e *Error) {
				require.Contains(t, string(e.RawBody), "502 Bad Gateway")
				require.Error(t, e.Err)
				require.Contains(t, e.Error(), "502")
			},
			is: []error{ErrServer}, isNot: []error{ErrServiceUnavailable},
		},
		{
			name: "truncated json", status: 403, contentType: "application/json",
			body:  `{"error":{"code":"OperationNotAllowed","message":"Can't pro`,
			check: func(t *testing.T, e *Error) { require.Error(t, e.Err); require.NotEmpty(t, e.RawBody) },
			is:    []error{ErrForbidden}, isNot: []error{ErrOperationNotAllowed},
		},
		{
			name: "error is a string", status: 409, contentType: "application/json", body: `{"error":"conflict"}`,
			is: []error{ErrConflict},
		},
		{
			name: "throttled with retry-after", status: 429, contentType: "application/json",
			headers: map[string]string{"Retry-After": "120"},
			body:    `{"error":{"code":"TooManyRequests","message":"Please retry again later.","innerError":{"code":"429","status":"429"}}}`,
			check: func(t *testing.T, e *Error) {
				require.Equal(t, 120*time.Second, e.RetryAfter)
				require.Equal(t, "429", e.InnerError.Code)
				require.Equal(t, "120", e.Header.Get("Retry-After"))
			},
			is: []error{ErrThrottled},
		},
		{
			name: "unauthorized", status: 401, contentType: "application/json",
			body: `{"error":{"code":"InvalidAuthenticationToken","message":"Access token is empty."}}`,
			is:   []error{ErrUnauthorized},
		},
		{
			name: "gateway timeout", status: 504, body: "upstream timed out", contentType: "text/plain",
			is: []error{ErrServiceUnavailable, ErrServer},
		},
		{
			name: "units limit breached", status: 413, contentType: "application/json",
			body: `{"error":{"code":"ProtectionUnitsLimitBreached","message":"Number of Protection Units in each request must not exceed 50."}}`,
			is:   []error{ErrUnitsLimitBreached}, isNot: []error{ErrBadRequest, ErrServer},
		},
		{
			name: "filter too long", status: 400, contentType: "application/json",
			body: `{"error":{"code":"FilterLengthExceeded","message":"Filter length exceeds the allowed limit."}}`,
			is:   []error{ErrFilterLengthExceeded, ErrBadRequest}, isNot: []error{ErrUnitsLimitBreached},
		},
		{
			name: "policy not found", status: 404, contentType: "application/json",
			body: `{"error":{"code":"PolicyNotFound","message":"Unable to get the Protection Policy."}}`,
			is:   []error{ErrNotFound}, isNot: []error{ErrInvalidPolicyID},
		},
		{
			name: "invalid policy id", status: 400, contentType: "application/json",
			body: `{"error":{"code":"InvalidPolicyId","message":"Policy ID is invalid."}}`,
			is:   []error{ErrInvalidPolicyID, ErrBadRequest}, isNot: []error{ErrNotFound},
		},
		{
			name: "invalid display name", status: 400, contentType: "application/json",
			body: `{"error":{"code":"InvalidDisplayName","message":"Please ensure policy name length should be > 0 chars and <= 1024 chars."}}`,
			is:   []error{ErrInvalidDisplayName, ErrBadRequest},
		},
		{
			name: "duplicate in list", status: 400, contentType: "application/json",
			body: `{"error":{"code":"DuplicateProtectionUnitInList","message":"Protection Unit level error: Duplicate Protection Unit in list."}}`,
			is:   []error{ErrDuplicateInList, ErrBadRequest}, isNot: []error{ErrDynamicRuleUnit},
		},
		{
			name: "dynamic rule unit", status: 400, contentType: "application/json",
			body: `{"error":{"code":"ProtectionUnitActionNotAllowed","message":"Protection units protected via dynamic rules can't be removed manually."}}`,
			is:   []error{ErrDynamicRuleUnit, ErrBadRequest}, isNot: []error{ErrOperationNotAllowed},
		},
		{
			name: "redirect is not followed", status: 302, headers: map[string]string{"Location": "https://evil.example/steal"},
			check: func(t *testing.T, e *Error) { require.Equal(t, "https://evil.example/steal", e.Header.Get("Location")) },
			isNot: []error{ErrServer, ErrBadRequest},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rig := newRig(t, rigOptions{handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header()["Date"] = nil // no automatic Date unless the case sets one
				for k, v := range tc.headers {
					w.Header().Set(k, v)
				}
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}, client: &Options{Retry: RetryOptions{MaxRetries: -1}}})
			c := rig.c
			unit, err := c.ProtectionUnits().ByID("u1").CancelOffboard().Post(t.Context(), nil)
			require.Nil(t, unit)
			e, ok := errors.AsType[*Error](err)
			require.True(t, ok, "got %T: %v", err, err)
			require.Equal(t, tc.status, e.StatusCode)
			require.Equal(t, http.MethodPost, e.Method)
			require.NotPanics(t, func() { _ = e.Error(); _ = fmt.Sprintf("%+v %v %s", e, e, e) })
			for _, s := range tc.is {
				require.ErrorIs(t, err, s)
			}
			for _, s := range tc.isNot {
				require.NotErrorIs(t, err, s)
			}
			require.NotErrorIs(t, err, ErrUnexpectedResponse)
			if tc.check != nil {
				tc.check(t, e)
			}
		})
	}
}

// A 2xx without the documented body is ErrUnexpectedResponse (a GET whose
// body could not be decoded is sent again first: fastRetries keeps that
// from taking seconds).
func TestUnexpected2xx(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, contentType, body string
		status                  int
	}{
		{"empty 200", "application/json", "", 200},
		{"204", "", "", 204},
		{"html 200 from a proxy", "text/html", "<html>login</html>", 200},
		{"truncated", "application/json", `{"id":"x","status":"off`, 200},
		{"array", "application/json", `[]`, 200},
		{"string", "application/json", `"ok"`, 200},
		{"null", "application/json", `null`, 200},
		{"empty object", "application/json", `{}`, 200},
		{"object without an id", "application/json", `{"status":"protected","error":null}`, 200},
		{"empty id", "application/json", `{"id":"","status":"protected"}`, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rig := newRig(t, rigOptions{handler: func(w http.ResponseWriter, r *http.Request) {
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				}
				w.Header().Set("request-id", "r-9")
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}, client: &Options{Retry: fastRetries()}})
			c := rig.c
			unit, err := c.ProtectionUnits().ByID("u1").Get(t.Context(), nil)
			require.Nil(t, unit)
			require.ErrorIs(t, err, ErrUnexpectedResponse)
			e, ok := errors.AsType[*Error](err)
			require.True(t, ok)
			require.Equal(t, tc.status, e.StatusCode)
			require.Equal(t, "r-9", e.RequestID)
			require.NotErrorIs(t, err, ErrServer)
			require.Contains(t, e.Error(), "unexpected response")
		})
	}
}

func TestErrorNeverPanics(t *testing.T) {
	t.Parallel()
	var nilErr *Error
	require.NotPanics(t, func() {
		_ = nilErr.Error()
		_ = nilErr.Unwrap()
		_ = nilErr.Is(ErrNotFound)
		_ = (&Error{}).Error()
		_ = fmt.Sprintf("%+v", &Error{Err: errors.New("x"), StatusCode: 999})
	})
	require.Contains(t, (&Error{StatusCode: 403, Code: "OperationNotAllowed", Message: "m", RequestID: "r"}).Error(), "403 OperationNotAllowed: m (request-id r)")
}

func TestContextErrorsKeepTheirCause(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	rig := newRig(t, rigOptions{handler: func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		reply(w, 200, `{"id":"x"}`)
	}})
	defer close(release)
	c := rig.c

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := c.ProtectionUnits().ByID("x").Get(ctx, nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	_, isResp := errors.AsType[*Error](err)
	require.False(t, isResp)
	require.True(t, strings.HasPrefix(err.Error(), "backuprestore: "), err.Error())

	ctx, cancel = context.WithCancel(t.Context())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	_, err = c.ProtectionUnits().ByID("x").CancelOffboard().Post(ctx, nil)
	require.ErrorIs(t, err, context.Canceled)
}

// Options.HTTPClient.Timeout becomes a per-call deadline.
func TestHTTPClientTimeoutIsAPerCallDeadline(t *testing.T) {
	t.Parallel()
	rig := newRig(t, rigOptions{handler: func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}, client: &Options{HTTPClient: &http.Client{Timeout: 30 * time.Millisecond}}})
	_, err := rig.c.ProtectionUnits().ByID("x").Get(t.Context(), nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}
