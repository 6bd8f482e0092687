package conformance_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/internal/conformance"
	"github.com/m365kit/backuprestore/models"
)

// selectOnly are the properties the service returns only when $select
// names them.
var selectOnly = map[string]bool{"microsoft.graph.protectionPolicyBase/protectionPolicyArtifactCount": true}

const (
	br     = "/solutions/backupRestore"
	prefer = "Prefer: include-unknown-enum-members"
)

// validator checks answers against the excerpt and counts them.
type validator struct {
	t       *testing.T
	s       *conformance.Schema
	objects int
	types   map[string]bool
}

// check validates a 2xx JSON answer (and, for a list, follows its
// nextLinks) and returns how many objects it held.
func (v *validator) check(r *rig, path string, headers ...string) {
	v.t.Helper()
	for path != "" {
		a := r.do("GET", path, "", headers...)
		require.Equal(v.t, 200, a.status, "GET %s: %s", path, a.body)
		path = v.answer("GET "+path, a.body, headers...)
	}
}

// answer validates one JSON body and returns its nextLink ("" when none).
func (v *validator) answer(what string, body []byte, headers ...string) string {
	v.t.Helper()
	rules := conformance.Rules{Complete: true, SelectOnly: selectOnly}
	for _, h := range headers {
		rules.IncludeUnknown = rules.IncludeUnknown || h == prefer
	}
	c, errs := v.s.ValidateAnswer(body, rules)
	if len(errs) > 0 {
		v.t.Fatalf("%s: %d violations, the first:\n%s\nin %.2000s", what, len(errs), strings.Join(errs[:min(len(errs), 10)], "\n"), body)
	}
	v.types[c.Type] = true
	var m struct {
		Value []json.RawMessage `json:"value"`
		Next  string            `json:"@odata.nextLink"`
	}
	require.NoError(v.t, json.Unmarshal(body, &m))
	if c.Collection {
		v.objects += len(m.Value)
	} else {
		v.objects++
	}
	return m.Next
}

// Every JSON object the emulator sends validates against the type its
// @odata.context declares: names, primitive types and formats, enum and
// flags members (none after unknownFutureValue without the Prefer
// opt-in), no null for a non-nullable property, every property present
// (without $select), only the selected ones with it.
func TestEmulatorAnswersValidate(t *testing.T) {
	t.Parallel()
	_, s := excerpt(t)
	r := newRig(t, 120)
	v := &validator{t: t, s: s, types: map[string]bool{}}
	_, err := r.srv.UpdateUnit(siteUnit, func(u *fake.Unit) {
		u.Error = &fake.PublicError{Code: "QuotaExceeded", Message: "You have exceeded the backup quota.", Target: "s1",
			Details: []fake.PublicErrorDetail{{Code: "c", Message: "m", Target: "t"}}}
	})
	require.NoError(t, err)

	lists := []string{br + "/protectionUnits", br + "/siteProtectionUnits", br + "/driveProtectionUnits", br + "/mailboxProtectionUnits",
		br + "/protectionPolicies", br + "/protectionUnits?$top=7&$count=true", br + "/protectionUnits?$select=id,status,policyId",
		br + "/protectionUnits?$select=microsoft.graph.siteProtectionUnit/siteWebUrl,status", br + "/protectionUnits?$filter=status eq 'unknownFutureValue'",
		br + "/protectionUnits?$orderby=status desc&$top=11",
		br + "/protectionPolicies?$select=id,displayName,protectionPolicyArtifactCount", br + "/protectionPolicies/microsoft.graph.sharePointProtectionPolicy",
		br + "/protectionPolicies/" + spPolicy + "/microsoft.graph.sharePointProtectionPolicy?$select=protectionPolicyArtifactCount,status",
		br + "/protectionPolicies/" + spPolicy + "/microsoft.graph.sharePointProtectionPolicy/siteProtectionUnits"}
	for _, k := range models.PolicyKinds() {
		lists = append(lists, br+"/"+k.CollectionSegment(), br+"/protectionUnits/"+strings.TrimPrefix(k.UnitKind().ODataType(), "#"))
		for _, p := range r.srv.Policies() {
			if p.Kind == k {
				lists = append(lists, br+"/"+k.CollectionSegment()+"/"+url.PathEscape(p.ID), br+"/"+k.CollectionSegment()+"/"+url.PathEscape(p.ID)+"/"+k.UnitsSegment())
			}
		}
	}
	for _, p := range lists {
		v.check(r, p)
		v.check(r, p, prefer)
	}
	for i, u := range r.srv.Units() {
		if i%5 == 0 || u.ID == siteUnit {
			v.check(r, br+"/protectionUnits/"+url.PathEscape(u.ID))
			v.check(r, br+"/protectionUnits/"+url.PathEscape(u.ID), prefer)
		}
	}
	v.check(r, br)

	// App-only callers get names as null.
	app := *r
	app.token = fake.NewAppCredential(fake.PermissionRead, fake.PermissionControlRead).Token()
	v.check(&app, br+"/protectionUnits", prefer)

	// The actions' answers.
	require.NoError(t, r.srv.AddUnit(fake.Unit{Kind: models.KindMailbox, ID: "free", DirectoryObjectID: "o-free"}))
	for _, action := range []string{"offboard", "cancelOffboard"} {
		for _, h := range [][]string{{prefer}, nil} {
			a := r.do("POST", br+"/protectionUnits/free/"+action, "", h...)
			if a.status == 200 {
				v.answer(action, a.body, h...)
			}
		}
	}

	// The policy PATCH, in both error shapes: an accepted removal, a
	// failed one, an accepted addition.
	for _, shape := range []fake.DeltaErrorShape{fake.DeltaErrorDataModification, fake.DeltaErrorPublicError} {
		require.NoError(t, r.srv.SetDeltaErrorShape(shape))
		require.NoError(t, r.srv.AddUnit(fake.Unit{Kind: models.KindSite, ID: "rm-" + shape.String(), PolicyID: spPolicy, SiteID: "h,rm," + shape.String()}))
		body := `{"siteProtectionUnits@delta":[{"@removed":{"reason":"changed"},"id":"rm-` + shape.String() + `"},` +
			`{"@removed":{"reason":"changed"},"id":"nope"},{"siteId":"h,new,` + shape.String() + `"}]}`
		for _, h := range [][]string{{prefer}, nil} {
			a := r.do("PATCH", br+"/sharePointProtectionPolicies/"+spPolicy, body, h...)
			require.Equal(t, 200, a.status, "%s", a.body)
			v.answer("PATCH "+shape.String(), a.body, h...)
		}
	}

	// The service status, for every member the schema declares.
	for _, st := range []models.BackupServiceStatus{models.ServiceDisabled, models.ServiceProtectionChangeLocked, models.ServiceRestoreLocked, models.ServiceEnabled} {
		for _, reason := range []string{fake.DisableReasonNone, fake.DisableReasonInvalidBillingProfile, fake.DisableReasonUserRequested} {
			for _, consumer := range []string{fake.ConsumerUnknown, fake.ConsumerFirstParty, fake.ConsumerThirdParty} {
				_, err := r.srv.UpdateServiceStatus(func(ss *fake.ServiceStatus) {
					ss.Status, ss.DisableReason, ss.BackupServiceConsumer = st, reason, consumer
				})
				require.NoError(t, err)
				v.check(r, br)
			}
		}
	}
	// The protection side: a created policy, its activation, rules of
	// every workload (before and after their evaluation, with errors), a
	// deleteAndUnprotect, jobs with per-item failures.
	sites, users := r.srv.SeedDirectory(4)
	const group = "0f0e0d0c-0b0a-0908-0706-050403020100"
	require.NoError(t, r.srv.AddGroup(fake.Group{ID: group, Members: []string{users[0].ID, "1f0e0d0c-0b0a-0908-0706-050403020100"}}))
	for _, h := range [][]string{{prefer}, nil} {
		a := r.do("POST", br+"/sharePointProtectionPolicies", `{"displayName":"Created","siteProtectionUnits":[{"siteId":"`+sites[0].ID+`"}]}`, h...)
		require.Equal(t, 201, a.status, "%s", a.body)
		v.answer("create policy", a.body, h...)
		var pol struct{ ID string }
		require.NoError(t, json.Unmarshal(a.body, &pol))
		a = r.do("POST", br+"/protectionPolicies/"+pol.ID+"/activate", "", h...)
		require.Equal(t, 202, a.status, "%s", a.body)
		v.answer("activate", a.body, h...)
		sites = sites[1:]
	}
	type created struct{ path, body string }
	var made []created
	for _, c := range []created{
		{br + "/sharePointProtectionPolicies/" + spPolicy + "/siteInclusionRules", `{"siteExpression":"(siteName -contains 'Project Site')"}`},
		{br + "/oneDriveForBusinessProtectionPolicies/" + odPolicy + "/driveInclusionRules", `{"driveExpression":"(memberOf -any (group.id -in ['` + group + `']))","isAutoApplyEnabled":true}`},
		{br + "/exchangeProtectionPolicies/" + exPolicy + "/mailboxInclusionRules", `{"mailboxExpression":"(memberOf -any (group.id -in ['` + group + `']))","isAutoApplyEnabled":false}`},
		{br + "/sharePointProtectionPolicies/" + spPolicy + "/siteProtectionUnitsBulkAdditionJobs", `{"displayName":"j","siteWebUrls":["` + sites[0].WebURL + `","https://contoso.sharepoint.com/sites/gone"],"siteIds":[]}`},
		{br + "/oneDriveForBusinessProtectionPolicies/" + odPolicy + "/driveProtectionUnitsBulkAdditionJobs", `{"displayName":"j","drives":["` + users[1].Email + `"],"directoryObjectIds":["` + users[0].ID + `"]}`},
		{br + "/exchangeProtectionPolicies/" + exPolicy + "/mailboxProtectionUnitsBulkAdditionJobs", `{"displayName":"j","mailboxes":["nobody@contoso.com"]}`},
	} {
		a := r.do("POST", c.path, c.body)
		require.Equal(t, 201, a.status, "%s: %s", c.path, a.body)
		v.answer("create "+c.path, a.body)
		var obj struct{ ID string }
		require.NoError(t, json.Unmarshal(a.body, &obj))
		made = append(made, created{path: c.path + "/" + obj.ID})
	}
	for _, settled := range []bool{false, true} {
		if settled {
			r.srv.Advance(fake.DefaultJobDelay)
		}
		for _, m := range made {
			v.check(r, m.path)
			v.check(r, strings.TrimSuffix(m.path, "/"+m.path[strings.LastIndex(m.path, "/")+1:]))
		}
		for _, k := range []models.UnitKind{models.KindSite, models.KindDrive, models.KindMailbox} {
			v.check(r, br+"/"+k.InclusionRulesSegment())
			v.check(r, br+"/"+k.BulkAdditionJobsSegment(), prefer)
		}
	}
	a := r.do("POST", made[1].path+"/deleteAndUnprotect", "")
	require.Equal(t, 202, a.status, "%s", a.body)
	var wrapped struct{ Value json.RawMessage }
	require.NoError(t, json.Unmarshal(a.body, &wrapped))
	v.answer("deleteAndUnprotect", append([]byte(`{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#solutions/backupRestore/driveInclusionRules/$entity",`), wrapped.Value[1:]...))
	t.Logf("answers validated: %d JSON objects of %d declared types", v.objects, len(v.types))
	require.Greater(t, v.objects, 1000)
}

// The members only the serviceStatus page lists (disableReason
// controllerServiceAppDeleted, backupServiceConsumer none) are not in the
// v1.0 schema: the emulator sends them only when a test sets them, and the
// validator flags exactly those (the documented deviation, see fake's
// behaviour choices).
func TestPageOnlyServiceStatusMembers(t *testing.T) {
	t.Parallel()
	_, s := excerpt(t)
	r := newRig(t, 0)
	for _, tt := range []struct{ reason, consumer, flagged string }{
		{fake.DisableReasonControllerServiceAppDeleted, fake.ConsumerFirstParty, `"controllerServiceAppDeleted" is not a member of microsoft.graph.disableReason`},
		{fake.DisableReasonNone, fake.ConsumerNone, `"none" is not a member of microsoft.graph.backupServiceConsumer`},
	} {
		_, err := r.srv.UpdateServiceStatus(func(ss *fake.ServiceStatus) { ss.DisableReason, ss.BackupServiceConsumer = tt.reason, tt.consumer })
		require.NoError(t, err)
		a := r.do("GET", br, "")
		require.Equal(t, 200, a.status)
		_, errs := s.ValidateAnswer(a.body, conformance.Rules{Complete: true})
		require.Len(t, errs, 1, "%s", a.body)
		require.Contains(t, errs[0], tt.flagged)
	}
}
