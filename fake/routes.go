package fake

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/m365kit/backuprestore/models"
)

// Route names an operation of the API. Faults target routes; recorded
// requests carry theirs.
type Route int

// The operations the emulator serves.
const (
	// RouteAny matches every route in a Fault.
	RouteAny Route = iota
	// RouteList is a GET of a collection (every list path and cast,
	// including …/$count).
	RouteList
	// RouteGet is a GET of one unit.
	RouteGet
	// RouteOffboard is POST …/protectionUnits/{id}/offboard.
	RouteOffboard
	// RouteCancelOffboard is POST …/protectionUnits/{id}/cancelOffboard.
	RouteCancelOffboard
	// RouteBatch is the whole POST /v1.0/$batch request.
	RouteBatch
	// RouteBatchItem, in a Fault, matches every item inside a $batch; it is
	// short for Route: RouteAny with InBatch set.
	RouteBatchItem
	// RoutePolicyList is a GET of a policy collection
	// (…/protectionPolicies and the typed …ProtectionPolicies, with
	// …/$count).
	RoutePolicyList
	// RoutePolicyGet is a GET of one policy.
	RoutePolicyGet
	// RoutePolicyPatch is PATCH …/{sharePoint|oneDriveForBusiness|exchange}ProtectionPolicies/{id}
	// (the …ProtectionUnits@delta update).
	RoutePolicyPatch
	// RoutePolicyUnitList is a GET of a policy's units
	// (…ProtectionPolicies/{id}/siteProtectionUnits etc., with …/$count).
	RoutePolicyUnitList
	// RoutePolicyUnitGet is a GET of one unit through its policy.
	RoutePolicyUnitGet
	// RouteServiceStatus is GET /solutions/backupRestore (serviceStatus).
	RouteServiceStatus
	// RoutePolicyCreate is POST on a typed policy collection.
	RoutePolicyCreate
	// RoutePolicyActivate is POST …/protectionPolicies/{id}/activate.
	RoutePolicyActivate
	// RoutePolicyDeactivate is POST …/protectionPolicies/{id}/deactivate.
	RoutePolicyDeactivate
	// RoutePolicyDelete is DELETE of a policy.
	RoutePolicyDelete
	// RouteRuleList is a GET of inclusion rules (at the root or under a
	// policy, or their $count).
	RouteRuleList
	// RouteRuleGet is a GET of one inclusion rule.
	RouteRuleGet
	// RouteRuleCreate is POST on a policy's inclusion rules.
	RouteRuleCreate
	// RouteRuleUpdate is PATCH of an inclusion rule.
	RouteRuleUpdate
	// RouteRuleDelete is DELETE of an inclusion rule.
	RouteRuleDelete
	// RouteRuleRun is POST …/{rule}/run.
	RouteRuleRun
	// RouteRuleDeleteAndUnprotect is POST …/{rule}/deleteAndUnprotect.
	RouteRuleDeleteAndUnprotect
	// RouteJobList is a GET of bulk addition jobs (or their $count).
	RouteJobList
	// RouteJobGet is a GET of one bulk addition job.
	RouteJobGet
	// RouteJobCreate is POST on a policy's bulk addition jobs.
	RouteJobCreate
	// RouteUnknown is a path the API does not have (recorded requests only).
	RouteUnknown
)

// String returns the route's name.
func (r Route) String() string {
	switch r {
	case RouteAny:
		return "any"
	case RouteList:
		return "list"
	case RouteGet:
		return "get"
	case RouteOffboard:
		return "offboard"
	case RouteCancelOffboard:
		return "cancelOffboard"
	case RouteBatch:
		return "batch"
	case RouteBatchItem:
		return "batchItem"
	case RoutePolicyList:
		return "policyList"
	case RoutePolicyGet:
		return "policyGet"
	case RoutePolicyPatch:
		return "policyPatch"
	case RoutePolicyUnitList:
		return "policyUnitList"
	case RoutePolicyUnitGet:
		return "policyUnitGet"
	case RouteServiceStatus:
		return "serviceStatus"
	case RoutePolicyCreate:
		return "policyCreate"
	case RoutePolicyActivate:
		return "policyActivate"
	case RoutePolicyDeactivate:
		return "policyDeactivate"
	case RoutePolicyDelete:
		return "policyDelete"
	case RouteRuleList:
		return "ruleList"
	case RouteRuleGet:
		return "ruleGet"
	case RouteRuleCreate:
		return "ruleCreate"
	case RouteRuleUpdate:
		return "ruleUpdate"
	case RouteRuleDelete:
		return "ruleDelete"
	case RouteRuleRun:
		return "ruleRun"
	case RouteRuleDeleteAndUnprotect:
		return "ruleDeleteAndUnprotect"
	case RouteJobList:
		return "jobList"
	case RouteJobGet:
		return "jobGet"
	case RouteJobCreate:
		return "jobCreate"
	case RouteUnknown:
		return "unknown"
	}
	return "Route(" + itoa(int(r)) + ")"
}

// ParseRoute maps a route's name, as String writes it (any case), to the
// route: "any", "list", "get", "offboard", "cancelOffboard", "batch",
// "batchItem", "policyList", "policyGet", "policyPatch", "policyUnitList",
// "policyUnitGet", "serviceStatus" (the routes a Fault can select). It
// fails, naming the input, for anything else.
func ParseRoute(s string) (Route, error) {
	for r := RouteAny; r < RouteUnknown; r++ {
		if strings.EqualFold(s, r.String()) {
			return r, nil
		}
	}
	return RouteUnknown, &optionError{"unknown route " + quote(s)}
}

// target is a parsed request path.
type target struct {
	route Route
	// kind restricts the collection or the unit to one derived type.
	kind models.UnitKind
	// id is the unescaped unit ID (get and actions).
	id string
	// count is set for …/$count.
	count bool
	// coll is the collection's canonical name.
	coll string
	// cast is the canonical cast segment, if any (e.g.
	// "microsoft.graph.siteProtectionUnit").
	cast string
	// listPath is the escaped collection path after /v1.0, as sent (for
	// nextLink).
	listPath string
	// pol is the policy part of a policy path.
	pol policyTarget
	// prot is the rule or job part of a path (protectionroutes.go).
	prot protTarget
	// err is the answer for a path or method the API does not serve.
	err *graphError
}

// contextPath returns the @odata.context path of the target's collection.
func (t *target) contextPath() string {
	p := "solutions/backupRestore/" + t.coll
	if t.cast != "" {
		p += "/" + t.cast
	}
	return p
}

// parseTarget resolves an escaped path and a method. Path segments are
// split on the escaped form and then unescaped one by one, so an ID
// holding an encoded "/" stays one segment. It reads the root (the
// version, $batch, /solutions/backupRestore and its service status) and
// hands the rest to the family of the segment after backupRestore: the
// unit collections (parseUnitTarget) or the policy collections
// (parsePolicyTarget).
func parseTarget(method, escPath string) target {
	t := target{route: RouteUnknown}
	rest, ok := strings.CutPrefix(escPath, "/")
	if !ok {
		t.err = badRequest("Invalid request URL.")
		return t
	}
	rawSegs := strings.Split(rest, "/")
	if n := len(rawSegs); n > 1 && rawSegs[n-1] == "" {
		rawSegs = rawSegs[:n-1] // one trailing slash is tolerated
	}
	segs := make([]string, len(rawSegs))
	for i, r := range rawSegs {
		u, err := url.PathUnescape(r)
		if err != nil {
			t.err = badRequest("Invalid percent-encoding in the URL path segment '" + r + "'.")
			return t
		}
		segs[i] = u
	}
	if len(segs) == 0 || segs[0] != "v1.0" {
		v := ""
		if len(segs) > 0 {
			v = segs[0]
		}
		t.err = badRequest("Invalid version: " + v + ". The emulator serves only /v1.0.")
		return t
	}
	segs, rawSegs = segs[1:], rawSegs[1:]
	switch {
	case len(segs) == 0:
		t.err = segmentNotFound("v1.0")
	case segs[0] == "$batch":
		if len(segs) > 1 {
			t.err = segmentNotFound(segs[1])
			return t
		}
		t.route = RouteBatch
		t.err = allow(method, http.MethodPost)
	case !strings.EqualFold(segs[0], "solutions"):
		t.err = segmentNotFound(segs[0])
	case len(segs) < 2:
		t.err = notImplemented(method, "/"+strings.Join(rawSegs, "/"))
	case !strings.EqualFold(segs[1], "backupRestore"):
		t.err = segmentNotFound(segs[1])
	case len(segs) == 2:
		t.route = RouteServiceStatus
		if t.err = methods(method, "/"+strings.Join(rawSegs, "/"), []string{http.MethodGet}, http.MethodGet, http.MethodPatch, http.MethodDelete); t.err != nil {
			t.route = RouteUnknown
		}
	default:
		return parseRootNavigation(t, method, segs[2:], rawSegs[2:], "/"+strings.Join(rawSegs[:2], "/"))
	}
	return t
}

// parseRootNavigation completes t for a path under /solutions/backupRestore:
// segs and raw are the unescaped and escaped segments from the navigation
// on, prefix the escaped path before them (after /v1.0).
func parseRootNavigation(t target, method string, segs, raw []string, prefix string) target {
	if _, _, ok := policyCollection(segs[0]); ok {
		return parsePolicyTarget(t, method, segs, raw, prefix)
	}
	if _, _, ok := unitCollection(segs[0]); ok {
		return parseUnitTarget(t, method, segs, raw, prefix)
	}
	if fam, k, ok := protCollection(segs[0]); ok {
		return parseProtTarget(t, method, fam, k, segs, raw, prefix)
	}
	if nav, ok := unservedRootNavs[strings.ToLower(segs[0])]; ok {
		return parseUnserved(t, method, nav, segs, raw, prefix)
	}
	if len(segs) == 1 && isOperation(segs[0], unservedRootActions) {
		t.err = methods(method, prefix+"/"+raw[0], nil, http.MethodPost)
		return t
	}
	t.err = segmentNotFound(segs[0])
	return t
}

// asCollection makes t a GET of the collection at path, served as route,
// when rest (the segments after the collection) is empty or "$count", and
// reports whether it did; a segment after "$count" is then t's error. The
// emulator serves only GET: another method is a 501 when v1.0 allows it (a
// POST to the collection when post is set), else a 405.
func (t *target) asCollection(route Route, path string, rest []string, method string, post bool) bool {
	if len(rest) > 0 && rest[0] != "$count" {
		return false
	}
	t.route = route
	t.listPath = path
	v10 := []string{http.MethodGet}
	if len(rest) > 0 {
		t.count = true
		if len(rest) > 1 {
			t.err = segmentNotFound(rest[1])
			return true
		}
		path += "/$count"
	} else if post {
		v10 = append(v10, http.MethodPost)
	}
	if t.err = methods(method, path, []string{http.MethodGet}, v10...); t.err != nil {
		t.route = RouteUnknown
	}
	return true
}

// allow returns a 405 unless method is want.
func allow(method, want string) *graphError {
	if method == want {
		return nil
	}
	return methodNotAllowed(method, want)
}
