package fake_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/models"
)

func TestRoutes(t *testing.T) {
	e := newEnv(t, nil)
	e.add(site("s1", models.StatusProtected, "p1"), drive("d1", models.StatusProtected, "p2"), mailbox("m1", models.StatusProtected, "p3"))
	const root = "/solutions/backupRestore"
	tests := []struct {
		name, method, path string
		status             int
		code               string // error code, or "" for success
		ids                []string
	}{
		{"list all", "GET", unitsPath, 200, "", []string{"d1", "m1", "s1"}},
		{"cast site", "GET", unitsPath + "/microsoft.graph.siteProtectionUnit", 200, "", []string{"s1"}},
		{"cast site alias", "GET", unitsPath + "/graph.siteProtectionUnit", 200, "", []string{"s1"}},
		{"cast drive", "GET", unitsPath + "/microsoft.graph.driveProtectionUnit", 200, "", []string{"d1"}},
		{"cast mailbox alias", "GET", unitsPath + "/graph.mailboxProtectionUnit", 200, "", []string{"m1"}},
		{"cast base", "GET", unitsPath + "/microsoft.graph.protectionUnitBase", 200, "", []string{"d1", "m1", "s1"}},
		{"typed sites", "GET", root + "/siteProtectionUnits", 200, "", []string{"s1"}},
		{"typed drives", "GET", root + "/driveProtectionUnits", 200, "", []string{"d1"}},
		{"typed mailboxes", "GET", root + "/mailboxProtectionUnits", 200, "", []string{"m1"}},
		{"typed with own cast", "GET", root + "/siteProtectionUnits/microsoft.graph.siteProtectionUnit", 200, "", []string{"s1"}},
		{"typed with other cast", "GET", root + "/siteProtectionUnits/microsoft.graph.driveProtectionUnit", 400, "BadRequest", nil},
		{"case-insensitive segments", "GET", "/Solutions/BackupRestore/ProtectionUnits", 200, "", []string{"d1", "m1", "s1"}},
		{"trailing slash", "GET", unitsPath + "/", 200, "", []string{"d1", "m1", "s1"}},
		{"get", "GET", unitPath("s1"), 200, "", nil},
		{"get with cast", "GET", unitPath("s1", "microsoft.graph.siteProtectionUnit"), 200, "", nil},
		{"get with alias cast", "GET", unitPath("d1", "graph.driveProtectionUnit"), 200, "", nil},
		{"get with wrong cast", "GET", unitPath("s1", "microsoft.graph.driveProtectionUnit"), 404, "ProtectionUnitNotFound", nil},
		{"get typed", "GET", root + "/siteProtectionUnits/s1", 200, "", nil},
		{"get typed wrong kind", "GET", root + "/driveProtectionUnits/s1", 404, "ProtectionUnitNotFound", nil},
		{"get unknown", "GET", unitPath("nope"), 404, "ProtectionUnitNotFound", nil},
		{"get empty id", "GET", unitsPath + "//offboard", 400, "InvalidProtectionUnitId", nil},
		{"offboard", "POST", unitPath("s1", "offboard"), 403, "OperationNotAllowed", nil},
		{"qualified offboard", "POST", unitPath("s1", "microsoft.graph.offboard"), 403, "OperationNotAllowed", nil},
		{"cancelOffboard", "POST", unitPath("s1", "cancelOffboard"), 403, "OperationNotAllowed", nil},
		{"offboard unknown", "POST", unitPath("nope", "offboard"), 404, "ProtectionUnitNotFound", nil},
		{"offboard on typed collection", "POST", root + "/siteProtectionUnits/s1/offboard", 400, "BadRequest", nil},
		{"unknown action", "POST", unitPath("s1", "restore"), 400, "BadRequest", nil},
		{"too deep", "GET", unitPath("s1", "offboard", "x"), 400, "BadRequest", nil},
		{"collection not implemented", "GET", root + "/restoreSessions", 501, "notSupported", nil},
		{"unknown collection", "GET", root + "/restoreSesions", 400, "BadRequest", nil},
		{"unknown root", "GET", "/users", 400, "BadRequest", nil},
		{"backupRestore root", "GET", root, 200, "", nil},
		{"solutions alone", "GET", "/solutions", 501, "notSupported", nil},
		{"other version", "GET", "https://graph.microsoft.com/beta/solutions/backupRestore/protectionUnits", 400, "BadRequest", nil},
		{"POST list", "POST", unitsPath, 405, "UnknownError", nil},
		{"DELETE unit", "DELETE", unitPath("s1"), 405, "UnknownError", nil},
		{"PATCH typed unit", "PATCH", root + "/siteProtectionUnits/s1", 501, "notSupported", nil},
		{"offboard through a cast", "POST", unitPath("s1", "microsoft.graph.siteProtectionUnit", "offboard"), 403, "OperationNotAllowed", nil},
		{"offboard through another cast", "POST", unitPath("s1", "microsoft.graph.driveProtectionUnit", "offboard"), 404, "ProtectionUnitNotFound", nil},
		{"PATCH root", "PATCH", root, 501, "notSupported", nil},
		{"enable", "POST", root + "/enable", 501, "notSupported", nil},
		{"GET offboard", "GET", unitPath("s1", "offboard"), 405, "UnknownError", nil},
		{"GET $batch", "GET", "/$batch", 405, "UnknownError", nil},
		{"count", "GET", unitsPath + "/$count", 200, "", nil},
		{"after count", "GET", unitsPath + "/$count/x", 400, "BadRequest", nil},
		{"POST count", "POST", unitsPath + "/$count", 405, "UnknownError", nil},
		{"typed cast count", "GET", root + "/siteProtectionUnits/microsoft.graph.siteProtectionUnit/$count", 200, "", nil},
		{"count cast", "GET", unitsPath + "/graph.siteProtectionUnit/$count", 200, "", nil},
		{"count typed", "GET", root + "/mailboxProtectionUnits/$count", 200, "", nil},
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
}

func TestEscapedIDs(t *testing.T) {
	e := newEnv(t, nil)
	ids := []string{"a/b?c#d", "with space", "per%cent", "ünïcödé", "dots.and..more", "semi;colon&amp=1", "+plus+", "MjUy…XzM="}
	for _, id := range ids {
		e.add(site(id, models.StatusUnprotected, ""))
	}
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			r := e.do("GET", unitPath(id))
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			require.Equal(t, id, r.json(t)["id"])
			r = e.do("POST", unitPath(id, "offboard"), prefer())
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			require.Equal(t, string(models.StatusOffboardRequested), r.json(t)["status"])
			require.Len(t, e.srv.Transitions(id), 1)
		})
	}
	// The exact wire form of the example.
	r := e.do("GET", unitsPath+"/a%2Fb%3Fc%23d")
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, "a/b?c#d", r.json(t)["id"])
	// An ID with a control character is invalid.
	r = e.do("GET", unitsPath+"/a%00b")
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, "InvalidProtectionUnitId", r.errCode(t))
}

func TestCountEndpoint(t *testing.T) {
	e := newEnv(t, nil)
	e.add(site("s1", models.StatusProtected, "p"), site("s2", models.StatusUnprotected, ""), drive("d1", models.StatusProtected, "p"))
	for path, want := range map[string]string{
		unitsPath + "/$count": "3",
		unitsPath + "/$count?$filter=status%20eq%20'protected'":                          "2",
		unitsPath + "/microsoft.graph.siteProtectionUnit/$count":                         "2",
		"/solutions/backupRestore/driveProtectionUnits/$count":                           "1",
		"/solutions/backupRestore/siteProtectionUnits/$count?$filter=policyId%20eq%20''": "1",
	} {
		r := e.do("GET", path)
		require.Equal(t, http.StatusOK, r.status, "%s: %s", path, r.body)
		require.Equal(t, want, string(r.body), path)
		require.Contains(t, r.header.Get("Content-Type"), "text/plain")
	}
	r := e.do("GET", unitsPath+"/$count?$top=1")
	require.Equal(t, http.StatusBadRequest, r.status)
}
