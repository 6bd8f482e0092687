package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
)

// entraError is an error answer of Entra ID's token or device code
// endpoint, as the sign-in transport saw it (it holds no token: error
// answers carry none).
type entraError struct {
	Code     string `json:"error"`
	Desc     string `json:"error_description"`
	Codes    []int  `json:"error_codes"`
	Suberror string `json:"suberror"`
}

// has reports whether e carries the AADSTS code n.
func (e *entraError) has(n int) bool {
	for _, c := range e.Codes {
		if c == n {
			return true
		}
	}
	return false
}

// summary is the description's first sentence with its AADSTS code,
// without the trace lines.
func (e *entraError) summary() string {
	d := e.Desc
	if i := strings.Index(d, " Trace ID:"); i >= 0 {
		d = d[:i]
	}
	if i := strings.IndexAny(d, "\r\n"); i >= 0 {
		d = d[:i]
	}
	return e.Code + ": " + strings.TrimSpace(d)
}

// signInTransport is the HTTP client of the sign-in (azidentity's
// ClientOptions.Transport, MSAL's WithHTTPClient). It remembers the last
// Entra ID error answer and the last network failure, because azidentity
// does not pass them on (a failed device-code poll becomes "Response
// contained no body"), so the CLI can say what went wrong. It never reads
// a successful answer, so it never sees a token.
type signInTransport struct {
	client *http.Client
	mu     sync.Mutex
	last   *entraError
	netErr error
}

// Do implements azcore's policy.Transporter and MSAL's HTTPClient.
func (t *signInTransport) Do(req *http.Request) (*http.Response, error) {
	resp, err := t.client.Do(req)
	if err != nil {
		t.mu.Lock()
		t.netErr = err
		t.mu.Unlock()
		return nil, err
	}
	if resp.StatusCode >= 400 && strings.Contains(resp.Header.Get("Content-Type"), "json") {
		b, rerr := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b))
		var e entraError
		if rerr == nil && json.Unmarshal(b, &e) == nil && e.Code != "" && e.Code != "authorization_pending" && e.Code != "slow_down" {
			t.mu.Lock()
			t.last = &e
			t.mu.Unlock()
		}
	}
	return resp, nil
}

// CloseIdleConnections implements MSAL's HTTPClient.
func (t *signInTransport) CloseIdleConnections() { t.client.CloseIdleConnections() }

// lastError returns the last Entra ID error and network failure seen.
func (t *signInTransport) lastError() (*entraError, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.last, t.netErr
}

// reset forgets the errors seen so far.
func (t *signInTransport) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.last, t.netErr = nil, nil
}
