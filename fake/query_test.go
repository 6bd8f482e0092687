package fake_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// queryEnv holds units with known statuses and policies.
func queryEnv(t *testing.T) *env {
	e := newEnv(t, nil)
	e.add(
		site("a", models.StatusProtected, "pol-1"),
		site("b", models.StatusProtected, "pol-2"),
		drive("c", models.StatusUnprotected, ""),
		drive("d", models.StatusUnprotected, "pol-1"),
		mailbox("e", models.StatusOffboardRequested, ""),
		mailbox("f", models.StatusRemoveRequested, "o'brien"),
		site("g", models.StatusOffboarded, ""),
	)
	return e
}

func TestFilter(t *testing.T) {
	e := queryEnv(t)
	tests := []struct {
		filter string
		want   []string
	}{
		{"status eq 'protected'", []string{"a", "b"}},
		{"status eq 'Protected'", []string{"a", "b"}},
		{"'protected' eq status", []string{"a", "b"}},
		{"status eq microsoft.graph.protectionUnitStatus'unprotected'", []string{"c", "d"}},
		{"policyId eq 'pol-1'", []string{"a", "d"}},
		{"policyId eq ''", []string{"c", "e", "g"}},
		{"policyId eq null", []string{"c", "e", "g"}},
		{"policyId eq 'o''brien'", []string{"f"}},
		{"policyId eq '' and status eq 'unprotected'", []string{"c"}},
		{"status eq 'protected' or status eq 'removeRequested'", []string{"a", "b", "f"}},
		{"status eq 'protected' and policyId eq 'pol-1' or status eq 'offboarded'", []string{"a", "g"}},
		{"status eq 'protected' and (policyId eq 'pol-2' or policyId eq 'pol-1')", []string{"a", "b"}},
		{"(status eq 'unprotected' or status eq 'protected') and policyId eq 'pol-1'", []string{"a", "d"}},
		{"((status eq 'offboardRequested'))", []string{"e"}},
		{"STATUS EQ 'protected' AND PolicyId Eq 'pol-2'", []string{"b"}},
		{"status eq 'cancelOffboardRequested'", nil},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			r := e.do("GET", unitsPath+"?$filter="+url.QueryEscape(tt.filter), prefer())
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			require.Equal(t, tt.want, r.ids(t))
			// %20 and + both encode spaces.
			r = e.do("GET", unitsPath+"?$filter="+strings.ReplaceAll(url.PathEscape(tt.filter), "'", "%27"), prefer())
			require.Equal(t, tt.want, r.ids(t))
		})
	}
	// Filters combine with casts.
	r := e.do("GET", unitsPath+"/microsoft.graph.driveProtectionUnit?$filter="+url.QueryEscape("policyId eq ''"))
	require.Equal(t, []string{"c"}, r.ids(t))
}

func TestFilterErrors(t *testing.T) {
	e := queryEnv(t)
	clauses := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = "status eq 'protected'"
		}
		return strings.Join(parts, " or ")
	}
	r := e.do("GET", unitsPath+"?$filter="+url.QueryEscape(clauses(fake.MaxFilterClauses)))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	tests := []struct {
		filter, code string
	}{
		{"", "BadRequest"},
		{"status", "BadRequest"},
		{"status eq", "BadRequest"},
		{"status ne 'protected'", "BadRequest"},
		{"status gt 'protected'", "BadRequest"},
		{"not status eq 'protected'", "BadRequest"},
		{"siteName eq 'x'", "BadRequest"},
		{"displayName eq 'x'", "BadRequest"},
		{"id eq 'a'", "BadRequest"},
		{"foo eq 'x'", "BadRequest"},
		{"status eq 'bogus'", "BadRequest"},
		{"status eq null", "BadRequest"},
		{"status eq 'protected' and", "BadRequest"},
		{"status eq 'protected' xor policyId eq ''", "BadRequest"},
		{"(status eq 'protected'", "BadRequest"},
		{"status eq 'protected')", "BadRequest"},
		{"status eq 'unterminated", "BadRequest"},
		{"status eq 3", "BadRequest"},
		{"policyId eq status", "BadRequest"},
		{"'a' eq 'a'", "BadRequest"},
		{"startswith(policyId,'p')", "BadRequest"},
		{"policyId in ('a','b')", "BadRequest"},
		{"status eq other.type'protected'", "BadRequest"},
		{clauses(fake.MaxFilterClauses + 1), "FilterLengthExceeded"},
		{strings.Repeat("(", 200) + "status eq 'protected'" + strings.Repeat(")", 200), "BadRequest"},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			r := e.do("GET", unitsPath+"?$filter="+url.QueryEscape(tt.filter))
			require.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
			require.Equal(t, tt.code, r.errCode(t))
			if tt.code == "BadRequest" && tt.filter != "" {
				require.Contains(t, r.errMessage(t), "Invalid filter clause")
			}
		})
	}
}

func TestSelect(t *testing.T) {
	e := queryEnv(t)
	tests := []struct {
		path    string
		select_ string
		want    map[string][]string // id → keys
		ctx     string
	}{
		{unitsPath, "status", map[string][]string{"a": {"@odata.type", "id", "status"}}, "protectionUnits(status)"},
		{unitsPath, "ID, Status ,policyId", map[string][]string{"a": {"@odata.type", "id", "status", "policyId"}}, "protectionUnits(id,status,policyId)"},
		{unitsPath, "microsoft.graph.siteProtectionUnit/siteName,status",
			map[string][]string{"a": {"@odata.type", "id", "status", "siteName"}, "c": {"@odata.type", "id", "status"}},
			"protectionUnits(microsoft.graph.siteProtectionUnit/siteName,status)"},
		{unitsPath + "/microsoft.graph.siteProtectionUnit", "siteId,siteWebUrl", map[string][]string{"a": {"@odata.type", "id", "siteId", "siteWebUrl"}}, "protectionUnits/microsoft.graph.siteProtectionUnit(siteId,siteWebUrl)"},
		{"/solutions/backupRestore/driveProtectionUnits", "email", map[string][]string{"c": {"@odata.type", "id", "email"}}, "driveProtectionUnits(email)"},
		{unitsPath, "*", map[string][]string{"a": {"@odata.type", "id", "siteId", "siteName", "siteWebUrl", "policyId", "status", "protectionSources", "createdBy", "createdDateTime", "lastModifiedBy", "lastModifiedDateTime", "error", "offboardRequestedDateTime"}}, "protectionUnits(*)"},
	}
	for _, tt := range tests {
		t.Run(tt.path+"?"+tt.select_, func(t *testing.T) {
			r := e.do("GET", tt.path+"?$select="+url.QueryEscape(tt.select_))
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			m := r.json(t)
			require.Equal(t, "https://graph.microsoft.com/v1.0/$metadata#solutions/backupRestore/"+tt.ctx, m["@odata.context"])
			for _, v := range m["value"].([]any) {
				u := v.(map[string]any)
				if want, ok := tt.want[u["id"].(string)]; ok {
					require.ElementsMatch(t, want, mapKeys(u), u["id"])
				}
			}
		})
	}
	// On a single unit.
	r := e.do("GET", unitPath("a")+"?$select=status")
	require.Equal(t, http.StatusOK, r.status)
	m := r.json(t)
	require.ElementsMatch(t, []string{"@odata.context", "@odata.type", "id", "status"}, mapKeys(m))
	require.Equal(t, "https://graph.microsoft.com/v1.0/$metadata#solutions/backupRestore/protectionUnits(status)/$entity", m["@odata.context"])

	for _, bad := range []string{"siteName", "nope", "status,", "microsoft.graph.nothing/x", "microsoft.graph.driveProtectionUnit/siteName"} {
		r := e.do("GET", unitsPath+"?$select="+url.QueryEscape(bad))
		require.Equal(t, http.StatusBadRequest, r.status, bad)
		require.Equal(t, "BadRequest", r.errCode(t))
	}
	r = e.do("GET", "/solutions/backupRestore/siteProtectionUnits?$select=microsoft.graph.driveProtectionUnit/email")
	require.Equal(t, http.StatusBadRequest, r.status)
}

func TestUnsupportedQueryOptions(t *testing.T) {
	e := queryEnv(t)
	tests := []struct{ path string }{
		{unitsPath + "?$search=foo"},
		{unitsPath + "?$expand=createdBy"},
		{unitsPath + "?$skip=5"},
		{unitsPath + "?$apply=groupby(status)"},
		{unitsPath + "?$foo=bar"},
		{unitsPath + "?$top=0"},
		{unitsPath + "?$top=1000"},
		{unitsPath + "?$top=-1"},
		{unitsPath + "?$top=ten"},
		{unitsPath + "?$top=1&$top=2"},
		{unitsPath + "?$count=maybe"},
		{unitsPath + "?$orderby=siteName"},
		{unitsPath + "?$orderby=status%20sideways"},
		{unitsPath + "?$orderby=status%20asc%20extra"},
		{unitsPath + "?$orderby="},
		{unitPath("a") + "?$top=1"},
		{unitPath("a") + "?$filter=status%20eq%20'protected'"},
		{unitPath("a") + "?$expand=x"},
		{unitPath("a") + "?$count=true"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := e.do("GET", tt.path)
			require.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
			require.Equal(t, "BadRequest", r.errCode(t))
		})
	}
	for _, action := range []string{"offboard", "cancelOffboard"} {
		r := e.do("POST", unitPath("c", action)+"?$select=id")
		require.Equal(t, http.StatusBadRequest, r.status)
	}
	require.Equal(t, models.StatusUnprotected, e.status("c"), "a refused action changes nothing")
	// Custom (non-$) options are ignored, as OData does; so is the case of a $ option.
	require.Equal(t, http.StatusOK, e.do("GET", unitsPath+"?api-version=1&foo").status)
	r := e.do("GET", unitsPath+"?$TOP=2&%24count=true")
	require.Equal(t, http.StatusOK, r.status)
	require.Len(t, r.ids(t), 2)
	require.EqualValues(t, 7, r.json(t)["@odata.count"])
	require.Nil(t, e.do("GET", unitsPath+"?$count=false").json(t)["@odata.count"])
	require.Nil(t, e.do("GET", unitsPath).json(t)["@odata.count"])
}
