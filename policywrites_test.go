package backuprestore

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// policyBuilder returns the typed collection of kind k.
func policyBuilder(c *Client, k models.PolicyKind) *ProtectionPoliciesRequestBuilder {
	switch k {
	case models.PolicyKindSharePoint:
		return c.ProtectionPolicies().SharePoint()
	case models.PolicyKindOneDrive:
		return c.ProtectionPolicies().OneDrive()
	}
	return c.ProtectionPolicies().Exchange()
}

// newPolicyOf returns the create body of a policy of kind k naming ids.
func newPolicyOf(k models.PolicyKind, name string, ids ...string) *models.ProtectionPolicy {
	switch k {
	case models.PolicyKindSharePoint:
		return models.NewSharePointPolicy(name, ids...)
	case models.PolicyKindOneDrive:
		return models.NewOneDrivePolicy(name, ids...)
	}
	return models.NewExchangePolicy(name, ids...)
}

// artifacts returns n directory artifacts for policies of kind k.
func artifacts(srv *fake.Server, k models.PolicyKind, n int) []string {
	sites, users := srv.SeedDirectory(n)
	out := make([]string, n)
	for i := range n {
		if k == models.PolicyKindSharePoint {
			out[i] = sites[i].ID
		} else {
			out[i] = users[i].ID
		}
	}
	return out
}

// Each workload's policy goes create (inactive) → activate (202, updating)
// → active on the emulator's clock → deactivate → inactive → delete (204,
// then 404).
func TestPolicyLifecycleAgainstEmulator(t *testing.T) {
	t.Parallel()
	for _, k := range models.PolicyKinds() {
		t.Run(k.String(), func(t *testing.T) {
			t.Parallel()
			srv, c := onEmulator(t, nil, nil)
			ctx := t.Context()
			ids := artifacts(srv, k, 3)
			pol, err := policyBuilder(c, k).Create(ctx, newPolicyOf(k, "Lifecycle "+k.String(), ids...))
			require.NoError(t, err)
			require.Equal(t, models.PolicyStatusInactive, pol.Status)
			require.Equal(t, k, pol.Kind())
			n := 0
			for u, err := range c.ProtectionPolicies().ByID(pol.ID).Units(ctx, nil) {
				require.NoError(t, err)
				require.Equal(t, models.StatusUnprotected, u.Status)
				n++
			}
			require.Equal(t, 3, n)

			item := c.ProtectionPolicies().ByID(pol.ID)
			got, err := item.Activate(ctx)
			require.NoError(t, err)
			require.Equal(t, models.PolicyStatusUpdating, got.Status)
			_, err = item.Activate(ctx)
			require.ErrorIs(t, err, ErrPolicyActionNotAllowed, "an updating policy cannot be activated")
			srv.Advance(fake.DefaultProtectDelay)
			got, err = item.Get(ctx, nil)
			require.NoError(t, err)
			require.Equal(t, models.PolicyStatusActive, got.Status)
			require.ErrorIs(t, item.Delete(ctx), ErrPolicyActionNotAllowed, "only an inactive policy can be deleted")

			renamed, err := item.Rename(ctx, "Renamed "+k.String())
			require.NoError(t, err)
			require.Equal(t, "Renamed "+k.String(), renamed.DisplayName)

			got, err = item.Deactivate(ctx)
			require.NoError(t, err)
			require.Equal(t, models.PolicyStatusUpdating, got.Status)
			srv.Advance(fake.DefaultProtectDelay)
			got, err = item.Get(ctx, nil)
			require.NoError(t, err)
			require.Equal(t, models.PolicyStatusInactive, got.Status)

			require.NoError(t, item.Delete(ctx))
			_, err = item.Get(ctx, nil)
			require.ErrorIs(t, err, ErrNotFound)
			for u, err := range c.ProtectionUnits().All(ctx, nil) {
				require.NoError(t, err)
				require.NotEqual(t, pol.ID, u.PolicyID, "a deleted policy's units leave it")
			}
		})
	}
}

// Bad input to a create is refused before anything is sent, with an error
// naming it.
func TestPolicyCreateBadInputSendsNothing(t *testing.T) {
	t.Parallel()
	many := make([]string, 51)
	for i := range many {
		many[i] = fmt.Sprintf("contoso.sharepoint.com,%08d-0000-0000-0000-000000000000,00000000-0000-0000-0000-000000000001", i)
	}
	for _, tt := range []struct {
		name    string
		create  func(c *Client) error
		want    error
		mention string
	}{
		{"51 units", func(c *Client) error {
			_, err := c.ProtectionPolicies().SharePoint().Create(t.Context(), models.NewSharePointPolicy("Too many", many...))
			return err
		}, ErrUnitsLimitBreached, "51 units"},
		{"empty name", func(c *Client) error {
			_, err := c.ProtectionPolicies().OneDrive().Create(t.Context(), models.NewOneDrivePolicy("  "))
			return err
		}, ErrInvalidDisplayName, "empty"},
		{"name too long", func(c *Client) error {
			_, err := c.ProtectionPolicies().OneDrive().Create(t.Context(), models.NewOneDrivePolicy(strings.Repeat("n", 1025)))
			return err
		}, ErrInvalidDisplayName, "1025 characters"},
		{"duplicate unit", func(c *Client) error {
			_, err := c.ProtectionPolicies().Exchange().Create(t.Context(), models.NewExchangePolicy("Dup", "a", "A"))
			return err
		}, ErrDuplicateInList, `"A"`},
		{"malformed unit ID", func(c *Client) error {
			_, err := c.ProtectionPolicies().Exchange().Create(t.Context(), models.NewExchangePolicy("Bad", "a\x01b"))
			return err
		}, ErrInvalidProtectionUnitID, "control character"},
		{"no workload", func(c *Client) error {
			_, err := c.ProtectionPolicies().Create(t.Context(), models.NewExchangePolicy("Where"))
			return err
		}, ErrInvalidCreateRequest, "workload"},
		{"other workload", func(c *Client) error {
			_, err := c.ProtectionPolicies().SharePoint().Create(t.Context(), models.NewExchangePolicy("Mixed"))
			return err
		}, ErrInvalidCreateRequest, "exchange policy"},
		{"nil policy", func(c *Client) error {
			_, err := c.ProtectionPolicies().SharePoint().Create(t.Context(), nil)
			return err
		}, ErrInvalidCreateRequest, "nil"},
		{"rename to nothing", func(c *Client) error {
			_, err := c.ProtectionPolicies().ByID("p").Rename(t.Context(), "")
			return err
		}, ErrInvalidDisplayName, "empty"},
		{"malformed policy ID", func(c *Client) error {
			_, err := c.ProtectionPolicies().ByID("..").Activate(t.Context())
			return err
		}, ErrInvalidPolicyID, ".."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, c := onEmulator(t, nil, nil)
			err := tt.create(c)
			require.ErrorIs(t, err, tt.want)
			require.Contains(t, err.Error(), tt.mention)
			require.Empty(t, srv.Requests(), "nothing is sent")
			require.Empty(t, srv.Policies())
		})
	}
}

// The service's refusals come back typed: an unknown policy, a unit
// already protected, the one-active-policy rule, an artifact the tenant
// does not have.
func TestPolicyServiceErrorsAreTyped(t *testing.T) {
	t.Parallel()
	srv, c := onEmulator(t, &fake.Options{OneActivePolicyPerWorkload: true}, nil)
	ctx := t.Context()
	_, err := c.ProtectionPolicies().ByID("no-such-policy").Activate(ctx)
	require.ErrorIs(t, err, ErrNotFound)
	require.Contains(t, err.Error(), "no-such-policy")

	ids := artifacts(srv, models.PolicyKindExchange, 2)
	first, err := c.ProtectionPolicies().Exchange().Create(ctx, models.NewExchangePolicy("First", ids[0]))
	require.NoError(t, err)
	_, err = c.ProtectionPolicies().Exchange().Create(ctx, models.NewExchangePolicy("Second", ids[0]))
	require.ErrorIs(t, err, ErrAlreadyProtected)
	require.ErrorIs(t, err, ErrConflict)

	_, err = c.ProtectionPolicies().ByID(first.ID).Activate(ctx)
	require.NoError(t, err)
	_, err = c.ProtectionPolicies().Exchange().Create(ctx, models.NewExchangePolicy("Third", ids[1]))
	require.ErrorIs(t, err, ErrPolicyCreationNotAllowed)

	_, err = c.ProtectionPolicies().SharePoint().Create(ctx, models.NewSharePointPolicy("Ghost", "contoso.sharepoint.com,00000000-0000-0000-0000-00000000000a,00000000-0000-0000-0000-00000000000b"))
	require.ErrorIs(t, err, ErrInvalidProtectionUnitID)
	require.Len(t, srv.Policies(), 1, "nothing half-applied")
}

// A create whose answer is lost (the emulator applies it, then resets the
// connection) is settled by listing: one policy, reported as created; one
// that was never applied (reset before) is sent again.
func TestPolicyCreateLostAnswerMakesOnePolicy(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		kind  fake.FaultKind
		sends int
	}{
		{fake.FaultResetAfter, 1},
		{fake.FaultResetBefore, 2},
		{fake.FaultTruncatedBody, 1},
	} {
		t.Run(tt.kind.String(), func(t *testing.T) {
			t.Parallel()
			srv, c := onEmulator(t, nil, nil)
			ids := artifacts(srv, models.PolicyKindOneDrive, 2)
			srv.AddFault(fake.Fault{Route: fake.RoutePolicyCreate, Kind: tt.kind, Count: 1})
			var meta Response
			pol, err := c.ProtectionPolicies().OneDrive().Create(WithCaptureResponse(t.Context(), &meta), models.NewOneDrivePolicy("Once", ids...))
			require.NoError(t, err)
			require.NotNil(t, pol)
			require.Equal(t, "Once", pol.DisplayName)
			require.Len(t, srv.Policies(), 1, "one policy for one call")
			require.Equal(t, pol.ID, srv.Policies()[0].ID)
			require.Equal(t, tt.sends, countRoute(srv, fake.RoutePolicyCreate))
			if tt.kind != fake.FaultResetBefore {
				require.True(t, meta.Reconciled)
			}
		})
	}
}

// A 503 after a create is not resent blindly: the policy is looked for
// first.
func TestPolicyCreate503IsReadBackBeforeResend(t *testing.T) {
	t.Parallel()
	srv, c := onEmulator(t, nil, &Options{Retry: RetryOptions{MaxRetries: 2}})
	srv.AddFault(fake.Fault{Route: fake.RoutePolicyCreate, Kind: fake.FaultStatus, Status: 503, Count: 1})
	pol, err := c.ProtectionPolicies().SharePoint().Create(t.Context(), models.NewSharePointPolicy("After 503"))
	require.NoError(t, err)
	require.Equal(t, "After 503", pol.DisplayName)
	require.Len(t, srv.Policies(), 1)
	require.Equal(t, 1, countRoute(srv, fake.RoutePolicyList), "read back once before the resend")
}

// Statistics counts a policy's units per status in one $batch and agrees
// with the emulator's own state.
func TestStatisticsAgainstEmulator(t *testing.T) {
	t.Parallel()
	srv, c := onEmulator(t, &fake.Options{Seed: 7}, nil)
	srv.Seed(300)
	for _, p := range srv.Policies() {
		st, err := c.ProtectionPolicies().ByID(p.ID).Statistics(t.Context())
		require.NoError(t, err)
		want := map[models.ProtectionUnitStatus]int64{}
		total := int64(0)
		for _, u := range srv.Units() {
			if u.PolicyID == p.ID {
				want[u.Status]++
				total++
			}
		}
		require.Equal(t, total, st.Total, p.DisplayName)
		for s, n := range want {
			require.Equal(t, n, st.ByStatus[s], "%s %s", p.DisplayName, s)
		}
		require.Zero(t, st.Other)
	}
	require.Equal(t, len(srv.Policies()), countRoute(srv, fake.RouteBatch), "one $batch per policy")
	_, err := c.ProtectionPolicies().SharePoint().ByID("nope").Statistics(t.Context())
	require.ErrorIs(t, err, ErrNotFound)
	require.True(t, errors.Is(err, ErrNotFound))
}

// An activate whose answer is lost is settled by reading the policy: the
// change is this call's (modified by the caller after the request), so it
// is the success, sent once; a delete whose answer is lost and whose
// policy is gone is unknown, never a guess.
func TestPolicyActionLostAnswer(t *testing.T) {
	t.Parallel()
	srv, c := onEmulator(t, nil, nil)
	ctx := t.Context()
	pol, err := c.ProtectionPolicies().Exchange().Create(ctx, models.NewExchangePolicy("Lost"))
	require.NoError(t, err)
	srv.AddFault(fake.Fault{Route: fake.RoutePolicyActivate, Kind: fake.FaultResetAfter, Count: 1})
	var meta Response
	got, err := c.ProtectionPolicies().ByID(pol.ID).Activate(WithCaptureResponse(ctx, &meta))
	require.NoError(t, err)
	require.Equal(t, models.PolicyStatusUpdating, got.Status)
	require.True(t, meta.Reconciled)
	require.Equal(t, 1, countRoute(srv, fake.RoutePolicyActivate))

	srv.Advance(fake.DefaultProtectDelay)
	_, err = c.ProtectionPolicies().ByID(pol.ID).Deactivate(ctx)
	require.NoError(t, err)
	srv.Advance(fake.DefaultProtectDelay)
	srv.AddFault(fake.Fault{Route: fake.RoutePolicyDelete, Kind: fake.FaultResetAfter, Count: 1})
	err = c.ProtectionPolicies().ByID(pol.ID).Delete(ctx)
	require.ErrorIs(t, err, ErrOutcomeUnknown)
	require.ErrorIs(t, err, ErrNotFound, "the read-back's answer is kept")
	require.Empty(t, srv.Policies())
}

// onEmulator returns the rig's emulator (with fo) and a client on it (with
// co).
func onEmulator(t testing.TB, fo *fake.Options, co *Options) (*fake.Server, *Client) {
	t.Helper()
	r := newRig(t, rigOptions{fake: fo, client: co})
	return r.srv, r.c
}
