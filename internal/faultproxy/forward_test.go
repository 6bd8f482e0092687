package faultproxy_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/internal/faultproxy"
)

// TestKeepAliveSecondRequestFaulted: three POSTs on one pooled client; only
// the second is reset after the upstream answered. The first two share a
// connection, the third needs a new one, and the upstream acted on all
// three.
func TestKeepAliveSecondRequestFaulted(t *testing.T) {
	up := newUpstream(t)
	p := startProxy(t, up.hostPort(), nil)
	_, err := p.AddRule(faultproxy.Rule{Match: faultproxy.MatchPath("n=2"), Kind: faultproxy.ResetAfterResponse})
	require.NoError(t, err)
	c := newClient(t)
	for i := 1; i <= 3; i++ {
		r := do(t.Context(), c, http.MethodPost, fmt.Sprintf("%s/a?n=%d", p.URL(), i), []byte("x"))
		if i == 2 {
			require.ErrorIs(t, r.err, syscall.ECONNRESET)
			continue
		}
		require.NoError(t, r.err)
		require.Equal(t, fmt.Sprintf("ok /a?n=%d", i), string(r.body))
	}
	ev := eventsNow(t, p, 3)
	require.Equal(t, []faultproxy.Kind{faultproxy.None, faultproxy.ResetAfterResponse, faultproxy.None},
		[]faultproxy.Kind{ev[0].Fault, ev[1].Fault, ev[2].Fault})
	require.Equal(t, ev[0].Conn, ev[1].Conn, "requests 1 and 2 share a keep-alive connection")
	require.NotEqual(t, ev[1].Conn, ev[2].Conn)
	require.Equal(t, []bool{true, false, true}, []bool{ev[0].ClientGotResponse, ev[1].ClientGotResponse, ev[2].ClientGotResponse})
	require.Len(t, up.received(), 3)
	require.Equal(t, 2, p.Stats().Connections)
}

// TestTransportRetriesGETOnReusedConn documents a net/http behaviour fault
// tests must allow for: a GET (idempotent) reset on a reused connection
// before any response byte is silently retried by http.Transport, so the
// client sees success while the upstream served the request twice; the
// proxy's log shows both.
func TestTransportRetriesGETOnReusedConn(t *testing.T) {
	up := newUpstream(t)
	p := startProxy(t, up.hostPort(), nil)
	_, err := p.AddRule(faultproxy.Rule{Match: faultproxy.MatchPath("n=2"), Kind: faultproxy.ResetAfterResponse, Count: 1})
	require.NoError(t, err)
	c := newClient(t)
	for i := 1; i <= 2; i++ {
		r := do(t.Context(), c, http.MethodGet, fmt.Sprintf("%s/a?n=%d", p.URL(), i), nil)
		require.NoError(t, r.err)
	}
	ev := eventsNow(t, p, 3)
	require.Equal(t, faultproxy.ResetAfterResponse, ev[1].Fault)
	require.Equal(t, "/a?n=2", ev[2].Path)
	require.Equal(t, faultproxy.None, ev[2].Fault)
	require.Len(t, up.received(), 3)
}

// TestBodiesPassUnchanged: large and chunked bodies, both ways, through
// plain forwarding and through a Stall (which buffers the response).
func TestBodiesPassUnchanged(t *testing.T) {
	const big = 8 << 20
	payload := pattern(big)
	tests := []struct {
		name    string
		path    string
		chunked bool // send the request body chunked
		kind    faultproxy.Kind
		respLen int
	}{
		{"large request, Content-Length", "/upload", false, faultproxy.None, len("ok /upload")},
		{"large request, chunked", "/upload", true, faultproxy.None, len("ok /upload")},
		{"large response, Content-Length", fmt.Sprintf("/big?n=%d", big), false, faultproxy.None, big},
		{"large response, chunked", fmt.Sprintf("/chunked?n=%d", big), true, faultproxy.None, big},
		{"chunked both ways, stalled", fmt.Sprintf("/chunked?n=%d", big), true, faultproxy.Stall, big},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t)
			p := startProxy(t, up.hostPort(), nil)
			_, err := p.AddRule(faultproxy.Rule{Kind: tt.kind, Stall: time.Millisecond})
			require.NoError(t, err)
			var body io.Reader = strings.NewReader(string(payload))
			if tt.chunked {
				body = io.MultiReader(body) // hides the length: net/http sends it chunked
			}
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, p.URL()+tt.path, body)
			require.NoError(t, err)
			resp, err := newClient(t).Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.Len(t, got, tt.respLen)
			if tt.respLen == big {
				require.Equal(t, sha(payload), sha(got))
			}
			require.Equal(t, sha(payload), resp.Header.Get("X-Body-SHA"))
			rec := up.received()
			require.Len(t, rec, 1)
			require.Equal(t, big, rec[0].BodyLen)
			if tt.chunked {
				require.Equal(t, []string{"chunked"}, rec[0].TransferEncoding)
			} else {
				require.Empty(t, rec[0].TransferEncoding)
			}
		})
	}
}

// TestHeadersAndHostPreserved: the upstream sees the client's Host (the
// emulator builds nextLinks from it), its headers, and no User-Agent added
// by the proxy.
func TestHeadersAndHostPreserved(t *testing.T) {
	type got struct {
		host, ua, custom string
		hasUA            bool
	}
	ch := make(chan got, 1)
	srv := newHandlerServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, hasUA := r.Header["User-Agent"]
		ch <- got{r.Host, r.UserAgent(), r.Header.Get("X-Custom"), hasUA}
	})
	p := startProxy(t, srv, nil)
	conn, err := net.Dial("tcp", p.Addr())
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "GET /h HTTP/1.1\r\nHost: example.test\r\nX-Custom: a b\r\n\r\n")
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, got{host: "example.test", custom: "a b"}, <-ch)
}

// TestExpectContinue: the proxy answers 100 Continue itself, so the body
// arrives whole and without the client's one-second wait.
func TestExpectContinue(t *testing.T) {
	up := newUpstream(t)
	p := startProxy(t, up.hostPort(), nil)
	body := pattern(1 << 16)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, p.URL()+"/e", strings.NewReader(string(body)))
	require.NoError(t, err)
	req.Header.Set("Expect", "100-continue")
	c := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: 10 * time.Second}}
	defer c.CloseIdleConnections()
	start := time.Now()
	resp, err := c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Less(t, time.Since(start), 5*time.Second, "the client waited for a 100 Continue")
	require.Equal(t, sha(body), resp.Header.Get("X-Body-SHA"))
}

// TestMalformedRequest: bytes that are not HTTP close that connection,
// are logged, never reach the upstream, and the proxy keeps serving.
func TestMalformedRequest(t *testing.T) {
	inputs := []struct{ name, raw string }{
		{"not HTTP", "HELLO THERE\r\n\r\n"},
		{"binary", "\x00\xff\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"},
		{"bad header", "GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n"},
		{"bad content length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"},
		{"incomplete", "GET / HTTP/1.1\r\nHost: x\r\n"},
		{"bad chunk", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"},
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			up := newUpstream(t)
			p := startProxy(t, up.hostPort(), nil)
			conn, err := net.Dial("tcp", p.Addr())
			require.NoError(t, err)
			defer conn.Close()
			_, err = io.WriteString(conn, in.raw)
			require.NoError(t, err)
			if in.name == "incomplete" {
				require.NoError(t, conn.(*net.TCPConn).CloseWrite())
			}
			require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
			_, err = io.ReadAll(conn) // the proxy closes: EOF (nil here) or a reset
			if err != nil {
				require.ErrorIs(t, err, syscall.ECONNRESET)
			}
			ev := eventsNow(t, p, 1)
			require.Error(t, ev[0].Err)
			if in.name != "bad chunk" { // the chunk error surfaces while forwarding
				require.Equal(t, 1, p.Stats().Malformed)
				require.Zero(t, p.Stats().Forwarded)
			}
			r := do(t.Context(), newClient(t), http.MethodGet, p.URL()+"/after", nil)
			require.NoError(t, r.err)
			require.Equal(t, "ok /after", string(r.body))
		})
	}
}

// TestUpstreamDown: with nothing listening upstream, the client's
// connection is reset and the event says why.
func TestUpstreamDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	p := startProxy(t, addr, nil)
	r := do(t.Context(), newClient(t), http.MethodPost, p.URL()+"/x", []byte("x"))
	require.ErrorIs(t, r.err, syscall.ECONNRESET)
	ev := eventsNow(t, p, 1)
	require.ErrorIs(t, ev[0].Err, syscall.ECONNREFUSED)
	require.False(t, ev[0].Forwarded)
	require.Zero(t, ev[0].Status)
}

// newHandlerServer serves h on 127.0.0.1 and returns its host:port.
func newHandlerServer(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}
