package middleware

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"

	khttp "github.com/microsoft/kiota-http-go"

	"github.com/m365kit/backuprestore/internal/errs"
	"github.com/m365kit/backuprestore/internal/token"
)

// ErrStalled is the cause of an attempt abandoned because neither its
// response headers nor any byte of its body arrived within the stall
// timeout.
var ErrStalled = errs.New("backuprestore: the response stalled")

// SendError is a failed HTTP attempt without a response, with what is
// known about whether its request reached the wire.
type SendError struct {
	// Err is the transport's error.
	Err error
	// State is NotSent, MaybeSent or SendUnknown.
	State SendState
	// Permanent: resending cannot help (an unknown host, a certificate
	// that does not verify).
	Permanent bool
	// Attempts is how many attempts the retry middleware made in all, set
	// on the error it returns; 0 before that.
	Attempts int
}

// Error returns the transport error's text, with the attempt count when
// the request was tried more than once.
func (e *SendError) Error() string {
	if e.Attempts > 1 {
		return "after " + itoa(e.Attempts) + " attempts: " + e.Err.Error()
	}
	return e.Err.Error()
}

// Unwrap returns the transport's error.
func (e *SendError) Unwrap() error { return e.Err }

// WireTracker sits last in the middleware list, right above the transport,
// so it sees every attempt (each retry included). For each one it:
//
//   - tells whether the request reached the wire, with net/http/httptrace
//     (GetConn fired and WroteRequest did not, or reported that writing
//     failed: the request did not reach the service whole; a
//     transport that fires no hook at all falls back to the error's type:
//     DNS, dial, TLS handshake and proxy failures happen before the
//     request is written), and wraps a failure in *SendError saying so;
//   - abandons the attempt when neither its headers nor a byte of its body
//     arrive within Stall (its context is cancelled with ErrStalled), so a
//     hung connection cannot hang a call that has no deadline;
//   - records it in the call's AttemptLog (times, state, status, headers).
//
// Stall <= 0 turns the watchdog off.
type WireTracker struct {
	Stall time.Duration
	// TraceAware: the transport below is known to honour httptrace (a
	// *http.Transport, which fires GetConn before anything else it does
	// with a request). Without it, the tracker learns it the first time
	// the transport fires GetConn.
	TraceAware bool
	// learned: the transport fired GetConn on an earlier attempt.
	learned atomic.Bool
}

// Intercept implements khttp.Middleware.
func (m *WireTracker) Intercept(p khttp.Pipeline, i int, req *http.Request) (*http.Response, error) {
	log := attemptLogFrom(req)
	if log != nil {
		if tok := token.FromAuthorization(req.Header.Get("Authorization")); tok != "" {
			if c, ok := token.Parse(tok); ok {
				log.setSubject(c.Oid)
			}
		}
	}
	start := time.Now()
	if err := req.Context().Err(); err != nil {
		se := &SendError{Err: context.Cause(req.Context()), State: NotSent}
		m.record(log, Attempt{Start: start, End: start, State: NotSent, Err: se})
		return nil, se
	}
	var tr wireTrace
	ctx := httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		GetConn: func(string) { tr.getConn.Store(true) },
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err != nil {
				tr.writeFailed.Store(true)
				return
			}
			tr.wrote.Store(true)
		},
	})
	var w *watchdog
	if m.Stall > 0 {
		var cancel context.CancelCauseFunc
		ctx, cancel = context.WithCancelCause(ctx)
		w = newWatchdog(m.Stall, cancel)
	}
	resp, err := p.Next(req.WithContext(ctx), i)
	end := time.Now()
	if err != nil {
		stalled := w != nil && w.fired()
		w.stop()
		if stalled {
			err = stallError{err}
		}
		if tr.getConn.Load() {
			m.learned.Store(true)
		}
		state, permanent := tr.state(err, m.TraceAware || m.learned.Load())
		se := &SendError{Err: err, State: state, Permanent: permanent}
		m.record(log, Attempt{Start: start, End: end, State: state, Err: se})
		return nil, se
	}
	if tr.getConn.Load() {
		m.learned.Store(true)
	}
	m.record(log, Attempt{Start: start, End: end, State: Answered, Status: resp.StatusCode, Header: resp.Header})
	if w != nil {
		w.progress()
		if resp.Body == nil || resp.Body == http.NoBody {
			w.stop()
		} else {
			resp.Body = &watchedBody{rc: resp.Body, w: w}
		}
	}
	return resp, nil
}

func (m *WireTracker) record(log *AttemptLog, a Attempt) {
	if log != nil {
		log.add(a)
	}
}

// wireTrace holds what the httptrace hooks saw.
type wireTrace struct {
	getConn atomic.Bool
	wrote   atomic.Bool
	// writeFailed: writing the request failed (a broken pipe, a reset):
	// it did not reach the service whole, so the service cannot have
	// acted on it (it reads a request, body included, before acting).
	writeFailed atomic.Bool
}

// state classifies a failed attempt; traceAware says the transport fires
// GetConn for every request it does anything with.
func (t *wireTrace) state(err error, traceAware bool) (SendState, bool) {
	kind, permanent := Classify(err)
	switch {
	case t.wrote.Load():
		return MaybeSent, false
	case t.writeFailed.Load():
		// Not written whole: a resend is safe.
		return NotSent, false
	case t.getConn.Load():
		// The transport honours httptrace and never wrote the request.
		return NotSent, permanent
	case kind == NotSent:
		return NotSent, permanent
	case traceAware:
		// The transport returned before even asking for a connection (its
		// context ended as the request was handed to it): nothing written.
		return NotSent, permanent
	}
	return SendUnknown, false
}

// Classify tells, from an error's type alone, failures that happen before
// a request is written: DNS, dial (refused, unreachable, timeout), proxy
// CONNECT and TLS handshake failures. permanent marks the ones a resend
// cannot fix: a host that does not exist, a certificate that does not
// verify. Anything else is SendUnknown.
func Classify(err error) (state SendState, permanent bool) {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return NotSent, dnsErr.IsNotFound && !dnsErr.IsTemporary && !dnsErr.IsTimeout
	}
	var verr *tls.CertificateVerificationError
	var uaErr x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invErr x509.CertificateInvalidError
	var recErr tls.RecordHeaderError
	if errors.As(err, &verr) || errors.As(err, &uaErr) || errors.As(err, &hostErr) || errors.As(err, &invErr) {
		return NotSent, true
	}
	if errors.As(err, &recErr) { // the peer does not speak TLS
		return NotSent, true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && (opErr.Op == "dial" || opErr.Op == "proxyconnect") {
		return NotSent, false
	}
	return SendUnknown, false
}

// stallError marks a transport error caused by the stall watchdog.
type stallError struct{ err error }

func (e stallError) Error() string {
	return ErrStalled.Error() + " (no progress within the stall timeout): " + e.err.Error()
}
func (e stallError) Unwrap() []error { return []error{ErrStalled, e.err} }

// watchdog cancels an attempt that makes no progress for d.
type watchdog struct {
	d      time.Duration
	cancel context.CancelCauseFunc
	mu     sync.Mutex
	t      *time.Timer
	done   bool
	hit    atomic.Bool
}

func newWatchdog(d time.Duration, cancel context.CancelCauseFunc) *watchdog {
	w := &watchdog{d: d, cancel: cancel}
	w.t = time.AfterFunc(d, func() {
		w.mu.Lock()
		done := w.done
		w.mu.Unlock()
		if !done {
			w.hit.Store(true)
			cancel(ErrStalled)
		}
	})
	return w
}

// progress restarts the countdown.
func (w *watchdog) progress() {
	w.mu.Lock()
	if !w.done {
		w.t.Reset(w.d)
	}
	w.mu.Unlock()
}

// fired reports whether the watchdog cancelled the attempt.
func (w *watchdog) fired() bool { return w.hit.Load() }

// stop ends the watch and releases the attempt's context. A nil watchdog
// is a no-op.
func (w *watchdog) stop() {
	if w == nil {
		return
	}
	w.mu.Lock()
	if !w.done {
		w.done = true
		w.t.Stop()
	}
	w.mu.Unlock()
	w.cancel(nil)
}

// watchedBody restarts the watchdog on every read that makes progress and
// stops it at EOF or Close. A read the watchdog cut short fails with an
// error matching ErrStalled.
type watchedBody struct {
	rc io.ReadCloser
	w  *watchdog
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		b.w.progress()
	}
	if err != nil {
		if err != io.EOF && b.w.fired() {
			err = stallError{err}
		}
		b.w.stop()
	}
	return n, err
}

func (b *watchedBody) Close() error {
	err := b.rc.Close()
	b.w.stop()
	return err
}

func itoa(n int) string {
	if n < 10 && n >= 0 {
		return string(rune('0' + n))
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
