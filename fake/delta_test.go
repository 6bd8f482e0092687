package fake_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

const guidRe = `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`

func TestDeltaRemovalLifecycle(t *testing.T) {
	e := policyEnv(t, nil)
	require.Equal(t, models.PolicyStatusActive, e.policyStatus("sp-1"))
	r := e.patch(sp, "sp-1", deltaBody(t, sp, removal("s1")), prefer())
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	m := r.json(t)
	require.Equal(t, "https://graph.microsoft.com/v1.0/$metadata#solutions/backupRestore/sharePointProtectionPolicies/$entity", m["@odata.context"])
	require.Equal(t, "SharePoint Protection Policy", m["displayName"])
	require.Equal(t, "updating", m["status"], "the policy updates while the removal is pending")
	echo := deltaEcho(t, r, sp)
	require.Len(t, echo, 1)
	require.Equal(t, "s1", echo[0]["id"])
	require.Equal(t, "removeRequested", echo[0]["status"])
	require.Equal(t, "sp-1", echo[0]["policyId"], "policyId is kept while the removal is pending")
	require.Nil(t, echo[0]["error"])
	require.NotContains(t, echo[0], "@odata.type", "the echo's items carry no @odata.type")
	require.Equal(t, fake.TestUserID, echo[0]["lastModifiedBy"].(map[string]any)["user"].(map[string]any)["id"])

	u := e.unit("s1")
	require.Equal(t, models.StatusRemoveRequested, u.Status)
	require.Equal(t, "sp-1", u.PolicyID)
	require.Equal(t, models.PolicyStatusUpdating, e.policyStatus("sp-1"))
	require.Contains(t, e.do("GET", policyPath(sp, "sp-1", "siteProtectionUnits")).ids(t), "s1")
	require.Equal(t, http.StatusForbidden, e.do("POST", unitPath("s1", "offboard")).status, "not offboardable yet")
	p, _ := e.srv.Policy("sp-1")
	require.Equal(t, e.srv.Now(), p.LastModifiedDateTime)
	require.Equal(t, fake.TestUserName, p.LastModifiedBy.User.DisplayName)

	e.srv.Advance(fake.DefaultRemovalDelay - time.Nanosecond)
	require.Equal(t, models.StatusRemoveRequested, e.status("s1"))
	e.srv.Advance(time.Nanosecond)
	u = e.unit("s1")
	require.Equal(t, models.StatusUnprotected, u.Status)
	require.Empty(t, u.PolicyID)
	require.Equal(t, "none", u.ProtectionSources)
	require.True(t, u.Offboardable())
	require.Equal(t, models.PolicyStatusActive, e.policyStatus("sp-1"), "back to active: the other units are protected")
	require.NotContains(t, e.do("GET", policyPath(sp, "sp-1", "siteProtectionUnits")).ids(t), "s1")

	tr := e.srv.Transitions("s1")
	require.Len(t, tr, 2)
	require.Equal(t, fake.Transition{UnitID: "s1", From: models.StatusProtected, To: models.StatusRemoveRequested, At: fake.DefaultStart,
		Cause: fake.CauseRemove, RequestID: r.header.Get("request-id"), PolicyID: "sp-1"}, tr[0])
	require.Equal(t, fake.Transition{UnitID: "s1", From: models.StatusRemoveRequested, To: models.StatusUnprotected,
		At: fake.DefaultStart.Add(fake.DefaultRemovalDelay), Cause: fake.CauseRemoved, PolicyID: "sp-1"}, tr[1])

	// Now it can be offboarded; a second removal is refused per item.
	require.Equal(t, http.StatusOK, e.do("POST", unitPath("s1", "offboard")).status)
	r = e.patch(sp, "sp-1", deltaBody(t, sp, removal("s1")))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, deltaEcho(t, r, sp)[0], "@Core.DataModificationException")
	require.Equal(t, 1, causes(e.srv.Transitions("s1"), fake.CauseRemove), "removed once")
}

func TestDeltaAdd(t *testing.T) {
	e := policyEnv(t, &fake.Options{ProtectDelay: time.Hour})
	siteID := "contoso.sharepoint.com,aaaaaaaa-1111-1111-1111-111111111111,bbbbbbbb-2222-2222-2222-222222222222"
	r := e.patch(sp, "sp-2", deltaBody(t, sp, map[string]any{"siteId": siteID}))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	echo := deltaEcho(t, r, sp)
	require.Len(t, echo, 1)
	id := echo[0]["id"].(string)
	require.Regexp(t, guidRe, id, "a new unit with a generated ID")
	require.Equal(t, siteID, echo[0]["siteId"])
	require.Equal(t, "sp-2", echo[0]["policyId"])
	require.Equal(t, "protectRequested", echo[0]["status"])
	require.Equal(t, "manual", echo[0]["protectionSources"])
	require.Equal(t, "updating", r.json(t)["status"])
	require.Equal(t, []string{id}, e.do("GET", policyPath(sp, "sp-2", "siteProtectionUnits")).ids(t))

	e.srv.Advance(time.Hour)
	require.Equal(t, models.StatusProtected, e.status(id))
	require.Equal(t, models.PolicyStatusActive, e.policyStatus("sp-2"))
	tr := e.srv.Transitions(id)
	require.Len(t, tr, 2)
	require.Equal(t, fake.CauseAdd, tr[0].Cause)
	require.Equal(t, models.ProtectionUnitStatus(""), tr[0].From, "the add created the unit")
	require.Equal(t, models.StatusProtectRequested, tr[0].To)
	require.Equal(t, "sp-2", tr[0].PolicyID)
	require.Equal(t, fake.CauseProtected, tr[1].Cause)
	require.Equal(t, models.StatusProtected, tr[1].To)

	// Drives and mailboxes are added by directoryObjectId; a removed unit's
	// names carry over to the new unit of the same owner.
	e.add(drive("d-old", models.StatusUnprotected, ""))
	r = e.patch(od, "od-1", deltaBody(t, od, map[string]any{"directoryObjectId": "DIR-d-old"}, map[string]any{"directoryObjectId": "fresh-owner"}))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	echo = deltaEcho(t, r, od)
	require.Equal(t, "DIR-d-old", echo[0]["directoryObjectId"])
	require.Equal(t, "Owner d-old", echo[0]["displayName"])
	require.Equal(t, "protectRequested", echo[1]["status"])
	require.Nil(t, echo[1]["displayName"])
	require.NotEqual(t, "d-old", echo[0]["id"])

	// The same site again: already protected under sp-2 (case-insensitively).
	r = e.patch(sp, "sp-1", deltaBody(t, sp, map[string]any{"siteId": strings.ToUpper(siteID)}))
	require.Equal(t, http.StatusOK, r.status)
	item := deltaEcho(t, r, sp)[0]
	exc := item["@Core.DataModificationException"].(map[string]any)
	require.Equal(t, "add", exc["failedOperation"])
	require.Contains(t, exc["info"].(map[string]any)["message"], "already protected under policy sp-2")
	require.Equal(t, strings.ToUpper(siteID), item["siteId"])
}

func TestDeltaItemFailures(t *testing.T) {
	setup := func(t *testing.T, shape fake.DeltaErrorShape) *env {
		e := policyEnv(t, &fake.Options{DeltaErrorShape: shape})
		e.add(site("s-pending", models.StatusRemoveRequested, "sp-1"), site("s-offboarding", models.StatusOffboardRequested, "sp-1"),
			site("s-other", models.StatusProtected, "sp-2"), drive("d-kind", models.StatusProtected, ""))
		return e
	}
	const taken = "contoso.sharepoint.com,11111111-1111-1111-1111-111111111111,22222222-2222-2222-2222-222222222222" // s1's site
	items := []map[string]any{
		removal("nope"), removal("s-other"), removal("s-free"), removal("s-pending"), removal("s-offboarding"),
		{"siteId": taken}, removal("s2"),
	}
	type want struct {
		key, val string
		msg      string // DataModification message
		code     string // publicError code
		detail   string // publicError details[0].code
	}
	wants := []want{
		{"id", "nope", "The identifier to be removed from the Protection Policy does not exist", "ProtectionUnitNotFound", ""},
		{"id", "s-other", "The protection unit 's-other' does not belong to the Protection Policy 'sp-1'.", "ProtectionUnitNotFound", "ProtectionUnitNotInPolicy"},
		{"id", "s-free", "The protection unit 's-free' has already been removed from its Protection Policy.", "ProtectionUnitNotFound", "ProtectionUnitAlreadyRemoved"},
		{"id", "s-pending", "The removal of the protection unit 's-pending' from the Protection Policy has already been requested.", "ProtectionUnitNotFound", "ProtectionUnitRemoveAlreadyRequested"},
		{"id", "s-offboarding", "The protection unit 's-offboarding' is in state 'offboardRequested' and can't be removed from the Protection Policy.", "ProtectionUnitNotFound", "ProtectionUnitNotRemovable"},
		{"siteId", taken, "Artifact " + taken + " is not eligible for protection because it is already protected under policy sp-1.", "ProtectionUnitAlreadyExists", ""},
	}

	t.Run("dataModificationException", func(t *testing.T) {
		e := setup(t, fake.DeltaErrorDataModification)
		r := e.patch(sp, "sp-1", deltaBody(t, sp, items...))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		echo := deltaEcho(t, r, sp)
		require.Len(t, echo, len(items), "one entry per requested item, in order")
		seen := map[string]bool{}
		for i, w := range wants {
			it := echo[i]
			require.ElementsMatch(t, []string{"@contentId", "@Core.DataModificationException", w.key}, mapKeys(it), "%v", it)
			require.Equal(t, w.val, it[w.key])
			cid := it["@contentId"].(string)
			require.Regexp(t, guidRe, cid)
			require.False(t, seen[cid])
			seen[cid] = true
			op := "remove"
			if w.key == "siteId" {
				op = "add"
			}
			b, _ := json.Marshal(it["@Core.DataModificationException"])
			require.JSONEq(t, `{"info":{"code":"Invalid","message":`+quoteJSON(w.msg)+`},"failedOperation":"`+op+`","responseCode":409}`, string(b))
		}
		require.Equal(t, "removeRequested", echo[6]["status"], "a good item beside failed ones is applied")
		require.Equal(t, models.StatusRemoveRequested, e.status("s2"))
		for _, id := range []string{"s-other", "s-free", "s-pending", "s-offboarding", "s1"} {
			require.Zero(t, causes(e.srv.Transitions(id), fake.CauseRemove), id)
		}
	})
	t.Run("publicError", func(t *testing.T) {
		e := setup(t, fake.DeltaErrorPublicError)
		r := e.patch(sp, "sp-1", deltaBody(t, sp, items...))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		echo := deltaEcho(t, r, sp)
		require.Len(t, echo, len(items))
		for i, w := range wants {
			it := echo[i]
			require.ElementsMatch(t, []string{w.key, "error"}, mapKeys(it), "no status: a client reads the item as failed")
			require.Equal(t, w.val, it[w.key])
			pe := it["error"].(map[string]any)
			require.Equal(t, w.code, pe["code"])
			require.Equal(t, w.val, pe["target"])
			if w.code == "ProtectionUnitNotFound" {
				require.Equal(t, "ProtectionUnit level error: ProtectionUnit doesn't exist.", pe["message"])
			} else {
				require.Equal(t, w.msg, pe["message"])
			}
			details := pe["details"].([]any)
			if w.detail == "" {
				require.Empty(t, details)
				continue
			}
			require.Len(t, details, 1)
			d := details[0].(map[string]any)
			require.Equal(t, w.detail, d["code"])
			require.Equal(t, w.msg, d["message"])
		}
		require.Equal(t, "removeRequested", echo[6]["status"])
	})
	t.Run("switch at runtime", func(t *testing.T) {
		e := setup(t, fake.DeltaErrorDataModification)
		require.NoError(t, e.srv.SetDeltaErrorShape(fake.DeltaErrorPublicError))
		require.Equal(t, fake.DeltaErrorPublicError, e.srv.DeltaErrorShape())
		require.Error(t, e.srv.SetDeltaErrorShape(fake.DeltaErrorShape(7)))
		r := e.patch(sp, "sp-1", deltaBody(t, sp, removal("nope")))
		require.Contains(t, deltaEcho(t, r, sp)[0], "error")
	})
}

// quoteJSON returns s as a JSON string.
func quoteJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestDeltaWholeRequestErrors(t *testing.T) {
	many := make([]map[string]any, 51)
	for i := range many {
		many[i] = removal(fmt.Sprintf("x%d", i))
	}
	tests := []struct {
		name   string
		kind   models.PolicyKind
		policy string
		body   string
		ctype  string
		status int
		code   string
	}{
		{"duplicate id", sp, "sp-1", deltaBody(t, sp, removal("s1"), removal("s2"), removal("s1")), "", 400, "DuplicateProtectionUnitInList"},
		{"duplicate artifact", sp, "sp-1", deltaBody(t, sp, map[string]any{"siteId": "h,A,B"}, removal("s2"), map[string]any{"siteId": "H,a,b"}), "", 400, "DuplicateProtectionUnitInList"},
		{"dynamic rule", sp, "sp-1", deltaBody(t, sp, removal("s2"), removal("s-dyn")), "", 400, "ProtectionUnitActionNotAllowed"},
		{"dynamic rule only", sp, "sp-1", deltaBody(t, sp, removal("s-rule")), "", 400, "ProtectionUnitActionNotAllowed"},
		{"unknown policy", sp, "nope", deltaBody(t, sp, removal("s1")), "", 404, "PolicyNotFound"},
		{"policy of another type", sp, "od-1", deltaBody(t, sp, removal("s1")), "", 404, "PolicyNotFound"},
		{"too many items", sp, "sp-1", deltaBody(t, sp, many...), "", 413, "ProtectionUnitsLimitBreached"},
		{"empty body", sp, "sp-1", "", "", 400, "BadRequest"},
		{"not JSON", sp, "sp-1", "{", "", 400, "BadRequest"},
		{"array body", sp, "sp-1", "[]", "", 400, "BadRequest"},
		{"nothing to do", sp, "sp-1", `{"@odata.type":"#microsoft.graph.sharePointProtectionPolicy"}`, "", 400, "BadRequest"},
		{"delta not an array", sp, "sp-1", `{"siteProtectionUnits@delta":{}}`, "", 400, "BadRequest"},
		{"delta null", sp, "sp-1", `{"siteProtectionUnits@delta":null}`, "", 400, "BadRequest"},
		{"item not an object", sp, "sp-1", `{"siteProtectionUnits@delta":["s1"]}`, "", 400, "BadRequest"},
		{"reason deleted", sp, "sp-1", `{"siteProtectionUnits@delta":[{"@removed":{"reason":"deleted"},"id":"s1"}]}`, "", 400, "BadRequest"},
		{"@removed not an object", sp, "sp-1", `{"siteProtectionUnits@delta":[{"@removed":true,"id":"s1"}]}`, "", 400, "BadRequest"},
		{"removal without id", sp, "sp-1", `{"siteProtectionUnits@delta":[{"@removed":{"reason":"changed"}}]}`, "", 400, "BadRequest"},
		{"id without @removed", sp, "sp-1", `{"siteProtectionUnits@delta":[{"id":"s1"}]}`, "", 400, "BadRequest"},
		{"remove and add", sp, "sp-1", `{"siteProtectionUnits@delta":[{"@removed":{},"id":"s1","siteId":"h,a,b"}]}`, "", 400, "BadRequest"},
		{"empty siteId", sp, "sp-1", `{"siteProtectionUnits@delta":[{"siteId":" "}]}`, "", 400, "BadRequest"},
		{"site added by owner", sp, "sp-1", `{"siteProtectionUnits@delta":[{"directoryObjectId":"o"}]}`, "", 400, "BadRequest"},
		{"drive added by userId", od, "od-1", `{"driveProtectionUnits@delta":[{"userId":"o"}]}`, "", 400, "BadRequest"},
		{"unknown item property", sp, "sp-1", `{"siteProtectionUnits@delta":[{"siteId":"h,a,b","status":"protected"}]}`, "", 400, "BadRequest"},
		{"item of another type", sp, "sp-1", `{"siteProtectionUnits@delta":[{"@odata.type":"#microsoft.graph.driveProtectionUnit","siteId":"h,a,b"}]}`, "", 400, "BadRequest"},
		{"another workload's key", sp, "sp-1", `{"driveProtectionUnits@delta":[]}`, "", 400, "BadRequest"},
		{"unknown property", sp, "sp-1", `{"description":"x","siteProtectionUnits@delta":[]}`, "", 400, "BadRequest"},
		{"not patchable", sp, "sp-1", `{"isEnabled":false}`, "", 400, "BadRequest"},
		{"body of another type", sp, "sp-1", `{"@odata.type":"#microsoft.graph.exchangeProtectionPolicy","siteProtectionUnits@delta":[]}`, "", 400, "BadRequest"},
		{"displayName not a string", sp, "sp-1", `{"displayName":7}`, "", 400, "BadRequest"},
		{"displayName empty", sp, "sp-1", `{"displayName":""}`, "", 400, "InvalidDisplayName"},
		{"displayName too long", sp, "sp-1", `{"displayName":"` + strings.Repeat("x", 1025) + `"}`, "", 400, "InvalidDisplayName"},
		{"query option", sp, "sp-1?$select=id", deltaBody(t, sp, removal("s1")), "", 400, "BadRequest"},
		{"text body", sp, "sp-1", deltaBody(t, sp, removal("s1")), "text/plain", 415, "UnsupportedMediaType"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := policyEnv(t, nil)
			e.add(withSources(site("s-dyn", models.StatusProtected, "sp-1"), "manual,dynamicRule"),
				withSources(site("s-rule", models.StatusProtected, "sp-1"), "dynamicRule"))
			before, pol := e.srv.Units(), e.srv.Policies()
			path := policyPath(tt.kind, "x")
			path = path[:len(path)-1] + tt.policy
			opts := []reqOpt{body(tt.body)}
			if tt.ctype != "" {
				opts = append(opts, contentType(tt.ctype))
			}
			r := e.do("PATCH", path, opts...)
			require.Equal(t, tt.status, r.status, "%s", r.body)
			require.Equal(t, tt.code, r.errCode(t), r.errMessage(t))
			require.Equal(t, before, e.srv.Units(), "nothing applied")
			require.Equal(t, pol, e.srv.Policies())
			require.Empty(t, e.srv.AllTransitions())
		})
	}
	e := policyEnv(t, nil)
	e.add(withSources(site("s-dyn", models.StatusProtected, "sp-1"), "manual,dynamicRule"))
	r := e.patch(sp, "sp-1", deltaBody(t, sp, removal("s-dyn")))
	require.Equal(t, "Protection units protected via dynamic rules can't be removed manually.", r.errMessage(t))
	r = e.patch(sp, "sp-1", deltaBody(t, sp, removal("s1"), removal("s1")))
	require.Equal(t, "Protection Unit level error: Duplicate Protection Unit in list.", r.errMessage(t))
	r = e.patch(sp, "sp-1", deltaBody(t, sp, many...))
	require.Equal(t, "Number of Protection Units in each request must not exceed 50.", r.errMessage(t))
	// A dynamic-rule unit of another policy is a per-item failure, not a 400.
	e.add(withSources(site("s-dyn-other", models.StatusProtected, "sp-2"), "dynamicRule"))
	r = e.patch(sp, "sp-1", deltaBody(t, sp, removal("s-dyn-other")))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
}

func TestDeltaMaxItems(t *testing.T) {
	items := func(n int) []map[string]any {
		out := make([]map[string]any, n)
		for i := range out {
			out[i] = map[string]any{"siteId": fmt.Sprintf("contoso.sharepoint.com,%d,%d", i, i)}
		}
		return out
	}
	e := newEnv(t, &fake.Options{MaxDeltaItems: -1})
	e.addPolicy("p", sp)
	r := e.patch(sp, "p", deltaBody(t, sp, items(120)...))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Len(t, deltaEcho(t, r, sp), 120)
	require.Len(t, e.srv.Units(), 120)

	e = newEnv(t, &fake.Options{MaxDeltaItems: 3})
	e.addPolicy("p", sp)
	require.Equal(t, http.StatusOK, e.patch(sp, "p", deltaBody(t, sp, items(3)...)).status)
	r = e.patch(sp, "p", deltaBody(t, sp, items(4)...))
	require.Equal(t, "ProtectionUnitsLimitBreached", r.errCode(t))
	require.Equal(t, "Number of Protection Units in each request must not exceed 3.", r.errMessage(t))
	require.Equal(t, http.StatusOK, e.patch(sp, "p", deltaBody(t, sp)).status, "an empty @delta is fine")
}

func TestDeltaKiotaShapedBody(t *testing.T) {
	// msgraph-sdk-go's NewSharePointProtectionPolicy() writes @odata.type,
	// and Kiota models of the units write theirs.
	e := policyEnv(t, nil)
	b := `{"@odata.type":"#microsoft.graph.sharePointProtectionPolicy","displayName":"Renamed","siteProtectionUnits@delta":[` +
		`{"@odata.type":"#microsoft.graph.siteProtectionUnit","@removed":{"reason":"changed"},"id":"s1"},` +
		`{"@odata.type":"microsoft.graph.siteProtectionUnit","siteId":"h,x,y"},{"@removed":{},"id":"s2"}]}`
	r := e.patch(sp, "sp-1", b)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Equal(t, "Renamed", r.json(t)["displayName"])
	echo := deltaEcho(t, r, sp)
	require.Equal(t, "removeRequested", echo[0]["status"])
	require.Equal(t, "protectRequested", echo[1]["status"])
	require.Equal(t, "removeRequested", echo[2]["status"], "@removed without a reason means changed")
	r = e.patch(sp, "sp-1", `{"@odata.type":"#microsoft.graph.protectionPolicyBase","@odata.context":"x","displayName":"Base"}`)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)

	// Content-Type with parameters is JSON; no Content-Type is tolerated (the Exchange page omits it).
	r = e.patch(sp, "sp-1", `{"displayName":"With charset"}`, contentType("application/json; charset=utf-8"))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	r = e.do("PATCH", policyPath(sp, "sp-1"), body(`{"displayName":"No type"}`))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
}

func TestDeltaDisplayNameOnly(t *testing.T) {
	e := policyEnv(t, nil)
	before, _ := e.srv.Policy("sp-2")
	e.srv.Advance(time.Minute)
	cred := fake.NewAppCredential(fake.PermissionReadWrite)
	r := e.patch(sp, "sp-2", `{"displayName":"Legal hold"}`, token(cred.Token()))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	m := r.json(t)
	require.Equal(t, "Legal hold", m["displayName"])
	require.NotContains(t, m, "siteProtectionUnits@delta", "no @delta echo without @delta")
	p, _ := e.srv.Policy("sp-2")
	require.Equal(t, "Legal hold", p.DisplayName)
	require.Equal(t, before.CreatedDateTime, p.CreatedDateTime)
	require.Equal(t, e.srv.Now(), p.LastModifiedDateTime)
	require.Nil(t, p.LastModifiedBy.User, "an app-only caller")
	require.Equal(t, fake.TestAppID, p.LastModifiedBy.Application.ID)
	require.Empty(t, e.srv.AllTransitions())
}

func TestDeltaServiceStatusLock(t *testing.T) {
	for _, st := range []models.BackupServiceStatus{models.ServiceProtectionChangeLocked, models.ServiceRestoreLocked, models.ServiceDisabled} {
		t.Run(string(st), func(t *testing.T) {
			e := policyEnv(t, &fake.Options{ServiceStatus: st})
			require.Equal(t, st, e.srv.ServiceStatus().Status)
			before := e.srv.Units()
			for _, b := range []string{deltaBody(t, sp, removal("s1")), `{"displayName":"x"}`} {
				r := e.patch(sp, "sp-1", b)
				require.Equal(t, http.StatusForbidden, r.status, "%s", r.body)
				require.Equal(t, "ProtectionChangeLocked", r.errCode(t))
				require.Contains(t, r.errMessage(t), "'"+string(st)+"'")
			}
			require.Equal(t, before, e.srv.Units())
			require.Empty(t, e.srv.AllTransitions())
			// Reads still work; enabling the service again lets the PATCH through.
			require.Equal(t, http.StatusOK, e.do("GET", policyPath(sp, "sp-1")).status)
			require.NoError(t, e.srv.SetServiceStatus(models.ServiceEnabled))
			require.Equal(t, http.StatusOK, e.patch(sp, "sp-1", deltaBody(t, sp, removal("s1"))).status)
		})
	}
	e := policyEnv(t, nil)
	require.NoError(t, e.srv.SetServiceStatus(models.ServiceProtectionChangeLocked))
	require.Equal(t, http.StatusForbidden, e.patch(sp, "sp-1", deltaBody(t, sp, removal("s1"))).status)
	require.Equal(t, 404, e.patch(sp, "nope", deltaBody(t, sp, removal("s1"))).status, "404 before the lock")
}

func TestDeltaPermissions(t *testing.T) {
	tests := []struct {
		name       string
		cred       *fake.Credential
		read, pat  int
		offboard   int
		serviceGet int
	}{
		{"delegated ReadWrite", fake.NewDelegatedCredential(fake.PermissionReadWrite), 200, 200, 200, 403},
		{"app ReadWrite", fake.NewAppCredential(fake.PermissionReadWrite), 200, 200, 403, 403},
		{"delegated Read", fake.NewDelegatedCredential(fake.PermissionRead), 200, 403, 403, 403},
		{"app Read", fake.NewAppCredential(fake.PermissionRead), 200, 403, 403, 403},
		{"app Control.Read only", fake.NewAppCredential(fake.PermissionControlRead), 403, 403, 403, 200},
		{"delegated Control.ReadWrite", fake.NewDelegatedCredential(fake.PermissionControlReadWrite), 403, 403, 403, 200},
		{"defaults", fake.NewDelegatedCredential(), 200, 200, 200, 200},
		{"app defaults", fake.NewAppCredential(), 200, 200, 403, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := policyEnv(t, nil)
			tok := token(tt.cred.Token())
			for _, path := range []string{brRoot + "/protectionPolicies", policyPath(sp, "sp-1"), policyPath(sp, "sp-1", "siteProtectionUnits"),
				policyPath(sp, "sp-1", "siteProtectionUnits", "s1"), policyPath(sp, "sp-1", "siteProtectionUnits", "$count")} {
				require.Equal(t, tt.read, e.do("GET", path, tok).status, path)
			}
			r := e.patch(sp, "sp-1", deltaBody(t, sp, removal("s1")), tok)
			require.Equal(t, tt.pat, r.status, "%s", r.body)
			if tt.pat == 403 {
				require.Equal(t, "Forbidden", r.errCode(t))
				require.Contains(t, r.errMessage(t), fake.PermissionReadWrite)
				require.Equal(t, models.StatusProtected, e.status("s1"))
			}
			e.add(site("free", models.StatusUnprotected, ""))
			require.Equal(t, tt.offboard, e.do("POST", unitPath("free", "offboard"), tok).status)
			require.Equal(t, tt.serviceGet, e.do("GET", brRoot, tok).status)
		})
	}
	e := policyEnv(t, nil)
	require.Equal(t, http.StatusUnauthorized, e.patch(sp, "sp-1", deltaBody(t, sp, removal("s1")), noAuth()).status)
	require.Equal(t, http.StatusOK, e.patch(sp, "sp-1", deltaBody(t, sp, removal("s1")), token("opaque")).status)
	require.Equal(t, http.StatusOK, e.do("GET", brRoot, token("opaque")).status, "opaque tokens read the service status")
}

func TestDeltaTransitionsProveOnce(t *testing.T) {
	// Remove, let the removal finish, offboard, and try everything again:
	// the log shows each step once per unit.
	e := policyEnv(t, nil)
	ids := []string{"s1", "s2", "s3"}
	var items []map[string]any
	for _, id := range ids {
		items = append(items, removal(id))
	}
	for range 3 {
		require.Equal(t, http.StatusOK, e.patch(sp, "sp-1", deltaBody(t, sp, items...)).status)
	}
	e.srv.Advance(fake.DefaultRemovalDelay)
	for range 2 {
		require.Equal(t, http.StatusOK, e.patch(sp, "sp-1", deltaBody(t, sp, items...)).status)
		for _, id := range ids {
			e.do("POST", unitPath(id, "offboard"))
		}
	}
	for _, id := range ids {
		ts := e.srv.Transitions(id)
		require.Equal(t, 1, causes(ts, fake.CauseRemove), id)
		require.Equal(t, 1, causes(ts, fake.CauseRemoved), id)
		require.Equal(t, 1, causes(ts, fake.CauseOffboard), id)
		require.Len(t, ts, 3)
	}
}

func TestDeltaRemovalDelaySetting(t *testing.T) {
	e := policyEnv(t, &fake.Options{RemovalDelay: time.Hour})
	require.Equal(t, time.Hour, e.srv.RemovalDelay())
	require.Equal(t, http.StatusOK, e.patch(sp, "sp-1", deltaBody(t, sp, removal("s1"))).status)
	require.NoError(t, e.srv.SetRemovalDelay(time.Minute))
	require.Error(t, e.srv.SetRemovalDelay(0))
	require.Equal(t, http.StatusOK, e.patch(sp, "sp-1", deltaBody(t, sp, removal("s2"))).status)
	e.srv.Advance(time.Minute)
	require.Equal(t, models.StatusUnprotected, e.status("s2"), "the new delay applies to the new removal")
	require.Equal(t, models.StatusRemoveRequested, e.status("s1"), "the pending removal keeps its deadline")
	e.srv.Advance(time.Hour)
	require.Equal(t, models.StatusUnprotected, e.status("s1"))
}
