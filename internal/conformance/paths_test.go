package conformance_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/internal/conformance"
	"github.com/m365kit/backuprestore/models"
)

// keyFor returns the rig's ID for an item of a qualified type: its
// policy or unit of that kind, or an ID of nothing for the rest.
func keyFor(s *conformance.Schema) func(typ string) string {
	return func(typ string) string {
		switch {
		case typ == "microsoft.graph.oneDriveForBusinessProtectionPolicy":
			return odPolicy
		case typ == "microsoft.graph.exchangeProtectionPolicy":
			return exPolicy
		case s.IsA(typ, "microsoft.graph.protectionPolicyBase"):
			return spPolicy
		case typ == "microsoft.graph.driveProtectionUnit":
			return driveUnit
		case typ == "microsoft.graph.mailboxProtectionUnit":
			return mbxUnit
		case s.IsA(typ, "microsoft.graph.protectionUnitBase"):
			return siteUnit
		}
		return otherID
	}
}

// served lists what the emulator implements, as "METHOD template"
// (conformance.Path.Template).
func served() map[string]bool {
	const br = "/solutions/backupRestore"
	out := map[string]bool{"GET " + br: true}
	add := func(method string, paths ...string) {
		for _, p := range paths {
			out[method+" "+br+p] = true
		}
	}
	add("GET", "/protectionUnits", "/protectionUnits/$count", "/protectionUnits/{id}")
	add("POST", "/protectionUnits/{id}/offboard", "/protectionUnits/{id}/cancelOffboard")
	add("GET", "/protectionPolicies", "/protectionPolicies/$count", "/protectionPolicies/{id}")
	for _, k := range []models.UnitKind{models.KindSite, models.KindDrive, models.KindMailbox} {
		cast := "/" + strings.TrimPrefix(k.ODataType(), "#")
		coll := "/" + models.PolicyKindOf(k).UnitsSegment()
		add("GET", "/protectionUnits"+cast, "/protectionUnits"+cast+"/$count", "/protectionUnits/{id}"+cast, coll, coll+"/$count", coll+"/{id}")
		add("POST", "/protectionUnits/{id}"+cast+"/offboard", "/protectionUnits/{id}"+cast+"/cancelOffboard")
	}
	for _, k := range models.PolicyKinds() {
		cast := "/" + strings.TrimPrefix(k.ODataType(), "#")
		typed := "/" + k.CollectionSegment()
		units := "/" + k.UnitsSegment()
		add("GET", "/protectionPolicies"+cast, "/protectionPolicies"+cast+"/$count", "/protectionPolicies/{id}"+cast,
			"/protectionPolicies/{id}"+cast+units, "/protectionPolicies/{id}"+cast+units+"/$count", "/protectionPolicies/{id}"+cast+units+"/{id}",
			typed, typed+"/$count", typed+"/{id}", typed+"/{id}"+units, typed+"/{id}"+units+"/$count", typed+"/{id}"+units+"/{id}")
		add("PATCH", typed+"/{id}")
		add("POST", typed)
		add("DELETE", typed+"/{id}")
		uk := k.UnitKind()
		for _, item := range []string{typed + "/{id}", "/protectionPolicies/{id}" + cast} {
			rules, jobs := item+"/"+uk.InclusionRulesSegment(), item+"/"+uk.BulkAdditionJobsSegment()
			add("GET", rules, rules+"/$count", rules+"/{id}", jobs, jobs+"/$count", jobs+"/{id}")
			add("POST", rules, rules+"/{id}/run", rules+"/{id}/deleteAndUnprotect", jobs)
			add("PATCH", rules+"/{id}")
			add("DELETE", rules+"/{id}")
		}
		add("POST", "/protectionPolicies/{id}"+cast+"/activate", "/protectionPolicies/{id}"+cast+"/deactivate", typed+"/{id}/activate", typed+"/{id}/deactivate")
	}
	// The protection side: policy actions and deletion, and the root's
	// rule and job collections (creates happen under a policy: a POST to
	// a root collection is a 501).
	add("POST", "/protectionPolicies/{id}/activate", "/protectionPolicies/{id}/deactivate")
	add("DELETE", "/protectionPolicies/{id}")
	for _, k := range []models.UnitKind{models.KindSite, models.KindDrive, models.KindMailbox} {
		rules, jobs := "/"+k.InclusionRulesSegment(), "/"+k.BulkAdditionJobsSegment()
		add("GET", rules, rules+"/$count", rules+"/{id}", jobs, jobs+"/$count", jobs+"/{id}")
		add("PATCH", rules+"/{id}")
		add("DELETE", rules+"/{id}")
		add("POST", rules+"/{id}/run", rules+"/{id}/deleteAndUnprotect")
	}
	return out
}

// Every navigation and bound operation the schema allows under
// /solutions/backupRestore, with every method OData allows on it, is
// either served (anything but 501, 405 and the typo's 400 "Resource not
// found for the segment") or answers 501 with a Graph error saying the
// emulator does not implement it. What the emulator serves is listed
// (served); everything else must be a 501.
func TestEveryPathIsServedOr501(t *testing.T) {
	t.Parallel()
	_, s := excerpt(t)
	r := newRig(t, 0)
	want := served()
	key := keyFor(s)
	probes, implemented, seen := 0, 0, map[string]bool{}
	for _, p := range s.Paths() {
		for _, m := range p.Methods {
			name := m + " " + p.Template()
			seen[name] = true
			body := ""
			if m == http.MethodPatch || m == http.MethodPost {
				body = "{}"
				if want[name] && m == http.MethodPatch {
					body = `{"displayName":"Renamed"}`
				}
			}
			a := r.do(m, p.URL(key), body)
			probes++
			msg := func() string {
				var e struct {
					Error struct{ Code, Message string } `json:"error"`
				}
				_ = json.Unmarshal(a.body, &e)
				return e.Error.Code + ": " + e.Error.Message
			}
			if want[name] {
				implemented++
				require.NotContains(t, []int{http.StatusNotImplemented, http.StatusMethodNotAllowed}, a.status, "%s is served: %s", name, a.body)
				require.False(t, a.status == http.StatusBadRequest && strings.Contains(msg(), "Resource not found for the segment"),
					"%s is served, not a typo: %s", name, a.body)
				continue
			}
			require.Equal(t, http.StatusNotImplemented, a.status, "%s (%s) is in v1.0 and not served: want 501, got %s", name, p.What, a.body)
			require.True(t, strings.HasPrefix(msg(), "notSupported: The emulator does not implement"), "%s: %s", name, a.body)
			require.NotEmpty(t, a.header.Get("request-id"), name)
		}
	}
	for name := range want {
		require.True(t, seen[name], "served lists %s, which the schema does not have", name)
	}
	t.Logf("paths checked: %d paths, %d (method, path) pairs, %d served, %d answered 501", len(s.Paths()), probes, implemented, probes-implemented)
}

// A typo is still the typo's 400, and a method the schema does not allow
// on a path is a 405 with Allow, also under paths the emulator does not
// implement.
func TestTyposAndMethodsOutsideTheSchema(t *testing.T) {
	t.Parallel()
	r := newRig(t, 0)
	for _, tt := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/solutions/backupRestore/restoreSesions", 400, ""},
		{"GET", "/solutions/backupRestore/protectionPolicies/sp-1/siteProtectionUnits", 400, ""},
		{"POST", "/solutions/backupRestore/siteProtectionUnits/s1/offboard", 400, ""},
		{"POST", "/solutions/backupRestore", 405, "GET, PATCH, DELETE"},
		{"DELETE", "/solutions/backupRestore/protectionUnits/s1", 405, "GET"},
		{"POST", "/solutions/backupRestore/protectionUnits", 405, "GET"},
		{"PUT", "/solutions/backupRestore/restorePoints", 405, "GET, POST"},
		{"GET", "/solutions/backupRestore/enable", 405, "POST"},
		{"DELETE", "/solutions/backupRestore/protectionPolicies/sp-1/microsoft.graph.sharePointProtectionPolicy", 405, "GET"},
	} {
		a := r.do(tt.method, tt.path, "")
		require.Equal(t, tt.status, a.status, "%s %s: %s", tt.method, tt.path, a.body)
		if tt.allow != "" {
			require.Equal(t, tt.allow, a.header.Get("Allow"), "%s %s", tt.method, tt.path)
		} else {
			require.Contains(t, string(a.body), "Resource not found for the segment", "%s %s", tt.method, tt.path)
		}
	}
}
