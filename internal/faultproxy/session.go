package faultproxy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"
)

// session serves the requests of one client connection, one at a time.
type session struct {
	p      *Proxy
	ctx    context.Context // cancelled by Down and Close
	id     uint64
	client net.Conn
	br     *bufio.Reader
	out    *holdLast
	bw     *bufio.Writer // writes to out
	up     *upstream     // nil until the first forwarded request, or after a failure

	// ev is the current request's event, logged as number seq.
	ev  Event
	seq uint64
}

// serveConn serves c until the client closes it, a fault or error ends it,
// or the proxy goes down.
func (p *Proxy) serveConn(ctx context.Context, c net.Conn, id uint64) {
	s := &session{p: p, ctx: ctx, id: id, client: c, br: bufio.NewReader(c), out: &holdLast{w: c}}
	s.bw = bufio.NewWriter(s.out)
	defer func() {
		s.dropUpstream()
		c.Close()
		p.untrack(c)
	}()
	for s.serveRequest() {
	}
}

// serveRequest reads, handles and logs one request, and reports whether
// the connection can carry another.
func (s *session) serveRequest() bool {
	req, err := http.ReadRequest(s.br)
	if err != nil {
		if !connEnded(err) {
			s.p.mu.Lock()
			s.p.events.add(Event{Time: time.Now(), Conn: s.id, Err: fmt.Errorf("faultproxy: malformed request: %w", err)})
			s.p.stats.Malformed++
			s.p.mu.Unlock()
		}
		return false
	}
	s.ev = Event{Time: time.Now(), Conn: s.id, Method: req.Method, Path: req.RequestURI}
	if s.p.opts.RecordBodies && req.Body != nil && req.Body != http.NoBody {
		body, err := io.ReadAll(io.LimitReader(req.Body, maxRecordedBody+1))
		if err != nil {
			s.fail("reading the request body", err)
			s.p.mu.Lock()
			s.p.events.add(s.ev)
			s.p.mu.Unlock()
			return false
		}
		if len(body) > maxRecordedBody {
			// Too large to keep: forward it whole, record its start.
			req.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), req.Body))
			body = body[:maxRecordedBody]
		} else {
			req.Body = io.NopCloser(bytes.NewReader(body))
		}
		s.ev.Body = body
	}
	s.p.mu.Lock()
	d := s.p.decideLocked(req)
	s.ev.Fault, s.ev.Rule = d.kind, d.rule
	s.seq = s.p.events.add(s.ev)
	s.p.stats.Requests++
	s.p.stats.Faults[d.kind]++
	s.p.mu.Unlock()
	keep := s.handle(req, d)
	s.commit()
	return keep
}

// commit writes s.ev to the log; it is called before every step the
// client can see.
func (s *session) commit() {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	s.p.events.set(s.seq, s.ev)
}

// fail records err as the request's error.
func (s *session) fail(format string, err error) {
	s.ev.Err = fmt.Errorf("faultproxy: "+format+": %w", err)
}

// connEnded reports whether a failed ReadRequest means the client (or the
// proxy) closed the connection between requests, rather than bad input.
func connEnded(err error) bool {
	return err == io.EOF || errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET)
}

// handle applies d to req and reports whether the connection can carry
// another request.
func (s *session) handle(req *http.Request, d decision) bool {
	if err := s.expectContinue(req); err != nil {
		s.fail("writing 100 Continue", err)
		return false
	}
	if !d.kind.forwards() {
		if _, err := io.Copy(io.Discard, req.Body); err != nil {
			s.fail("reading the request body", err)
			return false
		}
		if d.kind == ResetBeforeForward {
			s.reset()
		} else {
			s.commit()
			s.hold(d.stall)
		}
		return false
	}

	resp, err := s.forward(req)
	if err != nil {
		s.reset()
		return false
	}
	if d.kind == None {
		if !s.writeResponse(resp, "relaying the response") {
			s.dropUpstream() // its body may be half read
			return false
		}
		return s.release(req, resp)
	}

	// Every other kind acts on the complete response: the service is done.
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		s.fail("reading the upstream response body", err)
		s.dropUpstream()
		s.reset()
		return false
	}
	keep := s.release(req, resp)
	if req.Method != http.MethodHead {
		resp.ContentLength, resp.TransferEncoding = int64(len(body)), nil
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))

	switch d.kind {
	case ResetAfterResponse:
		s.reset()
		return false
	case CloseBeforeResponse:
		return false // the caller commits, then serveConn's Close sends the FIN
	case TruncateBody:
		s.commit()
		if err := s.writeTruncated(resp, len(body)); err != nil {
			s.fail("writing the truncated response", err)
		}
		return false
	}
	// Stall.
	s.commit()
	if !s.hold(d.stall) {
		return false
	}
	return s.writeResponse(resp, "writing the stalled response") && keep
}

// expectContinue answers "Expect: 100-continue" itself, so the client
// sends its body whatever the request's fate, and drops the header.
func (s *session) expectContinue(req *http.Request) error {
	if !strings.EqualFold(req.Header.Get("Expect"), "100-continue") {
		return nil
	}
	req.Header.Del("Expect")
	if req.ContentLength == 0 || !req.ProtoAtLeast(1, 1) {
		return nil
	}
	if _, err := s.bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n"); err != nil {
		return err
	}
	return s.flush()
}

// forward writes req to the upstream and reads the response header,
// setting s.ev's Forwarded, Status and (on failure) Err. On error the
// upstream connection is dropped.
func (s *session) forward(req *http.Request) (*http.Response, error) {
	u, err := s.upstream()
	if err != nil {
		s.ev.Err = err
		return nil, err
	}
	// Request.Write adds "User-Agent: Go-http-client/1.1" unless the
	// header is present; an empty value sends none, as the client did.
	if _, ok := req.Header["User-Agent"]; !ok {
		req.Header["User-Agent"] = []string{""}
	}
	err = req.Write(u.bw)
	if err == nil {
		err = u.bw.Flush()
	}
	if err != nil {
		s.fail("forwarding the request", err)
		s.dropUpstream()
		return nil, err
	}
	s.ev.Forwarded = true
	s.p.mu.Lock()
	s.p.stats.Forwarded++
	s.p.mu.Unlock()
	resp, err := u.readResponse(req)
	if err != nil {
		s.fail("reading the upstream response", err)
		s.dropUpstream()
		return nil, err
	}
	s.ev.Status = resp.StatusCode
	return resp, nil
}

// release is called once resp's body has been read to its end: it keeps
// the upstream connection for the next request when the upstream allows,
// and reports whether the client connection may carry another request.
func (s *session) release(req *http.Request, resp *http.Response) bool {
	if resp.Close {
		s.dropUpstream()
	} else if s.up != nil {
		s.up.watch(s.p)
	}
	return !req.Close && !resp.Close
}

// writeResponse writes resp (header and body) to the client, marking the
// event's ClientGotResponse before the last byte goes out; on failure it
// records what (a failing client write or upstream body read), resets the
// client and returns false.
func (s *session) writeResponse(resp *http.Response, what string) bool {
	err := resp.Write(s.bw)
	if err == nil {
		err = s.bw.Flush()
	}
	if err == nil {
		s.ev.ClientGotResponse = true
		s.commit()
		err = s.out.release()
	}
	if err != nil {
		s.ev.ClientGotResponse = false
		s.fail(what, err)
		s.reset()
		return false
	}
	return true
}

// writeTruncated writes resp, whose body is n bytes long, without the
// second half of the body (or, when n is 0, of the header).
func (s *session) writeTruncated(resp *http.Response, n int) error {
	var buf bytes.Buffer
	if err := resp.Write(&buf); err != nil {
		return err
	}
	all := buf.Bytes()
	cut := len(all) - n + n/2
	if n == 0 {
		cut = len(all) / 2
	}
	if _, err := s.bw.Write(all[:cut]); err != nil {
		return err
	}
	return s.flush()
}

// flush sends everything written to s.bw.
func (s *session) flush() error {
	if err := s.bw.Flush(); err != nil {
		return err
	}
	return s.out.release()
}

// hold waits d (with d = 0, without end) and reports whether the client
// connection is still usable: false once the client closed it or the proxy
// went down.
func (s *session) hold(d time.Duration) bool {
	// A read is the only way to see the client close; the byte it may get
	// (a pipelined request) stays in s.br.
	gone := make(chan error, 1)
	s.p.wg.Go(func() {
		_, err := s.br.Peek(1)
		gone <- err
	})
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	for {
		select {
		case err := <-gone:
			if err != nil {
				return false
			}
			gone = nil // a pipelined request: the client is still there
		case <-timeout:
			if gone == nil {
				return true
			}
			_ = s.client.SetReadDeadline(time.Unix(1, 0)) // end the Peek
			err := <-gone
			_ = s.client.SetReadDeadline(time.Time{})
			return err == nil || errors.Is(err, os.ErrDeadlineExceeded)
		case <-s.ctx.Done():
			return false // Down closed the connection, which ends the Peek
		}
	}
}

// reset logs the event, then closes the client connection with a TCP RST
// instead of a FIN.
func (s *session) reset() {
	s.commit()
	if tc, ok := s.client.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = s.client.Close()
}

// holdLast writes to w all but the last byte written to it, which it keeps
// until release: so the proxy can log that a response was delivered before
// the client can have read all of it.
type holdLast struct {
	w    io.Writer
	last [1]byte
	held bool
}

func (h *holdLast) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if err := h.release(); err != nil {
		return 0, err
	}
	if _, err := h.w.Write(p[:len(p)-1]); err != nil {
		return 0, err
	}
	h.last[0], h.held = p[len(p)-1], true
	return len(p), nil
}

// release writes the byte held back, if any.
func (h *holdLast) release() error {
	if !h.held {
		return nil
	}
	h.held = false
	_, err := h.w.Write(h.last[:])
	return err
}
