package conformance_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// Every error the error page (and the activate, deactivate and
// deleteAndUnprotect pages) documents for the protection side's operations
// is answered with the documented status and code, under the SDK's Code…
// constant. Not reachable in the emulator: 500 PolicySaveFailed (a
// transient failure of the service).
func TestDocumentedProtectionErrors(t *testing.T) {
	t.Parallel()
	r := newRig(t, 0)
	sites, users := r.srv.SeedDirectory(3)
	const group = "0f0e0d0c-0b0a-0908-0706-050403020100"
	require.NoError(t, r.srv.AddGroup(fake.Group{ID: group, Members: []string{users[0].ID}}))
	create := func(path, body string) string {
		t.Helper()
		a := r.do("POST", path, body)
		require.Equal(t, 201, a.status, "%s", a.body)
		var o struct{ ID string }
		require.NoError(t, json.Unmarshal(a.body, &o))
		return o.ID
	}
	sp, od := br+"/sharePointProtectionPolicies/", br+"/oneDriveForBusinessProtectionPolicies/"
	dynExpr := `(memberOf -any (group.id -in ['` + group + `']))`
	static := create(sp+spPolicy+"/siteInclusionRules", `{"siteExpression":"(siteName -contains 'Project')"}`)
	dynamic := create(od+odPolicy+"/driveInclusionRules", `{"driveExpression":"`+dynExpr+`","isAutoApplyEnabled":true}`)
	r.srv.Advance(fake.DefaultRuleDelay)
	deleting := create(od+odPolicy+"/driveInclusionRules", `{"driveExpression":"`+dynExpr+`","isAutoApplyEnabled":true}`)
	r.srv.Advance(fake.DefaultRuleDelay)
	require.Equal(t, 202, r.do("POST", od+odPolicy+"/driveInclusionRules/"+deleting+"/deleteAndUnprotect", "").status)
	activeStatic := create(sp+spPolicy+"/siteInclusionRules", `{"siteExpression":"(siteUrl -contains 'project')"}`)
	updating := create(od+odPolicy+"/driveInclusionRules", `{"driveExpression":"`+dynExpr+`","isAutoApplyEnabled":true}`)
	inactive := create(br+"/exchangeProtectionPolicies", `{"displayName":"Inactive"}`)
	groups := make([]string, 101)
	for i := range groups {
		groups[i] = fmt.Sprintf("'%08x-0000-0000-0000-000000000000'", i)
	}
	many := make([]string, 51)
	for i := range many {
		many[i] = `{"siteId":"` + sites[0].ID + `"}`
	}
	rules := func(policy, id string) string { return od + policy + "/driveInclusionRules/" + id }
	for _, tt := range []struct {
		operation, method, path, body string
		status                        int
		code, constant                string
	}{
		{"create policy", "POST", br + "/sharePointProtectionPolicies", `[1]`, 400, "InvalidCreateRequest", backuprestore.CodeInvalidCreateRequest},
		{"create policy", "POST", br + "/sharePointProtectionPolicies", `{"displayName":""}`, 400, "InvalidDisplayName", backuprestore.CodeInvalidDisplayName},
		{"create policy", "POST", br + "/sharePointProtectionPolicies", `{"displayName":"x","siteProtectionUnits":[{"siteId":"not an id"}]}`, 400, "InvalidProtectionUnitId", backuprestore.CodeInvalidProtectionUnitID},
		{"create policy", "POST", br + "/sharePointProtectionPolicies", `{"displayName":"x","siteProtectionUnits":[` + strings.Join(many, ",") + `]}`, 413, "ProtectionUnitsLimitBreached", backuprestore.CodeProtectionUnitsLimitBreached},
		{"create policy", "POST", br + "/sharePointProtectionPolicies", `{"displayName":"y","siteProtectionUnits":[{"siteId":"` + sites[1].ID + `"}]}`, 409, "ProtectionUnitAlreadyExists", backuprestore.CodeProtectionUnitAlreadyExists},
		{"activate", "POST", br + "/protectionPolicies/a%01b/activate", "", 400, "InvalidPolicyId", backuprestore.CodeInvalidPolicyID},
		{"activate", "POST", br + "/protectionPolicies/" + spPolicy + "/activate", "", 403, "PolicyActionNotAllowed", backuprestore.CodePolicyActionNotAllowed},
		{"activate", "POST", br + "/protectionPolicies/nope/activate", "", 404, "PolicyNotFound", backuprestore.CodePolicyNotFound},
		{"deactivate", "POST", br + "/protectionPolicies/" + inactive + "/deactivate", "", 403, "PolicyActionNotAllowed", backuprestore.CodePolicyActionNotAllowed},
		{"deactivate", "POST", br + "/protectionPolicies/nope/deactivate", "", 404, "PolicyNotFound", backuprestore.CodePolicyNotFound},
		{"delete policy", "DELETE", br + "/protectionPolicies/a%01b", "", 400, "InvalidPolicyId", backuprestore.CodeInvalidPolicyID},
		{"delete policy", "DELETE", br + "/protectionPolicies/" + spPolicy, "", 403, "PolicyActionNotAllowed", backuprestore.CodePolicyActionNotAllowed},
		{"delete policy", "DELETE", br + "/protectionPolicies/nope", "", 404, "PolicyNotFound", backuprestore.CodePolicyNotFound},
		{"create rule", "POST", od + odPolicy + "/driveInclusionRules", `{"other":1}`, 400, "InvalidInclusionRuleCreateRequest", backuprestore.CodeInvalidInclusionRuleCreateRequest},
		{"create rule", "POST", od + odPolicy + "/driveInclusionRules", `{"driveExpression":"everyone"}`, 400, "InvalidRuleExpression", backuprestore.CodeInvalidRuleExpression},
		{"create rule", "POST", od + odPolicy + "/driveInclusionRules", `{"driveExpression":"(memberOf -any (group.id -in [` + strings.Join(groups, ",") + `]))"}`, 413, "InvalidRuleExpressionGroupLimitExceeded", backuprestore.CodeInvalidRuleExpressionGroupLimitExceeded},
		{"update rule", "PATCH", rules(odPolicy, dynamic), `{"isAutoApplyEnabled":false}`, 400, "InvalidProtectionRulePatchRequest", backuprestore.CodeInvalidProtectionRulePatchRequest},
		{"update rule", "PATCH", rules(odPolicy, updating), `{"driveExpression":"` + dynExpr + `"}`, 400, "InvalidProtectionRuleStatusForUpdation", backuprestore.CodeInvalidProtectionRuleStatusForUpdation},
		{"update rule", "PATCH", rules(odPolicy, dynamic), `{"driveExpression":"x"}`, 400, "InvalidRuleExpression", backuprestore.CodeInvalidRuleExpression},
		{"update rule", "PATCH", sp + spPolicy + "/siteInclusionRules/" + static, `{"siteExpression":"(siteName -contains 'abc')"}`, 400, "PatchNotAllowedForStaticRule", backuprestore.CodePatchNotAllowedForStaticRule},
		{"update rule", "PATCH", rules(odPolicy, "nope"), `{"driveExpression":"` + dynExpr + `"}`, 404, "ProtectionRuleNotFound", backuprestore.CodeProtectionRuleNotFound},
		{"update rule", "PATCH", rules(odPolicy, deleting), `{"driveExpression":"` + dynExpr + `"}`, 422, "InvalidProtectionRuleStatusForDynamicRuleEdit", backuprestore.CodeInvalidProtectionRuleStatusForDynamicRuleEdit},
		{"deleteAndUnprotect", "POST", rules(odPolicy, "a%01b") + "/deleteAndUnprotect", "", 400, "InvalidInclusionRuleId", backuprestore.CodeInvalidInclusionRuleID},
		{"deleteAndUnprotect", "POST", rules(odPolicy, "nope") + "/deleteAndUnprotect", "", 404, "ProtectionRuleNotFound", backuprestore.CodeProtectionRuleNotFound},
		{"deleteAndUnprotect", "POST", rules(odPolicy, updating) + "/deleteAndUnprotect", "", 422, "InvalidProtectionRuleStatusForDynamicRuleDeleteAndUnprotectAll", backuprestore.CodeInvalidProtectionRuleStatusForDeleteAndUnprotect},
		{"run", "POST", rules(odPolicy, "a%01b") + "/run", "", 400, "InvalidInclusionRuleId", backuprestore.CodeInvalidInclusionRuleID},
		{"run", "POST", sp + spPolicy + "/siteInclusionRules/" + activeStatic + "/run", "", 400, "ProtectionRuleActionNotAllowed", backuprestore.CodeProtectionRuleActionNotAllowed},
		{"run", "POST", rules(odPolicy, dynamic) + "/run", "", 400, "RunNotAllowedForDynamicRule", backuprestore.CodeRunNotAllowedForDynamicRule},
		{"run", "POST", rules(odPolicy, "nope") + "/run", "", 404, "ProtectionRuleNotFound", backuprestore.CodeProtectionRuleNotFound},
		{"get rule", "GET", rules(odPolicy, "a%01b"), "", 400, "InvalidInclusionRuleId", backuprestore.CodeInvalidInclusionRuleID},
		{"get rule", "GET", rules(odPolicy, "nope"), "", 404, "ProtectionRuleNotFound", backuprestore.CodeProtectionRuleNotFound},
		{"delete rule", "DELETE", rules(odPolicy, "a%01b"), "", 400, "InvalidInclusionRuleId", backuprestore.CodeInvalidInclusionRuleID},
		{"delete rule", "DELETE", sp + spPolicy + "/siteInclusionRules/" + activeStatic, "", 400, "InvalidProtectionRuleStatusForDeletion", backuprestore.CodeInvalidProtectionRuleStatusForDeletion},
		{"delete rule", "DELETE", rules(odPolicy, "nope"), "", 404, "ProtectionRuleNotFound", backuprestore.CodeProtectionRuleNotFound},
		{"delete rule", "DELETE", rules(odPolicy, updating), "", 422, "InvalidProtectionRuleStatusForDynamicRuleDeletion", backuprestore.CodeInvalidProtectionRuleStatusForDynamicRuleDeletion},
	} {
		t.Run(tt.operation+" "+tt.code, func(t *testing.T) {
			require.Equal(t, tt.code, tt.constant, "the SDK's constant")
			a := r.do(tt.method, tt.path, tt.body)
			require.Equal(t, tt.status, a.status, "%s", a.body)
			var m map[string]any
			require.NoError(t, json.Unmarshal(a.body, &m))
			require.Equal(t, tt.code, m["error"].(map[string]any)["code"], "%s", a.body)
		})
	}

	// 409 PolicyCreationNotAllowed: with one active policy per workload.
	one := fake.NewServer(&fake.Options{OneActivePolicyPerWorkload: true})
	var exID string
	for _, p := range one.SeedPolicies() {
		if p.Kind == models.PolicyKindExchange {
			exID = p.ID
		}
	}
	r2 := &rig{t: t, srv: one, client: one.Client(), token: r.token}
	require.Equal(t, 202, r2.do("POST", br+"/protectionPolicies/"+exID+"/activate", "").status)
	a := r2.do("POST", br+"/exchangeProtectionPolicies", `{"displayName":"Second"}`)
	require.Equal(t, 409, a.status, "%s", a.body)
	require.Contains(t, string(a.body), `"code":"`+backuprestore.CodePolicyCreationNotAllowed+`"`)
}
