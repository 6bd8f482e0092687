package fake

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/m365kit/backuprestore/models"
)

// collPolicies is the collection of every policy, whatever its type.
const collPolicies = "protectionPolicies"

// policyTarget is the policy part of a parsed path.
type policyTarget struct {
	// id is the unescaped policy ID ("" for a policy collection).
	id string
	// kind is the typed collection's kind; models.PolicyKindUnknown for
	// /protectionPolicies.
	kind models.PolicyKind
	// coll is the policy collection's canonical segment.
	coll string
}

// policyCollection recognises a policy collection segment (any case): the
// base collection (kind models.PolicyKindUnknown) or a typed one.
func policyCollection(seg string) (models.PolicyKind, string, bool) {
	if strings.EqualFold(seg, collPolicies) {
		return models.PolicyKindUnknown, collPolicies, true
	}
	for _, k := range models.PolicyKinds() {
		if strings.EqualFold(seg, k.CollectionSegment()) {
			return k, k.CollectionSegment(), true
		}
	}
	return models.PolicyKindUnknown, "", false
}

// invalidPolicyID is the 400 for a malformed policy ID in a path.
func invalidPolicyID() *graphError {
	return &graphError{status: http.StatusBadRequest, code: "InvalidPolicyId", message: "The policy id is null, empty or malformed."}
}

// policyNotFound is the 404 for a well-formed policy ID the emulator does
// not have (or one of another type than the path's).
func policyNotFound() *graphError {
	return &graphError{status: http.StatusNotFound, code: "PolicyNotFound", message: "Unable to get the Protection Policy."}
}

// unservedPolicyNav reports whether seg is a navigation or action of a
// policy that Graph has and the emulator does not serve.
func unservedPolicyNav(seg string) bool {
	l := strings.ToLower(seg)
	l = strings.TrimPrefix(strings.TrimPrefix(l, "microsoft."), "graph.")
	return strings.HasSuffix(l, "inclusionrules") || strings.HasSuffix(l, "bulkadditionjobs") ||
		l == "activate" || l == "deactivate"
}

// parsePolicyTarget completes t for a path under a policy collection: segs
// and raw are the unescaped and escaped segments from the collection on,
// prefix the escaped path before them (after /v1.0).
//
//	protectionPolicies[/$count]                       GET
//	protectionPolicies/{id}                           GET
//	{typed}ProtectionPolicies[/$count]                GET
//	{typed}ProtectionPolicies/{id}                    GET, PATCH
//	{typed}ProtectionPolicies/{id}/{units}[/$count]   GET
//	{typed}ProtectionPolicies/{id}/{units}/{unitId}   GET
func parsePolicyTarget(t target, method string, segs, raw []string, prefix string) target {
	kind, coll, _ := policyCollection(segs[0])
	t.pol = policyTarget{kind: kind, coll: coll}
	prefix += "/" + raw[0]
	rest, rawRest := segs[1:], raw[1:]
	if t.asCollection(RoutePolicyList, prefix, rest, method) {
		return t
	}
	t.pol.id = rest[0]
	t.route = RoutePolicyGet
	if !validID(t.pol.id) {
		t.err = invalidPolicyID()
		return t
	}
	prefix += "/" + rawRest[0]
	if len(rest) == 1 {
		switch {
		case method == http.MethodGet:
		case method == http.MethodPatch && kind != models.PolicyKindUnknown:
			t.route = RoutePolicyPatch
		case kind == models.PolicyKindUnknown:
			t.err = methodNotAllowed(method, http.MethodGet)
		default:
			t.err = methodNotAllowed(method, http.MethodGet, http.MethodPatch)
		}
		return t
	}
	nav := rest[1]
	if kind == models.PolicyKindUnknown || !strings.EqualFold(nav, kind.UnitsSegment()) {
		t.route = RouteUnknown
		if unservedPolicyNav(nav) {
			t.err = &graphError{status: http.StatusNotImplemented, code: "notSupported",
				message: "The emulator does not serve '" + nav + "'; it serves policies, their units and the units' @delta PATCH."}
		} else {
			t.err = segmentNotFound(nav)
		}
		return t
	}
	// The policy's own view of its units. The navigation is bound to the
	// root's typed unit collection, so that is its @odata.context.
	t.kind, t.coll = kind.UnitKind(), kind.UnitsSegment()
	prefix += "/" + rawRest[1]
	units := rest[2:]
	if t.asCollection(RoutePolicyUnitList, prefix, units, method) {
		return t
	}
	t.route = RoutePolicyUnitGet
	t.id = units[0]
	if !validID(t.id) {
		t.err = invalidUnitID()
		return t
	}
	if len(units) > 1 {
		t.err = segmentNotFound(units[1])
		return t
	}
	t.err = allow(method, http.MethodGet)
	return t
}

// dispatchLifecycle serves an authenticated call on a policy-side route,
// after checking the permission table: reads need Configuration.Read.All
// or ReadWrite.All, the PATCH ReadWrite.All (delegated or application), the
// service status Control.Read.All or Control.ReadWrite.All.
func (c *call) dispatchLifecycle() *response {
	t := &c.target
	switch t.route {
	case RouteServiceStatus:
		if g := c.p.authorizeControlRead(); g != nil {
			return c.fail(g)
		}
		return c.serviceStatus()
	case RoutePolicyPatch:
		if g := c.p.authorizePolicyWrite(); g != nil {
			return c.fail(g)
		}
		return c.patchPolicy()
	}
	if g := c.p.authorize(false); g != nil {
		return c.fail(g)
	}
	switch t.route {
	case RoutePolicyList:
		return c.listPolicies()
	case RoutePolicyGet:
		return c.getPolicy()
	}
	// A policy's units: the policy must exist and be of the path's type.
	if !c.s.st.policyExists(t.pol.id, t.pol.kind) {
		return c.fail(policyNotFound())
	}
	if t.route == RoutePolicyUnitList {
		return c.list()
	}
	return c.get()
}

// admits reports whether unit u belongs to the target's collection: its
// kind, and for a policy's view, its policy.
func (t *target) admits(u *Unit) bool {
	return (t.kind == models.KindUnknown || u.Kind == t.kind) && (t.pol.id == "" || u.PolicyID == t.pol.id)
}

// Filterable policy properties (filterNode.prop values of policyFilterSchema).
const (
	polPropStatus = iota + 1
	polPropDisplayName
)

// policyFilterSchema is the $filter of the policy collections: status and
// displayName, compared with eq.
var policyFilterSchema = filterSchema{
	typeName: "microsoft.graph.protectionPolicyBase",
	fields: []filterField{
		{name: "status", prop: polPropStatus, enumType: "microsoft.graph.protectionPolicyStatus", members: []string{
			string(models.PolicyStatusInactive), string(models.PolicyStatusActiveWithErrors), string(models.PolicyStatusUpdating),
			string(models.PolicyStatusActive), string(models.PolicyStatusUnknownFutureValue)}},
		{name: "displayName", prop: polPropDisplayName},
	},
	others: []string{"id", "isEnabled", "createdBy", "createdDateTime", "lastModifiedBy", "lastModifiedDateTime", "retentionSettings"},
	hint:   "status or displayName",
}

// matchPolicy evaluates a policy $filter against p, whose status is st.
func matchPolicy(n *filterNode, p *Policy, st models.ProtectionPolicyStatus) bool {
	if n == nil {
		return true
	}
	return n.eval(func(c *filterNode) bool {
		if c.prop == polPropStatus {
			return string(st) == c.value
		}
		return p.DisplayName == c.value
	})
}

// policyListing is a policy listing settled before the state is read.
type policyListing struct {
	// kind is the typed collection's kind; models.PolicyKindUnknown for
	// every policy.
	kind   models.PolicyKind
	filter *filterNode
	// tok carries the listing's options to the next page; after is the ID
	// the page resumes after ("" for the first page).
	tok   pageToken
	after string
	// next is the nextLink up to the $skiptoken's value.
	next string
}

// listPolicies serves a GET of a policy collection (or its $count): ID
// order, server-driven paging with absolute nextLinks, $top, $filter and
// $count as on the unit collections.
func (c *call) listPolicies() *response {
	t := &c.target
	qk := queryPolicyList
	if t.count {
		qk = queryPolicyCount
	}
	q, g := parseQuery(c.rawQuery, qk, models.KindUnknown)
	if g != nil {
		return c.fail(g)
	}
	key := collPolicies + "|" + t.pol.kind.String()
	l := &policyListing{kind: t.pol.kind, filter: q.filter, next: c.base + "/v1.0" + t.listPath + "?$skiptoken=",
		tok: pageToken{V: 1, P: key, F: q.filterRaw, N: c.s.opts.PageSize, C: q.count}}
	if q.skiptoken != "" {
		got, g := decodePageToken(q.skiptoken, key)
		if g != nil {
			return c.fail(g)
		}
		if len(got.A) != 1 {
			return c.fail(badRequest("The $skiptoken is invalid."))
		}
		l.tok, l.after, l.filter = *got, got.A[0], nil
		if l.tok.F != "" {
			if l.filter, g = parseFilterFor(l.tok.F, &policyFilterSchema); g != nil {
				return c.fail(badRequest("The $skiptoken is invalid."))
			}
		}
	} else {
		if q.top > 0 && q.top < l.tok.N {
			l.tok.N = q.top
		}
		if m := c.maxPageSize; m > 0 && m < l.tok.N {
			l.tok.N = m
		}
	}
	if t.count {
		return textCount(c.s.st.countPolicies(l))
	}
	b := make([]byte, 0, 256+l.tok.N*900)
	b = append(b, `{"@odata.context":`...)
	b = appendString(b, contextPrefix+"solutions/backupRestore/"+t.pol.coll)
	b = c.s.st.appendPolicyList(b, l)
	b = append(b, '}')
	return c.unitsResponse(http.StatusOK, b)
}

// matches reports whether policy p, whose status is status, is in
// the listing.
func (l *policyListing) matches(p *Policy, status models.ProtectionPolicyStatus) bool {
	return (l.kind == models.PolicyKindUnknown || p.Kind == l.kind) && matchPolicy(l.filter, p, status)
}

// countPoliciesLocked counts the policies of a listing.
func (st *store) countPoliciesLocked(l *policyListing) int {
	counts := st.policyCountsLocked()
	n := 0
	for _, id := range st.sortedPoliciesLocked() {
		if l.matches(st.life.policies[id], counts[id].status()) {
			n++
		}
	}
	return n
}

// appendPolicyListLocked appends a policy listing's @odata.count (when
// asked for), @odata.nextLink (when more follow) and "value".
func (st *store) appendPolicyListLocked(b []byte, l *policyListing) []byte {
	counts := st.policyCountsLocked()
	var page []*Policy
	more, total := false, 0
	for _, id := range st.sortedPoliciesLocked() {
		p := st.life.policies[id]
		if !l.matches(p, counts[id].status()) {
			continue
		}
		total++
		if id <= l.after && l.after != "" {
			continue
		}
		if len(page) == l.tok.N {
			more = true
			continue
		}
		page = append(page, p)
	}
	if l.tok.C {
		b = append(b, `,"@odata.count":`...)
		b = appendInt(b, total)
	}
	if more {
		next := l.tok
		next.A = []string{page[len(page)-1].ID}
		b = append(b, `,"@odata.nextLink":`...)
		b = appendString(b, l.next+next.encode())
	}
	b = append(b, `,"value":[`...)
	for i, p := range page {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPolicy(b, p, counts[p.ID].status(), "")
		b = append(b, '}')
	}
	return append(b, ']')
}

// getPolicy serves a GET of one policy: 404 PolicyNotFound when the
// emulator has no such policy or, on a typed collection, it is of another
// type.
func (c *call) getPolicy() *response {
	t := &c.target
	if _, g := parseQuery(c.rawQuery, queryNone, models.KindUnknown); g != nil {
		return c.fail(g)
	}
	b, ok := c.s.st.appendPolicyJSON(make([]byte, 0, 1024), t.pol.id, t.pol.kind, contextPrefix+"solutions/backupRestore/"+t.pol.coll+"/$entity")
	if !ok {
		return c.fail(policyNotFound())
	}
	return jsonResponse(http.StatusOK, b)
}

// GraphJSON returns p as the API writes it: a JSON object with
// @odata.type and every property, its Status as it is (Server.Policy and
// Server.Policies derive it), without @odata.context. It never fails.
func (p Policy) GraphJSON() []byte {
	return append(appendPolicy(make([]byte, 0, 1024), &p, p.Status, ""), '}')
}

// appendPolicy writes p, whose status is st, as a JSON object led by
// "@odata.context": ctx when ctx is not empty, in the order of the
// documentation's examples. The object is left open: the caller appends
// more members (the PATCH's @delta echo) and the closing brace.
func appendPolicy(b []byte, p *Policy, st models.ProtectionPolicyStatus, ctx string) []byte {
	b = append(b, '{')
	if ctx != "" {
		b = append(b, `"@odata.context":`...)
		b = appendString(b, ctx)
		b = append(b, ',')
	}
	b = append(b, `"@odata.type":`...)
	b = appendString(b, p.Kind.ODataType())
	b = append(b, `,"id":`...)
	b = appendString(b, p.ID)
	b = append(b, `,"displayName":`...)
	b = appendNullable(b, p.DisplayName)
	b = append(b, `,"status":`...)
	b = appendString(b, string(st))
	b = append(b, `,"isEnabled":`...)
	b = strconv.AppendBool(b, p.IsEnabled)
	b = append(b, `,"createdBy":`...)
	b = appendIdentitySet(b, &p.CreatedBy)
	b = append(b, `,"createdDateTime":`...)
	b = appendTime(b, p.CreatedDateTime)
	b = append(b, `,"lastModifiedBy":`...)
	b = appendIdentitySet(b, &p.LastModifiedBy)
	b = append(b, `,"lastModifiedDateTime":`...)
	b = appendTime(b, p.LastModifiedDateTime)
	b = append(b, `,"retentionSettings":[`...)
	for i, r := range p.RetentionSettings {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"interval":`...)
		b = appendNullable(b, r.Interval)
		b = append(b, `,"period":`...)
		b = appendNullable(b, r.Period)
		b = append(b, '}')
	}
	return append(b, ']')
}
