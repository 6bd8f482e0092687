package fake_test

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

const (
	sp = models.PolicyKindSharePoint
	od = models.PolicyKindOneDrive
	ex = models.PolicyKindExchange
)

// policyEnv has four policies: sp-1 (active), sp-2 (no units, inactive),
// od-1 (activeWithErrors), ex-1 (updating).
func policyEnv(t *testing.T, opts *fake.Options) *env {
	t.Helper()
	e := newEnv(t, opts)
	e.addPolicy("sp-1", sp)
	e.addPolicy("sp-2", sp)
	e.addPolicy("od-1", od)
	e.addPolicy("ex-1", ex)
	e.add(
		site("s1", models.StatusProtected, "sp-1"), site("s2", models.StatusProtected, "sp-1"),
		site("s3", models.StatusProtected, "sp-1"), site("s-free", models.StatusUnprotected, ""),
		drive("d1", models.StatusProtected, "od-1"), drive("d2", models.StatusUnprotected, "od-1"),
		mailbox("m1", models.StatusRemoveRequested, "ex-1"), mailbox("m2", models.StatusProtected, "ex-1"),
	)
	return e
}

func TestPolicyRoutes(t *testing.T) {
	e := policyEnv(t, nil)
	all := brRoot + "/protectionPolicies"
	tests := []struct {
		name, method, path string
		status             int
		code               string
		ids                []string
	}{
		{"list all", "GET", all, 200, "", []string{"ex-1", "od-1", "sp-1", "sp-2"}},
		{"list sharePoint", "GET", brRoot + "/sharePointProtectionPolicies", 200, "", []string{"sp-1", "sp-2"}},
		{"list oneDrive", "GET", brRoot + "/oneDriveForBusinessProtectionPolicies", 200, "", []string{"od-1"}},
		{"list exchange", "GET", brRoot + "/exchangeProtectionPolicies", 200, "", []string{"ex-1"}},
		{"case-insensitive", "GET", "/solutions/backupRestore/SharePointProtectionPolicies", 200, "", []string{"sp-1", "sp-2"}},
		{"filter status", "GET", all + "?$filter=status eq 'active'", 200, "", []string{"sp-1"}},
		{"filter typed status", "GET", all + "?$filter=status eq microsoft.graph.protectionPolicyStatus'updating'", 200, "", []string{"ex-1"}},
		{"filter or", "GET", all + "?$filter=status eq 'inactive' or status eq 'activeWithErrors'", 200, "", []string{"od-1", "sp-2"}},
		{"filter displayName", "GET", all + "?$filter=displayName eq 'OneDrive Protection Policy'", 200, "", []string{"od-1"}},
		{"filter unknown member", "GET", all + "?$filter=status eq 'protected'", 400, "BadRequest", nil},
		{"filter unsupported property", "GET", all + "?$filter=isEnabled eq true", 400, "BadRequest", nil},
		{"filter policy status on units", "GET", unitsPath + "?$filter=status eq 'active'", 400, "BadRequest", nil},
		{"select", "GET", all + "?$select=id", 200, "", []string{"ex-1", "od-1", "sp-1", "sp-2"}},
		{"select unknown property", "GET", all + "?$select=colour", 400, "BadRequest", nil},
		{"orderby refused", "GET", all + "?$orderby=id", 400, "BadRequest", nil},
		{"count", "GET", all + "/$count", 200, "", nil},
		{"after count", "GET", all + "/$count/x", 400, "BadRequest", nil},
		{"POST count", "POST", all + "/$count", 405, "UnknownError", nil},
		{"get", "GET", all + "/sp-1", 200, "", nil},
		{"get typed", "GET", policyPath(od, "od-1"), 200, "", nil},
		{"get typed wrong type", "GET", policyPath(sp, "od-1"), 404, "PolicyNotFound", nil},
		{"get unknown", "GET", all + "/nope", 404, "PolicyNotFound", nil},
		{"get malformed id", "GET", all + "/a%01b", 400, "InvalidPolicyId", nil},
		{"PATCH on protectionPolicies", "PATCH", all + "/sp-1", 501, "notSupported", nil},
		{"DELETE typed: only an inactive policy", "DELETE", policyPath(sp, "sp-1"), 403, "PolicyActionNotAllowed", nil},
		{"PUT typed", "PUT", policyPath(sp, "sp-1"), 405, "UnknownError", nil},
		{"POST collection without a body", "POST", brRoot + "/sharePointProtectionPolicies", 400, "InvalidCreateRequest", nil},
		{"POST base collection", "POST", all, 501, "notSupported", nil},
		{"cast collection", "GET", all + "/microsoft.graph.sharePointProtectionPolicy", 200, "", []string{"sp-1", "sp-2"}},
		{"cast count", "GET", all + "/graph.oneDriveForBusinessProtectionPolicy/$count", 200, "", nil},
		{"cast item", "GET", all + "/sp-1/microsoft.graph.sharePointProtectionPolicy", 200, "", nil},
		{"cast item wrong type", "GET", all + "/sp-1/microsoft.graph.exchangeProtectionPolicy", 404, "PolicyNotFound", nil},
		{"cast item units", "GET", all + "/sp-1/microsoft.graph.sharePointProtectionPolicy/siteProtectionUnits", 200, "", []string{"s1", "s2", "s3"}},
		{"typed with other cast", "GET", brRoot + "/sharePointProtectionPolicies/microsoft.graph.exchangeProtectionPolicy", 400, "BadRequest", nil},
		{"activate an active policy", "POST", all + "/sp-1/activate", 403, "PolicyActionNotAllowed", nil},
		{"GET activate", "GET", all + "/sp-1/activate", 405, "UnknownError", nil},
		{"inclusion rules", "GET", policyPath(sp, "sp-1", "siteInclusionRules"), 200, "", nil},
		{"other workload's rules", "GET", policyPath(sp, "sp-1", "driveInclusionRules"), 400, "BadRequest", nil},
		{"bulk jobs", "GET", policyPath(sp, "sp-1", "siteProtectionUnitsBulkAdditionJobs"), 200, "", nil},
		{"rule unknown", "GET", policyPath(sp, "sp-1", "siteInclusionRules", "nope"), 404, "ProtectionRuleNotFound", nil},
		{"rule bad id", "GET", policyPath(sp, "sp-1", "siteInclusionRules", "a%01"), 400, "InvalidInclusionRuleId", nil},
		{"other workload's units", "GET", policyPath(sp, "sp-1", "driveProtectionUnits"), 400, "BadRequest", nil},
		{"units of base collection", "GET", all + "/sp-1/siteProtectionUnits", 400, "BadRequest", nil},
		{"policy units", "GET", policyPath(sp, "sp-1", "siteProtectionUnits"), 200, "", []string{"s1", "s2", "s3"}},
		{"policy units unknown policy", "GET", policyPath(sp, "nope", "siteProtectionUnits"), 404, "PolicyNotFound", nil},
		{"policy units other type", "GET", policyPath(ex, "sp-1", "mailboxProtectionUnits"), 404, "PolicyNotFound", nil},
		{"policy unit", "GET", policyPath(sp, "sp-1", "siteProtectionUnits", "s2"), 200, "", nil},
		{"policy unit not in policy", "GET", policyPath(sp, "sp-2", "siteProtectionUnits", "s2"), 404, "ProtectionUnitNotFound", nil},
		{"policy unit removed", "GET", policyPath(sp, "sp-1", "siteProtectionUnits", "s-free"), 404, "ProtectionUnitNotFound", nil},
		{"policy unit bad id", "GET", policyPath(sp, "sp-1", "siteProtectionUnits", "a%01"), 400, "InvalidProtectionUnitId", nil},
		{"policy unit too deep", "GET", policyPath(sp, "sp-1", "siteProtectionUnits", "s2", "offboard"), 400, "BadRequest", nil},
		{"policy units count", "GET", policyPath(od, "od-1", "driveProtectionUnits", "$count"), 200, "", nil},
		{"policy units after count", "GET", policyPath(od, "od-1", "driveProtectionUnits", "$count", "x"), 400, "BadRequest", nil},
		{"policy units POST", "POST", policyPath(od, "od-1", "driveProtectionUnits"), 501, "notSupported", nil},
		{"service status", "GET", brRoot, 200, "", nil},
		{"service status POST", "POST", brRoot, 405, "UnknownError", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tt.method, tt.path)
			require.NoError(t, r.err)
			require.Equal(t, tt.status, r.status, "%s", r.body)
			if tt.code != "" {
				require.Equal(t, tt.code, r.errCode(t))
			}
			if tt.ids != nil {
				require.Equal(t, tt.ids, r.ids(t))
			}
			if tt.status == 405 {
				require.NotEmpty(t, r.header.Get("Allow"))
			}
			require.NotEmpty(t, r.header.Get("request-id"))
		})
	}
	require.Equal(t, "GET, PATCH, DELETE", e.do("PUT", policyPath(sp, "sp-1")).header.Get("Allow"))
	require.Equal(t, "Unable to get the Protection Policy.", e.do("GET", all+"/nope").errMessage(t))
	require.Equal(t, "4", string(e.do("GET", all+"/$count").body))
	require.Equal(t, "2", string(e.do("GET", brRoot+"/sharePointProtectionPolicies/$count?$filter=status eq 'inactive' or status eq 'active'").body))
	require.Equal(t, "1", string(e.do("GET", policyPath(od, "od-1", "driveProtectionUnits", "$count")+"?$filter=status eq 'protected'").body))
}

func TestPolicyJSON(t *testing.T) {
	e := newEnv(t, nil)
	created := time.Date(2025, 6, 19, 12, 1, 3, 450_000_000, time.UTC)
	_, err := e.srv.AddPolicy(fake.Policy{
		ID: "b218eb4a-ea72-42bd-8f0b-d0bbf794bec7", Kind: sp, DisplayName: "SharePoint Protection Policy", IsEnabled: true,
		CreatedBy:       fake.IdentitySet{Application: &fake.Identity{ID: "1fec8e78-bce4-4aaf-ab1b-5451cc387264", DisplayName: "Microsoft Enhanced Restore"}, User: &fake.Identity{ID: "845457dc-4bb2-4815-bef3-8628ebd1952e", DisplayName: "User1", Email: "User1@contoso.com"}},
		CreatedDateTime: created,
	})
	require.NoError(t, err)
	const item = `"@odata.type":"#microsoft.graph.sharePointProtectionPolicy","id":"b218eb4a-ea72-42bd-8f0b-d0bbf794bec7",` +
		`"displayName":"SharePoint Protection Policy","status":"inactive","isEnabled":true,` +
		`"createdBy":{"application":{"id":"1fec8e78-bce4-4aaf-ab1b-5451cc387264","displayName":"Microsoft Enhanced Restore"},"user":{"email":"User1@contoso.com","id":"845457dc-4bb2-4815-bef3-8628ebd1952e","displayName":"User1"}},` +
		`"createdDateTime":"2025-06-19T12:01:03.4500000Z",` +
		`"lastModifiedBy":{"application":{"id":"1fec8e78-bce4-4aaf-ab1b-5451cc387264","displayName":"Microsoft Enhanced Restore"},"user":{"email":"User1@contoso.com","id":"845457dc-4bb2-4815-bef3-8628ebd1952e","displayName":"User1"}},` +
		`"lastModifiedDateTime":"2025-06-19T12:01:03.4500000Z",` +
		`"retentionSettings":[{"interval":"R/PT10M","period":"P2W"},{"interval":"R/P1W","period":"P1Y"}]`
	r := e.do("GET", brRoot+"/protectionPolicies")
	require.Equal(t, `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#solutions/backupRestore/protectionPolicies","value":[{`+item+`}]}`, string(r.body))
	r = e.do("GET", policyPath(sp, "b218eb4a-ea72-42bd-8f0b-d0bbf794bec7"))
	require.Equal(t, `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#solutions/backupRestore/sharePointProtectionPolicies/$entity",`+item+`}`, string(r.body))
}

func TestPolicyPaging(t *testing.T) {
	e := newEnv(t, &fake.Options{PageSize: 3})
	var want []string
	for i := range 10 {
		id := fmt.Sprintf("pol-%02d", i)
		want = append(want, id)
		e.addPolicy(id, models.PolicyKinds()[i%3])
	}
	ids, links := e.followAll(brRoot + "/protectionPolicies")
	require.Equal(t, want, ids)
	require.Len(t, links, 3)
	require.True(t, strings.HasPrefix(links[0], base+brRoot+"/protectionPolicies?$skiptoken="), links[0])

	// $top and odata.maxpagesize lower the page size; $count rides along.
	r := e.do("GET", brRoot+"/protectionPolicies?$top=2&$count=true")
	require.Equal(t, []string{"pol-00", "pol-01"}, r.ids(t))
	require.EqualValues(t, 10, r.json(t)["@odata.count"])
	r = e.do("GET", brRoot+"/protectionPolicies", header("Prefer", "odata.maxpagesize=1"))
	require.Len(t, r.ids(t), 1)
	require.Equal(t, "odata.maxpagesize=1", r.header.Get("Preference-Applied"))

	// Typed and filtered collections page too, and tokens stay in their collection.
	ids, _ = e.followAll(brRoot + "/oneDriveForBusinessProtectionPolicies?$top=1&$filter=status eq 'inactive'")
	require.Equal(t, []string{"pol-01", "pol-04", "pol-07"}, ids)
	tok := links[0][strings.Index(links[0], "$skiptoken="):]
	r = e.do("GET", brRoot+"/exchangeProtectionPolicies?"+tok)
	require.Equal(t, 400, r.status)
	r = e.do("GET", unitsPath+"?"+tok)
	require.Equal(t, 400, r.status)
	r = e.do("GET", brRoot+"/protectionPolicies?$skiptoken=garbage")
	require.Equal(t, 400, r.status)
}

func TestPolicyStatusDerivation(t *testing.T) {
	tests := []struct {
		name  string
		units []models.ProtectionUnitStatus
		want  models.ProtectionPolicyStatus
	}{
		{"no units", nil, models.PolicyStatusInactive},
		{"all protected", []models.ProtectionUnitStatus{models.StatusProtected, models.StatusProtected}, models.PolicyStatusActive},
		{"none protected", []models.ProtectionUnitStatus{models.StatusUnprotected, models.StatusUnprotected}, models.PolicyStatusInactive},
		{"some protected", []models.ProtectionUnitStatus{models.StatusProtected, models.StatusUnprotected}, models.PolicyStatusActiveWithErrors},
		{"protect pending", []models.ProtectionUnitStatus{models.StatusProtected, models.StatusProtectRequested}, models.PolicyStatusUpdating},
		{"unprotect pending", []models.ProtectionUnitStatus{models.StatusUnprotected, models.StatusUnprotectRequested}, models.PolicyStatusUpdating},
		{"removal pending", []models.ProtectionUnitStatus{models.StatusRemoveRequested}, models.PolicyStatusUpdating},
		{"offboarding unit attached", []models.ProtectionUnitStatus{models.StatusProtected, models.StatusOffboardRequested}, models.PolicyStatusActiveWithErrors},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.addPolicy("p", sp)
			e.addPolicy("other", sp)
			e.add(site("elsewhere", models.StatusProtectRequested, "other"), site("free", models.StatusUnprotected, ""))
			for i, st := range tt.units {
				e.add(site(fmt.Sprintf("u%d", i), st, "p"))
			}
			require.Equal(t, tt.want, e.policyStatus("p"))
			r := e.do("GET", brRoot+"/protectionPolicies/p")
			require.Equal(t, string(tt.want), r.json(t)["status"])
			require.Equal(t, models.PolicyStatusUpdating, e.policyStatus("other"))
		})
	}
}

func TestPolicyUnitViews(t *testing.T) {
	e := newEnv(t, &fake.Options{PageSize: 4})
	e.addPolicy("sp-1", sp)
	e.addPolicy("sp-2", sp)
	var want []string
	for i := range 11 {
		id := fmt.Sprintf("s%02d", i)
		st := models.StatusProtected
		if i%3 == 2 {
			st = models.StatusRemoveRequested
		}
		e.add(site(id, st, "sp-1"))
		want = append(want, id)
	}
	e.add(site("other", models.StatusProtected, "sp-2"), site("free", models.StatusUnprotected, ""), drive("d", models.StatusProtected, ""))
	view := policyPath(sp, "sp-1", "siteProtectionUnits")

	ids, links := e.followAll(view)
	require.Equal(t, want, ids, "a unit in removeRequested is still in its policy's view")
	require.Len(t, links, 2)
	require.True(t, strings.HasPrefix(links[0], base+view+"?$skiptoken="), links[0])

	r := e.do("GET", view+"?$top=2&$count=true&$filter=status eq 'removeRequested'&$select=id,status,policyId")
	require.Equal(t, 200, r.status, "%s", r.body)
	m := r.json(t)
	require.Equal(t, "https://graph.microsoft.com/v1.0/$metadata#solutions/backupRestore/siteProtectionUnits(id,status,policyId)", m["@odata.context"])
	require.EqualValues(t, 3, m["@odata.count"])
	require.Equal(t, []string{"s02", "s05"}, r.ids(t))
	require.ElementsMatch(t, []string{"@odata.type", "id", "status", "policyId"}, mapKeys(m["value"].([]any)[0].(map[string]any)))
	ids, _ = e.followAll(view + "?$top=2&$filter=status eq 'removeRequested'")
	require.Equal(t, []string{"s02", "s05", "s08"}, ids)

	require.Equal(t, "11", string(e.do("GET", view+"/$count").body))
	r = e.do("GET", view+"/s05")
	require.Equal(t, 200, r.status)
	require.Equal(t, "https://graph.microsoft.com/v1.0/$metadata#solutions/backupRestore/siteProtectionUnits/$entity", r.json(t)["@odata.context"])
	require.Equal(t, 400, e.do("GET", view+"?$filter=siteName eq 'x'").status)
	require.Equal(t, 400, e.do("GET", view+"?"+links[0][strings.Index(links[0], "$skiptoken="):]+"&$top=1").status)
	// A token of one policy's view does not open another's.
	r = e.do("GET", policyPath(sp, "sp-2", "siteProtectionUnits")+"?"+links[0][strings.Index(links[0], "$skiptoken="):])
	require.Equal(t, 400, r.status)
}

func TestPolicyValidation(t *testing.T) {
	srv := fake.NewServer(nil)
	p, err := srv.AddPolicy(fake.Policy{Kind: ex})
	require.NoError(t, err)
	require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, p.ID, "a drawn ID")
	require.Equal(t, "Exchange Protection Policy", p.DisplayName)
	require.Equal(t, models.PolicyStatusInactive, p.Status)
	require.Equal(t, fake.DefaultStart, p.CreatedDateTime)
	require.Equal(t, p.CreatedBy, p.LastModifiedBy)
	require.Len(t, p.RetentionSettings, 2)

	_, err = srv.AddPolicy(fake.Policy{ID: p.ID, Kind: ex})
	require.ErrorContains(t, err, "already exists")
	for name, bad := range map[string]fake.Policy{
		"no kind":      {ID: "x"},
		"bad kind":     {ID: "x", Kind: models.PolicyKind(9)},
		"bad id":       {ID: "a\x00b", Kind: sp},
		"dot":          {ID: "..", Kind: sp},
		"long name":    {ID: "x", Kind: sp, DisplayName: strings.Repeat("n", 1025)},
		"status given": {ID: "y", Kind: sp, Status: "active"}, // accepted, but re-derived
	} {
		got, err := srv.AddPolicy(bad)
		if name == "status given" {
			require.NoError(t, err)
			require.Equal(t, models.PolicyStatusInactive, got.Status)
			continue
		}
		require.Error(t, err, name)
	}
	_, err = srv.AddPolicy(fake.Policy{ID: "x", Kind: sp, DisplayName: strings.Repeat("ü", 1024)})
	require.NoError(t, err, "1,024 characters, not bytes")

	// Units must match an existing policy's workload; unknown policies are allowed.
	require.ErrorContains(t, srv.AddUnit(drive("d", models.StatusProtected, "x")), "sharePoint policy")
	require.NoError(t, srv.AddUnit(drive("d", models.StatusProtected, "not-a-policy")))
	_, err = srv.UpdateUnit("d", func(u *fake.Unit) { u.PolicyID = "x" })
	require.Error(t, err)
	require.Equal(t, "not-a-policy", func() string { u, _ := srv.Unit("d"); return u.PolicyID }())

	// UpdatePolicy keeps the ID and kind, validates, and re-derives the status.
	got, err := srv.UpdatePolicy("x", func(p *fake.Policy) {
		p.ID, p.Kind, p.DisplayName, p.IsEnabled, p.Status = "other", ex, "Renamed", true, "active"
	})
	require.NoError(t, err)
	require.Equal(t, "x", got.ID)
	require.Equal(t, sp, got.Kind)
	require.Equal(t, "Renamed", got.DisplayName)
	require.Equal(t, models.PolicyStatusInactive, got.Status)
	_, err = srv.UpdatePolicy("x", func(p *fake.Policy) { p.DisplayName = strings.Repeat("n", 1025) })
	require.Error(t, err)
	_, err = srv.UpdatePolicy("nope", func(*fake.Policy) {})
	require.Error(t, err)

	// Copies are copies.
	got.RetentionSettings[0].Period = "P99Y"
	again, _ := srv.Policy("x")
	require.Equal(t, "P2W", again.RetentionSettings[0].Period)
	_, ok := srv.Policy("nope")
	require.False(t, ok)
	require.Len(t, srv.Policies(), 3)
}

// TestSeedPolicyConsistency checks, over several seeds and sizes, that
// Seed's units and policies agree with each other.
func TestSeedPolicyConsistency(t *testing.T) {
	for _, seed := range []uint64{0, 1, 2, 3, 42, 1 << 40} {
		for _, n := range []int{1, 20, 57, 300} {
			t.Run(fmt.Sprintf("seed=%d/n=%d", seed, n), func(t *testing.T) {
				srv := fake.NewServer(&fake.Options{Seed: seed})
				units := srv.Seed(n)
				pols := srv.Policies()
				require.Len(t, pols, 6)
				byID := map[string]fake.Policy{}
				perKind := map[models.PolicyKind]int{}
				for _, p := range pols {
					byID[p.ID] = p
					perKind[p.Kind]++
					require.True(t, validName(p.DisplayName), p.DisplayName)
					require.True(t, p.CreatedDateTime.Before(srv.Now()))
				}
				require.Equal(t, map[models.PolicyKind]int{sp: 2, od: 2, ex: 2}, perKind)
				// Same seed, same policies; another seed, others.
				again := fake.NewServer(&fake.Options{Seed: seed})
				again.Seed(n)
				require.Equal(t, pols, again.Policies())
				require.NotEqual(t, pols[0].ID, fake.NewServer(&fake.Options{Seed: seed + 7}).SeedPolicies()[0].ID)

				byPolicy := map[string][]models.ProtectionUnitStatus{}
				for _, u := range units {
					src := models.ParseProtectionSources(u.ProtectionSources)
					switch u.Status {
					case models.StatusOffboardRequested, models.StatusOffboarded, models.StatusCancelOffboardRequested:
						require.Empty(t, u.PolicyID, "units in the offboarding flow have no policy")
					case models.StatusProtected, models.StatusProtectRequested, models.StatusRemoveRequested, models.StatusUnprotectRequested:
						require.NotEmpty(t, u.PolicyID, "%s units have a policy", u.Status)
					}
					if u.PolicyID == "" {
						require.Equal(t, "none", u.ProtectionSources)
						require.True(t, u.Status == models.StatusUnprotected || u.Status == models.StatusOffboardRequested ||
							u.Status == models.StatusOffboarded || u.Status == models.StatusCancelOffboardRequested, u.Status)
						continue
					}
					p, ok := byID[u.PolicyID]
					require.True(t, ok, "unit %s names policy %s, which exists", u.ID, u.PolicyID)
					require.Equal(t, p.Kind, models.PolicyKindOf(u.Kind), "a unit's kind matches its policy's")
					require.Contains(t, []string{"manual", "dynamicRule", "manual,dynamicRule"}, u.ProtectionSources)
					require.True(t, src.Has(models.SourceManual) || src.Has(models.SourceDynamicRule))
					if p.IsEnabled {
						require.Contains(t, []models.ProtectionUnitStatus{models.StatusProtected, models.StatusProtectRequested, models.StatusRemoveRequested}, u.Status)
					} else {
						require.Contains(t, []models.ProtectionUnitStatus{models.StatusUnprotected, models.StatusUnprotectRequested}, u.Status)
					}
					require.True(t, u.CreatedDateTime.After(p.CreatedDateTime), "units come after their policy")
					byPolicy[u.PolicyID] = append(byPolicy[u.PolicyID], u.Status)
				}
				// Derived statuses follow the documented rule.
				for _, p := range pols {
					sts := byPolicy[p.ID]
					want := models.PolicyStatusInactive
					switch {
					case slices.ContainsFunc(sts, func(s models.ProtectionUnitStatus) bool {
						return s == models.StatusProtectRequested || s == models.StatusUnprotectRequested || s == models.StatusRemoveRequested
					}):
						want = models.PolicyStatusUpdating
					case len(sts) > 0 && !slices.ContainsFunc(sts, func(s models.ProtectionUnitStatus) bool { return s != models.StatusProtected }):
						want = models.PolicyStatusActive
					case slices.Contains(sts, models.StatusProtected):
						want = models.PolicyStatusActiveWithErrors
					}
					require.Equal(t, want, p.Status, "%s %v", p.DisplayName, sts)
				}

				// Nothing is overdue; once the pending changes settle, the
				// active policies are active and the deactivated inactive.
				before := srv.Units()
				srv.Advance(0)
				require.Equal(t, before, srv.Units())
				srv.Advance(fake.DefaultProtectDelay)
				for _, p := range srv.Policies() {
					require.NotEqual(t, models.PolicyStatusUpdating, p.Status)
					if !p.IsEnabled {
						require.Equal(t, models.PolicyStatusInactive, p.Status, p.DisplayName)
					} else if len(byPolicy[p.ID]) > 0 && slices.Contains(byPolicy[p.ID], models.StatusProtected) {
						require.Equal(t, models.PolicyStatusActive, p.Status, p.DisplayName)
					}
				}
				for _, u := range srv.Units() {
					if u.Status == models.StatusUnprotected && u.PolicyID == "" {
						require.Equal(t, "none", u.ProtectionSources)
					}
				}
			})
		}
	}
}

// validName reports whether a seeded policy name looks like one.
func validName(s string) bool { return strings.Contains(s, " Policy - ") }

// $select on policies: only the selected properties (and id and
// @odata.type), in the context too; protectionPolicyArtifactCount only
// when selected, counted from the policy's units (completed: protected;
// inProgress: protectRequested, unprotectRequested, removeRequested;
// failed: the others whose error is set; total: all); it follows the
// nextLink.
func TestPolicySelectAndArtifactCount(t *testing.T) {
	e := policyEnv(t, &fake.Options{PageSize: 2})
	failed := site("s-err", models.StatusUnprotected, "sp-1")
	failed.Error = &fake.PublicError{Code: "QuotaExceeded", Message: "You have exceeded the backup quota."}
	e.add(site("s-new", models.StatusProtectRequested, "sp-1"), failed, site("s-off", models.StatusUnprotected, "sp-1"))
	all := brRoot + "/protectionPolicies"

	r := e.do("GET", all+"/sp-1")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.NotContains(t, r.json(t), "protectionPolicyArtifactCount", "only when selected")

	for _, path := range []string{all + "/sp-1", policyPath(sp, "sp-1"), all + "/sp-1/microsoft.graph.sharePointProtectionPolicy"} {
		r = e.do("GET", path+"?$select=displayName,protectionPolicyArtifactCount")
		require.Equal(t, http.StatusOK, r.status, "%s: %s", path, r.body)
		m := r.json(t)
		require.Equal(t, map[string]any{"completed": 3.0, "failed": 1.0, "inProgress": 1.0, "total": 6.0}, m["protectionPolicyArtifactCount"], path)
		require.ElementsMatch(t, []string{"@odata.context", "@odata.type", "id", "displayName", "protectionPolicyArtifactCount"}, slices.Collect(maps.Keys(m)), path)
		require.True(t, strings.HasSuffix(m["@odata.context"].(string), "(displayName,protectionPolicyArtifactCount)/$entity"), m["@odata.context"])
	}

	r = e.do("GET", all+"?$select=id,protectionPolicyArtifactCount")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	next, _ := r.json(t)["@odata.nextLink"].(string)
	require.NotEmpty(t, next)
	r = e.do("GET", next)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	for _, v := range r.json(t)["value"].([]any) {
		require.Contains(t, v, "protectionPolicyArtifactCount", "the nextLink keeps the $select")
		require.NotContains(t, v, "displayName")
	}
	for _, bad := range []string{"?$select=siteProtectionUnits", "?$select=microsoft.graph.nothing/id", "?$select=", "?$orderby=id", "?$expand=siteProtectionUnits"} {
		r = e.do("GET", all+bad)
		require.Equal(t, http.StatusBadRequest, r.status, "%s: %s", bad, r.body)
	}
	require.Contains(t, e.do("GET", all+"?$orderby=id").errMessage(t), "Query option 'OrderBy' is not allowed.")
	require.Contains(t, e.do("GET", all+"/$count?$select=id").errMessage(t), "Query option 'Select' is not allowed.")
}
