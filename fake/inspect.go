package fake

import (
	"net/http"
	"sync"
	"time"

	"github.com/m365kit/backuprestore/models"
)

// Cause says what made a unit change status.
type Cause string

// The causes of a Transition.
const (
	// CauseOffboard: a successful POST …/offboard.
	CauseOffboard Cause = "offboard"
	// CauseCancelOffboard: a successful POST …/cancelOffboard.
	CauseCancelOffboard Cause = "cancelOffboard"
	// CauseTimer: the grace period, the cancel delay or (for
	// unprotectRequested) the protect delay ran out.
	CauseTimer Cause = "timer"
	// CauseUpdate: Server.UpdateUnit changed the status.
	CauseUpdate Cause = "update"
	// CauseRemove: a policy PATCH accepted the unit's removal
	// (→ removeRequested; Transition.PolicyID is the policy it leaves).
	CauseRemove Cause = "remove"
	// CauseRemoved: the removal completed after the removal delay
	// (removeRequested → unprotected, policyId "", protectionSources none;
	// Transition.PolicyID is the policy it left).
	CauseRemoved Cause = "removed"
	// CauseAdd: a policy PATCH added the unit, a new one (From is "",
	// To protectRequested; Transition.PolicyID is the policy).
	CauseAdd Cause = "add"
	// CauseProtected: protection took effect after the protect delay
	// (protectRequested → protected).
	CauseProtected Cause = "protected"
)

// Transition is one status change of one unit.
type Transition struct {
	// UnitID is the unit that changed.
	UnitID string
	// From and To are the statuses before and after; From is "" when the
	// change created the unit (CauseAdd).
	From, To models.ProtectionUnitStatus
	// At is the emulator-clock time of the change (a timer's deadline for
	// CauseTimer).
	At time.Time
	// Cause is what made the change.
	Cause Cause
	// RequestID is the request-id of the response to the request that made
	// the change ("" for timers and updates). For a $batch item it is the
	// item's own request-id.
	RequestID string
	// InBatch reports whether the change came from an item of a $batch.
	InBatch bool
	// PolicyID is the policy the change concerns: the one a unit was added
	// to (CauseAdd) or removed from (CauseRemove, CauseRemoved), else the
	// unit's policyId at the time ("" when it had none).
	PolicyID string
}

// Transitions returns the status changes of the unit with this ID, oldest
// first, after applying any timer that is due. A test proves an action was
// applied exactly once by counting the transitions with its Cause.
func (s *Server) Transitions(id string) []Transition { return s.st.transitionsOf(id) }

// AllTransitions returns every status change of every unit, oldest first.
func (s *Server) AllTransitions() []Transition { return s.st.allTransitions() }

// RecordedRequest is what the emulator saw of one request and what it
// answered. Requests are recorded when answered, so the items of a $batch
// (recorded too, with InBatch set) come before the $batch request itself.
type RecordedRequest struct {
	// Time is the emulator-clock time the request arrived.
	Time time.Time
	// Method is the HTTP method.
	Method string
	// Path is the escaped path, as sent (for a $batch item, the item's URL
	// path with the /v1.0 prefix added).
	Path string
	// Query is the raw query string.
	Query string
	// Header holds the request's headers; the value of Authorization is
	// replaced by its scheme and "[redacted]", so a test can check a token
	// was sent without the token ending up in logs.
	Header http.Header
	// Route is the operation the path names (RouteUnknown when none).
	Route Route
	// UnitID is the unescaped unit ID for get and the actions.
	UnitID string
	// PolicyID is the unescaped policy ID of a policy route ("" otherwise).
	PolicyID string
	// Status is the status code answered (0 when the connection was reset
	// or the client went away before an answer).
	Status int
	// RequestID is the request-id header answered.
	RequestID string
	// Fault is the fault applied to this request (FaultNone when none;
	// latency faults are not listed here).
	Fault FaultKind
	// InBatch reports whether this was an item of a $batch.
	InBatch bool
	// BatchItemID is the item's id within its $batch ("" otherwise).
	BatchItemID string
}

// Requests returns the requests recorded so far, oldest first (at most
// Options.MaxRecordedRequests of them).
func (s *Server) Requests() []RecordedRequest { return s.log.list(s.opts.MaxRecordedRequests) }

// ResetInspection forgets the recorded requests and transitions, leaving
// units, faults and the clock alone.
func (s *Server) ResetInspection() {
	s.st.forgetTransitions()
	s.log.reset()
}

// record appends r to the request log.
func (s *Server) record(r RecordedRequest) { s.log.add(r, s.opts.MaxRecordedRequests) }

// requestLog is the request log, with its own lock (apart from the state's,
// so recording never waits for a listing).
type requestLog struct {
	mu       sync.Mutex
	requests []RecordedRequest
}

// add appends r, keeping at most about 2*max entries (none when max < 0).
func (l *requestLog) add(r RecordedRequest, max int) {
	if max < 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests = append(l.requests, r)
	if len(l.requests) > 2*max {
		n := copy(l.requests, l.requests[len(l.requests)-max:])
		clear(l.requests[n:])
		l.requests = l.requests[:n]
	}
}

// list returns a copy of the last max entries (every entry when max < 0).
func (l *requestLog) list(max int) []RecordedRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.requests
	if max >= 0 && len(r) > max {
		r = r[len(r)-max:]
	}
	return append([]RecordedRequest(nil), r...)
}

// reset forgets every entry.
func (l *requestLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests = nil
}

// redactedHeader returns a copy of h with the Authorization value hidden.
func redactedHeader(h http.Header) http.Header {
	c := h.Clone()
	if c == nil {
		c = http.Header{}
	}
	if v := c.Values("Authorization"); len(v) > 0 {
		out := make([]string, len(v))
		for i, a := range v {
			scheme := a
			for j := 0; j < len(a); j++ {
				if a[j] == ' ' {
					scheme = a[:j]
					break
				}
			}
			out[i] = scheme + " [redacted]"
		}
		c["Authorization"] = out
	}
	return c
}
