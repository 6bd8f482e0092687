package backuprestore

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// policyRig is an in-process emulator with policies and units.
func policyRig(t *testing.T, units int, opts *fake.Options) (*fake.Server, *Client) {
	t.Helper()
	srv := fake.NewServer(opts)
	srv.Seed(units)
	return srv, emulatorClient(t, srv, &Options{BaseURL: fake.DefaultBaseURL, Retry: RetryOptions{BaseDelay: time.Millisecond}})
}

// unitsOf returns the emulator's units matching keep.
func unitsOf(srv *fake.Server, keep func(fake.Unit) bool) []fake.Unit {
	var out []fake.Unit
	for _, u := range srv.Units() {
		if keep(u) {
			out = append(out, u)
		}
	}
	return out
}

func removable(policyID string) func(fake.Unit) bool {
	return func(u fake.Unit) bool {
		return u.PolicyID == policyID && u.Status == models.StatusProtected && !strings.Contains(u.ProtectionSources, "dynamicRule")
	}
}

func TestServiceStatus(t *testing.T) {
	srv, c := policyRig(t, 0, nil)
	st, err := c.ServiceStatus(t.Context())
	require.NoError(t, err)
	require.Equal(t, models.ServiceEnabled, st.Status)
	require.NoError(t, srv.SetServiceStatus(models.ServiceProtectionChangeLocked))
	st, err = c.ServiceStatus(t.Context())
	require.NoError(t, err)
	require.Equal(t, models.ServiceProtectionChangeLocked, st.Status)
}

func TestPoliciesListGetAndUnits(t *testing.T) {
	srv, c := policyRig(t, 300, nil)
	var all []*models.ProtectionPolicy
	for p, err := range c.ProtectionPolicies().All(t.Context(), &ListOptions{Top: 2}) {
		require.NoError(t, err)
		all = append(all, p)
	}
	require.Len(t, all, len(srv.Policies()))
	kinds := map[models.PolicyKind]int{}
	for _, p := range all {
		kinds[p.Kind()]++
	}
	require.Equal(t, map[models.PolicyKind]int{models.PolicyKindSharePoint: 2, models.PolicyKindOneDrive: 2, models.PolicyKindExchange: 2}, kinds)

	n := 0
	for p, err := range c.ProtectionPolicies().Exchange().All(t.Context(), nil) {
		require.NoError(t, err)
		require.Equal(t, models.PolicyKindExchange, p.Kind())
		n++
	}
	require.Equal(t, 2, n)

	for _, p := range all {
		got, err := c.ProtectionPolicies().ByID(p.ID).Get(t.Context(), nil)
		require.NoError(t, err)
		require.Equal(t, p.ID, got.ID)
		require.Equal(t, p.Kind(), got.Kind())
		want := unitsOf(srv, func(u fake.Unit) bool { return u.PolicyID == p.ID })
		var seen []string
		// The collection of every kind reads the policy first to learn its kind.
		for u, err := range c.ProtectionPolicies().ByID(p.ID).Units(t.Context(), &ListOptions{Top: 7}) {
			require.NoError(t, err)
			require.Equal(t, p.Kind().UnitKind(), u.Kind(), u.ID)
			require.Equal(t, p.ID, u.PolicyID)
			seen = append(seen, u.ID)
		}
		require.Len(t, seen, len(want), p.ID)
	}

	_, err := c.ProtectionPolicies().ByID("no-such-policy").Get(t.Context(), nil)
	require.ErrorIs(t, err, ErrNotFound)
	_, err = c.ProtectionPolicies().ByID("").Get(t.Context(), nil)
	require.ErrorIs(t, err, ErrInvalidPolicyID)
}

func TestRemoveUnitsChunksAndSettles(t *testing.T) {
	for _, shape := range []fake.DeltaErrorShape{fake.DeltaErrorDataModification, fake.DeltaErrorPublicError} {
		t.Run(shape.String(), func(t *testing.T) {
			srv, c := policyRig(t, 1200, &fake.Options{DeltaErrorShape: shape})
			var pol fake.Policy
			var ids []string
			for _, p := range srv.Policies() {
				if got := unitsOf(srv, removable(p.ID)); len(got) > len(ids) {
					pol, ids = p, nil
					for _, u := range got {
						ids = append(ids, u.ID)
					}
				}
			}
			require.Greater(t, len(ids), maxDeltaItems, "enough units for two chunks")
			req := append(append([]string{}, ids...), "no-such-unit", ids[0]) // an unknown unit, a duplicate
			start := len(srv.Requests())
			typed := c.ProtectionPolicies()
			switch pol.Kind {
			case models.PolicyKindSharePoint:
				typed = typed.SharePoint()
			case models.PolicyKindOneDrive:
				typed = typed.OneDrive()
			default:
				typed = typed.Exchange()
			}
			res, err := typed.ByID(pol.ID).RemoveUnits(t.Context(), req, nil)
			require.NoError(t, err)
			require.Len(t, res, len(ids)+1)
			patches := 0
			for _, rq := range srv.Requests()[start:] {
				if rq.Method == http.MethodPatch {
					patches++
				}
			}
			require.Equal(t, (len(ids)+1+maxDeltaItems-1)/maxDeltaItems, patches, "chunks of at most 50")
			for _, r := range res[:len(ids)] {
				require.NoError(t, r.Err, r.ID)
				require.Equal(t, models.StatusRemoveRequested, r.Unit.Status)
			}
			bad := res[len(ids)]
			require.Equal(t, "no-such-unit", bad.ID)
			var pe *PolicyItemError
			require.ErrorAs(t, bad.Err, &pe)
			if shape == fake.DeltaErrorPublicError {
				require.ErrorIs(t, bad.Err, ErrNotFound)
				require.Equal(t, CodeProtectionUnitNotFound, pe.Code)
			} else {
				require.Equal(t, 409, pe.ResponseCode)
				require.Equal(t, "remove", pe.FailedOperation)
			}
			p, _ := srv.Policy(pol.ID)
			require.Equal(t, models.PolicyStatusUpdating, p.Status)

			// Removing again sends nothing new to apply: the service refuses each.
			res, err = typed.ByID(pol.ID).RemoveUnits(t.Context(), ids[:3], nil)
			require.NoError(t, err)
			for _, r := range res {
				require.Error(t, r.Err)
			}
			srv.Advance(fake.DefaultRemovalDelay)
			for _, id := range ids {
				u, _ := srv.Unit(id)
				require.Equal(t, "", u.PolicyID)
				require.Equal(t, models.StatusUnprotected, u.Status)
				removes := 0
				for _, tr := range srv.Transitions(id) {
					if tr.Cause == fake.CauseRemove {
						removes++
					}
				}
				require.Equal(t, 1, removes, "removed once: %s", id)
			}
		})
	}
}

// A unit protected by a dynamic rule makes the service refuse a whole
// PATCH: the SDK finds it by halves and reports it alone.
func TestRemoveUnitsIsolatesDynamicRuleUnits(t *testing.T) {
	srv, c := policyRig(t, 400, nil)
	var pol fake.Policy
	var ids []string
	var dynamic string
	for _, p := range srv.Policies() {
		dyn := unitsOf(srv, func(u fake.Unit) bool {
			return u.PolicyID == p.ID && u.Status == models.StatusProtected && strings.Contains(u.ProtectionSources, "dynamicRule")
		})
		manual := unitsOf(srv, removable(p.ID))
		if len(dyn) > 0 && len(manual) >= 10 {
			pol, dynamic = p, dyn[0].ID
			for _, u := range manual[:10] {
				ids = append(ids, u.ID)
			}
			break
		}
	}
	require.NotEmpty(t, dynamic)
	req := append(ids[:5:5], append([]string{dynamic}, ids[5:]...)...)
	res, err := c.ProtectionPolicies().ByID(pol.ID).RemoveUnits(t.Context(), req, nil)
	require.NoError(t, err)
	for _, r := range res {
		if r.ID == dynamic {
			require.ErrorIs(t, r.Err, ErrDynamicRuleUnit)
			continue
		}
		require.NoError(t, r.Err, r.ID)
	}
	for _, tr := range srv.Transitions(dynamic) {
		require.NotEqual(t, fake.CauseRemove, tr.Cause, "the dynamic-rule unit is untouched")
	}
}

// A PATCH the service applied whose answer is lost is read back: the
// units show removeRequested by the caller after the request, so they
// succeed (Reconciled) and are not sent again.
func TestRemoveUnitsReconcilesLostAnswers(t *testing.T) {
	srv, c := policyRig(t, 200, nil)
	var pol fake.Policy
	var ids []string
	for _, p := range srv.Policies() {
		if got := unitsOf(srv, removable(p.ID)); len(got) >= 5 {
			pol = p
			for _, u := range got[:5] {
				ids = append(ids, u.ID)
			}
			break
		}
	}
	srv.AddFault(fake.Fault{Route: fake.RoutePolicyPatch, Kind: fake.FaultResetAfter, Count: 1})
	res, err := c.ProtectionPolicies().ByID(pol.ID).RemoveUnits(t.Context(), ids, nil)
	require.NoError(t, err)
	for _, r := range res {
		require.NoError(t, r.Err, r.ID)
		require.True(t, r.Reconciled, r.ID)
	}
	patches := 0
	for _, rq := range srv.Requests() {
		if rq.Method == http.MethodPatch {
			patches++
		}
	}
	require.Equal(t, 1, patches, "not sent again")

	// Units already removeRequested before an ambiguous PATCH are "already so".
	more := unitsOf(srv, removable(pol.ID))[:2]
	_, err = srv.UpdateUnit(more[0].ID, func(u *fake.Unit) { u.Status = models.StatusRemoveRequested })
	require.NoError(t, err)
	srv.Advance(time.Minute)
	srv.AddFault(fake.Fault{Route: fake.RoutePolicyPatch, Kind: fake.FaultResetBefore, Count: 1})
	res, err = c.ProtectionPolicies().ByID(pol.ID).RemoveUnits(t.Context(), []string{more[0].ID, more[1].ID}, nil)
	require.NoError(t, err)
	require.Error(t, res[0].Err) // the service refuses it when resent: it is already removeRequested
	require.NoError(t, res[1].Err)
}

func TestRemoveUnitsRefusedWhenLockedOrUnknownPolicy(t *testing.T) {
	srv, c := policyRig(t, 100, nil)
	var p fake.Policy
	ids := []string{}
	for _, pol := range srv.Policies() {
		if got := unitsOf(srv, removable(pol.ID)); len(got) > 0 && len(ids) == 0 {
			p = pol
			for _, u := range got {
				ids = append(ids, u.ID)
			}
		}
	}
	require.NotEmpty(t, ids)
	require.NoError(t, srv.SetServiceStatus(models.ServiceProtectionChangeLocked))
	patches := countRequests(srv, http.MethodPatch)
	res, err := c.ProtectionPolicies().ByID(p.ID).RemoveUnits(t.Context(), ids[:1], nil)
	require.ErrorIs(t, err, ErrServiceLocked, "read from the service status, not from a PATCH's code")
	require.ErrorIs(t, res[0].Err, ErrServiceLocked)
	require.ErrorIs(t, res[0].Err, ErrNotSent)
	require.Equal(t, patches, countRequests(srv, http.MethodPatch), "nothing sent")
	require.NoError(t, srv.SetServiceStatus(models.ServiceEnabled))

	res, err = c.ProtectionPolicies().SharePoint().ByID("no-such-policy").RemoveUnits(t.Context(), ids[:1], nil)
	require.NoError(t, err)
	require.ErrorIs(t, res[0].Err, ErrNotFound)
	_, err = c.ProtectionPolicies().ByID("no-such-policy").RemoveUnits(t.Context(), ids[:1], nil)
	require.ErrorIs(t, err, ErrNotFound, "the kind lookup's 404")
}

func TestAddUnits(t *testing.T) {
	srv, c := policyRig(t, 50, nil)
	var pol fake.Policy
	for _, p := range srv.Policies() {
		if p.Kind == models.PolicyKindSharePoint {
			pol = p
		}
	}
	site := "contoso.sharepoint.com,11111111-2222-3333-4444-555555555555,66666666-7777-8888-9999-000000000000"
	res, err := c.ProtectionPolicies().SharePoint().ByID(pol.ID).AddUnits(t.Context(), []string{site}, nil)
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	require.Equal(t, models.StatusProtectRequested, res[0].Unit.Status)
	require.Equal(t, site, res[0].Unit.SiteID)
	res, err = c.ProtectionPolicies().SharePoint().ByID(pol.ID).AddUnits(t.Context(), []string{site}, nil)
	require.NoError(t, err)
	require.ErrorIs(t, res[0].Err, ErrConflict, "already protected")
}

// countRequests counts the requests with method the emulator has seen.
func countRequests(srv *fake.Server, method string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == method {
			n++
		}
	}
	return n
}
