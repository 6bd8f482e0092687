package faultproxy

import (
	"maps"
	"time"
)

// DefaultMaxEvents is how many events the log keeps when Options.MaxEvents
// is zero.
const DefaultMaxEvents = 100_000

// Event is what happened to one request, or to one connection whose bytes
// were not a valid request.
type Event struct {
	// Time is when the proxy finished reading the request's header (or,
	// for a malformed request, gave up on it).
	Time time.Time
	// Conn numbers the client connection the request came on, from 1 in
	// the order connections were accepted: requests of one keep-alive
	// connection share it.
	Conn uint64
	// Method is the request method; "" for a malformed request.
	Method string
	// Path is the raw request target as sent (path and query, still
	// percent-encoded); "" for a malformed request.
	Path string
	// Body is the request body as the client sent it (at most 1 MiB of
	// it), kept only with Options.RecordBodies.
	Body []byte
	// Fault is the kind applied (None when no rule took the request).
	Fault Kind
	// Rule is the rule that chose Fault; 0 when none did.
	Rule RuleID
	// Forwarded reports whether the whole request (header and body) was
	// written to the upstream connection.
	Forwarded bool
	// Status is the upstream's status code; 0 when no response header
	// came back.
	Status int
	// ClientGotResponse reports whether the whole response was written to
	// the client connection (handed to the kernel: a client that closed
	// its end meanwhile may not have read it). It is set just before the
	// response's last byte is written, and cleared, with Err, if that
	// write fails.
	ClientGotResponse bool
	// Err says what went wrong outside the injected fault: a malformed
	// request, a client that went away, an upstream that refused the
	// connection or broke it. nil when all went as the fault planned.
	Err error
}

// Stats are the proxy's counters since Start; they are not bounded by
// Options.MaxEvents.
type Stats struct {
	// Connections is the number of client connections accepted.
	Connections int
	// Requests is the number of requests whose header was read (malformed
	// ones excluded).
	Requests int
	// Malformed is the number of connections closed because their bytes
	// were not a valid HTTP/1.x request.
	Malformed int
	// Forwarded is the number of requests written whole to the upstream.
	Forwarded int
	// Faults counts the requests by the Kind chosen for them (None
	// included); kinds never chosen are absent.
	Faults map[Kind]int
}

// eventLog is a ring of the newest events: the event with sequence number
// seq (from 0, in the order requests were read) is at buf[seq%max] while
// it is among the newest max.
type eventLog struct {
	max int // < 0: keep none
	buf []Event
	n   uint64 // events ever added
}

// add appends e, dropping the oldest event when the log is full, and
// returns e's sequence number.
func (l *eventLog) add(e Event) uint64 {
	seq := l.n
	l.n++
	switch {
	case l.max < 0:
	case len(l.buf) < l.max:
		l.buf = append(l.buf, e)
	default:
		l.buf[seq%uint64(l.max)] = e
	}
	return seq
}

// set replaces the event seq, unless it has been dropped.
func (l *eventLog) set(seq uint64, e Event) {
	if l.max < 0 || l.n-seq > uint64(l.max) {
		return
	}
	l.buf[seq%uint64(l.max)] = e
}

// snapshot returns the events, oldest first, in a new slice.
func (l *eventLog) snapshot() []Event {
	start := 0
	if l.max > 0 && len(l.buf) == l.max {
		start = int(l.n % uint64(l.max))
	}
	out := make([]Event, 0, len(l.buf))
	out = append(out, l.buf[start:]...)
	return append(out, l.buf[:start]...)
}

// Events returns a copy of the event log, oldest first (in the order the
// requests' headers were read): the newest Options.MaxEvents events
// (DefaultMaxEvents by default). An event is logged as soon as its
// request's header is read, and each of its fields is filled in before
// the client can see the step it describes, so once a client's call has
// returned (with a response, an error or a truncated body), its event is
// in the log and final. A request still in flight (a stalled one, say)
// shows what has happened so far.
func (p *Proxy) Events() []Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.events.snapshot()
}

// Stats returns a copy of the proxy's counters.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.stats
	s.Faults = maps.Clone(p.stats.Faults)
	return s
}
