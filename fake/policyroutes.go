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
	// cast is the canonical type-cast segment after the collection or the
	// policy ("microsoft.graph.sharePointProtectionPolicy"), "" when none.
	cast string
}

// contextPath returns the @odata.context path of the policy collection, cast
// included.
func (p *policyTarget) contextPath() string {
	path := "solutions/backupRestore/" + p.coll
	if p.cast != "" {
		path += "/" + p.cast
	}
	return path
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

// parsePolicyCast recognises a policy type-cast segment
// ("microsoft.graph.X" or the "graph.X" alias) and returns its kind and
// canonical form; base is set for a cast to protectionPolicyBase itself.
func parsePolicyCast(seg string) (k models.PolicyKind, canonical string, base, ok bool) {
	name, found := cutPrefixFold(seg, "microsoft.graph.")
	if !found {
		name, found = cutPrefixFold(seg, "graph.")
	}
	if !found {
		return models.PolicyKindUnknown, "", false, false
	}
	if strings.EqualFold(name, "protectionPolicyBase") {
		return models.PolicyKindUnknown, "microsoft.graph.protectionPolicyBase", true, true
	}
	for _, k := range models.PolicyKinds() {
		if t := policyTypeName(k); strings.EqualFold("microsoft.graph."+name, t) {
			return k, t, false, true
		}
	}
	return models.PolicyKindUnknown, "", false, false
}

// castPolicy narrows t's policy to kind k through a cast segment (canonical
// form canonical); it returns the 400 when the cast contradicts a typed
// collection.
func (t *target) castPolicy(k models.PolicyKind, canonical string, base bool) *graphError {
	switch {
	case base:
		return nil
	case t.pol.kind != models.PolicyKindUnknown && t.pol.kind != k:
		return badRequest("The type '" + canonical + "' is not compatible with the collection '" + t.pol.coll + "'.")
	case t.pol.kind == models.PolicyKindUnknown:
		t.pol.cast = canonical
	}
	t.pol.kind = k
	return nil
}

// parsePolicyTarget completes t for a path under a policy collection: segs
// and raw are the unescaped and escaped segments from the collection on,
// prefix the escaped path before them (after /v1.0).
//
//	protectionPolicies[/{cast}][/$count]                     GET
//	protectionPolicies/{id}[/{cast}]                         GET
//	protectionPolicies/{id}/{cast}/{units}[/$count|/{unitId}]  GET
//	{typed}ProtectionPolicies[/$count]                       GET
//	{typed}ProtectionPolicies/{id}                           GET, PATCH
//	{typed}ProtectionPolicies/{id}/{units}[/$count|/{unitId}]  GET
//
// What v1.0 also has is a 501: POST on the collections, PATCH and DELETE
// on the policies (PATCH only on protectionPolicies/{id}), activate and
// deactivate, POST on a policy's units and PATCH and DELETE on them, and
// the inclusion rules and bulk addition jobs under a policy. Casts are GET
// only. A navigation of another workload, or one under the untyped
// protectionPolicies/{id}, is a typo (400).
func parsePolicyTarget(t target, method string, segs, raw []string, prefix string) target {
	kind, coll, _ := policyCollection(segs[0])
	t.pol = policyTarget{kind: kind, coll: coll}
	prefix += "/" + raw[0]
	rest, rawRest := segs[1:], raw[1:]
	cast := false
	if len(rest) > 0 {
		if k, canon, base, ok := parsePolicyCast(rest[0]); ok {
			if t.err = t.castPolicy(k, canon, base); t.err != nil {
				return t
			}
			prefix += "/" + rawRest[0]
			rest, rawRest, cast = rest[1:], rawRest[1:], true
			if len(rest) > 0 && rest[0] != "$count" {
				t.err = segmentNotFound(rest[0])
				return t
			}
		}
	}
	if len(rest) == 0 && method == http.MethodPost && kind != models.PolicyKindUnknown && !cast {
		t.route = RoutePolicyCreate
		return t
	}
	if t.asCollection(RoutePolicyList, prefix, rest, method, !cast) {
		return t
	}
	t.pol.id = rest[0]
	t.route = RoutePolicyGet
	if !validID(t.pol.id) {
		t.err = invalidPolicyID()
		return t
	}
	path := prefix + "/" + rawRest[0]
	rest, rawRest = rest[1:], rawRest[1:]
	if len(rest) == 0 {
		served := []string{http.MethodGet, http.MethodDelete}
		if kind != models.PolicyKindUnknown {
			served = append(served, http.MethodPatch)
		}
		t.err = methods(method, path, served, http.MethodGet, http.MethodPatch, http.MethodDelete)
		switch {
		case t.err != nil:
			t.route = RouteUnknown
		case method == http.MethodPatch:
			t.route = RoutePolicyPatch
		case method == http.MethodDelete:
			t.route = RoutePolicyDelete
		}
		return t
	}
	if k, canon, base, ok := parsePolicyCast(rest[0]); ok {
		if t.err = t.castPolicy(k, canon, base); t.err != nil {
			return t
		}
		path += "/" + rawRest[0]
		rest, rawRest = rest[1:], rawRest[1:]
		if len(rest) == 0 {
			t.err = allow(method, http.MethodGet)
			return t
		}
	}
	t.route = RouteUnknown
	if len(rest) == 1 && isOperation(rest[0], policyActions) {
		if t.err = methods(method, path+"/"+rawRest[0], []string{http.MethodPost}, http.MethodPost); t.err != nil {
			return t
		}
		t.route = RoutePolicyActivate
		if strings.EqualFold(operationName(rest[0]), "deactivate") {
			t.route = RoutePolicyDeactivate
		}
		return t
	}
	k := t.pol.kind
	if k == models.PolicyKindUnknown {
		t.err = segmentNotFound(rest[0])
		return t
	}
	if fam, pk, ok := protCollection(rest[0]); ok && pk == k.UnitKind() {
		return parseProtTarget(t, method, fam, pk, rest, rawRest, path)
	}
	if !strings.EqualFold(rest[0], k.UnitsSegment()) {
		t.err = segmentNotFound(rest[0])
		return t
	}
	// The policy's own view of its units. The navigation is bound to the
	// root's typed unit collection, so that is its @odata.context.
	t.kind, t.coll = k.UnitKind(), k.UnitsSegment()
	path += "/" + rawRest[0]
	units := rest[1:]
	if t.asCollection(RoutePolicyUnitList, path, units, method, true) {
		return t
	}
	t.route = RoutePolicyUnitGet
	t.id = units[0]
	if !validID(t.id) {
		t.err = invalidUnitID()
		return t
	}
	if len(units) > 1 {
		t.route = RouteUnknown
		t.err = segmentNotFound(units[1])
		return t
	}
	if t.err = methods(method, path+"/"+rawRest[1], []string{http.MethodGet}, http.MethodGet, http.MethodPatch, http.MethodDelete); t.err != nil {
		t.route = RouteUnknown
	}
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

// contextSuffix is the select list of an @odata.context: "(id,status)",
// or "" without $select.
func (sel *policySelect) contextSuffix() string {
	if sel == nil {
		return ""
	}
	return "(" + strings.Join(sel.selected, ",") + ")"
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
	// sel is the $select (nil: none).
	sel *policySelect
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
	l := &policyListing{kind: t.pol.kind, filter: q.filter, sel: q.policySel, next: c.base + "/v1.0" + t.listPath + "?$skiptoken=",
		tok: pageToken{V: 1, P: key, F: q.filterRaw, S: q.selectRaw, N: c.s.opts.PageSize, C: q.count}}
	if q.skiptoken != "" {
		got, g := decodePageToken(q.skiptoken, key)
		if g != nil {
			return c.fail(g)
		}
		if len(got.A) != 1 {
			return c.fail(badRequest("The $skiptoken is invalid."))
		}
		l.tok, l.after, l.filter, l.sel = *got, got.A[0], nil, nil
		if l.tok.F != "" {
			if l.filter, g = parseFilterFor(l.tok.F, &policyFilterSchema); g != nil {
				return c.fail(badRequest("The $skiptoken is invalid."))
			}
		}
		if l.tok.S != "" {
			if l.sel, g = parsePolicySelect(l.tok.S); g != nil {
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
	b = appendString(b, contextPrefix+t.pol.contextPath()+l.sel.contextSuffix())
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
		cs := counts[p.ID]
		b = appendPolicy(b, p, &policyView{status: cs.status(), counts: cs, sel: l.sel}, "")
		b = append(b, '}')
	}
	return append(b, ']')
}

// getPolicy serves a GET of one policy: 404 PolicyNotFound when the
// emulator has no such policy or, on a typed collection, it is of another
// type.
func (c *call) getPolicy() *response {
	t := &c.target
	q, g := parseQuery(c.rawQuery, queryPolicyItem, models.KindUnknown)
	if g != nil {
		return c.fail(g)
	}
	b, ok := c.s.st.appendPolicyJSON(make([]byte, 0, 1024), t.pol.id, t.pol.kind, q.policySel,
		contextPrefix+t.pol.contextPath()+q.policySel.contextSuffix()+"/$entity")
	if !ok {
		return c.fail(policyNotFound())
	}
	return jsonResponse(http.StatusOK, b)
}

// GraphJSON returns p as the API writes it: a JSON object with
// @odata.type and every property but protectionPolicyArtifactCount (which
// the service returns only when $select names it), its Status as it is
// (Server.Policy and Server.Policies derive it), without @odata.context. It
// never fails.
func (p Policy) GraphJSON() []byte {
	return append(appendPolicy(make([]byte, 0, 1024), &p, &policyView{status: p.Status}, ""), '}')
}

// Policy properties, in the order they are written, for $select.
const (
	polID = iota
	polDisplayName
	polStatus
	polIsEnabled
	polCreatedBy
	polCreatedDateTime
	polLastModifiedBy
	polLastModifiedDateTime
	polRetentionSettings
	polArtifactCount
	numPolicyProps
)

// policyPropNames are the JSON names of protectionPolicyBase's properties
// (its derived types add only navigations), by index.
var policyPropNames = [numPolicyProps]string{"id", "displayName", "status", "isEnabled", "createdBy", "createdDateTime",
	"lastModifiedBy", "lastModifiedDateTime", "retentionSettings", "protectionPolicyArtifactCount"}

// policySelect is a $select over policies: the selected properties, and
// their canonical names for @odata.context.
type policySelect struct {
	mask     uint16
	selected []string
}

// defaultPolicyProps are the properties written without $select: all but
// protectionPolicyArtifactCount, which the service returns only when
// selected.
const defaultPolicyProps = (uint16(1)<<numPolicyProps - 1) &^ (1 << polArtifactCount)

// parsePolicySelect parses a $select over policies: structural properties
// of protectionPolicyBase, bare or qualified by a policy type ("*" is every
// property but protectionPolicyArtifactCount). id and @odata.type are
// always written.
func parsePolicySelect(val string) (*policySelect, *graphError) {
	sel := &policySelect{}
	for item := range strings.SplitSeq(val, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return nil, badRequest("Syntax error: empty item in $select.")
		}
		if item == "*" {
			sel.mask |= defaultPolicyProps
			sel.selected = append(sel.selected, "*")
			continue
		}
		name := item
		if typ, prop, ok := strings.Cut(item, "/"); ok {
			if _, _, _, isCast := parsePolicyCast(typ); !isCast {
				return nil, badRequest("Could not find a type named '" + typ + "' in $select.")
			}
			name = prop
		}
		p := -1
		for i, n := range policyPropNames {
			if strings.EqualFold(n, name) {
				p = i
			}
		}
		if p < 0 {
			return nil, badRequest("Could not find a property named '" + name + "' on type 'microsoft.graph.protectionPolicyBase'.")
		}
		sel.mask |= 1 << p
		sel.selected = append(sel.selected, policyPropNames[p])
	}
	return sel, nil
}

// policyView is how one policy is written: its derived status, its unit
// counts (for protectionPolicyArtifactCount) and the $select (nil: every
// property but protectionPolicyArtifactCount).
type policyView struct {
	status models.ProtectionPolicyStatus
	counts policyCounts
	sel    *policySelect
}

// appendPolicy writes p as a JSON object led by "@odata.context": ctx when
// ctx is not empty, in the order of the documentation's examples. The
// object is left open: the caller appends more members (the PATCH's @delta
// echo) and the closing brace.
func appendPolicy(b []byte, p *Policy, v *policyView, ctx string) []byte {
	mask := defaultPolicyProps
	if v.sel != nil {
		mask = v.sel.mask
	}
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
	for i := polDisplayName; i < numPolicyProps; i++ {
		if mask&(1<<i) == 0 {
			continue
		}
		b = append(b, ',', '"')
		b = append(b, policyPropNames[i]...)
		b = append(b, '"', ':')
		switch i {
		case polDisplayName:
			b = appendNullable(b, p.DisplayName)
		case polStatus:
			b = appendString(b, string(v.status))
		case polIsEnabled:
			b = strconv.AppendBool(b, p.IsEnabled)
		case polCreatedBy:
			b = appendIdentitySet(b, &p.CreatedBy)
		case polCreatedDateTime:
			b = appendTime(b, p.CreatedDateTime)
		case polLastModifiedBy:
			b = appendIdentitySet(b, &p.LastModifiedBy)
		case polLastModifiedDateTime:
			b = appendTime(b, p.LastModifiedDateTime)
		case polRetentionSettings:
			b = append(b, '[')
			for j, r := range p.RetentionSettings {
				if j > 0 {
					b = append(b, ',')
				}
				b = append(b, `{"interval":`...)
				b = appendNullable(b, r.Interval)
				b = append(b, `,"period":`...)
				b = appendNullable(b, r.Period)
				b = append(b, '}')
			}
			b = append(b, ']')
		case polArtifactCount:
			c := v.counts
			b = append(b, `{"completed":`...)
			b = appendInt(b, c.protected)
			b = append(b, `,"failed":`...)
			b = appendInt(b, c.failed)
			b = append(b, `,"inProgress":`...)
			b = appendInt(b, c.pending)
			b = append(b, `,"total":`...)
			b = appendInt(b, c.total)
			b = append(b, '}')
		}
	}
	return b
}
