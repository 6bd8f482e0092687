package fake

import (
	"math/rand/v2"
	"sync"
	"time"

	"github.com/m365kit/backuprestore/models"
)

// store is the emulator's state and its one lock: units, policies, the
// service status and the settings that change while it runs, timers,
// transitions, faults, the clock and the seeded random streams. Nothing
// outside this file takes mu: every read or change of the state is one of
// the methods below, which lock, apply the timers that are due, call the
// concept's xxxLocked helper (in the concept's own file) and unlock. The
// throttling model (throttler), the request log (requestLog) and the token
// cache (tokenCache) are self-contained and keep their own locks.
type store struct {
	// opts are the server's options, defaults filled in; read-only.
	opts *Options

	mu    sync.Mutex
	clock clock
	units map[string]*entry
	// sorted caches the unit IDs in ascending order; nil when stale.
	sorted      []string
	timers      timerHeap
	transitions []Transition
	byUnit      map[string][]int // indexes into transitions
	faults      []*faultState
	nextFaultID FaultID
	faultRand   *rand.Rand
	orderRand   *rand.Rand
	seedRand    *rand.Rand
	seeded      int
	// life holds the policies, the service status and the lifecycle
	// settings.
	life lifecycleState
	// protection holds the rules, the jobs, the tenant's directory and the
	// policies' activations (protection.go); nil until first used.
	protection *protState
}

// newStore returns the initial state for these options.
func newStore(o *Options) *store {
	st := &store{opts: o}
	st.resetLocked()
	return st
}

// resetLocked (re)initialises all state; the caller holds mu or owns st.
func (st *store) resetLocked() {
	o := st.opts
	st.clock = newClock(o.Start, o.RealTimeClock)
	st.units = make(map[string]*entry)
	st.sorted = nil
	st.timers = nil
	st.transitions = nil
	st.byUnit = make(map[string][]int)
	st.faults = nil
	st.nextFaultID = 0
	st.faultRand = rand.New(rand.NewPCG(o.Seed, 0xfa0175eed))
	st.orderRand = rand.New(rand.NewPCG(o.Seed, 0xba7c4))
	st.seedRand = rand.New(rand.NewPCG(o.Seed, 0x5eed))
	st.seeded = 0
	st.life.reset(o)
	st.protection = nil
}

// reset returns the state to its initial value.
func (st *store) reset() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.resetLocked()
}

// lockDue takes the lock and applies the timers that are due; the caller
// unlocks.
func (st *store) lockDue() {
	st.mu.Lock()
	st.fireTimersLocked()
	st.fireProtectionLocked()
}

// --- the clock ---

// now reads the emulator's clock.
func (st *store) now() time.Time {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.clock.now()
}

// advance moves the clock by d, applies the timers due and returns the new
// time.
func (st *store) advance(d time.Duration) time.Time {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.clock.set(st.clock.now().Add(d))
	st.fireTimersLocked()
	st.fireProtectionLocked()
	return st.clock.now()
}

// setNow sets the clock to t and applies the timers due by then.
func (st *store) setNow(t time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.clock.set(t)
	st.fireTimersLocked()
	st.fireProtectionLocked()
}

// --- units ---

// addUnit stores u (see Server.AddUnit).
func (st *store) addUnit(u Unit) error {
	st.lockDue()
	defer st.mu.Unlock()
	return st.addLocked(u)
}

// unit returns a copy of the unit with this ID.
func (st *store) unit(id string) (Unit, bool) {
	st.lockDue()
	defer st.mu.Unlock()
	e, ok := st.units[id]
	if !ok {
		return Unit{}, false
	}
	return e.u.clone(), true
}

// allUnits returns copies of every unit, sorted by ID.
func (st *store) allUnits() []Unit {
	st.lockDue()
	defer st.mu.Unlock()
	ids := st.sortedLocked()
	out := make([]Unit, len(ids))
	for i, id := range ids {
		out[i] = st.units[id].u.clone()
	}
	return out
}

// unitCount returns the number of units.
func (st *store) unitCount() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.units)
}

// updateUnit changes a unit through fn (see Server.UpdateUnit).
func (st *store) updateUnit(id string, fn func(u *Unit)) (Unit, error) {
	st.lockDue()
	defer st.mu.Unlock()
	return st.updateLocked(id, fn)
}

// removeUnit deletes a unit and reports whether it existed.
func (st *store) removeUnit(id string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.units[id]; !ok {
		return false
	}
	delete(st.units, id)
	st.sorted = nil
	return true
}

// seed adds n realistic units (see Server.Seed).
func (st *store) seed(n int) []Unit {
	st.lockDue()
	defer st.mu.Unlock()
	return st.seedLocked(n)
}

// applyAction runs offboard or cancelOffboard on a unit that admits
// accepts (a cast's kind) and returns a copy of it, or the service's
// refusal (404 for a unit that does not exist or is of another kind).
func (st *store) applyAction(id string, admits func(*Unit) bool, op Route, who IdentitySet, requestID string, inBatch bool) (Unit, *actionError) {
	st.lockDue()
	defer st.mu.Unlock()
	if e, ok := st.units[id]; ok && !admits(&e.u) {
		return Unit{}, notFound(id)
	}
	return st.applyActionLocked(id, op, who, requestID, inBatch)
}

// appendUnitJSON appends the unit with this ID, rendered by v with
// @odata.context ctx, when it exists and admits accepts it.
func (st *store) appendUnitJSON(b []byte, id string, admits func(*Unit) bool, v *view, ctx string) ([]byte, bool) {
	st.lockDue()
	defer st.mu.Unlock()
	e, ok := st.units[id]
	if !ok || !admits(&e.u) {
		return b, false
	}
	return appendUnit(b, &e.u, v, ctx), true
}

// appendUnitList appends the members of a unit listing after its
// @odata.context: @odata.count, @odata.nextLink and the page's value.
func (st *store) appendUnitList(b []byte, l *unitListing) []byte {
	st.lockDue()
	defer st.mu.Unlock()
	return st.appendUnitListLocked(b, l)
}

// countUnits returns how many units match.
func (st *store) countUnits(match func(*Unit) bool) int {
	st.lockDue()
	defer st.mu.Unlock()
	n := 0
	for _, e := range st.units {
		if match(&e.u) {
			n++
		}
	}
	return n
}

// --- policies ---

// addPolicy stores p (see Server.AddPolicy).
func (st *store) addPolicy(p Policy) (Policy, error) {
	st.lockDue()
	defer st.mu.Unlock()
	return st.addPolicyLocked(p)
}

// policy returns a copy of a policy, its status derived.
func (st *store) policy(id string) (Policy, bool) {
	st.lockDue()
	defer st.mu.Unlock()
	p, ok := st.life.policies[id]
	if !ok {
		return Policy{}, false
	}
	return policyCopy(p, st.policyStatusLocked(id)), true
}

// allPolicies returns copies of every policy, sorted by ID.
func (st *store) allPolicies() []Policy {
	st.lockDue()
	defer st.mu.Unlock()
	return st.policiesLocked()
}

// updatePolicy changes a policy through fn (see Server.UpdatePolicy).
func (st *store) updatePolicy(id string, fn func(p *Policy)) (Policy, error) {
	st.lockDue()
	defer st.mu.Unlock()
	return st.updatePolicyLocked(id, fn)
}

// seedPolicies creates Seed's six policies once and returns every policy.
func (st *store) seedPolicies() []Policy {
	st.lockDue()
	defer st.mu.Unlock()
	st.seedPoliciesLocked(st.clock.now())
	return st.policiesLocked()
}

// policyExists reports whether a policy with this ID and kind exists.
func (st *store) policyExists(id string, k models.PolicyKind) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	p, ok := st.life.policies[id]
	return ok && p.Kind == k
}

// appendPolicyJSON appends the policy with this ID (of kind k, unless k is
// models.PolicyKindUnknown), its properties as sel selects, with
// @odata.context ctx, when it exists.
func (st *store) appendPolicyJSON(b []byte, id string, k models.PolicyKind, sel *policySelect, ctx string) ([]byte, bool) {
	st.lockDue()
	defer st.mu.Unlock()
	p, ok := st.life.policies[id]
	if !ok || (k != models.PolicyKindUnknown && p.Kind != k) {
		return b, false
	}
	c := st.countsLocked(id)
	return append(appendPolicy(b, p, &policyView{status: c.status(), counts: c, sel: sel}, ctx), '}'), true
}

// appendPolicyList appends the members of a policy listing after its
// @odata.context.
func (st *store) appendPolicyList(b []byte, l *policyListing) []byte {
	st.lockDue()
	defer st.mu.Unlock()
	return st.appendPolicyListLocked(b, l)
}

// countPolicies returns how many policies a $count of l counts.
func (st *store) countPolicies(l *policyListing) int {
	st.lockDue()
	defer st.mu.Unlock()
	return st.countPoliciesLocked(l)
}

// patchPolicy applies a parsed policy PATCH and renders its answer, or
// returns the whole-request error (nothing applied).
func (st *store) patchPolicy(req *deltaRequest, pc *patchCall) ([]byte, *graphError) {
	st.lockDue()
	defer st.mu.Unlock()
	return st.patchPolicyLocked(req, pc)
}

// --- the service status and the settings ---

// serviceStatus returns a copy of the service status.
func (st *store) serviceStatus() ServiceStatus {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.life.service.clone()
}

// updateServiceStatus changes the service status through fn (see
// Server.UpdateServiceStatus).
func (st *store) updateServiceStatus(fn func(s *ServiceStatus)) (ServiceStatus, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.updateServiceStatusLocked(fn)
}

// setRemovalDelay sets the delay of the removals requested from now on.
func (st *store) setRemovalDelay(d time.Duration) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.life.removalDelay = d
}

// removalDelay returns the delay of a removal requested now.
func (st *store) removalDelay() time.Duration {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.life.removalDelay
}

// setDeltaShape sets how policy PATCHes report failed items.
func (st *store) setDeltaShape(d DeltaErrorShape) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.life.deltaShape = d
}

// deltaShape returns how policy PATCHes report failed items.
func (st *store) deltaShape() DeltaErrorShape {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.life.deltaShape
}

// --- faults ---

// addFault stores a validated fault and returns its ID.
func (st *store) addFault(f Fault) FaultID {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.nextFaultID++
	st.faults = append(st.faults, &faultState{id: st.nextFaultID, f: f})
	return st.nextFaultID
}

// removeFault removes a fault and reports whether it existed.
func (st *store) removeFault(id FaultID) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	for i, fs := range st.faults {
		if fs.id == id {
			st.faults = append(st.faults[:i], st.faults[i+1:]...)
			return true
		}
	}
	return false
}

// clearFaults removes every fault.
func (st *store) clearFaults() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.faults = nil
}

// faultHits returns how many times a fault has applied.
func (st *store) faultHits(id FaultID) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, fs := range st.faults {
		if fs.id == id {
			return fs.hits
		}
	}
	return 0
}

// pickFaults returns the total latency and the first other fault (nil if
// none) that apply to a request, counting them as applied.
func (st *store) pickFaults(route Route, unitID, policyID string, inBatch bool) (time.Duration, *Fault) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.pickFaultsLocked(route, unitID, policyID, inBatch)
}

// --- inspection and $batch ---

// transitionsOf returns the transitions of one unit, oldest first.
func (st *store) transitionsOf(id string) []Transition {
	st.lockDue()
	defer st.mu.Unlock()
	idx := st.byUnit[id]
	out := make([]Transition, len(idx))
	for i, j := range idx {
		out[i] = st.transitions[j]
	}
	return out
}

// allTransitions returns every transition, oldest first.
func (st *store) allTransitions() []Transition {
	st.lockDue()
	defer st.mu.Unlock()
	return append([]Transition(nil), st.transitions...)
}

// forgetTransitions empties the transition log.
func (st *store) forgetTransitions() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.transitions = nil
	st.byUnit = make(map[string][]int)
}

// permutation draws a permutation of n from the response-order stream.
func (st *store) permutation(n int) []int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.orderRand.Perm(n)
}
