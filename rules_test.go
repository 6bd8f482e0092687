package backuprestore

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// unitsOfPolicy returns the emulator's units of a policy by artifact
// (site ID or directory object ID).
func unitsOfPolicy(srv *fake.Server, policyID string) map[string]fake.Unit {
	out := map[string]fake.Unit{}
	for _, u := range srv.Units() {
		if u.PolicyID == policyID {
			k := u.DirectoryObjectID
			if u.Kind == models.KindSite {
				k = u.SiteID
			}
			out[k] = u
		}
	}
	return out
}

// A static site rule selects the tenant's sites by keyword when it is
// evaluated (RuleDelay later) and again when run; it cannot be updated or
// deleteAndUnprotect-ed; it can be deleted once completed, its units
// staying.
func TestStaticSiteRuleAgainstEmulator(t *testing.T) {
	t.Parallel()
	srv, c := onEmulator(t, nil, nil)
	srv.SeedDirectory(12) // Project Site 1 … 12
	ctx := t.Context()
	pol, err := c.ProtectionPolicies().SharePoint().Create(ctx, models.NewSharePointPolicy("Projects"))
	require.NoError(t, err)
	rules := c.ProtectionPolicies().SharePoint().ByID(pol.ID).InclusionRules()

	_, err = rules.Create(ctx, models.NewInclusionRule(models.KindSite, "(siteName -contains 'Project Site 1')", false))
	require.NoError(t, err)
	r, err := rules.Create(ctx, models.NewInclusionRule(models.KindSite, "(siteUrl -contains 'project-site-2')", false))
	require.NoError(t, err)
	require.Equal(t, models.RuleStatusActive, r.Status)
	require.Equal(t, models.KindSite, r.Kind())
	require.False(t, r.IsDynamic())

	_, err = rules.ByID(r.ID).Run(ctx)
	require.ErrorIs(t, err, ErrRuleStateNotAllowed, "a rule still evaluating cannot run")
	require.ErrorIs(t, rules.ByID(r.ID).Delete(ctx), ErrRuleStateNotAllowed)

	srv.Advance(fake.DefaultRuleDelay)
	got, err := c.InclusionRules().Sites().ByID(r.ID).Get(ctx)
	require.NoError(t, err)
	require.Equal(t, models.RuleStatusCompleted, got.Status)
	units := unitsOfPolicy(srv, pol.ID)
	require.Len(t, units, 5, "Project Site 1, 10, 11, 12 by name; project-site-2 by URL")
	for _, u := range units {
		require.Equal(t, "manual", u.ProtectionSources, "a static rule's units are not dynamic")
	}

	_, err = rules.ByID(r.ID).Update(ctx, "(siteName -contains 'Other')")
	require.ErrorIs(t, err, ErrStaticRulePatch)
	_, err = rules.ByID(r.ID).DeleteAndUnprotect(ctx)
	require.ErrorIs(t, err, ErrRuleStateNotAllowed)

	srv.SeedDirectory(10) // Project Site 13 … 22: project-site-20 … 22 match the URL rule
	ran, err := c.InclusionRules().Sites().ByID(r.ID).Run(ctx)
	require.NoError(t, err)
	require.Equal(t, models.RuleStatusActive, ran.Status)
	srv.Advance(fake.DefaultRuleDelay)
	require.Len(t, unitsOfPolicy(srv, pol.ID), 8, "the run adds project-site-20, 21 and 22; the name rule was not run")

	n := 0
	for rule, err := range rules.All(ctx, nil) {
		require.NoError(t, err)
		require.Equal(t, models.RuleStatusCompleted, rule.Status)
		n++
	}
	require.Equal(t, 2, n)
	require.NoError(t, rules.ByID(r.ID).Delete(ctx))
	_, err = rules.ByID(r.ID).Get(ctx)
	require.ErrorIs(t, err, ErrNotFound)
	require.Len(t, unitsOfPolicy(srv, pol.ID), 8, "deleting a rule keeps its units")
}

// A dynamic mailbox rule follows its group: members who join are
// protected, members who leave lose the rule (and, without another source,
// their policy); an update re-evaluates; deleteAndUnprotect resets only
// the dynamicRule source and the rule goes.
func TestDynamicRuleAgainstEmulator(t *testing.T) {
	t.Parallel()
	srv, c := onEmulator(t, nil, nil)
	_, users := srv.SeedDirectory(6)
	const group = "0f0e0d0c-0b0a-0908-0706-050403020100"
	ids := func(us ...fake.User) []string {
		out := []string{}
		for _, u := range us {
			out = append(out, u.ID)
		}
		return out
	}
	require.NoError(t, srv.AddGroup(fake.Group{ID: group, DisplayName: "Sales", Members: ids(users[0], users[1], users[2])}))
	ctx := t.Context()
	pol, err := c.ProtectionPolicies().Exchange().Create(ctx, models.NewExchangePolicy("Sales mailboxes", users[0].ID))
	require.NoError(t, err)
	_, err = c.ProtectionPolicies().ByID(pol.ID).Activate(ctx)
	require.NoError(t, err)
	rules := c.ProtectionPolicies().ByID(pol.ID).InclusionRules() // untyped: the workload is read
	r, err := rules.Create(ctx, models.NewInclusionRule(models.KindMailbox, "(memberOf -any (group.id -in ['"+group+"']))", true))
	require.NoError(t, err)
	require.True(t, r.IsDynamic())
	srv.Advance(fake.DefaultRuleDelay)
	units := unitsOfPolicy(srv, pol.ID)
	require.Len(t, units, 3)
	require.Equal(t, "manual,dynamicRule", units[users[0].ID].ProtectionSources, "a unit added by hand keeps its manual source")
	require.Equal(t, "dynamicRule", units[users[1].ID].ProtectionSources)

	_, err = c.InclusionRules().Mailboxes().ByID(r.ID).Run(ctx)
	require.ErrorIs(t, err, ErrRunNotAllowedForDynamicRule)

	// Membership changes apply at once.
	require.NoError(t, srv.SetGroupMembers(group, ids(users[0], users[1], users[3])))
	units = unitsOfPolicy(srv, pol.ID)
	require.Equal(t, "dynamicRule", units[users[3].ID].ProtectionSources)
	require.Equal(t, models.StatusRemoveRequested, units[users[2].ID].Status, "left the group: removed from the policy")

	// Removing a dynamic-rule unit by hand is refused.
	res, err := c.ProtectionPolicies().Exchange().ByID(pol.ID).RemoveUnits(ctx, []string{units[users[1].ID].ID}, nil)
	require.NoError(t, err)
	require.ErrorIs(t, res[0].Err, ErrDynamicRuleUnit)

	upd, err := c.InclusionRules().Mailboxes().ByID(r.ID).Update(ctx, "(memberOf -any (group.id -in ['"+group+"']))")
	require.NoError(t, err)
	require.Equal(t, models.RuleStatusUpdateRequested, upd.Status)
	_, err = c.InclusionRules().Mailboxes().ByID(r.ID).DeleteAndUnprotect(ctx)
	require.ErrorIs(t, err, ErrRuleStateNotAllowed, "not while an update is pending")
	srv.Advance(fake.DefaultRuleDelay)

	del, err := c.InclusionRules().Mailboxes().ByID(r.ID).DeleteAndUnprotect(ctx)
	require.NoError(t, err)
	require.Equal(t, models.RuleStatusDeleteRequested, del.Status)
	_, err = c.InclusionRules().Mailboxes().ByID(r.ID).Update(ctx, "(memberOf -any (group.id -in ['"+group+"']))")
	require.ErrorIs(t, err, ErrRuleStateNotAllowed)
	srv.Advance(fake.DefaultRuleDelay)
	_, err = c.InclusionRules().Mailboxes().ByID(r.ID).Get(ctx)
	require.ErrorIs(t, err, ErrNotFound)
	units = unitsOfPolicy(srv, pol.ID)
	require.Equal(t, "manual", units[users[0].ID].ProtectionSources, "only the dynamicRule source is reset")
	require.Equal(t, models.StatusRemoveRequested, units[users[1].ID].Status)
	require.Equal(t, models.StatusRemoveRequested, units[users[3].ID].Status)
}

// Bad rule input: refused before sending when it can be told locally,
// else the service's typed answer; nothing is created.
func TestRuleBadInput(t *testing.T) {
	t.Parallel()
	srv, c := onEmulator(t, nil, nil)
	ctx := t.Context()
	pol, err := c.ProtectionPolicies().OneDrive().Create(ctx, models.NewOneDrivePolicy("Drives"))
	require.NoError(t, err)
	before := len(srv.Requests())
	rules := c.ProtectionPolicies().OneDrive().ByID(pol.ID).InclusionRules()
	_, err = rules.Create(ctx, models.NewInclusionRule(models.KindDrive, " ", true))
	require.ErrorIs(t, err, ErrInvalidRuleExpression)
	_, err = rules.Create(ctx, models.NewInclusionRule(models.KindSite, "(siteName -contains 'abc')", false))
	require.ErrorIs(t, err, ErrInvalidCreateRequest)
	_, err = c.InclusionRules().Drives().Create(ctx, models.NewInclusionRule(models.KindDrive, "x", true))
	require.ErrorIs(t, err, ErrInvalidCreateRequest, "rules are created under a policy")
	_, err = rules.ByID("").Get(ctx)
	require.ErrorIs(t, err, ErrInvalidRuleID)
	require.Equal(t, before, len(srv.Requests()), "nothing sent")

	_, err = rules.Create(ctx, models.NewInclusionRule(models.KindDrive, "everyone", true))
	require.ErrorIs(t, err, ErrInvalidRuleExpression)
	_, err = c.ProtectionPolicies().OneDrive().ByID("nope").InclusionRules().Create(ctx, models.NewInclusionRule(models.KindDrive, "(memberOf -any (group.id -in ['0f0e0d0c-0b0a-0908-0706-050403020100']))", true))
	require.ErrorIs(t, err, ErrNotFound)
	_, err = c.InclusionRules().Drives().ByID("nope").Run(ctx)
	require.ErrorIs(t, err, ErrNotFound)
	n := 0
	for _, err := range c.InclusionRules().Drives().All(ctx, nil) {
		require.NoError(t, err)
		n++
	}
	require.Zero(t, n, "nothing half-applied")
}

// A rule create whose answer is lost is found by listing: one rule.
func TestRuleCreateLostAnswerMakesOneRule(t *testing.T) {
	t.Parallel()
	srv, c := onEmulator(t, nil, nil)
	ctx := t.Context()
	pol, err := c.ProtectionPolicies().SharePoint().Create(ctx, models.NewSharePointPolicy("Sites"))
	require.NoError(t, err)
	srv.AddFault(fake.Fault{Route: fake.RouteRuleCreate, Kind: fake.FaultResetAfter, Count: 1})
	r, err := c.ProtectionPolicies().SharePoint().ByID(pol.ID).InclusionRules().Create(ctx, models.NewInclusionRule(models.KindSite, "(siteName -contains 'Finance')", false))
	require.NoError(t, err)
	n := 0
	for got, err := range c.InclusionRules().Sites().All(ctx, nil) {
		require.NoError(t, err)
		require.Equal(t, r.ID, got.ID)
		n++
	}
	require.Equal(t, 1, n)
}
