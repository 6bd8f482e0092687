package faultproxy

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Rule chooses a fault for the requests it matches. For each request the
// proxy considers its rules in the order they were added and applies the
// first one that matches, is not used up and wins its probability draw; a
// request no rule takes is forwarded unchanged (None).
type Rule struct {
	// Match selects the requests the rule applies to; nil matches every
	// request. It is called with the request's line and headers read (its
	// body not yet), while the proxy's lock is held: it must be quick, must
	// not read the body and must not call the Proxy's methods.
	Match func(*http.Request) bool
	// Kind is the fault to inject. None is allowed: it lets the matching
	// requests through and shields them from the rules after it.
	Kind Kind
	// Probability, in [0, 1], is the chance that a matching request gets
	// the fault; 0 (and 1) mean always. Draws come from the proxy's seeded
	// source (Options.Seed) and are made only for rules with 0 < p < 1
	// that match and are not used up, so the same requests in the same
	// order get the same faults.
	Probability float64
	// Count is how many requests the rule applies to before it is used up;
	// 0 means unlimited.
	Count int
	// Stall is how long Stall and StallBeforeForward hold the request; 0
	// means Options.Stall, and when that is 0 too, until the client gives
	// up. Other kinds ignore it.
	Stall time.Duration
}

// RuleID identifies a rule added with Proxy.AddRule.
type RuleID int

// ErrInvalidRule is wrapped by the error AddRule returns for a rule it
// cannot use.
var ErrInvalidRule = errors.New("faultproxy: invalid rule")

// validate returns an error wrapping ErrInvalidRule when r cannot be used.
func (r *Rule) validate() error {
	switch {
	case !r.Kind.valid():
		return fmt.Errorf("%w: unknown kind %v", ErrInvalidRule, r.Kind)
	case math.IsNaN(r.Probability) || r.Probability < 0 || r.Probability > 1:
		return fmt.Errorf("%w: probability %v is not in [0, 1]", ErrInvalidRule, r.Probability)
	case r.Count < 0:
		return fmt.Errorf("%w: negative count %d", ErrInvalidRule, r.Count)
	case r.Stall < 0:
		return fmt.Errorf("%w: negative stall %v", ErrInvalidRule, r.Stall)
	}
	return nil
}

// ruleState is a rule with its bookkeeping.
type ruleState struct {
	Rule
	id   RuleID
	hits int
}

// AddRule appends r to the proxy's rules and returns its ID. It fails,
// with an error wrapping ErrInvalidRule and no rule added, when r's Kind is
// not one of the constants, its Probability is outside [0, 1] or NaN, or
// its Count or Stall is negative. The rule applies to requests read after
// AddRule returns.
func (p *Proxy) AddRule(r Rule) (RuleID, error) {
	if err := r.validate(); err != nil {
		return 0, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.nextRule++
	p.rules = append(p.rules, &ruleState{Rule: r, id: p.nextRule})
	return p.nextRule, nil
}

// RemoveRule removes the rule with this ID and reports whether it was
// there. A request already given the rule's fault keeps it.
func (p *Proxy) RemoveRule(id RuleID) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, rs := range p.rules {
		if rs.id == id {
			p.rules = append(p.rules[:i:i], p.rules[i+1:]...)
			return true
		}
	}
	return false
}

// ClearRules removes every rule; from then on requests are forwarded
// unchanged.
func (p *Proxy) ClearRules() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = nil
}

// RuleHits returns how many requests the rule with this ID has been
// applied to, and 0 for an unknown or removed rule.
func (p *Proxy) RuleHits(id RuleID) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, rs := range p.rules {
		if rs.id == id {
			return rs.hits
		}
	}
	return 0
}

// decision is the fate of one request.
type decision struct {
	kind  Kind
	rule  RuleID // 0: no rule
	stall time.Duration
}

// decideLocked picks the fate of req from the rules; p.mu is held.
func (p *Proxy) decideLocked(req *http.Request) decision {
	for _, rs := range p.rules {
		if rs.Count > 0 && rs.hits >= rs.Count {
			continue
		}
		if rs.Match != nil && !rs.Match(req) {
			continue
		}
		if rs.Probability > 0 && rs.Probability < 1 && p.rng.Float64() >= rs.Probability {
			continue
		}
		rs.hits++
		d := decision{kind: rs.Kind, rule: rs.id, stall: rs.Stall}
		if d.stall == 0 {
			d.stall = p.opts.Stall
		}
		return d
	}
	return decision{}
}

// MatchPath matches requests whose raw path (with its query) contains
// substr; the empty string matches every request.
func MatchPath(substr string) func(*http.Request) bool {
	return func(r *http.Request) bool { return strings.Contains(r.RequestURI, substr) }
}

// MatchMethod matches requests whose method is m, compared
// case-sensitively as HTTP requires ("POST", not "post").
func MatchMethod(m string) func(*http.Request) bool {
	return func(r *http.Request) bool { return r.Method == m }
}

// And matches requests that every one of matchers matches; nil entries
// count as matching, and And() matches every request.
func And(matchers ...func(*http.Request) bool) func(*http.Request) bool {
	matchers = slices.Clone(matchers)
	return func(r *http.Request) bool {
		for _, m := range matchers {
			if m != nil && !m(r) {
				return false
			}
		}
		return true
	}
}
