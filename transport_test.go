package backuprestore

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// step is one scripted response (or transport error).
type step struct {
	status  int
	headers map[string]string
	body    string
	err     error
}

// scriptedTransport is an in-process http.RoundTripper that answers with a
// script, records when each request arrived, and tracks every body it hands
// out, so tests can prove bodies are closed. No sockets: safe in synctest.
type scriptedTransport struct {
	mu       sync.Mutex
	script   []step
	next     int
	arrivals []time.Time
	requests []*http.Request
	bodies   []*trackedBody
	reqBody  [][]byte
}

func (s *scriptedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b []byte
	if req.Body != nil {
		b, _ = io.ReadAll(req.Body)
		_ = req.Body.Close()
	}
	s.reqBody = append(s.reqBody, b)
	s.arrivals = append(s.arrivals, time.Now())
	s.requests = append(s.requests, req)
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	st := s.script[min(s.next, len(s.script)-1)]
	s.next++
	if st.err != nil {
		return nil, st.err
	}
	// "{{now}}" in a scripted body is the time of the answer: a timestamp
	// this call's own action would leave.
	body := &trackedBody{r: bytes.NewReader([]byte(strings.ReplaceAll(st.body, "{{now}}", time.Now().UTC().Format(time.RFC3339Nano))))}
	s.bodies = append(s.bodies, body)
	h := http.Header{"Content-Type": {"application/json"}, "Request-Id": {"req-" + strconv.Itoa(s.next)}}
	for k, v := range st.headers {
		h.Set(k, v)
	}
	return &http.Response{
		StatusCode: st.status, Header: h, Body: body, Request: req,
		ContentLength: int64(len(st.body)), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}, nil
}

func (s *scriptedTransport) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.arrivals)
}

// allClosed reports whether every body handed out was closed.
func (s *scriptedTransport) allClosed(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, b := range s.bodies {
		require.True(t, b.closed(), "body %d was not closed", i)
	}
}

type trackedBody struct {
	mu     sync.Mutex
	r      io.Reader
	isShut bool
}

func (b *trackedBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.isShut {
		return 0, errors.New("read after close")
	}
	return b.r.Read(p)
}

func (b *trackedBody) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.isShut = true
	return nil
}

func (b *trackedBody) closed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.isShut
}

// scriptedClient returns a client whose transport is tr (no network).
func scriptedClient(t *testing.T, tr http.RoundTripper, opts *Options) *Client {
	t.Helper()
	var o Options
	if opts != nil {
		o = *opts
	}
	o.HTTPClient = &http.Client{Transport: tr}
	c, err := NewClient(delegatedCred(), &o)
	require.NoError(t, err)
	return c
}

const okUnit = `{"id":"u1","status":"offboardRequested"}`

// appliedUnit is okUnit read back right after this call's offboard: its
// offboardRequestedDateTime is the time of the answer.
const appliedUnit = `{"id":"u1","status":"offboardRequested","offboardRequestedDateTime":"{{now}}"}`
