package middleware

import (
	"net/http"
	"sync"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
)

// SendState says whether an HTTP attempt's request reached the wire.
type SendState int

const (
	// SendUnknown: the transport gave no sign either way (a custom
	// RoundTripper that ignores net/http/httptrace and failed with an error
	// of no known kind). Callers must treat it as MaybeSent.
	SendUnknown SendState = iota
	// NotSent: no byte of the request was written (the dial, DNS lookup,
	// TLS handshake or proxy CONNECT failed, or the context ended first).
	// The service cannot have acted on it.
	NotSent
	// MaybeSent: the request was written, so the service may have acted
	// on it, but no usable response came back.
	MaybeSent
	// Answered: a response (any status) came back.
	Answered
)

// String names the state.
func (s SendState) String() string {
	switch s {
	case NotSent:
		return "not sent"
	case MaybeSent:
		return "maybe sent"
	case Answered:
		return "answered"
	}
	return "unknown"
}

// Attempt is what one HTTP attempt did, as the wire tracker saw it.
type Attempt struct {
	// Start is when the attempt was handed to the transport; End when its
	// response headers arrived or it failed.
	Start, End time.Time
	// State says whether the request reached the wire.
	State SendState
	// Status is the response status, 0 without a response.
	Status int
	// Header is the response's header, nil without a response.
	Header http.Header
	// Err is the transport error, nil with a response.
	Err error
}

// AttemptLog is a Kiota request option that the wire tracker fills with
// every HTTP attempt of one call, in order (the retry middleware's resends
// included), so the caller learns what happened before the response it got:
// whether a request it sent may have been acted on, when, and what the
// service's clock said. Safe for concurrent use.
type AttemptLog struct {
	mu       sync.Mutex
	attempts []Attempt
	// subject is the oid claim of the bearer token the call carried.
	subject string
}

var attemptLogKey = abs.RequestOptionKey{Key: "backuprestore.AttemptLog"}

// GetKey implements abs.RequestOption.
func (*AttemptLog) GetKey() abs.RequestOptionKey { return attemptLogKey }

// Attempts returns a copy of the attempts, oldest first.
func (l *AttemptLog) Attempts() []Attempt {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Attempt(nil), l.attempts...)
}

// Len returns the number of attempts recorded.
func (l *AttemptLog) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.attempts)
}

// Retried returns the statuses of the attempts before the last one (0 for
// one without a response), oldest first: the responses the retry
// middleware discarded.
func (l *AttemptLog) Retried() []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.attempts) < 2 {
		return nil
	}
	out := make([]int, 0, len(l.attempts)-1)
	for _, a := range l.attempts[:len(l.attempts)-1] {
		out = append(out, a.Status)
	}
	return out
}

// Subject returns the "oid" claim of the bearer token the call's requests
// carried, or "" for an opaque token or none.
func (l *AttemptLog) Subject() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.subject
}

func (l *AttemptLog) add(a Attempt) {
	l.mu.Lock()
	l.attempts = append(l.attempts, a)
	l.mu.Unlock()
}

func (l *AttemptLog) setSubject(s string) {
	l.mu.Lock()
	l.subject = s
	l.mu.Unlock()
}

// attemptLogFrom returns the call's AttemptLog, or nil.
func attemptLogFrom(req *http.Request) *AttemptLog {
	l, _ := req.Context().Value(attemptLogKey).(*AttemptLog)
	return l
}
