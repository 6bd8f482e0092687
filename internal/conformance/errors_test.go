package conformance_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// Every error the Backup Storage error page (and, for offboard and
// cancelOffboard, their API pages) documents for an operation the emulator
// implements is answered with the documented status and code, and the
// SDK has a Code… constant for it. Errors "inside a 200" are the code of a
// PATCH item's error or of a unit's error property.
func TestDocumentedErrors(t *testing.T) {
	t.Parallel()
	r := newRig(t, 0)
	require.NoError(t, r.srv.SetDeltaErrorShape(fake.DeltaErrorPublicError))
	require.NoError(t, r.srv.AddUnit(fake.Unit{Kind: models.KindSite, ID: "dyn", PolicyID: spPolicy, ProtectionSources: "dynamicRule", SiteID: "h,dyn,1"}))
	require.NoError(t, r.srv.AddUnit(fake.Unit{Kind: models.KindSite, ID: "other", PolicyID: "elsewhere", SiteID: "h,taken,1"}))
	many := make([]string, 51)
	for i := range many {
		many[i] = `{"siteId":"h,` + strings.Repeat("x", i+1) + `,1"}`
	}
	clauses := make([]string, 21)
	for i := range clauses {
		clauses[i] = "status eq 'protected'"
	}
	patch := func(items ...string) string {
		return `{"siteProtectionUnits@delta":[` + strings.Join(items, ",") + `]}`
	}
	removal := func(id string) string { return `{"@removed":{"reason":"changed"},"id":"` + id + `"}` }
	sp := br + "/sharePointProtectionPolicies/"
	for _, tt := range []struct {
		operation, method, path, body string
		status                        int
		code, constant                string
		// item is set when the code is a PATCH item's, inside a 200.
		item bool
	}{
		{"get policy", "GET", br + "/protectionPolicies/a%01b", "", 400, "InvalidPolicyId", backuprestore.CodeInvalidPolicyID, false},
		{"get policy", "GET", br + "/protectionPolicies/nope", "", 404, "PolicyNotFound", backuprestore.CodePolicyNotFound, false},
		{"patch policy", "PATCH", sp + spPolicy, patch(removal("nope")), 200, "ProtectionUnitNotFound", backuprestore.CodeProtectionUnitNotFound, true},
		{"patch policy", "PATCH", sp + spPolicy, patch(`{"siteId":"h,taken,1"}`), 200, "ProtectionUnitAlreadyExists", backuprestore.CodeProtectionUnitAlreadyExists, true},
		{"patch policy", "PATCH", sp + spPolicy, patch(removal("s1"), removal("s1")), 400, "DuplicateProtectionUnitInList", backuprestore.CodeDuplicateProtectionUnitInList, false},
		{"patch policy", "PATCH", sp + spPolicy, patch(removal("dyn")), 400, "ProtectionUnitActionNotAllowed", backuprestore.CodeProtectionUnitActionNotAllowed, false},
		{"patch policy", "PATCH", sp + "nope", patch(removal("s1")), 404, "PolicyNotFound", backuprestore.CodePolicyNotFound, false},
		{"patch policy (create's limit)", "PATCH", sp + spPolicy, patch(many...), 413, "ProtectionUnitsLimitBreached", backuprestore.CodeProtectionUnitsLimitBreached, false},
		{"patch policy (create's rule)", "PATCH", sp + spPolicy, `{"displayName":""}`, 400, "InvalidDisplayName", backuprestore.CodeInvalidDisplayName, false},
		{"list policy units", "GET", sp + "a%01b/siteProtectionUnits", "", 400, "InvalidPolicyId", backuprestore.CodeInvalidPolicyID, false},
		{"list policy units", "GET", sp + spPolicy + "/siteProtectionUnits?$filter=" + strings.Join(clauses, " or "), "", 400, "FilterLengthExceeded", backuprestore.CodeFilterLengthExceeded, false},
		{"list policy units", "GET", sp + spPolicy + "/siteProtectionUnits/a%01b", "", 400, "InvalidProtectionUnitId", backuprestore.CodeInvalidProtectionUnitID, false},
		{"list policy units", "GET", sp + "nope/siteProtectionUnits", "", 404, "PolicyNotFound", backuprestore.CodePolicyNotFound, false},
		{"get unit", "GET", br + "/protectionUnits/a%01b", "", 400, "InvalidProtectionUnitId", backuprestore.CodeInvalidProtectionUnitID, false},
		{"offboard", "POST", br + "/protectionUnits/s1/offboard", "", 403, "OperationNotAllowed", backuprestore.CodeOperationNotAllowed, false},
		{"cancelOffboard", "POST", br + "/protectionUnits/s1/cancelOffboard", "", 403, "OperationNotAllowed", backuprestore.CodeOperationNotAllowed, false},
	} {
		t.Run(tt.operation+" "+tt.code, func(t *testing.T) {
			require.Equal(t, tt.code, tt.constant, "the SDK's constant")
			a := r.do(tt.method, tt.path, tt.body)
			require.Equal(t, tt.status, a.status, "%s", a.body)
			var m map[string]any
			require.NoError(t, json.Unmarshal(a.body, &m))
			if tt.item {
				items := m["siteProtectionUnits@delta"].([]any)
				require.Len(t, items, 1)
				require.Equal(t, tt.code, items[0].(map[string]any)["error"].(map[string]any)["code"], "%s", a.body)
				return
			}
			require.Equal(t, tt.code, m["error"].(map[string]any)["code"], "%s", a.body)
		})
	}

	// Get unit's codes inside a 200 are the unit's error property: the
	// emulator writes whatever the test sets, under the SDK's constants.
	for _, code := range []string{backuprestore.CodeUnknownError, backuprestore.CodeProtectionUnitNotFound, backuprestore.CodeInvalidArtifactID,
		backuprestore.CodeQuotaExceeded} {
		_, err := r.srv.UpdateUnit(mbxUnit, func(u *fake.Unit) { u.Error = &fake.PublicError{Code: code, Message: "m"} })
		require.NoError(t, err)
		a := r.do("GET", br+"/protectionUnits/"+mbxUnit, "")
		require.Equal(t, 200, a.status)
		var u models.ProtectionUnit
		require.NoError(t, json.Unmarshal(a.body, &u))
		require.Equal(t, code, u.Error.Code)
	}
}
