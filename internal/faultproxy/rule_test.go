package faultproxy_test

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/internal/faultproxy"
)

// faultPattern sends n POSTs one after the other and returns, per request,
// whether the client got a reset.
func faultPattern(t *testing.T, seed uint64, prob float64, n int) []bool {
	t.Helper()
	up := newUpstream(t)
	p := startProxy(t, up.hostPort(), &faultproxy.Options{Seed: seed})
	_, err := p.AddRule(faultproxy.Rule{Kind: faultproxy.ResetBeforeForward, Probability: prob})
	require.NoError(t, err)
	c := newClient(t)
	out := make([]bool, n)
	for i := range out {
		r := do(t.Context(), c, http.MethodPost, fmt.Sprintf("%s/p?i=%d", p.URL(), i), []byte("x"))
		if r.err != nil {
			require.ErrorIs(t, r.err, syscall.ECONNRESET)
			out[i] = true
		}
	}
	ev := p.Events()
	require.Len(t, ev, n)
	for i, e := range ev {
		require.Equal(t, out[i], e.Fault == faultproxy.ResetBeforeForward, "request %d", i)
	}
	return out
}

func TestProbabilityIsReproducible(t *testing.T) {
	const n = 40
	a := faultPattern(t, 7, 0.5, n)
	b := faultPattern(t, 7, 0.5, n)
	c := faultPattern(t, 8, 0.5, n)
	require.Equal(t, a, b, "same seed, same requests: same faults")
	require.NotEqual(t, a, c, "another seed draws differently")
	hits := 0
	for _, f := range a {
		if f {
			hits++
		}
	}
	require.Greater(t, hits, 0)
	require.Less(t, hits, n)
}

// TestRuleSelection: order, count limits, None as a shield, matchers,
// removal.
func TestRuleSelection(t *testing.T) {
	type req struct{ method, path string }
	tests := []struct {
		name  string
		rules []faultproxy.Rule
		reqs  []req
		want  []faultproxy.Kind
		hits  []int // per rule
	}{
		{
			name:  "count limits the rule",
			rules: []faultproxy.Rule{{Kind: faultproxy.ResetBeforeForward, Count: 2}},
			reqs:  []req{{"POST", "/1"}, {"POST", "/2"}, {"POST", "/3"}, {"POST", "/4"}},
			want:  []faultproxy.Kind{faultproxy.ResetBeforeForward, faultproxy.ResetBeforeForward, faultproxy.None, faultproxy.None},
			hits:  []int{2},
		},
		{
			name: "first rule wins, a used-up rule passes to the next",
			rules: []faultproxy.Rule{
				{Kind: faultproxy.CloseBeforeResponse, Count: 1},
				{Kind: faultproxy.ResetBeforeForward, Count: 1},
			},
			reqs: []req{{"POST", "/1"}, {"POST", "/2"}, {"POST", "/3"}},
			want: []faultproxy.Kind{faultproxy.CloseBeforeResponse, faultproxy.ResetBeforeForward, faultproxy.None},
			hits: []int{1, 1},
		},
		{
			name: "None shields matching requests from later rules",
			rules: []faultproxy.Rule{
				{Match: faultproxy.MatchPath("/safe"), Kind: faultproxy.None},
				{Kind: faultproxy.ResetBeforeForward},
			},
			reqs: []req{{"POST", "/safe"}, {"POST", "/other"}},
			want: []faultproxy.Kind{faultproxy.None, faultproxy.ResetBeforeForward},
			hits: []int{1, 1},
		},
		{
			name: "method and path matchers",
			rules: []faultproxy.Rule{{
				Match: faultproxy.And(faultproxy.MatchMethod("POST"), faultproxy.MatchPath("/cancelOffboard")),
				Kind:  faultproxy.ResetAfterResponse,
			}},
			reqs: []req{{"GET", "/u/cancelOffboard"}, {"POST", "/u/offboard"}, {"POST", "/u/cancelOffboard"}},
			want: []faultproxy.Kind{faultproxy.None, faultproxy.None, faultproxy.ResetAfterResponse},
			hits: []int{1},
		},
		{
			name:  "probability 1 is always",
			rules: []faultproxy.Rule{{Kind: faultproxy.ResetBeforeForward, Probability: 1}},
			reqs:  []req{{"POST", "/1"}, {"POST", "/2"}},
			want:  []faultproxy.Kind{faultproxy.ResetBeforeForward, faultproxy.ResetBeforeForward},
			hits:  []int{2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t)
			p := startProxy(t, up.hostPort(), nil)
			ids := make([]faultproxy.RuleID, len(tt.rules))
			for i, r := range tt.rules {
				var err error
				ids[i], err = p.AddRule(r)
				require.NoError(t, err)
			}
			c := newClient(t)
			for _, r := range tt.reqs {
				do(t.Context(), c, r.method, p.URL()+r.path, []byte("x"))
			}
			ev := eventsNow(t, p, len(tt.reqs))
			got := make([]faultproxy.Kind, len(ev))
			for i, e := range ev {
				got[i] = e.Fault
			}
			require.Equal(t, tt.want, got)
			for i, id := range ids {
				require.Equal(t, tt.hits[i], p.RuleHits(id), "rule %d", i)
			}
			forwarded := 0
			for _, k := range tt.want {
				if k != faultproxy.ResetBeforeForward {
					forwarded++
				}
			}
			require.Len(t, up.received(), forwarded)
		})
	}
}

func TestRemoveAndClearRules(t *testing.T) {
	up := newUpstream(t)
	p := startProxy(t, up.hostPort(), nil)
	c := newClient(t)
	id, err := p.AddRule(faultproxy.Rule{Kind: faultproxy.ResetBeforeForward})
	require.NoError(t, err)
	require.ErrorIs(t, do(t.Context(), c, "POST", p.URL()+"/1", nil).err, syscall.ECONNRESET)
	require.True(t, p.RemoveRule(id))
	require.False(t, p.RemoveRule(id))
	require.Zero(t, p.RuleHits(id))
	require.NoError(t, do(t.Context(), c, "POST", p.URL()+"/2", nil).err)

	_, err = p.AddRule(faultproxy.Rule{Kind: faultproxy.ResetBeforeForward})
	require.NoError(t, err)
	p.ClearRules()
	require.NoError(t, do(t.Context(), c, "POST", p.URL()+"/3", nil).err)
	require.Len(t, up.received(), 2)
}

func TestAddRuleRejectsBadRules(t *testing.T) {
	p := startProxy(t, "127.0.0.1:1", nil)
	for _, r := range []faultproxy.Rule{
		{Kind: faultproxy.Kind(99)},
		{Kind: faultproxy.Kind(-1)},
		{Kind: faultproxy.Stall, Probability: -0.1},
		{Kind: faultproxy.Stall, Probability: 1.5},
		{Kind: faultproxy.Stall, Probability: math.NaN()},
		{Kind: faultproxy.Stall, Count: -1},
		{Kind: faultproxy.Stall, Stall: -1},
	} {
		_, err := p.AddRule(r)
		require.ErrorIs(t, err, faultproxy.ErrInvalidRule, "%+v", r)
	}
	require.Zero(t, p.RuleHits(1))
}

func TestMatchers(t *testing.T) {
	post := httptest.NewRequest("POST", "/v1.0/units/a%2Fb/cancelOffboard?x=1", nil)
	get := httptest.NewRequest("GET", "/v1.0/units", nil)
	tests := []struct {
		name string
		m    func(*http.Request) bool
		r    *http.Request
		want bool
	}{
		{"path substring", faultproxy.MatchPath("/cancelOffboard"), post, true},
		{"path is raw", faultproxy.MatchPath("a%2Fb"), post, true},
		{"path includes the query", faultproxy.MatchPath("?x=1"), post, true},
		{"path absent", faultproxy.MatchPath("/offboardX"), post, false},
		{"empty path matches all", faultproxy.MatchPath(""), get, true},
		{"method", faultproxy.MatchMethod("POST"), post, true},
		{"method is case-sensitive", faultproxy.MatchMethod("post"), post, false},
		{"and: all match", faultproxy.And(faultproxy.MatchMethod("POST"), faultproxy.MatchPath("cancel")), post, true},
		{"and: one fails", faultproxy.And(faultproxy.MatchMethod("POST"), faultproxy.MatchPath("cancel")), get, false},
		{"and: nil entries match", faultproxy.And(nil, faultproxy.MatchMethod("GET")), get, true},
		{"and of nothing", faultproxy.And(), get, true},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.m(tt.r), tt.name)
	}
}
