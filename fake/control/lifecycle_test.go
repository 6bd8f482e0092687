package control_test

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

const (
	brRoot = "/solutions/backupRestore"
	sp     = models.PolicyKindSharePoint
)

// policyPath is the path of a policy in its typed collection, plus rest.
func policyPath(k models.PolicyKind, id string, rest ...string) string {
	p := brRoot + "/" + k.CollectionSegment() + "/" + url.PathEscape(id)
	for _, r := range rest {
		p += "/" + r
	}
	return p
}

// removal is a @delta removal item.
func removal(id string) map[string]any {
	return map[string]any{"@removed": map[string]any{"reason": "changed"}, "id": id}
}

// deltaBody is a PATCH body with the delta items for policy kind k.
func deltaBody(t *testing.T, k models.PolicyKind, items ...map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{k.DeltaKey(): items})
	require.NoError(t, err)
	return string(b)
}

// patch sends a policy PATCH with a JSON body.
func (e *env) patch(k models.PolicyKind, id, b string) *result {
	e.t.Helper()
	return e.do("PATCH", policyPath(k, id), header("Content-Type", "application/json"), body(b))
}

// add stores units or fails the test.
func (e *env) add(units ...fake.Unit) {
	e.t.Helper()
	for _, u := range units {
		require.NoError(e.t, e.srv.AddUnit(u))
	}
}

// site returns a site unit in status st with policy pol.
func site(id string, st models.ProtectionUnitStatus, pol string) fake.Unit {
	return fake.Unit{Kind: models.KindSite, ID: id, Status: st, PolicyID: pol,
		SiteID:   "contoso.sharepoint.com,11111111-1111-1111-1111-111111111111,22222222-2222-2222-2222-222222222222",
		SiteName: "Site " + id, SiteWebURL: "https://contoso.sharepoint.com/sites/" + id}
}

func TestAdminLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	const admin = "http://emulator/_emulator"
	r := e.do("POST", admin+"/policies?seed=true", noAuth())
	require.Equal(t, 200, r.status, "%s", r.body)
	require.EqualValues(t, 6, r.json(t)["policies"])
	require.Equal(t, 400, e.do("POST", admin+"/policies?seed=maybe", noAuth()).status)
	r = e.do("POST", admin+"/policies", noAuth(), body(`{"kind":"exchange","id":"ex-9","displayName":"Shared mailboxes","isEnabled":false}`))
	require.Equal(t, 201, r.status, "%s", r.body)
	require.Equal(t, "#microsoft.graph.exchangeProtectionPolicy", r.json(t)["@odata.type"])
	require.Equal(t, false, r.json(t)["isEnabled"])
	r = e.do("POST", admin+"/policies", noAuth(), body(`{"@odata.type":"#microsoft.graph.oneDriveForBusinessProtectionPolicy"}`))
	require.Equal(t, 201, r.status, "%s", r.body)
	require.Equal(t, true, r.json(t)["isEnabled"])
	for _, bad := range []string{`{"kind":"teams"}`, `{"kind":"exchange","id":"ex-9"}`, `nope`} {
		require.Equal(t, 400, e.do("POST", admin+"/policies", noAuth(), body(bad)).status, bad)
	}
	r = e.do("GET", admin+"/policies", noAuth())
	require.Len(t, r.json(t)["value"], 8)

	r = e.do("POST", admin+"/service-status?status=protectionChangeLocked", noAuth())
	require.Equal(t, 200, r.status, "%s", r.body)
	require.Equal(t, "protectionChangeLocked", r.json(t)["status"])
	require.Equal(t, models.ServiceProtectionChangeLocked, e.srv.ServiceStatus().Status)
	r = e.do("POST", admin+"/service-status", noAuth(), body(`{"status":"disabled","disableReason":"userRequested","gracePeriodDateTime":"2026-02-01T00:00:00Z"}`))
	require.Equal(t, 200, r.status, "%s", r.body)
	require.Equal(t, "userRequested", r.json(t)["disableReason"])
	require.Equal(t, "2026-02-01T00:00:00.0000000Z", r.json(t)["gracePeriodDateTime"])
	r = e.do("POST", admin+"/service-status", noAuth(), body(`{"gracePeriodDateTime":""}`))
	require.Nil(t, r.json(t)["gracePeriodDateTime"])
	require.Equal(t, "disabled", r.json(t)["status"], "absent members are kept")
	for _, bad := range []string{`{"status":"paused"}`, `{"gracePeriodDateTime":"soon"}`, `{"restoreAllowedTillDateTime":"x"}`, `[`} {
		require.Equal(t, 400, e.do("POST", admin+"/service-status", noAuth(), body(bad)).status, bad)
	}
	require.Equal(t, "disabled", e.do("GET", admin+"/service-status", noAuth()).json(t)["status"])

	r = e.do("GET", admin+"/settings", noAuth())
	require.Equal(t, map[string]any{"deltaErrorShape": "dataModificationException", "removalDelay": "10m0s"}, r.json(t))
	r = e.do("POST", admin+"/settings?deltaErrorShape=PublicError&removalDelay=2h", noAuth())
	require.Equal(t, 200, r.status, "%s", r.body)
	require.Equal(t, map[string]any{"deltaErrorShape": "publicError", "removalDelay": "2h0m0s"}, r.json(t))
	require.Equal(t, fake.DeltaErrorPublicError, e.srv.DeltaErrorShape())
	require.Equal(t, 2*time.Hour, e.srv.RemovalDelay())
	r = e.do("POST", admin+"/settings?removalDelay=1d", noAuth())
	require.Equal(t, "24h0m0s", r.json(t)["removalDelay"])
	for _, bad := range []string{"deltaErrorShape=xml", "removalDelay=-1m", "removalDelay=soon"} {
		require.Equal(t, 400, e.do("POST", admin+"/settings?"+bad, noAuth()).status, bad)
	}

	// Transitions and requests carry the policy.
	require.NoError(t, e.srv.SetServiceStatus(models.ServiceEnabled))
	var p fake.Policy
	for _, q := range e.srv.Policies() {
		if q.Kind == sp {
			p = q
		}
	}
	e.add(site("s", models.StatusProtected, p.ID))
	require.Equal(t, 200, e.patch(sp, p.ID, deltaBody(t, sp, removal("s"))).status)
	r = e.do("GET", admin+"/transitions", noAuth())
	last := r.json(t)["value"].([]any)
	require.Equal(t, p.ID, last[len(last)-1].(map[string]any)["policyId"])
	require.Equal(t, "remove", last[len(last)-1].(map[string]any)["cause"])
	r = e.do("GET", admin+"/requests", noAuth())
	reqs := r.json(t)["value"].([]any)
	lr := reqs[len(reqs)-1].(map[string]any)
	require.Equal(t, "policyPatch", lr["route"])
	require.Equal(t, p.ID, lr["policyId"])
}
