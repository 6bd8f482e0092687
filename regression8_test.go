package backuprestore

// Regression tests from a review of the outcome logic: each reproduced a
// false outcome (or a hang) before its fix.

import (
	"errors"
	"strings"
	"testing"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

func TestRegressionDynamicUnitAfterLostPatchIsUnknown(t *testing.T) {
	srv, c := policyRig(t, 400, nil)
	var pol fake.Policy
	var ids []string
	var dynamic string
	for _, p := range srv.Policies() {
		dyn := unitsOf(srv, func(u fake.Unit) bool {
			return u.PolicyID == p.ID && u.Status == models.StatusProtected && strings.Contains(u.ProtectionSources, "dynamicRule")
		})
		manual := unitsOf(srv, removable(p.ID))
		if len(dyn) > 0 && len(manual) >= 3 {
			pol, dynamic = p, dyn[0].ID
			for _, u := range manual[:3] {
				ids = append(ids, u.ID)
			}
			break
		}
	}
	if dynamic == "" {
		t.Skip("no dynamic unit")
	}
	// The first PATCH's answer is lost after the service handled it (it
	// refused the whole request for the dynamic unit: nothing applied).
	srv.AddFault(fake.Fault{Route: fake.RoutePolicyPatch, Kind: fake.FaultResetAfter, Count: 1})
	res, err := c.ProtectionPolicies().ByID(pol.ID).RemoveUnits(t.Context(), append(ids, dynamic), nil)
	if err != nil {
		t.Fatal(err)
	}
	patches := countRoute(srv, fake.RoutePolicyPatch)
	for _, r := range res {
		t.Logf("%s: dynamic=%v err=%v", r.ID, r.ID == dynamic, r.Err)
		if r.ID == dynamic && (!errors.Is(r.Err, ErrDynamicRuleUnit) || errors.Is(r.Err, ErrOutcomeUnknown)) {
			t.Errorf("dynamic unit: want ErrDynamicRuleUnit (every read-back showed it untouched and the service refused it each time), got %v", r.Err)
		}
	}
	t.Logf("PATCHes sent: %d", patches)
}
