package control_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/models"
)

func TestAdminAPI(t *testing.T) {
	e := newEnv(t, nil)
	const admin = "http://emulator/_emulator"
	r := e.do("GET", admin+"/clock", noAuth())
	require.Equal(t, 200, r.status)
	require.Equal(t, "2026-01-01T00:00:00Z", r.json(t)["now"])

	r = e.do("POST", admin+"/units?seed=25", noAuth())
	require.Equal(t, 200, r.status, "%s", r.body)
	require.EqualValues(t, 25, r.json(t)["added"])
	require.Equal(t, 25, e.srv.Len())

	r = e.do("POST", admin+"/units", noAuth(), body(`{"@odata.type":"#microsoft.graph.mailboxProtectionUnit","id":"m1","status":"unprotected","email":"m@contoso.com"}`))
	require.Equal(t, 201, r.status, "%s", r.body)
	require.Equal(t, "#microsoft.graph.mailboxProtectionUnit", r.json(t)["@odata.type"])
	r = e.do("POST", admin+"/units", noAuth(), body(`{"id":"m1","kind":"mailbox"}`))
	require.Equal(t, 400, r.status)

	r = e.do("POST", admin+"/faults", noAuth(), body(`{"route":"offboard","kind":"status","status":429,"retryAfter":"3","count":1}`))
	require.Equal(t, 200, r.status, "%s", r.body)
	r = e.do("POST", unitPath("m1", "offboard"))
	require.Equal(t, 429, r.status)
	require.Equal(t, "3", r.header.Get("Retry-After"))
	require.Equal(t, 200, e.do("POST", unitPath("m1", "offboard")).status)
	for _, bad := range []string{`{"kind":"nope"}`, `{"route":"nowhere","kind":"status"}`, `{"kind":"latency"}`, `{"kind":"latency","latency":"soon"}`, `not json`} {
		require.Equal(t, 400, e.do("POST", admin+"/faults", noAuth(), body(bad)).status, bad)
	}
	e.do("POST", admin+"/faults", noAuth(), body(`{"kind":"latency","latency":"1ms"}`))
	require.Equal(t, 204, e.do("DELETE", admin+"/faults", noAuth()).status)

	r = e.do("POST", admin+"/clock?advance=90d", noAuth())
	require.Equal(t, 200, r.status)
	require.Equal(t, "2026-04-01T00:00:00Z", r.json(t)["now"])
	require.Equal(t, models.StatusOffboarded, e.status("m1"))
	r = e.do("POST", admin+"/clock?set=2027-01-01T00:00:00Z", noAuth())
	require.Equal(t, "2027-01-01T00:00:00Z", r.json(t)["now"])
	require.Equal(t, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), e.srv.Now())
	require.Equal(t, 400, e.do("POST", admin+"/clock", noAuth()).status)
	require.Equal(t, 400, e.do("POST", admin+"/clock?advance=later", noAuth()).status)

	r = e.do("GET", admin+"/transitions", noAuth())
	var causes []string
	for _, v := range r.json(t)["value"].([]any) {
		if tr := v.(map[string]any); tr["unitId"] == "m1" {
			causes = append(causes, tr["cause"].(string)+":"+tr["to"].(string))
		}
	}
	require.Equal(t, []string{"offboard:offboardRequested", "timer:offboarded"}, causes)

	r = e.do("GET", admin+"/units", noAuth())
	require.Len(t, r.json(t)["value"], 26)
	require.Contains(t, string(r.body), `"offboarded"`, "real statuses")

	r = e.do("GET", admin+"/requests", noAuth())
	require.NotEmpty(t, r.json(t)["value"])
	require.NotContains(t, string(r.body), e.token)

	require.Equal(t, 204, e.do("POST", admin+"/reset", noAuth()).status)
	require.Zero(t, e.srv.Len())
	require.Equal(t, http.StatusNotFound, e.do("GET", admin+"/nothing", noAuth()).status)
}
