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

// Collection names after /solutions/backupRestore.
const (
	collUnits   = "protectionUnits"
	collSite    = "siteProtectionUnits"
	collDrive   = "driveProtectionUnits"
	collMailbox = "mailboxProtectionUnits"
)

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

// parseCast recognises a type-cast segment ("microsoft.graph.X" or the
// "graph.X" alias) and returns its kind and canonical form. base is set for
// a cast to protectionUnitBase itself.
func parseCast(seg string) (k models.UnitKind, canonical string, base, ok bool) {
	name, found := cutPrefixFold(seg, "microsoft.graph.")
	if !found {
		name, found = cutPrefixFold(seg, "graph.")
	}
	if !found {
		return models.KindUnknown, "", false, false
	}
	for _, k := range unitKinds {
		if strings.EqualFold(name, unitTypeName(k)) {
			return k, "microsoft.graph." + unitTypeName(k), false, true
		}
	}
	if strings.EqualFold(name, "protectionUnitBase") {
		return models.KindUnknown, "microsoft.graph.protectionUnitBase", true, true
	}
	return models.KindUnknown, "", false, false
}

// cutPrefixFold is strings.CutPrefix, ignoring ASCII case.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// actionName recognises an action segment, bare or namespace-qualified.
func actionName(seg string) Route {
	name, _ := cutPrefixFold(seg, "microsoft.graph.")
	name, _ = cutPrefixFold(name, "graph.")
	switch {
	case strings.EqualFold(name, "offboard"):
		return RouteOffboard
	case strings.EqualFold(name, "cancelOffboard"):
		return RouteCancelOffboard
	}
	return RouteUnknown
}

// parseTarget resolves an escaped path and a method. Path segments are
// split on the escaped form and then unescaped one by one, so an ID
// holding an encoded "/" stays one segment.
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
	if len(segs) == 0 {
		t.err = segmentNotFound("v1.0")
		return t
	}
	if segs[0] == "$batch" {
		if len(segs) > 1 {
			t.err = segmentNotFound(segs[1])
			return t
		}
		t.route = RouteBatch
		t.err = allow(method, http.MethodPost)
		return t
	}
	if !strings.EqualFold(segs[0], "solutions") {
		t.err = segmentNotFound(segs[0])
		return t
	}
	if len(segs) < 2 || !strings.EqualFold(segs[1], "backupRestore") {
		if len(segs) < 2 {
			t.err = notImplemented()
		} else {
			t.err = segmentNotFound(segs[1])
		}
		return t
	}
	if len(segs) < 3 {
		t.route = RouteServiceStatus
		t.err = allow(method, http.MethodGet)
		return t
	}
	if _, _, ok := policyCollection(segs[2]); ok {
		return parsePolicyTarget(t, method, segs[2:], rawSegs[2:], "/"+strings.Join(rawSegs[:2], "/"))
	}
	switch {
	case strings.EqualFold(segs[2], collUnits):
		t.coll = collUnits
	case strings.EqualFold(segs[2], collSite):
		t.coll, t.kind = collSite, models.KindSite
	case strings.EqualFold(segs[2], collDrive):
		t.coll, t.kind = collDrive, models.KindDrive
	case strings.EqualFold(segs[2], collMailbox):
		t.coll, t.kind = collMailbox, models.KindMailbox
	default:
		t.err = segmentNotFound(segs[2])
		return t
	}
	prefix := "/" + strings.Join(rawSegs[:3], "/")
	rest2, raw2 := segs[3:], rawSegs[3:]

	// An optional cast right after the collection makes it a typed list.
	if len(rest2) > 0 {
		if k, canon, base, ok := parseCast(rest2[0]); ok {
			if !t.castTo(k, canon, base) {
				t.err = badRequest("The type '" + canon + "' is not compatible with the collection '" + t.coll + "'.")
				return t
			}
			prefix += "/" + raw2[0]
			rest2, raw2 = rest2[1:], raw2[1:]
			if len(rest2) > 0 && rest2[0] != "$count" {
				t.err = segmentNotFound(rest2[0])
				return t
			}
		}
	}
	if t.asCollection(RouteList, prefix, rest2, method) {
		return t
	}
	// A unit: …/{id}, …/{id}/cast, …/{id}/action.
	t.id = rest2[0]
	if !validID(t.id) {
		t.route = RouteGet
		t.err = invalidUnitID()
		return t
	}
	switch len(rest2) {
	case 1:
		t.route = RouteGet
		t.err = allow(method, http.MethodGet)
		return t
	case 2:
		if k, canon, base, ok := parseCast(rest2[1]); ok {
			t.route = RouteGet
			if !t.castTo(k, canon, base) {
				t.err = badRequest("The type '" + canon + "' is not compatible with the collection '" + t.coll + "'.")
				return t
			}
			t.err = allow(method, http.MethodGet)
			return t
		}
		if a := actionName(rest2[1]); a != RouteUnknown && t.coll == collUnits {
			t.route = a
			t.err = allow(method, http.MethodPost)
			return t
		}
		t.err = segmentNotFound(rest2[1])
		return t
	default:
		t.err = segmentNotFound(rest2[2])
		return t
	}
}

// asCollection makes t a GET of the collection at path, served as route,
// when rest (the segments after the collection) is empty or "$count", and
// reports whether it did; a segment after "$count" is then t's error, as is
// any method but GET.
func (t *target) asCollection(route Route, path string, rest []string, method string) bool {
	if len(rest) > 0 && rest[0] != "$count" {
		return false
	}
	t.route = route
	t.listPath = path
	if len(rest) > 0 {
		t.count = true
		if len(rest) > 1 {
			t.err = segmentNotFound(rest[1])
			return true
		}
	}
	t.err = allow(method, http.MethodGet)
	return true
}

// invalidUnitID is the 400 for a unit ID that is empty or cannot be one.
func invalidUnitID() *graphError {
	return &graphError{status: http.StatusBadRequest, code: "InvalidProtectionUnitId", message: "The protection unit id is empty or invalid."}
}

// castTo narrows t to kind k through a cast segment; it reports false when
// the cast contradicts a typed collection.
func (t *target) castTo(k models.UnitKind, canonical string, base bool) bool {
	if base {
		return true
	}
	if t.kind != models.KindUnknown && t.kind != k {
		return false
	}
	if t.kind == models.KindUnknown {
		t.cast = canonical
	}
	t.kind = k
	return true
}

// allow returns a 405 unless method is want.
func allow(method, want string) *graphError {
	if method == want {
		return nil
	}
	return methodNotAllowed(method, want)
}

// notImplemented answers Graph paths that exist but that the emulator does
// not serve.
func notImplemented() *graphError {
	return &graphError{status: http.StatusNotImplemented, code: "notSupported",
		message: "The emulator serves only the protection-unit API under /solutions/backupRestore."}
}
