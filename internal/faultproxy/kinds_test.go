package faultproxy_test

import (
	"context"
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/internal/faultproxy"
)

// TestKinds sends one POST through a proxy with one rule and checks what a
// real http.Client saw, what the upstream received and what the proxy
// logged.
func TestKinds(t *testing.T) {
	body := []byte(`{"reason":"test"}`)
	tests := []struct {
		name      string
		rule      faultproxy.Rule
		timeout   time.Duration // client-side; 0: none
		check     func(t *testing.T, r result)
		forwarded bool // the upstream got (and acted on) the request
		status    int  // in the event
		gotResp   bool
	}{
		{
			name: "None",
			rule: faultproxy.Rule{Kind: faultproxy.None},
			check: func(t *testing.T, r result) {
				require.NoError(t, r.err)
				require.NoError(t, r.bodyErr)
				require.Equal(t, http.StatusOK, r.status)
				require.Equal(t, "ok /act?x=1", string(r.body))
			},
			forwarded: true, status: 200, gotResp: true,
		},
		{
			name: "ResetBeforeForward",
			rule: faultproxy.Rule{Kind: faultproxy.ResetBeforeForward},
			check: func(t *testing.T, r result) {
				require.ErrorIs(t, r.err, syscall.ECONNRESET)
			},
		},
		{
			name: "ResetAfterResponse",
			rule: faultproxy.Rule{Kind: faultproxy.ResetAfterResponse},
			check: func(t *testing.T, r result) {
				require.ErrorIs(t, r.err, syscall.ECONNRESET)
			},
			forwarded: true, status: 200,
		},
		{
			name: "TruncateBody",
			rule: faultproxy.Rule{Kind: faultproxy.TruncateBody},
			check: func(t *testing.T, r result) {
				require.NoError(t, r.err)
				require.Equal(t, http.StatusOK, r.status)
				require.ErrorIs(t, r.bodyErr, io.ErrUnexpectedEOF)
				full := "ok /act?x=1"
				require.Equal(t, full[:len(full)/2], string(r.body))
			},
			forwarded: true, status: 200,
		},
		{
			name:    "Stall until the client gives up",
			rule:    faultproxy.Rule{Kind: faultproxy.Stall},
			timeout: 150 * time.Millisecond,
			check: func(t *testing.T, r result) {
				require.ErrorIs(t, r.err, context.DeadlineExceeded)
			},
			forwarded: true, status: 200,
		},
		{
			name:    "Stall for a while",
			rule:    faultproxy.Rule{Kind: faultproxy.Stall, Stall: 100 * time.Millisecond},
			timeout: 10 * time.Second,
			check: func(t *testing.T, r result) {
				require.NoError(t, r.err)
				require.NoError(t, r.bodyErr)
				require.Equal(t, "ok /act?x=1", string(r.body))
			},
			forwarded: true, status: 200, gotResp: true,
		},
		{
			name:    "StallBeforeForward until the client gives up",
			rule:    faultproxy.Rule{Kind: faultproxy.StallBeforeForward},
			timeout: 150 * time.Millisecond,
			check: func(t *testing.T, r result) {
				require.ErrorIs(t, r.err, context.DeadlineExceeded)
			},
		},
		{
			name:    "StallBeforeForward for a while",
			rule:    faultproxy.Rule{Kind: faultproxy.StallBeforeForward, Stall: 100 * time.Millisecond},
			timeout: 10 * time.Second,
			check: func(t *testing.T, r result) {
				require.ErrorIs(t, r.err, io.EOF)
			},
		},
		{
			name: "CloseBeforeResponse",
			rule: faultproxy.Rule{Kind: faultproxy.CloseBeforeResponse},
			check: func(t *testing.T, r result) {
				require.ErrorIs(t, r.err, io.EOF)
				require.NotErrorIs(t, r.err, syscall.ECONNRESET)
			},
			forwarded: true, status: 200,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t)
			p := startProxy(t, up.hostPort(), nil)
			id, err := p.AddRule(tt.rule)
			require.NoError(t, err)

			ctx := t.Context()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			start := time.Now()
			r := do(ctx, newClient(t), http.MethodPost, p.URL()+"/act?x=1", body)
			tt.check(t, r)
			if tt.rule.Stall > 0 {
				require.GreaterOrEqual(t, time.Since(start), tt.rule.Stall)
			}

			ev := eventsNow(t, p, 1)
			e := ev[0]
			require.Equal(t, http.MethodPost, e.Method)
			require.Equal(t, "/act?x=1", e.Path)
			require.Equal(t, tt.rule.Kind, e.Fault)
			require.Equal(t, id, e.Rule)
			require.Equal(t, tt.forwarded, e.Forwarded)
			require.Equal(t, tt.status, e.Status)
			require.Equal(t, tt.gotResp, e.ClientGotResponse)
			require.NoError(t, e.Err)

			got := up.received()
			if tt.forwarded {
				require.Len(t, got, 1)
				require.Equal(t, seen{Method: "POST", Path: "/act?x=1", BodyLen: len(body), BodySHA: sha(body)}, got[0])
			} else {
				require.Empty(t, got)
			}
			st := p.Stats()
			require.Equal(t, 1, st.Connections)
			require.Equal(t, 1, st.Requests)
			require.Equal(t, map[faultproxy.Kind]int{tt.rule.Kind: 1}, st.Faults)
			require.Equal(t, 1, p.RuleHits(id))
		})
	}
}

// TestTruncateEmptyBody: with nothing to cut from the body, the cut falls
// in the header and the client cannot parse a response.
func TestTruncateEmptyBody(t *testing.T) {
	up := newUpstream(t)
	p := startProxy(t, up.hostPort(), nil)
	_, err := p.AddRule(faultproxy.Rule{Kind: faultproxy.TruncateBody})
	require.NoError(t, err)
	r := do(t.Context(), newClient(t), http.MethodGet, p.URL()+"/big?n=0", nil)
	require.ErrorIs(t, r.err, io.ErrUnexpectedEOF)
	require.Len(t, up.received(), 1)
}

func TestKindString(t *testing.T) {
	tests := []struct {
		k    faultproxy.Kind
		want string
	}{
		{faultproxy.None, "None"},
		{faultproxy.ResetBeforeForward, "ResetBeforeForward"},
		{faultproxy.ResetAfterResponse, "ResetAfterResponse"},
		{faultproxy.TruncateBody, "TruncateBody"},
		{faultproxy.Stall, "Stall"},
		{faultproxy.StallBeforeForward, "StallBeforeForward"},
		{faultproxy.CloseBeforeResponse, "CloseBeforeResponse"},
		{faultproxy.Kind(42), "Kind(42)"},
		{faultproxy.Kind(-1), "Kind(-1)"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.k.String())
	}
}
