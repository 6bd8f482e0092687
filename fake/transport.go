package fake

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Transport returns an http.RoundTripper that serves every request
// in-process, whatever its host, with no socket: give it to a client
// (http.Client{Transport: srv.Transport()}) whose base URL is
// DefaultBaseURL. It reads and closes the request body, honours the
// request's context (a done context fails the round trip with the
// context's error, even mid-latency), and returns the emulator's status,
// headers and body. A reset fault fails the round trip with an error
// wrapping syscall.ECONNRESET. Safe for concurrent use.
func (s *Server) Transport() http.RoundTripper { return transport{s} }

// transport is the in-process RoundTripper.
type transport struct{ s *Server }

// RoundTrip implements http.RoundTripper.
func (t transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	in := req.Clone(ctx)
	in.Body = io.NopCloser(bytes.NewReader(body))
	in.ContentLength = int64(len(body))
	if in.Host == "" {
		in.Host = req.URL.Host
	}
	in.RemoteAddr = "192.0.2.1:49152"
	in.RequestURI = req.URL.RequestURI()
	resp := t.s.handle(in, body)
	if resp.err != nil {
		return nil, resp.err
	}
	if err := ctx.Err(); err != nil {
		return nil, err // the answer came too late
	}
	if resp.header.Get("Date") == "" {
		resp.header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	}
	return &http.Response{
		Status:        strconv.Itoa(resp.status) + " " + http.StatusText(resp.status),
		StatusCode:    resp.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        resp.header,
		Body:          io.NopCloser(bytes.NewReader(resp.body)),
		ContentLength: int64(len(resp.body)),
		Request:       req,
	}, nil
}
