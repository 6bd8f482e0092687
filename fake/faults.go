package fake

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"
)

// FaultKind is what a fault does to a request.
type FaultKind int

// The kinds of fault.
const (
	// FaultNone is no fault (RecordedRequest.Fault of a normal request).
	FaultNone FaultKind = iota
	// FaultStatus answers Fault.Status (default 503) with a Graph error
	// body, before the request is handled (nothing changes). A 429 carries
	// Retry-After (Fault.RetryAfter, default "1"). Inside a $batch it is
	// the item's status, with the item's own Retry-After.
	FaultStatus
	// FaultLatency delays the request by Fault.Latency before it is
	// handled, giving up early if the request's context ends. It combines
	// with the other kinds.
	FaultLatency
	// FaultResetBefore drops the connection before the request is handled:
	// nothing changes and no answer is sent. In-process, Transport returns
	// an error wrapping syscall.ECONNRESET; over HTTP the connection is
	// closed with a TCP reset.
	FaultResetBefore
	// FaultResetAfter handles the request (an action IS applied) and then
	// drops the connection instead of answering, like FaultResetBefore:
	// the ambiguous failure a client must reconcile.
	FaultResetAfter
	// FaultTruncatedBody handles the request (an action IS applied) and
	// answers with its status and headers but only the first half of the
	// body, Content-Length matching the cut: malformed JSON.
	FaultTruncatedBody
	// FaultHTMLBody answers as a proxy in front of Graph would: an HTML
	// page with Content-Type text/html and status Fault.Status (default
	// 502), before the request is handled.
	FaultHTMLBody
)

// String returns the kind's name.
func (k FaultKind) String() string {
	switch k {
	case FaultNone:
		return "none"
	case FaultStatus:
		return "status"
	case FaultLatency:
		return "latency"
	case FaultResetBefore:
		return "resetBefore"
	case FaultResetAfter:
		return "resetAfter"
	case FaultTruncatedBody:
		return "truncatedBody"
	case FaultHTMLBody:
		return "htmlBody"
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

// ParseFaultKind maps a kind's name, as String writes it (any case), to
// the kind: "status", "latency", "resetBefore", "resetAfter",
// "truncatedBody" or "htmlBody" (the kinds a Fault can have). It fails,
// naming the input, for anything else, "none" included.
func ParseFaultKind(s string) (FaultKind, error) {
	for k := FaultStatus; k <= FaultHTMLBody; k++ {
		if strings.EqualFold(s, k.String()) {
			return k, nil
		}
	}
	return FaultNone, &optionError{"unknown fault kind " + quote(s)}
}

// Fault describes a failure to inject. It applies to the requests it
// matches (Route, InBatch, UnitID), Count times or forever, each time with
// Probability (drawn from Options.Seed, so runs repeat). Faults are checked
// in the order they were added: every matching FaultLatency applies, then
// the first matching fault of another kind.
type Fault struct {
	// Route selects the operation; RouteAny (the zero value) matches all.
	// RouteBatch is the whole $batch request; RouteBatchItem means every
	// item inside a $batch (the same as InBatch with RouteAny).
	Route Route
	// InBatch makes the fault apply to the items inside a $batch instead
	// of to HTTP requests; Route then selects the items' operation (say,
	// RouteOffboard items). Only FaultStatus and FaultLatency can apply to
	// items. A faulted item is not handled: its action is NOT applied.
	InBatch bool
	// UnitID, when set, restricts the fault to requests naming this unit
	// (get and the actions, and a unit read through its policy).
	UnitID string
	// PolicyID, when set, restricts the fault to requests naming this
	// policy (a policy's get, PATCH and unit views).
	PolicyID string
	// Kind is what happens.
	Kind FaultKind
	// Status is the status of FaultStatus (default 503) and FaultHTMLBody
	// (default 502).
	Status int
	// Code and Message override the error body of FaultStatus (defaults:
	// TooManyRequests for 429, serviceNotAvailable for 503,
	// generalException for 500, UnknownError otherwise).
	Code, Message string
	// RetryAfter is the Retry-After header of FaultStatus, verbatim:
	// seconds ("10", "2.128") or an HTTP date. A 429 gets "1" when it is
	// empty, unless NoRetryAfter is set.
	RetryAfter string
	// NoRetryAfter sends a 429 without Retry-After.
	NoRetryAfter bool
	// Latency is the delay of FaultLatency.
	Latency time.Duration
	// Count is how many times the fault applies; 0 means no limit.
	Count int
	// Probability, when in (0, 1), is the chance that a matching request
	// is hit; 0 means always.
	Probability float64
}

// FaultID identifies a fault added with AddFault.
type FaultID int

// faultState is an added fault and its counters.
type faultState struct {
	id   FaultID
	f    Fault
	hits int
}

// exhausted reports whether the fault has applied Count times.
func (fs *faultState) exhausted() bool { return fs.f.Count > 0 && fs.hits >= fs.f.Count }

// Validate reports whether f is consistent: a known Kind and Route, a
// Probability in [0, 1], no negative Count, a positive Latency for
// FaultLatency, only FaultStatus or FaultLatency for $batch items (and no
// $batch inside a $batch), and a Status, when set, in 400-599. It returns
// nil or an error saying what is wrong; AddFault panics with that error.
func (f Fault) Validate() error {
	inBatch := f.InBatch || f.Route == RouteBatchItem
	route := f.Route
	if route == RouteBatchItem {
		route = RouteAny
	}
	switch {
	case f.Kind <= FaultNone || f.Kind > FaultHTMLBody:
		return &faultError{"unknown Kind " + f.Kind.String()}
	case f.Probability < 0 || f.Probability > 1:
		return &faultError{fmt.Sprintf("Probability %v is outside [0, 1]", f.Probability)}
	case f.Count < 0:
		return &faultError{"negative Count"}
	case f.Kind == FaultLatency && f.Latency <= 0:
		return &faultError{"FaultLatency needs a positive Latency"}
	case inBatch && f.Kind != FaultStatus && f.Kind != FaultLatency:
		return &faultError{"only FaultStatus and FaultLatency apply to $batch items, not " + f.Kind.String()}
	case inBatch && route == RouteBatch:
		return &faultError{"a $batch item cannot be a $batch"}
	case route < RouteAny || route >= RouteUnknown:
		return &faultError{"unknown Route " + route.String()}
	case f.Status != 0 && (f.Status < 400 || f.Status > 599):
		return &faultError{fmt.Sprintf("Status %d is not an error status", f.Status)}
	}
	return nil
}

// faultError is why a Fault is inconsistent.
type faultError struct{ msg string }

// Error implements error.
func (e *faultError) Error() string { return "fake: AddFault: " + e.msg }

// AddFault adds a fault and returns its ID. It panics when f is
// inconsistent (see Validate: no or an unknown Kind, a Probability outside
// [0, 1], a negative Count, a FaultLatency without Latency, an item fault
// other than FaultStatus or FaultLatency, a Status outside 400-599): a bug
// in the test.
func (s *Server) AddFault(f Fault) FaultID {
	if err := f.Validate(); err != nil {
		panic(err.Error())
	}
	if f.Route == RouteBatchItem {
		f.Route, f.InBatch = RouteAny, true
	}
	if f.Status == 0 {
		switch f.Kind {
		case FaultStatus:
			f.Status = http.StatusServiceUnavailable
		case FaultHTMLBody:
			f.Status = http.StatusBadGateway
		}
	}
	if f.Kind == FaultStatus && f.Status == http.StatusTooManyRequests && f.RetryAfter == "" && !f.NoRetryAfter {
		f.RetryAfter = "1"
	}
	return s.st.addFault(f)
}

// RemoveFault removes a fault; it reports whether the fault existed.
func (s *Server) RemoveFault(id FaultID) bool { return s.st.removeFault(id) }

// ClearFaults removes every fault.
func (s *Server) ClearFaults() { s.st.clearFaults() }

// FaultHits returns how many times the fault has applied (0 for an
// unknown or removed ID).
func (s *Server) FaultHits(id FaultID) int { return s.st.faultHits(id) }

// pickFaultsLocked returns the total latency and the first other fault
// (nil if none) that apply to a request, counting them as applied.
func (st *store) pickFaultsLocked(route Route, unitID, policyID string, inBatch bool) (time.Duration, *Fault) {
	if len(st.faults) == 0 {
		return 0, nil
	}
	var latency time.Duration
	var chosen *Fault
	for _, fs := range st.faults {
		f := &fs.f
		if fs.exhausted() || f.InBatch != inBatch || (f.Route != RouteAny && f.Route != route) ||
			(f.UnitID != "" && f.UnitID != unitID) || (f.PolicyID != "" && f.PolicyID != policyID) ||
			(chosen != nil && f.Kind != FaultLatency) {
			continue
		}
		if f.Probability > 0 && f.Probability < 1 && st.faultRand.Float64() >= f.Probability {
			continue
		}
		fs.hits++
		if f.Kind == FaultLatency {
			latency += f.Latency
			continue
		}
		c := *f
		chosen = &c
	}
	return latency, chosen
}

// sleepCtx waits d or until done is closed; it reports whether the wait ran
// its course.
func sleepCtx(done <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
		return false
	}
}

// errConnReset is the error the in-process transport returns for a reset:
// errors.Is(err, syscall.ECONNRESET) holds, as for a real reset.
func errConnReset() error {
	return &net.OpError{Op: "read", Net: "tcp", Addr: fakeAddr{}, Err: os.NewSyscallError("read", syscall.ECONNRESET)}
}

// fakeAddr is the address of the in-process "connection".
type fakeAddr struct{}

// Network implements net.Addr.
func (fakeAddr) Network() string { return "tcp" }

// String implements net.Addr.
func (fakeAddr) String() string { return "in-process emulator" }

// faultResponse builds the answer of a fault applied before handling.
func faultResponse(f *Fault, ids requestIDs, now time.Time) *response {
	switch f.Kind {
	case FaultResetBefore:
		return &response{err: errConnReset(), fault: f.Kind}
	case FaultHTMLBody:
		r := newResponse(f.Status)
		r.header.Set("Content-Type", "text/html")
		text := itoa(f.Status) + " " + http.StatusText(f.Status)
		r.body = []byte("<html>\r\n<head><title>" + text + "</title></head>\r\n<body>\r\n<center><h1>" + text +
			"</h1></center>\r\n<hr><center>Microsoft-Azure-Application-Gateway/v2</center>\r\n</body>\r\n</html>\r\n")
		r.fault = f.Kind
		return r
	}
	r := errorResponse(statusError(f.Status, f.Code, f.Message), ids, now)
	if f.RetryAfter != "" {
		r.header.Set("Retry-After", f.RetryAfter)
	}
	r.fault = f.Kind
	return r
}

// applyAfter applies a fault that acts on the handled answer.
func applyAfter(f *Fault, r *response) *response {
	switch f.Kind {
	case FaultResetAfter:
		return &response{err: errConnReset(), fault: f.Kind}
	case FaultTruncatedBody:
		r.body = r.body[:len(r.body)/2]
		r.fault = f.Kind
	}
	return r
}

// isAfterFault reports whether the fault acts after the request is handled.
func isAfterFault(k FaultKind) bool { return k == FaultResetAfter || k == FaultTruncatedBody }
