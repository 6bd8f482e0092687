package faultproxy_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/m365kit/backuprestore/internal/faultproxy"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// seen is what the upstream received: one entry per request whose body it
// read to the end (the service "acted").
type seen struct {
	Method, Path     string
	TransferEncoding []string
	BodyLen          int
	BodySHA          string
}

// upstreamServer is an httptest server that records what it receives.
type upstreamServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []seen
}

// newUpstream serves:
//   - /big?n=N: N deterministic bytes (Content-Length);
//   - /chunked?n=N: the same bytes, flushed in pieces (chunked);
//   - anything else: "ok <path>".
//
// Every response carries X-Body-SHA, the SHA-256 of the request body.
func newUpstream(t *testing.T) *upstreamServer {
	t.Helper()
	u := &upstreamServer{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		sum := hex.EncodeToString(h.Sum(nil))
		u.mu.Lock()
		u.reqs = append(u.reqs, seen{r.Method, r.URL.RequestURI(), r.TransferEncoding, int(n), sum})
		u.mu.Unlock()
		w.Header().Set("X-Body-SHA", sum)
		switch r.URL.Path {
		case "/big":
			size, _ := strconv.Atoi(r.URL.Query().Get("n"))
			_, _ = w.Write(pattern(size))
		case "/chunked":
			size, _ := strconv.Atoi(r.URL.Query().Get("n"))
			b := pattern(size)
			for len(b) > 0 {
				k := min(len(b), 7919)
				_, _ = w.Write(b[:k])
				w.(http.Flusher).Flush()
				b = b[k:]
			}
		default:
			_, _ = io.WriteString(w, "ok "+r.URL.RequestURI())
		}
	}))
	t.Cleanup(u.Close)
	return u
}

// received returns a copy of what the upstream has received.
func (u *upstreamServer) received() []seen {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]seen(nil), u.reqs...)
}

// hostPort is the upstream's host:port.
func (u *upstreamServer) hostPort() string { return strings.TrimPrefix(u.URL, "http://") }

// pattern returns n bytes that are not all alike.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31 + i/251)
	}
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// startProxy starts a proxy to u, closed at the end of the test.
func startProxy(t *testing.T, upstream string, opts *faultproxy.Options) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.Start(upstream, opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, p.Close()) })
	return p
}

// newClient returns a client with its own connection pool, emptied at the
// end of the test.
func newClient(t *testing.T) *http.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// result is what a client saw of one request.
type result struct {
	status  int
	body    []byte
	err     error // from Do
	bodyErr error // from reading the body
}

// do sends method url with body (nil for none) and reads the whole
// response.
func do(ctx context.Context, c *http.Client, method, url string, body []byte) result {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return result{err: err}
	}
	resp, err := c.Do(req)
	if err != nil {
		return result{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, body: b, bodyErr: err}
}

// eventsNow returns the proxy's events, which must be n: Events promises
// that a request's event is final once the client's call has returned, so
// the tests never wait for one.
func eventsNow(t *testing.T, p *faultproxy.Proxy, n int) []faultproxy.Event {
	t.Helper()
	ev := p.Events()
	require.Len(t, ev, n, "%+v", ev)
	return ev
}
