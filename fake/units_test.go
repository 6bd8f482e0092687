package fake_test

import (
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// docsUnit is the unit of the cancelOffboard page's example 1.
func docsUnit(t *testing.T) fake.Unit {
	t.Helper()
	app := &fake.Identity{ID: "1fec8e78-bce4-4aaf-ab1b-5451cc387264", DisplayName: "Microsoft Enhanced Restore"}
	created, err := time.Parse(time.RFC3339Nano, "2015-06-19T12:01:03.45Z")
	require.NoError(t, err)
	offReq, err := time.Parse(time.RFC3339Nano, "2015-07-19T12:01:03.45Z")
	require.NoError(t, err)
	return fake.Unit{
		Kind:                      models.KindSite,
		ID:                        "89014d8c-71fe-4d00-a01a-31850bc5b32c",
		SiteID:                    "contoso-jpn.sharepoint.com,da60e844-ba1d-49bc-b4d4-d5e36bae9019,0271110f-634f-4300-a841-3a8a2e900900",
		PolicyID:                  "845457dc-4bb2-4815-bef3-8628ebd1952e",
		Status:                    models.StatusOffboardRequested,
		ProtectionSources:         "manual",
		CreatedBy:                 fake.IdentitySet{Application: app, User: &fake.Identity{Email: "rian@contoso.com", ID: "845457dc-4bb2-4815-bef3-8628ebd1952e", DisplayName: "Rian"}},
		CreatedDateTime:           created,
		LastModifiedDateTime:      created,
		OffboardRequestedDateTime: offReq,
	}
}

// TestDocsExampleCancelOffboard replays the cancelOffboard page's two
// examples and checks the bytes.
func TestDocsExampleCancelOffboard(t *testing.T) {
	e := newEnv(t, nil)
	u := docsUnit(t)
	e.srv.SetNow(u.OffboardRequestedDateTime)
	e.add(u)
	cred := fake.NewDelegatedCredential()
	cred.SetClaim("oid", "845457dc-4bb2-4815-bef3-8628ebd1952e")
	cred.SetClaim("name", "Ryan")
	cred.SetClaim("upn", "ryan@contoso.com")
	cred.SetClaim("appid", "1fec8e78-bce4-4aaf-ab1b-5451cc387264")
	cred.SetClaim("app_displayname", "Microsoft Enhanced Restore")

	r := e.do("POST", unitPath(u.ID, "cancelOffboard"), token(cred.Token()), prefer())
	require.Equal(t, http.StatusOK, r.status)
	const want = `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#solutions/backupRestore/protectionUnits/$entity",` +
		`"@odata.type":"#microsoft.graph.siteProtectionUnit","id":"89014d8c-71fe-4d00-a01a-31850bc5b32c",` +
		`"siteId":"contoso-jpn.sharepoint.com,da60e844-ba1d-49bc-b4d4-d5e36bae9019,0271110f-634f-4300-a841-3a8a2e900900",` +
		`"siteName":null,"siteWebUrl":null,"policyId":"845457dc-4bb2-4815-bef3-8628ebd1952e","status":"cancelOffboardRequested",` +
		`"protectionSources":"manual","createdBy":{"application":{"id":"1fec8e78-bce4-4aaf-ab1b-5451cc387264","displayName":"Microsoft Enhanced Restore"},` +
		`"user":{"email":"rian@contoso.com","id":"845457dc-4bb2-4815-bef3-8628ebd1952e","displayName":"Rian"}},` +
		`"createdDateTime":"2015-06-19T12:01:03.4500000Z",` +
		`"lastModifiedBy":{"application":{"id":"1fec8e78-bce4-4aaf-ab1b-5451cc387264","displayName":"Microsoft Enhanced Restore"},` +
		`"user":{"email":"ryan@contoso.com","id":"845457dc-4bb2-4815-bef3-8628ebd1952e","displayName":"Ryan"}},` +
		`"lastModifiedDateTime":"2015-07-19T12:01:03.4500000Z","error":null,"offboardRequestedDateTime":"2015-07-19T12:01:03.4500000Z"}`
	require.Equal(t, want, string(r.body))
	require.Equal(t, "include-unknown-enum-members", r.header.Get("Preference-Applied"))

	// Example 2: the unit is no longer in the offboarding flow.
	r = e.do("POST", unitPath(u.ID, "cancelOffboard"), header("client-request-id", "my-correlation-id"))
	require.Equal(t, http.StatusForbidden, r.status)
	rid := r.header.Get("request-id")
	require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, rid)
	require.Equal(t, "my-correlation-id", r.header.Get("client-request-id"))
	require.Equal(t, `{"error":{"code":"OperationNotAllowed","message":"Offboarding cannot be cancelled as it is not in a valid state.","details":[],`+
		`"innerError":{"date":"2015-07-19T12:01:03","request-id":"`+rid+`","client-request-id":"my-correlation-id"}}}`, string(r.body))
}

func TestCommonHeaders(t *testing.T) {
	e := newEnv(t, nil)
	e.add(site("s1", models.StatusProtected, "p"))
	for _, path := range []string{unitPath("s1"), unitsPath, unitPath("nope"), "/nowhere"} {
		r := e.do("GET", path)
		require.Equal(t, "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8", r.header.Get("Content-Type"), path)
		require.NotEmpty(t, r.header.Get("request-id"))
		require.Equal(t, r.header.Get("request-id"), r.header.Get("client-request-id"), "generated when not sent")
		require.NotEmpty(t, r.header.Get("Date"))
		require.Equal(t, "4.0", r.header.Get("OData-Version"))
		require.Empty(t, r.header.Get("Preference-Applied"))
	}
	r := e.do("GET", unitPath("s1"), header("client-request-id", "abc"))
	require.Equal(t, "abc", r.header.Get("client-request-id"))
	require.NotEqual(t, "abc", r.header.Get("request-id"))
}

func TestUnitShapes(t *testing.T) {
	e := newEnv(t, nil)
	e.add(site("s1", models.StatusProtected, "p"), drive("d1", models.StatusProtected, "p"), mailbox("m1", models.StatusProtected, "p"))
	keyOrder := regexp.MustCompile(`"([A-Za-z@.]+)":`)
	want := map[string][]string{
		"s1": {"@odata.context", "@odata.type", "id", "siteId", "siteName", "siteWebUrl", "policyId", "status", "protectionSources", "createdBy", "application", "id", "displayName", "createdDateTime", "lastModifiedBy", "application", "id", "displayName", "lastModifiedDateTime", "error", "offboardRequestedDateTime"},
		"d1": {"@odata.context", "@odata.type", "id", "directoryObjectId", "displayName", "email", "policyId", "status", "protectionSources", "createdBy", "application", "id", "displayName", "createdDateTime", "lastModifiedBy", "application", "id", "displayName", "lastModifiedDateTime", "error", "offboardRequestedDateTime"},
	}
	want["m1"] = want["d1"]
	types := map[string]string{"s1": "#microsoft.graph.siteProtectionUnit", "d1": "#microsoft.graph.driveProtectionUnit", "m1": "#microsoft.graph.mailboxProtectionUnit"}
	for id, keys := range want {
		r := e.do("GET", unitPath(id))
		var got []string
		for _, m := range keyOrder.FindAllStringSubmatch(string(r.body), -1) {
			got = append(got, m[1])
		}
		require.Equal(t, keys, got, id)
		m := r.json(t)
		require.Equal(t, types[id], m["@odata.type"])
		require.Nil(t, m["error"])
		require.Equal(t, "0001-01-01T00:00:00.0000000Z", m["offboardRequestedDateTime"])
		require.Equal(t, "2026-01-01T00:00:00.0000000Z", m["createdDateTime"])
	}
	// A unit error is written in full.
	u := site("err", models.StatusProtectRequested, "p")
	u.Error = &fake.PublicError{Code: "QuotaExceeded", Message: "Backup size quota exceeded.", Details: []fake.PublicErrorDetail{{Code: "c", Message: "m", Target: "t"}}}
	e.add(u)
	r := e.do("GET", unitPath("err"))
	require.Contains(t, string(r.body), `"error":{"code":"QuotaExceeded","message":"Backup size quota exceeded.","target":null,"details":[{"code":"c","message":"m","target":"t"}],"innerError":null}`)
}

func TestAddUnit(t *testing.T) {
	srv := fake.NewServer(nil)
	require.NoError(t, srv.AddUnit(site("a", models.StatusProtected, "p")))
	require.ErrorContains(t, srv.AddUnit(site("a", models.StatusProtected, "p")), "already exists")
	for name, u := range map[string]fake.Unit{
		"empty id":       site("", models.StatusProtected, "p"),
		"control char":   site("a\x01", models.StatusProtected, "p"),
		"dot":            site(".", models.StatusProtected, "p"),
		"whitespace":     site("  ", models.StatusProtected, "p"),
		"no kind":        {ID: "x"},
		"bad kind":       {ID: "x", Kind: models.UnitKind(7)},
		"bad status":     site("x", "deleted", "p"),
		"sentinel state": site("x", models.StatusUnknownFutureValue, "p"),
	} {
		require.Error(t, srv.AddUnit(u), name)
	}
	long := make([]byte, 1025)
	for i := range long {
		long[i] = 'a'
	}
	require.Error(t, srv.AddUnit(site(string(long), models.StatusProtected, "p")))
	require.NoError(t, srv.AddUnit(site(string(long[:1024]), models.StatusProtected, "p")))

	// Defaults.
	require.NoError(t, srv.AddUnit(fake.Unit{ID: "inferred", SiteID: "h,1,2"}))
	u, ok := srv.Unit("inferred")
	require.True(t, ok)
	require.Equal(t, models.KindSite, u.Kind)
	require.Equal(t, models.StatusUnprotected, u.Status)
	require.Equal(t, "none", u.ProtectionSources)
	require.Equal(t, fake.DefaultStart, u.CreatedDateTime)
	require.Equal(t, u.CreatedDateTime, u.LastModifiedDateTime)
	require.NotNil(t, u.CreatedBy.Application)
	require.True(t, u.Offboardable())
	require.NoError(t, srv.AddUnit(fake.Unit{ID: "attached", Kind: models.KindDrive, PolicyID: "p"}))
	u, _ = srv.Unit("attached")
	require.Equal(t, models.StatusProtected, u.Status)
	require.Equal(t, "manual", u.ProtectionSources)
	require.False(t, u.Offboardable())
	require.NoError(t, srv.AddUnit(fake.Unit{ID: "off", Kind: models.KindDrive, Status: models.StatusOffboardRequested}))
	u, _ = srv.Unit("off")
	require.Equal(t, fake.DefaultStart, u.OffboardRequestedDateTime)

	// Copies: changing what the emulator handed out changes nothing.
	u, _ = srv.Unit("a")
	u.Status = models.StatusOffboarded
	u.CreatedBy.Application.DisplayName = "changed"
	u2, _ := srv.Unit("a")
	require.Equal(t, models.StatusProtected, u2.Status)
	require.NotEqual(t, "changed", u2.CreatedBy.Application.DisplayName)
	all := srv.Units()
	require.Len(t, all, srv.Len())
	all[0].ID = "zzz"
	require.NotEqual(t, "zzz", srv.Units()[0].ID)

	// Units are sorted by ID.
	var ids []string
	for _, u := range srv.Units() {
		ids = append(ids, u.ID)
	}
	require.IsIncreasing(t, ids)

	_, ok = srv.Unit("nope")
	require.False(t, ok)
}

func TestUpdateAndRemoveUnit(t *testing.T) {
	e := newEnv(t, nil)
	e.add(site("s", models.StatusProtected, "p"))
	// Play the service's part: remove the unit from its policy.
	u, err := e.srv.UpdateUnit("s", func(u *fake.Unit) {
		u.PolicyID, u.Status, u.ProtectionSources = "", models.StatusUnprotected, "none"
		u.ID, u.Kind = "ignored", models.KindDrive
	})
	require.NoError(t, err)
	require.Equal(t, "s", u.ID)
	require.Equal(t, models.KindSite, u.Kind)
	require.True(t, u.Offboardable())
	ts := e.srv.Transitions("s")
	require.Len(t, ts, 1)
	require.Equal(t, fake.Transition{UnitID: "s", From: models.StatusProtected, To: models.StatusUnprotected, At: fake.DefaultStart, Cause: fake.CauseUpdate}, ts[0])
	r := e.do("POST", unitPath("s", "offboard"))
	require.Equal(t, http.StatusOK, r.status)

	_, err = e.srv.UpdateUnit("nope", func(*fake.Unit) {})
	require.Error(t, err)
	_, err = e.srv.UpdateUnit("s", func(u *fake.Unit) { u.Status = "bogus" })
	require.Error(t, err)

	// Entering offboardRequested through an update arms the grace timer.
	e.add(site("t", models.StatusProtected, "p"))
	_, err = e.srv.UpdateUnit("t", func(u *fake.Unit) { u.Status = models.StatusOffboardRequested })
	require.NoError(t, err)
	e.srv.Advance(fake.DefaultGracePeriod)
	require.Equal(t, models.StatusOffboarded, e.status("t"))

	require.True(t, e.srv.RemoveUnit("s"))
	require.False(t, e.srv.RemoveUnit("s"))
	require.Equal(t, http.StatusNotFound, e.do("GET", unitPath("s")).status)
	require.Len(t, e.srv.Transitions("s"), 3, "update, offboard, timer: transitions outlive the unit")
}
