package backuprestore

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/internal/faultproxy"
)

// This file is the package tests' rig: a service (the emulator, a test
// handler, or answers scripted by the test), a client on it, and
// faultTransport, the one http.RoundTripper that sits between them to
// record, answer, delay and spoil requests.
//
//	rig := newRig(t, rigOptions{units: 50})                   // the emulator, in-process
//	rig := newRig(t, rigOptions{handler: h})                  // an httptest server running h
//	rig := newRig(t, rigOptions{respond: script(step{…}, …)}) // no server: scripted answers (no socket: fine in synctest)
//	rig := newRig(t, rigOptions{proxy: true, units: 3000})    // the emulator over TCP behind a fault proxy
//	rig.tr.add(fault{match: posts("/offboard"), count: 1, lose: syscall.ECONNRESET})
//	u, err := rig.c.ProtectionUnits().ByID(id).Offboard().Post(t.Context(), nil)
//	other := rig.client(t, fake.NewAppCredential(fake.PermissionReadWrite), nil)
//
// A rig holds no package-level state: tests with their own rigs may run in
// parallel.

// rigOptions says what a rig is made of. The zero value is an in-process
// emulator (fake.NewServer(nil)) with no units, and a client on it with
// the emulator's delegated credential and the client's default options.
type rigOptions struct {
	// The service: the emulator (the default), an httptest server running
	// handler, or none at all when respond answers every request.
	fake  *fake.Options // the emulator's options (nil: its defaults)
	units int           // the emulator is seeded with this many units (Server.Seed)
	// proxy serves the emulator over loopback behind a TCP fault proxy
	// (internal/faultproxy), the clients' sockets tapped: see
	// faults_tcp_test.go.
	proxy   bool
	handler http.HandlerFunc
	respond func(*http.Request) (*http.Response, error)

	// client is the client's options; HTTPClient and BaseURL default to
	// the rig's.
	client *Options
	// cred is the client's credential; nil means fake.NewDelegatedCredential()
	// on the emulator and delegatedCred() on a handler or respond rig.
	cred azcore.TokenCredential
}

// rig is a service and a client on it.
type rig struct {
	srv   *fake.Server // the emulator; nil for a handler or respond rig
	units []fake.Unit  // the units rigOptions.units seeded, as Seed returned them
	ts    *testServer  // the handler's server, recording every request; nil otherwise
	// tr is between the clients and the emulator or the respond func.
	// Handler and proxy rigs have none: their clients talk to an
	// *http.Transport, which the client's wire tracker trusts to report
	// whether a request reached a socket, and a wrapper would hide it.
	tr    *faultTransport
	proxy *faultproxy.Proxy // the TCP fault proxy of a proxy rig
	tap   *wireTap          // what the clients of a proxy rig wrote to their sockets
	c     *Client

	base    string
	hc      *http.Client
	newCred func() azcore.TokenCredential
}

// newRig builds the rig o describes; everything it starts ends with t.
func newRig(t testing.TB, o rigOptions) *rig {
	t.Helper()
	r := &rig{base: fake.DefaultBaseURL, newCred: func() azcore.TokenCredential { return fake.NewDelegatedCredential() }}
	switch {
	case o.handler != nil:
		r.ts = newTestServer(t, o.handler)
		r.base, r.hc = r.ts.URL+"/v1.0", r.ts.Client()
		r.newCred = func() azcore.TokenCredential { return delegatedCred() }
	case o.respond != nil:
		r.tr = &faultTransport{respond: o.respond, record: true}
		r.hc = &http.Client{Transport: r.tr}
		r.base = "https://graph.microsoft.com/v1.0"
		r.newCred = func() azcore.TokenCredential { return delegatedCred() }
	default:
		r.srv = fake.NewServer(o.fake)
		r.units = r.srv.Seed(o.units)
		if !o.proxy {
			r.tr = &faultTransport{next: r.srv.Transport()}
			r.hc = &http.Client{Transport: r.tr}
			break
		}
		hs := httptest.NewServer(r.srv)
		p, err := faultproxy.Start(strings.TrimPrefix(hs.URL, "http://"), &faultproxy.Options{Seed: seedOf(o.fake), RecordBodies: true})
		require.NoError(t, err)
		t.Cleanup(func() {
			_ = p.Close()
			hs.Close()
		})
		r.proxy, r.tap = p, &wireTap{}
		r.base = p.URL() + "/v1.0"
		r.hc = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16, DialContext: r.tap.dial}}
	}
	r.c = r.client(t, o.cred, o.client)
	return r
}

// client returns another client on the rig's service (another admin, an
// app-only token, other options): cred nil means the rig's default kind
// of credential (a new one), opts nil the client's defaults; HTTPClient
// and BaseURL default to the rig's.
func (r *rig) client(t testing.TB, cred azcore.TokenCredential, opts *Options) *Client {
	t.Helper()
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.HTTPClient == nil {
		o.HTTPClient = r.hc
	}
	if o.BaseURL == "" {
		o.BaseURL = r.base
	}
	if cred == nil {
		cred = r.newCred()
	}
	c, err := NewClient(cred, &o)
	require.NoError(t, err)
	return c
}

func seedOf(o *fake.Options) uint64 {
	if o == nil {
		return 0
	}
	return o.Seed
}

// fastRetries are retry options for tests whose backoff is not the
// point: the same retries, with a backoff from a millisecond instead of
// half a second (a Retry-After is still honoured).
func fastRetries() RetryOptions { return RetryOptions{BaseDelay: time.Millisecond} }

// faultTransport is the package tests' http.RoundTripper, between a
// client and the service under test. Each request goes to respond when it
// is set (a service scripted by the test), else to next (the emulator's
// in-process transport, an *http.Transport); the first fault that matches
// it (see fault) may hold it, answer it in the service's place, lose or
// replace the service's answer. With record set it keeps every request
// and when it came, and tracks every response body it hands out, so a
// test can prove each was closed.
type faultTransport struct {
	next    http.RoundTripper
	respond func(*http.Request) (*http.Response, error)
	record  bool

	n        atomic.Int32 // requests seen
	mu       sync.Mutex
	faults   []*fault
	requests []*http.Request
	arrivals []time.Time
	bodies   []*trackedBody
}

// fault is what faultTransport does to the requests it matches, count
// times (0: every time). At most one fault applies to a request: the
// first added that matches and has uses left. Before the request goes on,
// it may be held for delay (or until its context ends: a hung read), then
// answered with answer instead of the service (nothing reaches it: a
// gateway's 503). Once the service has answered (and so acted), then runs
// (another admin acts), and the answer may be lost (the client gets lose:
// a reset after the service acted) or replaced (a gateway failing after it
// acted).
type fault struct {
	match func(*http.Request) bool // nil: every request
	count int

	delay  time.Duration
	answer *step

	then    func(*http.Request, *http.Response)
	lose    error
	replace *step

	hits int
}

// add installs a fault, after those already there.
func (f *faultTransport) add(fl fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, &fl)
}

func (f *faultTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	n := int(f.n.Add(1))
	if f.record {
		f.mu.Lock()
		f.arrivals = append(f.arrivals, time.Now())
		f.requests = append(f.requests, req)
		f.mu.Unlock()
	}
	fl := f.matching(req)
	if fl != nil && fl.delay > 0 {
		t := time.NewTimer(fl.delay)
		select {
		case <-req.Context().Done():
			t.Stop()
			closeBody(req)
			return nil, req.Context().Err()
		case <-t.C:
		}
	}
	if fl != nil && fl.answer != nil {
		closeBody(req)
		return f.track(fl.answer.response(req, n)), nil
	}
	var resp *http.Response
	var err error
	if f.respond != nil {
		defer closeBody(req) // as a RoundTripper must, once respond has read it
		if err := req.Context().Err(); err != nil {
			return nil, err
		}
		resp, err = f.respond(req)
	} else {
		resp, err = f.next.RoundTrip(req)
	}
	if fl == nil || err != nil {
		return f.track(resp), err
	}
	if fl.then != nil {
		fl.then(req, resp)
	}
	switch {
	case fl.lose != nil:
		drain(resp)
		return nil, fl.lose
	case fl.replace != nil:
		drain(resp)
		resp = fl.replace.response(req, n)
	}
	return f.track(resp), nil
}

// matching returns the fault for req, and counts its use.
func (f *faultTransport) matching(req *http.Request) *fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, fl := range f.faults {
		if (fl.count == 0 || fl.hits < fl.count) && (fl.match == nil || fl.match(req)) {
			fl.hits++
			return fl
		}
	}
	return nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

func drain(resp *http.Response) {
	if resp != nil && resp.Body != nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
}

// track keeps resp's body, when recording, to check later that it was
// closed.
func (f *faultTransport) track(resp *http.Response) *http.Response {
	if !f.record || resp == nil || resp.Body == nil || resp.Body == http.NoBody {
		return resp
	}
	b := &trackedBody{r: resp.Body}
	resp.Body = b
	f.mu.Lock()
	f.bodies = append(f.bodies, b)
	f.mu.Unlock()
	return resp
}

// count returns the number of requests seen.
func (f *faultTransport) count() int { return int(f.n.Load()) }

// methods returns the recorded requests' methods, in order.
func (f *faultTransport) methods() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.requests {
		out = append(out, r.Method)
	}
	return out
}

// allClosed fails t unless every body handed out was closed, and returns
// how many there were.
func (f *faultTransport) allClosed(t testing.TB) int {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, b := range f.bodies {
		require.True(t, b.closed(), "body %d was not closed", i)
	}
	return len(f.bodies)
}

// posts matches the POST requests whose path ends with suffix.
func posts(suffix string) func(*http.Request) bool {
	return func(r *http.Request) bool {
		return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, suffix)
	}
}

// nth matches the nth request (from 1) the fault is asked about.
func nth(n int) func(*http.Request) bool {
	var seen atomic.Int32
	return func(*http.Request) bool { return int(seen.Add(1)) == n }
}

// step is one scripted answer, or a transport error.
type step struct {
	status int
	// headers set (or, with an empty value, remove) response headers; the
	// defaults are Content-Type: application/json and a Request-Id.
	headers map[string]string
	// body is the answer's body: "{{now}}" in it is the time of the answer
	// (a timestamp this call's own action would leave).
	body string
	err  error
	// chunked leaves the length unknown (ContentLength -1).
	chunked bool
}

// response builds the step's answer to req, the transport's nth.
func (s step) response(req *http.Request, n int) *http.Response {
	body := strings.ReplaceAll(s.body, "{{now}}", time.Now().UTC().Format(time.RFC3339Nano))
	h := http.Header{"Content-Type": {"application/json"}, "Request-Id": {"req-" + strconv.Itoa(n)}}
	for k, v := range s.headers {
		if v == "" {
			h.Del(k)
		} else {
			h.Set(k, v)
		}
	}
	length := int64(len(body))
	if s.chunked {
		length = -1
	}
	return &http.Response{
		StatusCode: s.status, Header: h, Body: io.NopCloser(strings.NewReader(body)), Request: req,
		ContentLength: length, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}
}

// script answers with steps, one per request, the last one again and
// again once the others are used.
func script(steps ...step) func(*http.Request) (*http.Response, error) {
	var mu sync.Mutex
	next := 0
	return func(req *http.Request) (*http.Response, error) {
		mu.Lock()
		st := steps[min(next, len(steps)-1)]
		next++
		n := next
		mu.Unlock()
		if st.err != nil {
			return nil, st.err
		}
		return st.response(req, n), nil
	}
}

// always answers every request with st.
func always(st step) func(*http.Request) (*http.Response, error) { return script(st) }

// trackedBody is a response body that knows whether it was closed, and
// refuses reads after. It never holds a lock across the read below, so a
// Close meant to unblock a read can come from another goroutine.
type trackedBody struct {
	r    io.Reader
	shut atomic.Bool
}

func (b *trackedBody) Read(p []byte) (int, error) {
	if b.shut.Load() {
		return 0, errors.New("read after close")
	}
	return b.r.Read(p)
}

func (b *trackedBody) Close() error {
	if b.shut.CompareAndSwap(false, true) {
		if c, ok := b.r.(io.Closer); ok {
			return c.Close()
		}
	}
	return nil
}

func (b *trackedBody) closed() bool { return b.shut.Load() }

// recorded is what a test server saw of one request.
type recorded struct {
	Method, Path, RawPath, RawQuery string
	Header                          http.Header
	Body                            []byte
}

// testServer is an httptest server running a test's handler, recording
// every request. A handler rig has one; a test also uses one alone as
// "another host" that must see nothing.
type testServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []recorded
}

func newTestServer(t testing.TB, h http.HandlerFunc) *testServer {
	t.Helper()
	ts := &testServer{}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		ts.mu.Lock()
		ts.requests = append(ts.requests, recorded{r.Method, r.URL.Path, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Clone(), body})
		ts.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts
}

// seen returns the requests the server has seen.
func (ts *testServer) seen() []recorded {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]recorded(nil), ts.requests...)
}
