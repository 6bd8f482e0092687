package backuprestore

// Regression tests from a review of the outcome logic: each reproduced a
// false outcome (or a hang) before its fix.

import (
	"testing"

	"github.com/m365kit/backuprestore/fake"
)

func TestRegressionRemoveTwice(t *testing.T) {
	srv, c := policyRig(t, 200, nil)
	var pol fake.Policy
	var id string
	for _, p := range srv.Policies() {
		if m := unitsOf(srv, removable(p.ID)); len(m) > 0 {
			pol, id = p, m[0].ID
			break
		}
	}
	r1, err := c.ProtectionPolicies().ByID(pol.ID).RemoveUnits(t.Context(), []string{id}, nil)
	t.Logf("first: %v %v", r1[0].Err, err)
	r2, err := c.ProtectionPolicies().ByID(pol.ID).RemoveUnits(t.Context(), []string{id}, nil)
	st := ""
	if r2[0].Unit != nil {
		st = string(r2[0].Unit.Status)
	}
	t.Logf("second: err=%v unit=%s %v; removes: %d", r2[0].Err, st, err, causes(srv)[id][fake.CauseRemove])
	if r2[0].Err == nil {
		t.Errorf("second RemoveUnits of an already removeRequested unit reports success")
	}
}
