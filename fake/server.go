package fake

import (
	"container/heap"
	"net/http"
	"time"

	"github.com/m365kit/backuprestore/models"
)

// Defaults used when the matching Options field is zero.
const (
	// DefaultPageSize is the server's page size for lists.
	DefaultPageSize = 100
	// DefaultGracePeriod is how long a unit stays in offboardRequested
	// before it becomes offboarded (the product documentation's 90 days).
	DefaultGracePeriod = 90 * 24 * time.Hour
	// DefaultCancelDelay is how long a unit stays in cancelOffboardRequested
	// before it becomes unprotected again. The service does not document
	// this; one hour is the emulator's choice.
	DefaultCancelDelay = time.Hour
	// DefaultMaxRecordedRequests is how many requests Requests keeps.
	DefaultMaxRecordedRequests = 100_000
	// DefaultBaseURL is the base URL to give a client that uses Transport:
	// the in-process transport serves any host, so the client keeps its
	// HTTPS-only rules, and errors name the emulator, not production. The
	// .invalid top-level domain never resolves (RFC 2606), so a client
	// given this URL without the in-process transport fails at once
	// instead of reaching a real service.
	DefaultBaseURL = "https://graph.emulator.invalid/v1.0"
)

// DefaultStart is the emulator clock's initial time when Options.Start is
// zero: a fixed instant, so runs are reproducible.
var DefaultStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Options configures a Server. The zero value (or a nil *Options) gives the
// documented defaults.
type Options struct {
	// PageSize is the server's page size, and the most items a page holds
	// (default DefaultPageSize, 100). "$top" and the Prefer preference
	// odata.maxpagesize can only lower it.
	PageSize int
	// GracePeriod is how long offboardRequested lasts before the unit
	// becomes offboarded, on the emulator's clock (default 90 days).
	GracePeriod time.Duration
	// CancelDelay is how long cancelOffboardRequested lasts before the unit
	// becomes unprotected, on the emulator's clock (default 1 hour).
	CancelDelay time.Duration
	// ProtectDelay is how long protectRequested and unprotectRequested
	// last before the unit becomes protected or unprotected, on the
	// emulator's clock (default DefaultProtectDelay, 15 minutes).
	ProtectDelay time.Duration
	// RemovalDelay is how long removeRequested lasts before the removal
	// completes (policyId "", status unprotected, protectionSources none),
	// on the emulator's clock (default DefaultRemovalDelay, 10 minutes).
	// Server.SetRemovalDelay changes it while the server runs.
	RemovalDelay time.Duration
	// DeltaErrorShape is how a policy PATCH reports a failed item (default
	// DeltaErrorDataModification; an unknown value counts as the default).
	// Server.SetDeltaErrorShape changes it while the server runs.
	DeltaErrorShape DeltaErrorShape
	// MaxDeltaItems is the most items one policy PATCH's …@delta array may
	// hold; more fail the whole request with 413
	// ProtectionUnitsLimitBreached (default DefaultMaxDeltaItems, 50; a
	// negative value means no cap).
	MaxDeltaItems int
	// ServiceStatus is the tenant's serviceStatus.status at the start
	// (default models.ServiceEnabled). Any other value makes policy
	// PATCHes fail with 403 CodeProtectionChangeLocked; Server.SetServiceStatus
	// changes it.
	ServiceStatus models.BackupServiceStatus
	// Start is the emulator clock's initial time (default DefaultStart,
	// 2026-01-01T00:00:00Z).
	Start time.Time
	// RealTimeClock makes the emulator clock tick with the wall clock from
	// Start. By default it stands still and moves only through Advance and
	// SetNow, so tests are deterministic.
	RealTimeClock bool
	// Seed drives every random choice: Seed's units, fault probabilities
	// and the order of $batch responses. Zero is a valid seed.
	Seed uint64
	// StrictAuth rejects opaque (non-JWT) bearer tokens with 401. By
	// default an opaque token counts as a delegated token with
	// BackupRestore-Configuration.ReadWrite.All, so curl and other clients
	// can use any string.
	StrictAuth bool
	// TokenVerifier, when set, judges every bearer token before anything
	// else reads it: a token it rejects gets 401 InvalidAuthenticationToken
	// with the error's text (which must not contain the token), opaque
	// tokens included. cmd/emulator -identity -strict-auth sets it to the
	// emulated Entra ID's identity.Provider.Verify, so that only tokens
	// that provider signed are accepted. Nil (the default) checks no
	// signature.
	TokenVerifier func(token string) error
	// MaxRecordedRequests bounds Requests' log (default
	// DefaultMaxRecordedRequests); the oldest entries are dropped first. A
	// negative value turns recording off.
	MaxRecordedRequests int
	// RuleDelay is how long an inclusion rule stays active (after create
	// or run), updateRequested or deleteRequested before the emulator
	// applies it, on its clock (default DefaultRuleDelay, 2 minutes).
	RuleDelay time.Duration
	// JobDelay is how long a bulk addition job stays active before its
	// items are added, on the emulator's clock (default DefaultJobDelay, 5
	// minutes).
	JobDelay time.Duration
	// MaxJobItems is the most items one bulk addition job may name; more
	// fail with 413 ProtectionUnitsLimitBreached (default
	// DefaultMaxJobItems, 50,000: the documented size of the admin
	// centre's CSV).
	MaxJobItems int
	// OneActivePolicyPerWorkload makes a policy create fail with 409
	// PolicyCreationNotAllowed while a policy of the same workload is not
	// inactive (the activate page's "only one active policy per workload";
	// by default the emulator follows the product page: many policies).
	OneActivePolicyPerWorkload bool
	// Throttle, when not nil, turns on the throttling model: token buckets
	// per app, tenant and app+tenant, one token per request or $batch
	// item, 429 with Retry-After when one is empty (see ThrottleOptions
	// and Server.SetThrottle). Nil (the default) never throttles.
	// NewServer panics when it is invalid (see ThrottleOptions.Validate),
	// like AddFault: a bug in the test.
	Throttle *ThrottleOptions
}

// withDefaults returns a copy of o (nil allowed) with defaults filled in.
func (o *Options) withDefaults() Options {
	var v Options
	if o != nil {
		v = *o
	}
	if v.PageSize <= 0 {
		v.PageSize = DefaultPageSize
	}
	if v.GracePeriod <= 0 {
		v.GracePeriod = DefaultGracePeriod
	}
	if v.CancelDelay <= 0 {
		v.CancelDelay = DefaultCancelDelay
	}
	v.lifecycleDefaults()
	if v.Start.IsZero() {
		v.Start = DefaultStart
	}
	v.Start = v.Start.UTC()
	if v.MaxRecordedRequests == 0 {
		v.MaxRecordedRequests = DefaultMaxRecordedRequests
	}
	return v
}

// entry is a stored unit plus its bookkeeping.
type entry struct {
	u Unit
	// gen changes whenever the unit's status changes, so timers armed for
	// an older status are ignored.
	gen uint64
}

// Server is the emulator: an http.Handler serving the protection-unit API
// under /v1.0, with its state in memory. Create it with NewServer; it is
// safe for concurrent use.
type Server struct {
	opts Options
	// st is the state, with its one lock.
	st *store
	// tokens caches parsed bearer tokens.
	tokens tokenCache
	// throttle is the throttling model, with its own lock.
	throttle throttler
	// log is the request log, with its own lock.
	log requestLog
}

// NewServer returns an empty emulator configured by opts (nil for the
// defaults). Add units with AddUnit or Seed.
func NewServer(opts *Options) *Server {
	s := &Server{opts: opts.withDefaults()}
	if err := s.opts.Throttle.Validate(); err != nil {
		panic(err)
	}
	s.st = newStore(&s.opts)
	s.throttle.reset(s.opts.Throttle)
	return s
}

// Reset returns the emulator to its initial state: no units, no faults, no
// recorded requests or transitions, the clock back at Options.Start,
// every random stream restarted from Options.Seed, and the throttling
// model back at Options.Throttle with full buckets and no counts.
func (s *Server) Reset() {
	s.st.reset()
	s.throttle.reset(s.opts.Throttle)
	s.log.reset()
}

// Options returns the options the server runs with, defaults filled in.
func (s *Server) Options() Options { return s.opts }

// Client returns an *http.Client whose transport is Transport: requests to
// any host are served in-process. Use it with DefaultBaseURL.
func (s *Server) Client() *http.Client { return &http.Client{Transport: s.Transport()} }

// AddUnit stores u after filling in its defaults (see Unit). It fails when
// the ID is invalid or already used, the kind or status is unknown, or the
// unit names an existing policy of another workload (a policy the emulator
// does not have is allowed). A
// unit added in offboardRequested becomes offboarded GracePeriod after its
// OffboardRequestedDateTime; one in cancelOffboardRequested becomes
// unprotected CancelDelay after its LastModifiedDateTime.
func (s *Server) AddUnit(u Unit) error { return s.st.addUnit(u) }

// addLocked is AddUnit with the lock held and the timers applied.
func (st *store) addLocked(u Unit) error {
	u = u.clone()
	if err := u.normalize(st.clock.now()); err != nil {
		return err
	}
	if _, dup := st.units[u.ID]; dup {
		return &duplicateError{id: u.ID}
	}
	if err := st.checkPolicyRefLocked(&u); err != nil {
		return err
	}
	e := &entry{u: u}
	st.units[u.ID] = e
	st.sorted = nil
	st.armLocked(e)
	return nil
}

// duplicateError is AddUnit's error for an ID already in use.
type duplicateError struct{ id string }

// Error implements error.
func (e *duplicateError) Error() string {
	return "fake: a unit with ID " + quote(e.id) + " already exists"
}

// Unit returns a copy of the unit with this ID, after applying any timer
// that is due on the emulator's clock.
func (s *Server) Unit(id string) (Unit, bool) { return s.st.unit(id) }

// Units returns copies of every unit, sorted by ID.
func (s *Server) Units() []Unit { return s.st.allUnits() }

// Len returns the number of units.
func (s *Server) Len() int { return s.st.unitCount() }

// UpdateUnit changes the unit with this ID through fn and returns the
// result: a way to set up a test (say, remove a unit from its policy) or to
// play the service's part. The ID and kind cannot change. A status change
// is recorded as a transition with CauseUpdate and re-arms the timers. It
// fails, changing nothing, for an unknown ID or when the result is not a
// valid unit (see AddUnit).
func (s *Server) UpdateUnit(id string, fn func(u *Unit)) (Unit, error) {
	return s.st.updateUnit(id, fn)
}

// updateLocked is UpdateUnit with the lock held and the timers applied.
func (st *store) updateLocked(id string, fn func(u *Unit)) (Unit, error) {
	e, ok := st.units[id]
	if !ok {
		return Unit{}, &notFoundError{id: id}
	}
	u := e.u.clone()
	fn(&u)
	u.ID, u.Kind = e.u.ID, e.u.Kind
	if err := u.normalize(st.clock.now()); err != nil {
		return Unit{}, err
	}
	if err := st.checkPolicyRefLocked(&u); err != nil {
		return Unit{}, err
	}
	from := e.u.Status
	e.u = u
	if from != u.Status {
		st.transitionLocked(e, from, u.Status, st.clock.now(), CauseUpdate, "", false, u.PolicyID)
	} else {
		e.gen++ // the times may have changed: re-arm
		st.armLocked(e)
	}
	st.fireTimersLocked()
	return e.u.clone(), nil
}

// notFoundError is UpdateUnit's error for an unknown ID.
type notFoundError struct{ id string }

// Error implements error.
func (e *notFoundError) Error() string { return "fake: no unit with ID " + quote(e.id) }

// RemoveUnit deletes the unit with this ID and reports whether it existed.
// Its transitions stay in the log.
func (s *Server) RemoveUnit(id string) bool { return s.st.removeUnit(id) }

// sortedLocked returns the cached ascending ID slice, rebuilding it if stale.
func (st *store) sortedLocked() []string {
	if st.sorted == nil {
		ids := make([]string, 0, len(st.units))
		for id := range st.units {
			ids = append(ids, id)
		}
		sortStrings(ids)
		st.sorted = ids
	}
	return st.sorted
}

// timer is a pending status change of one unit.
type timer struct {
	at  time.Time
	id  string
	gen uint64
}

// timerHeap is a min-heap of timers by deadline.
type timerHeap []timer

// Len, Less, Swap, Push and Pop implement heap.Interface.
func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h timerHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)        { *h = append(*h, x.(timer)) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

// pushTimer arms a timer.
func (st *store) pushTimer(t timer) { heap.Push(&st.timers, t) }
