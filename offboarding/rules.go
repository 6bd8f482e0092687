package offboarding

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/models"
)

// This file is what a run does with units protected by a dynamic inclusion
// rule: it names the rule (from the policy's rules and the unit's
// protectionSources) and the ways out, and, with Options.ViaRules, deletes
// the rule with deleteAndUnprotect, its blast radius in Results.RuleChanges,
// then waits for the rule to go and reads the units again.

// policyRules is what a run learnt of one policy's dynamic rules.
type policyRules struct {
	rules []*models.ProtectionRule
	// dynUnits are the IDs of the policy's units that carry dynamicRule.
	dynUnits []string
	err      error
}

// ruleUnits returns the open units the rules concern: skipped for a dynamic
// rule, or pending at the rule change.
func (st *state) ruleUnits() []*unit {
	var out []*unit
	for _, u := range st.open() {
		if u.next == StageRuleChange && u.res.Outcome == OutcomePending {
			out = append(out, u)
		}
	}
	for _, u := range st.order {
		if u.res.Outcome == OutcomeSkipped && u.res.Reason == ReasonDynamicRule {
			out = append(out, u)
		}
	}
	return out
}

// loadPolicyRules lists a policy's dynamic rules and its units that carry
// dynamicRule.
func (st *state) loadPolicyRules(ctx context.Context, policyID string) policyRules {
	var pr policyRules
	pol := st.r.c.ProtectionPolicies().ByID(policyID)
	for r, err := range pol.InclusionRules().All(ctx, nil) {
		if err != nil {
			pr.err = err
			return pr
		}
		if r.IsDynamic() || r.Status == models.RuleStatusDeleteRequested {
			pr.rules = append(pr.rules, r)
		}
	}
	for u, err := range pol.Units(ctx, nil) {
		if err != nil {
			pr.err = err
			return pr
		}
		if u.ProtectionSources.Has(models.SourceDynamicRule) {
			pr.dynUnits = append(pr.dynUnits, u.ID)
		}
	}
	return pr
}

// analyseRules names, for every unit protected by a dynamic rule, its
// policy's dynamic rules and the ways out, and, with ViaRules, the rule
// changes with their blast radius (a unit whose rule cannot be told apart
// is skipped, ReasonRuleAmbiguous).
func (st *state) analyseRules(ctx context.Context) error {
	units := st.ruleUnits()
	if len(units) == 0 {
		return nil
	}
	byPolicy := map[string]policyRules{}
	for _, u := range units {
		pid := u.res.Unit.PolicyID
		if _, ok := byPolicy[pid]; !ok {
			byPolicy[pid] = st.loadPolicyRules(ctx, pid)
		}
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
	}
	inRun := map[string]bool{}
	for _, u := range st.order {
		inRun[u.res.ID] = true
	}
	changes := map[string]int{} // rule ID → index in RuleChanges
	var entries []Entry
	for _, u := range units {
		pr := byPolicy[u.res.Unit.PolicyID]
		u.res.Rules = pr.rules
		detail := describeRules(pr)
		if u.next != StageRuleChange {
			u.res.Detail = detail
			continue
		}
		if pr.err != nil || len(pr.rules) != 1 {
			u.next = 0
			u.set(StageRead, OutcomeSkipped, ReasonRuleAmbiguous, detail, pr.err)
			entries = append(entries, st.entry(u, StageRead, false))
			continue
		}
		r := pr.rules[0]
		i, ok := changes[r.ID]
		if !ok {
			rc := RuleChange{PolicyID: u.res.Unit.PolicyID, Rule: r, Unprotects: pr.dynUnits}
			for _, id := range pr.dynUnits {
				if inRun[id] {
					rc.InRun = append(rc.InRun, id)
				} else {
					rc.Others = append(rc.Others, id)
				}
			}
			st.out.RuleChanges = append(st.out.RuleChanges, rc)
			i = len(st.out.RuleChanges) - 1
			changes[r.ID] = i
		}
		rc := st.out.RuleChanges[i]
		u.res.Detail = fmt.Sprintf("deleteAndUnprotect rule %s %s unprotects %d units of policy %s, %d of them outside this run",
			r.ID, r.Expression(), len(rc.Unprotects), rc.PolicyID, len(rc.Others))
	}
	return st.record(ctx, entries...)
}

// describeRules names a policy's dynamic rules and the ways out of them.
func describeRules(pr policyRules) string {
	switch {
	case pr.err != nil:
		return "its policy's rules could not be read (" + pr.err.Error() + ")"
	case len(pr.rules) == 0:
		return "its policy has no dynamic rule left (the rule may be being deleted)"
	}
	var b strings.Builder
	if len(pr.rules) == 1 {
		r := pr.rules[0]
		fmt.Fprintf(&b, "rule %s %s", r.ID, r.Expression())
	} else {
		fmt.Fprintf(&b, "one of %d dynamic rules", len(pr.rules))
		for _, r := range pr.rules {
			fmt.Fprintf(&b, " %s %s;", r.ID, r.Expression())
		}
	}
	fmt.Fprintf(&b, "; the ways out are to remove the person or site from what the rule selects (its groups), to edit the rule's expression, "+
		"or to deleteAndUnprotect the rule, which unprotects all %d dynamic-rule units of the policy (Options.ViaRules)", len(pr.dynUnits))
	return b.String()
}

// ruleStage performs the rule changes (ViaRules): each rule's
// deleteAndUnprotect, journaled on each unit of the run it frees, then a
// wait until the rule is gone, then a read of those units, which plans
// them afresh (removal, offboarding).
func (st *state) ruleStage(ctx context.Context) error {
	units := st.pendingAt(StageRuleChange)
	if len(units) == 0 {
		return nil
	}
	st.enter(StageRuleChange, units)
	var freed []*unit
	for i := range st.out.RuleChanges {
		rc := &st.out.RuleChanges[i]
		var its []*unit
		for _, u := range units {
			if slices.Contains(rc.InRun, u.res.ID) {
				its = append(its, u)
			}
		}
		if len(its) == 0 {
			continue
		}
		var intents []Entry
		now := time.Now()
		for _, u := range its {
			if _, inDoubt := u.intents.get(StageRuleChange); !inDoubt {
				u.intents.set(StageRuleChange, now)
			}
			intents = append(intents, st.entry(u, StageRuleChange, true))
		}
		if err := st.record(ctx, intents...); err != nil {
			return err
		}
		rule := st.r.c.ProtectionPolicies().ByID(rc.PolicyID).InclusionRules().ByID(rc.Rule.ID)
		var err error
		if rc.Rule.Status != models.RuleStatusDeleteRequested {
			// Not sent again when the rule is already being deleted (a
			// resume after the change was applied).
			_, err = rule.DeleteAndUnprotect(ctx)
		}
		// A resume whose earlier process sent the change finds the rule
		// being deleted, or gone.
		sentAt, _ := its[0].intents.get(StageRuleChange)
		resumed := !sentAt.Equal(now)
		switch {
		case err == nil,
			errors.Is(err, backuprestore.ErrRuleStateNotAllowed) && rc.Rule.Status == models.RuleStatusDeleteRequested,
			errors.Is(err, backuprestore.ErrNotFound) && resumed:
			rc.Done = true
		case errors.Is(err, backuprestore.ErrOutcomeUnknown):
			rc.Err = err
			for _, u := range its {
				u.set(StageRuleChange, OutcomeUnknown, ReasonInDoubt, "", err)
			}
			continue
		default:
			rc.Err = err
			for _, u := range its {
				if serr := st.settle(ctx, u, StageRuleChange, OutcomeFailed, ReasonViaRule, u.res.Detail, err); serr != nil {
					return serr
				}
			}
			continue
		}
		for _, u := range its {
			u.applied[StageRuleChange.index()] = true
		}
		if err := st.waitRuleGone(ctx, rule); err != nil {
			for _, u := range its {
				u.set(StageRuleChange, OutcomePending, ReasonStillWaiting, "the rule is still being deleted", err)
			}
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			continue
		}
		for _, u := range its {
			u.set(StageRuleChange, OutcomePending, ReasonRuleUnprotected, u.res.Detail, nil)
			if err := st.settle(ctx, u, StageRuleChange, OutcomePending, ReasonRuleUnprotected, u.res.Detail, nil); err != nil {
				return err
			}
			freed = append(freed, u)
		}
	}
	if len(freed) == 0 {
		return nil
	}
	return st.read(ctx, freed)
}

// waitRuleGone polls the rule until the service has deleted it, spaced
// like the run's other waits; WaitTimeout ends it with ErrWaitTimedOut.
func (st *state) waitRuleGone(ctx context.Context, rule *backuprestore.InclusionRuleItemRequestBuilder) error {
	o := st.r.opts
	delay := o.PollInterval
	if delay <= 0 {
		delay = backuprestore.DefaultPollInterval
	}
	maxDelay := o.MaxPollInterval
	if maxDelay <= 0 {
		maxDelay = backuprestore.DefaultMaxPollInterval
	}
	var deadline <-chan time.Time
	if o.WaitTimeout > 0 {
		t := time.NewTimer(o.WaitTimeout)
		defer t.Stop()
		deadline = t.C
	}
	for {
		_, err := rule.Get(ctx)
		switch {
		case errors.Is(err, backuprestore.ErrNotFound):
			return nil
		case ctx.Err() != nil:
			return context.Cause(ctx)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return context.Cause(ctx)
		case <-deadline:
			t.Stop()
			return fmt.Errorf("offboarding: wait for rule %s to be deleted: %w", rule.ID(), backuprestore.ErrWaitTimedOut)
		case <-t.C:
		}
		delay = min(delay+delay/2, maxDelay)
	}
}
