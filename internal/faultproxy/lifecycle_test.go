package faultproxy_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/m365kit/backuprestore/internal/faultproxy"
)

// TestDownUp: an outage refuses connections; Up serves again on the same
// port.
func TestDownUp(t *testing.T) {
	up := newUpstream(t)
	p := startProxy(t, up.hostPort(), nil)
	addr := p.Addr()
	require.Equal(t, "http://"+addr, p.URL())
	pooled := newClient(t)

	require.NoError(t, do(t.Context(), pooled, "POST", p.URL()+"/1", nil).err)
	require.False(t, p.IsDown())
	require.NoError(t, p.Down())
	require.True(t, p.IsDown())
	require.NoError(t, p.Down(), "Down twice is a no-op")

	r := do(t.Context(), newClient(t), "POST", p.URL()+"/2", nil)
	require.ErrorIs(t, r.err, syscall.ECONNREFUSED)
	_, err := net.Dial("tcp", addr)
	require.ErrorIs(t, err, syscall.ECONNREFUSED)
	// A pooled connection was closed by Down: depending on whether the
	// transport noticed the FIN before reusing it, the client sees EOF on
	// it or dials and is refused.
	r = do(t.Context(), pooled, "POST", p.URL()+"/3", nil)
	require.Error(t, r.err)

	require.NoError(t, p.Up())
	require.NoError(t, p.Up(), "Up twice is a no-op")
	require.False(t, p.IsDown())
	require.Equal(t, addr, p.Addr())
	for _, c := range []*http.Client{newClient(t), pooled} {
		r = do(t.Context(), c, "POST", p.URL()+"/4", nil)
		require.NoError(t, r.err)
		require.Equal(t, "ok /4", string(r.body))
	}

	require.Len(t, up.received(), 3)
	st := p.Stats()
	require.Equal(t, 3, st.Requests)
	require.Equal(t, 3, st.Connections)
}

// TestDownEndsInFlightRequests: Down returns promptly even with requests
// stalled forever on both sides of the upstream, and their clients fail.
func TestDownEndsInFlightRequests(t *testing.T) {
	release := make(chan struct{})
	slow := newHandlerServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	})
	defer close(release)
	p := startProxy(t, slow, nil)
	_, err := p.AddRule(faultproxy.Rule{Match: faultproxy.MatchPath("/stall"), Kind: faultproxy.Stall})
	require.NoError(t, err)
	_, err = p.AddRule(faultproxy.Rule{Match: faultproxy.MatchPath("/hold"), Kind: faultproxy.StallBeforeForward})
	require.NoError(t, err)

	c := newClient(t)
	paths := []string{"/stall", "/hold", "/slow"}
	errs := make([]error, len(paths))
	var wg sync.WaitGroup
	for i, path := range paths {
		wg.Go(func() { errs[i] = do(t.Context(), c, "POST", p.URL()+path, []byte("x")).err })
	}
	require.Eventually(t, func() bool { return p.Stats().Requests == len(paths) }, 10*time.Second, time.Millisecond)

	start := time.Now()
	require.NoError(t, p.Down())
	require.Less(t, time.Since(start), 5*time.Second)
	wg.Wait()
	for i, err := range errs {
		require.Error(t, err, paths[i])
	}
	for _, e := range p.Events() {
		require.False(t, e.ClientGotResponse, e.Path)
	}
}

// TestCloseLeavesNoGoroutines: Close ends every goroutine of the proxy,
// including those of stalled requests and idle keep-alive connections, and
// is idempotent; Up and Down fail afterwards.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	up := newUpstream(t)
	p, err := faultproxy.Start(up.hostPort(), nil)
	require.NoError(t, err)
	_, err = p.AddRule(faultproxy.Rule{Match: faultproxy.MatchPath("/stall"), Kind: faultproxy.Stall})
	require.NoError(t, err)

	tr := &http.Transport{}
	c := &http.Client{Transport: tr}
	for i := range 3 {
		require.NoError(t, do(t.Context(), c, "GET", fmt.Sprintf("%s/k%d", p.URL(), i), nil).err)
	}
	stalled := make(chan error, 1)
	go func() { stalled <- do(t.Context(), c, "GET", p.URL()+"/stall", nil).err }()
	require.Eventually(t, func() bool { return p.Stats().Requests == 4 }, 10*time.Second, time.Millisecond)

	require.NoError(t, p.Close())
	require.NoError(t, p.Close(), "Close is idempotent")
	require.Error(t, <-stalled)
	require.ErrorIs(t, p.Up(), faultproxy.ErrClosed)
	require.ErrorIs(t, p.Down(), faultproxy.ErrClosed)
	require.True(t, p.IsDown())
	require.Len(t, p.Events(), 4, "inspection works after Close")

	tr.CloseIdleConnections()
	up.Close()
}

// TestConcurrentUse drives one proxy from many goroutines while rules are
// added and removed and the log is read (run with -race): every request
// ends as its event says.
func TestConcurrentUse(t *testing.T) {
	up := newUpstream(t)
	p := startProxy(t, up.hostPort(), &faultproxy.Options{Seed: 1})
	_, err := p.AddRule(faultproxy.Rule{Kind: faultproxy.ResetAfterResponse, Probability: 0.3})
	require.NoError(t, err)
	c := newClient(t)

	ctx, cancel := context.WithCancel(t.Context())
	churned := make(chan struct{})
	go func() {
		defer close(churned)
		for ctx.Err() == nil {
			id, _ := p.AddRule(faultproxy.Rule{Match: faultproxy.MatchPath("/never"), Kind: faultproxy.TruncateBody})
			_ = p.Events()
			_ = p.Stats()
			p.RemoveRule(id)
		}
	}()
	const workers, each = 6, 15
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				do(t.Context(), c, "POST", fmt.Sprintf("%s/w%d/%d", p.URL(), w, i), []byte("x"))
			}
		})
	}
	wg.Wait()
	cancel()
	<-churned

	st := p.Stats()
	require.Equal(t, workers*each, st.Requests)
	require.Equal(t, workers*each, st.Faults[faultproxy.None]+st.Faults[faultproxy.ResetAfterResponse])
	require.Greater(t, st.Faults[faultproxy.ResetAfterResponse], 0)
	require.Equal(t, workers*each, st.Forwarded)
	require.Len(t, up.received(), workers*each)
	for _, e := range p.Events() {
		require.Equal(t, e.Fault == faultproxy.None, e.ClientGotResponse, "%+v", e)
	}
}

func TestMaxEvents(t *testing.T) {
	tests := []struct {
		max  int
		want []string
	}{
		{3, []string{"/3", "/4", "/5"}},
		{5, []string{"/1", "/2", "/3", "/4", "/5"}},
		{1, []string{"/5"}},
		{-1, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.max), func(t *testing.T) {
			up := newUpstream(t)
			p := startProxy(t, up.hostPort(), &faultproxy.Options{MaxEvents: tt.max})
			c := newClient(t)
			for i := 1; i <= 5; i++ {
				require.NoError(t, do(t.Context(), c, "GET", fmt.Sprintf("%s/%d", p.URL(), i), nil).err)
			}
			var got []string
			for _, e := range p.Events() {
				got = append(got, e.Path)
				require.True(t, e.ClientGotResponse, "updates land on the right slot: %+v", e)
			}
			require.Equal(t, tt.want, got)
			require.Equal(t, 5, p.Stats().Requests, "Stats is not bounded by the log")
		})
	}
}

func TestStartRejectsBadInput(t *testing.T) {
	for _, tt := range []struct {
		upstream string
		opts     *faultproxy.Options
	}{
		{"", nil},
		{"no-port", nil},
		{"http://127.0.0.1:80", nil},
		{"127.0.0.1:80", &faultproxy.Options{Stall: -time.Second}},
	} {
		p, err := faultproxy.Start(tt.upstream, tt.opts)
		require.Error(t, err, tt.upstream)
		require.Nil(t, p)
	}
}
