package offboarding_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
	"github.com/m365kit/backuprestore/offboarding"
)

// ruleRig is an Exchange policy with a dynamic rule over a group of four
// people (one of them also added by hand) and two manual units; the run
// is given two of the rule's units, the hand-added one and a manual unit.
type ruleRig struct {
	*rig
	policy, rule string
	ruleUnits    []string // the units the rule protects
	manual       string   // a unit only added by hand
	both         string   // a unit added by hand and by the rule
	ids          []string // the run's units
}

func newRuleRig(t *testing.T) *ruleRig {
	t.Helper()
	srv := fake.NewServer(&fake.Options{RealTimeClock: true, RemovalDelay: 100 * time.Millisecond,
		ProtectDelay: 20 * time.Millisecond, RuleDelay: 50 * time.Millisecond})
	c := clientOn(t, srv, nil)
	ctx := t.Context()
	_, users := srv.SeedDirectory(6)
	const group = "0f0e0d0c-0b0a-0908-0706-050403020100"
	require.NoError(t, srv.AddGroup(fake.Group{ID: group, DisplayName: "Sales", Members: []string{users[0].ID, users[1].ID, users[2].ID, users[3].ID}}))
	pol, err := c.ProtectionPolicies().Exchange().Create(ctx, models.NewExchangePolicy("Sales", users[3].ID, users[4].ID))
	require.NoError(t, err)
	_, err = c.ProtectionPolicies().ByID(pol.ID).Activate(ctx)
	require.NoError(t, err)
	r, err := c.ProtectionPolicies().ByID(pol.ID).InclusionRules().Create(ctx, models.NewInclusionRule(models.KindMailbox, "(memberOf -any (group.id -in ['"+group+"']))", true))
	require.NoError(t, err)
	rr := &ruleRig{rig: &rig{srv: srv, c: c}, policy: pol.ID, rule: r.ID}
	require.Eventually(t, func() bool {
		got, err := c.InclusionRules().Mailboxes().ByID(r.ID).Get(ctx)
		return err == nil && got.Status == models.RuleStatusCompleted
	}, 5*time.Second, 10*time.Millisecond)
	for _, u := range srv.Units() {
		if u.PolicyID != pol.ID {
			continue
		}
		switch u.DirectoryObjectID {
		case users[3].ID:
			rr.both = u.ID
		case users[4].ID:
			rr.manual = u.ID
		default:
			rr.ruleUnits = append(rr.ruleUnits, u.ID)
		}
	}
	slices.Sort(rr.ruleUnits)
	require.Len(t, rr.ruleUnits, 3)
	rr.ids = []string{rr.ruleUnits[0], rr.ruleUnits[1], rr.both, rr.manual}
	return rr
}

func resultOf(res *offboarding.Results, id string) offboarding.Result {
	for _, u := range res.Units {
		if u.ID == id {
			return u
		}
	}
	return offboarding.Result{}
}

// Without ViaRules nothing about rules changes: the rule's units are
// skipped, the result naming the rule and the ways out; the manual unit is
// offboarded.
func TestRunNamesTheRuleAndChangesNothingWithoutViaRules(t *testing.T) {
	t.Parallel()
	rr := newRuleRig(t)
	res, err := offboarding.New(rr.c, fast(offboarding.Options{})).Offboard(t.Context(), rr.ids)
	require.NoError(t, err)
	for _, id := range []string{rr.ruleUnits[0], rr.ruleUnits[1], rr.both} {
		r := resultOf(res, id)
		require.Equal(t, offboarding.OutcomeSkipped, r.Outcome, id)
		require.Equal(t, offboarding.ReasonDynamicRule, r.Reason)
		require.Contains(t, r.Detail, rr.rule)
		require.Contains(t, r.Detail, "the ways out")
		require.Contains(t, r.Detail, "4 dynamic-rule units")
		require.Len(t, r.Rules, 1)
		require.Equal(t, rr.rule, r.Rules[0].ID)
	}
	require.Equal(t, offboarding.OutcomeDone, resultOf(res, rr.manual).Outcome)
	require.Empty(t, res.RuleChanges)
	got, err := rr.c.InclusionRules().Mailboxes().ByID(rr.rule).Get(t.Context())
	require.NoError(t, err, "the rule is untouched")
	require.Equal(t, models.RuleStatusCompleted, got.Status)
	for _, q := range rr.srv.Requests() {
		require.NotEqual(t, fake.RouteRuleDeleteAndUnprotect, q.Route)
	}
}

// A dry run with ViaRules shows the rule change and its blast radius
// (every unit it unprotects, those outside the run counted) and changes
// nothing; the real run deletes the rule, waits, and offboards the units
// it freed; the unit also added by hand is removed by the PATCH and
// offboarded too.
func TestViaRulesFreesAndOffboards(t *testing.T) {
	t.Parallel()
	rr := newRuleRig(t)
	plan, err := offboarding.New(rr.c, fast(offboarding.Options{ViaRules: true, DryRun: true})).Offboard(t.Context(), rr.ids)
	require.NoError(t, err)
	require.Len(t, plan.RuleChanges, 1)
	rc := plan.RuleChanges[0]
	require.Equal(t, rr.rule, rc.Rule.ID)
	require.Len(t, rc.Unprotects, 4)
	require.ElementsMatch(t, []string{rr.ruleUnits[0], rr.ruleUnits[1], rr.both}, rc.InRun)
	require.Equal(t, []string{rr.ruleUnits[2]}, rc.Others, "the unit outside the run is listed")
	for _, id := range rc.InRun {
		r := resultOf(plan, id)
		require.Equal(t, offboarding.OutcomePlanned, r.Outcome)
		require.Equal(t, offboarding.StageRuleChange, r.Stage)
		require.Equal(t, offboarding.ReasonViaRule, r.Reason)
		require.Contains(t, r.Detail, "1 of them outside this run")
	}
	for _, q := range rr.srv.Requests() {
		require.NotEqual(t, fake.RouteRuleDeleteAndUnprotect, q.Route, "a dry run changes nothing")
	}

	j := offboarding.NewMemoryJournal()
	res, err := offboarding.New(rr.c, fast(offboarding.Options{ViaRules: true, Journal: j})).Offboard(t.Context(), rr.ids)
	require.NoError(t, err)
	for _, id := range rr.ids {
		r := resultOf(res, id)
		require.Equal(t, offboarding.OutcomeDone, r.Outcome, "%s: %s %v", id, r.Explain(), r.Err)
		require.Equal(t, models.StatusOffboardRequested, r.Unit.Status)
	}
	require.Len(t, res.RuleChanges, 1)
	require.True(t, res.RuleChanges[0].Done)
	_, err = rr.c.InclusionRules().Mailboxes().ByID(rr.rule).Get(t.Context())
	require.Error(t, err, "the rule is gone")
	n := 0
	for _, q := range rr.srv.Requests() {
		if q.Route == fake.RouteRuleDeleteAndUnprotect {
			n++
		}
	}
	require.Equal(t, 1, n, "one rule change")
	u, ok := rr.srv.Unit(rr.ruleUnits[2])
	require.True(t, ok)
	require.NotEqual(t, rr.policy, u.PolicyID, "the blast radius was real: the unit outside the run left the policy too")
}

// With ViaRules, a policy with two dynamic rules cannot tell which one
// protects a unit: the unit is skipped and no rule changes.
func TestViaRulesAmbiguous(t *testing.T) {
	t.Parallel()
	rr := newRuleRig(t)
	const other = "1f0e0d0c-0b0a-0908-0706-050403020100"
	require.NoError(t, rr.srv.AddGroup(fake.Group{ID: other, DisplayName: "Empty"}))
	_, err := rr.c.ProtectionPolicies().ByID(rr.policy).InclusionRules().Create(t.Context(),
		models.NewInclusionRule(models.KindMailbox, "(memberOf -any (group.id -in ['"+other+"']))", true))
	require.NoError(t, err)
	res, err := offboarding.New(rr.c, fast(offboarding.Options{ViaRules: true})).Offboard(t.Context(), rr.ids[:2])
	require.NoError(t, err)
	for _, id := range rr.ids[:2] {
		r := resultOf(res, id)
		require.Equal(t, offboarding.OutcomeSkipped, r.Outcome)
		require.Equal(t, offboarding.ReasonRuleAmbiguous, r.Reason)
		require.Len(t, r.Rules, 2)
	}
	require.Empty(t, res.RuleChanges)
}

// A ViaRules run stopped right after its rule change was answered (the
// process killed) resumes without sending the change again, and offboards
// the units it freed.
func TestViaRulesResumeSendsTheChangeOnce(t *testing.T) {
	t.Parallel()
	rr := newRuleRig(t)
	j := offboarding.NewMemoryJournal()
	ctx, cancel := context.WithCancel(t.Context())
	killer := clientOn(t, rr.srv, func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := next.RoundTrip(r)
			if strings.HasSuffix(r.URL.Path, "/deleteAndUnprotect") {
				cancel() // killed once the change is answered
			}
			return resp, err
		})
	})
	sent := func() int {
		n := 0
		for _, q := range rr.srv.Requests() {
			if q.Route == fake.RouteRuleDeleteAndUnprotect {
				n++
			}
		}
		return n
	}
	res, err := offboarding.New(killer, fast(offboarding.Options{ViaRules: true, Journal: j})).Offboard(ctx, rr.ids)
	require.Error(t, err)
	require.NotEqual(t, len(rr.ids), res.Count()[offboarding.OutcomeDone])
	require.Equal(t, 1, sent())

	res, err = offboarding.New(rr.c, fast(offboarding.Options{ViaRules: true, Journal: j})).Resume(t.Context())
	require.NoError(t, err)
	for _, id := range rr.ids {
		r := resultOf(res, id)
		require.Equal(t, offboarding.OutcomeDone, r.Outcome, "%s: %s %v", id, r.Explain(), r.Err)
	}
	require.Equal(t, 1, sent(), "the rule change was not sent again")
}

// roundTripFunc is an http.RoundTripper from a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
