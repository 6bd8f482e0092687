package fake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/m365kit/backuprestore/models"
)

// protFamily is the kind of collection of a protection path.
type protFamily int

const (
	famRules protFamily = iota + 1
	famJobs
)

// protTarget is the rule or job part of a parsed path.
type protTarget struct {
	family protFamily
	kind   models.UnitKind
	// coll is the collection's canonical segment.
	coll string
	// id is the unescaped rule or job ID ("" for the collection).
	id string
	// path is the escaped collection path after /v1.0 (for nextLink).
	path string
}

// protCollection recognises a rule or job collection segment (any case).
func protCollection(seg string) (protFamily, models.UnitKind, bool) {
	for _, k := range []models.UnitKind{models.KindSite, models.KindDrive, models.KindMailbox} {
		if strings.EqualFold(seg, k.InclusionRulesSegment()) {
			return famRules, k, true
		}
		if strings.EqualFold(seg, k.BulkAdditionJobsSegment()) {
			return famJobs, k, true
		}
	}
	return 0, models.KindUnknown, false
}

// ruleActions are the actions bound to protectionRuleBase.
var ruleActions = []string{"run", "deleteAndUnprotect"}

// parseProtTarget completes t for a rule or job path: segs and raw from the
// collection on, prefix the escaped path before them. Under a policy (t.pol
// set) and at the root:
//
//	{rules}[/$count]                        GET; POST under a policy
//	{rules}/{id}                            GET, PATCH, DELETE
//	{rules}/{id}/run|deleteAndUnprotect     POST
//	{jobs}[/$count]                         GET; POST under a policy
//	{jobs}/{id}                             GET (PATCH and DELETE: 501)
//
// A POST to a root collection is a 501: the emulator creates rules and
// jobs under a policy only, as the documentation does.
func parseProtTarget(t target, method string, fam protFamily, k models.UnitKind, segs, raw []string, prefix string) target {
	coll := k.InclusionRulesSegment()
	if fam == famJobs {
		coll = k.BulkAdditionJobsSegment()
	}
	path := prefix + "/" + raw[0]
	t.prot = protTarget{family: fam, kind: k, coll: coll, path: path}
	t.route = RouteUnknown
	rest, rawRest := segs[1:], raw[1:]
	list, get, create := RouteRuleList, RouteRuleGet, RouteRuleCreate
	if fam == famJobs {
		list, get, create = RouteJobList, RouteJobGet, RouteJobCreate
	}
	underPolicy := t.pol.id != ""
	switch {
	case len(rest) == 0:
		served := []string{http.MethodGet}
		if underPolicy {
			served = append(served, http.MethodPost)
		}
		if t.err = methods(method, path, served, http.MethodGet, http.MethodPost); t.err != nil {
			return t
		}
		t.route = list
		if method == http.MethodPost {
			t.route = create
		}
		return t
	case rest[0] == "$count":
		if len(rest) > 1 {
			t.err = segmentNotFound(rest[1])
			return t
		}
		if t.err = methods(method, path+"/$count", []string{http.MethodGet}, http.MethodGet); t.err == nil {
			t.route, t.count = list, true
		}
		return t
	}
	t.prot.id = rest[0]
	if !validID(t.prot.id) {
		t.err = invalidProtID(fam)
		return t
	}
	itemPath := path + "/" + rawRest[0]
	switch {
	case len(rest) == 1 && fam == famRules:
		if t.err = methods(method, itemPath, []string{http.MethodGet, http.MethodPatch, http.MethodDelete}, http.MethodGet, http.MethodPatch, http.MethodDelete); t.err != nil {
			return t
		}
		t.route = map[string]Route{http.MethodGet: get, http.MethodPatch: RouteRuleUpdate, http.MethodDelete: RouteRuleDelete}[method]
	case len(rest) == 1:
		if t.err = methods(method, itemPath, []string{http.MethodGet}, http.MethodGet, http.MethodPatch, http.MethodDelete); t.err == nil {
			t.route = get
		}
	case len(rest) == 2 && fam == famRules && isOperation(rest[1], ruleActions):
		if t.err = methods(method, itemPath+"/"+rawRest[1], []string{http.MethodPost}, http.MethodPost); t.err != nil {
			return t
		}
		t.route = RouteRuleRun
		if strings.EqualFold(operationName(rest[1]), "deleteAndUnprotect") {
			t.route = RouteRuleDeleteAndUnprotect
		}
	case strings.HasPrefix(strings.ToLower(rest[1]), "microsoft.graph.") || strings.HasPrefix(strings.ToLower(rest[1]), "graph."):
		t.err = notImplemented(method, itemPath+"/"+strings.Join(rawRest[1:], "/"))
	default:
		t.err = segmentNotFound(rest[1])
	}
	return t
}

// invalidProtID is the 400 for a malformed rule or job ID in a path.
func invalidProtID(fam protFamily) *graphError {
	if fam == famRules {
		return &graphError{status: http.StatusBadRequest, code: "InvalidInclusionRuleId", message: "The rule ID is invalid."}
	}
	return badRequest("The bulk addition job ID is invalid.")
}

func ruleNotFound() *graphError {
	return &graphError{status: http.StatusNotFound, code: "ProtectionRuleNotFound", message: "The given rule ID is either incorrect or the rule was deleted."}
}

func jobNotFound() *graphError {
	return &graphError{status: http.StatusNotFound, code: "NotFound", message: "The bulk addition job does not exist."}
}

// dispatchProtection serves the protection side's routes after the
// permission table: reads need Configuration.Read.All or ReadWrite.All,
// writes ReadWrite.All (delegated or application).
func (c *call) dispatchProtection() *response {
	t := &c.target
	write := true
	switch t.route {
	case RouteRuleList, RouteRuleGet, RouteJobList, RouteJobGet:
		write = false
	}
	if write {
		if g := c.p.authorizePolicyWrite(); g != nil {
			return c.fail(g)
		}
	} else if g := c.p.authorize(false); g != nil {
		return c.fail(g)
	}
	if g := c.noQuery(); g != nil {
		return c.fail(g)
	}
	if t.pol.id != "" && !c.s.st.policyExists(t.pol.id, t.pol.kind) && t.route != RoutePolicyActivate &&
		t.route != RoutePolicyDeactivate && t.route != RoutePolicyDelete {
		return c.fail(policyNotFound())
	}
	st := c.s.st
	st.lockDue()
	defer st.mu.Unlock()
	switch t.route {
	case RoutePolicyCreate:
		return c.createPolicyLocked()
	case RoutePolicyActivate, RoutePolicyDeactivate:
		return c.activatePolicyLocked(t.route == RoutePolicyActivate)
	case RoutePolicyDelete:
		return c.deletePolicyLocked()
	case RouteRuleList, RouteJobList:
		return c.listProtLocked()
	case RouteRuleGet:
		r := c.ruleLocked()
		if r == nil {
			return c.failLocked(ruleNotFound())
		}
		return jsonResponse(http.StatusOK, appendRule(nil, r, contextPrefix+"solutions/backupRestore/"+t.prot.coll+"/$entity", c.includeUnknown))
	case RouteJobGet:
		j := c.jobLocked()
		if j == nil {
			return c.failLocked(jobNotFound())
		}
		return jsonResponse(http.StatusOK, appendJob(nil, j, contextPrefix+"solutions/backupRestore/"+t.prot.coll+"/$entity"))
	case RouteRuleCreate:
		return c.createRuleLocked()
	case RouteRuleUpdate:
		return c.updateRuleLocked()
	case RouteRuleDelete:
		return c.deleteRuleLocked()
	case RouteRuleRun, RouteRuleDeleteAndUnprotect:
		return c.ruleActionLocked(t.route == RouteRuleRun)
	case RouteJobCreate:
		return c.createJobLocked()
	}
	return c.failLocked(segmentNotFound(t.prot.id))
}

// noQuery refuses query options on the protection routes, except $top,
// $skiptoken and $count on a listing.
func (c *call) noQuery() *graphError {
	if c.rawQuery == "" {
		return nil
	}
	q, err := url.ParseQuery(c.rawQuery)
	if err != nil {
		return badRequest("The query specified in the URI is not valid.")
	}
	list := c.target.route == RouteRuleList || c.target.route == RouteJobList
	for k := range q {
		if list && (k == "$top" || k == "$skiptoken" || k == "$count") {
			continue
		}
		return badRequest("The query parameter '" + k + "' is not supported.")
	}
	return nil
}

// body decodes the request body as a JSON object, or answers 400 code.
func (c *call) jsonObject(code string) (map[string]json.RawMessage, *graphError) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(c.body, &m); err != nil || m == nil {
		return nil, &graphError{status: http.StatusBadRequest, code: code, message: "Can't process the request because it's malformed or incorrect."}
	}
	return m, nil
}

// --- policies ---

// createPolicyLocked serves POST on a typed policy collection.
func (c *call) createPolicyLocked() *response {
	st, t := c.s.st, &c.target
	kind := t.pol.kind
	m, g := c.jsonObject("InvalidCreateRequest")
	if g != nil {
		return c.failLocked(g)
	}
	var name string
	if raw, ok := m["displayName"]; !ok || json.Unmarshal(raw, &name) != nil || !validDisplayName(name) || strings.TrimSpace(name) == "" {
		return c.failLocked(&graphError{status: http.StatusBadRequest, code: "InvalidDisplayName", message: "Please ensure policy name length should be > 0 chars and <= 1024 chars."})
	}
	var items []map[string]any
	if raw, ok := m[kind.UnitsSegment()]; ok && string(raw) != "null" {
		if json.Unmarshal(raw, &items) != nil {
			return c.failLocked(&graphError{status: http.StatusBadRequest, code: "InvalidCreateRequest", message: "Create request is null, invalid or its size is too large."})
		}
	}
	if len(items) > 50 {
		return c.failLocked(&graphError{status: http.StatusRequestEntityTooLarge, code: "ProtectionUnitsLimitBreached", message: "Number of Protection Units in each request must not exceed 50."})
	}
	if g := st.protectionChangeRefusalLocked(); g != nil {
		return c.failLocked(g)
	}
	if st.opts.OneActivePolicyPerWorkload {
		for _, p := range st.life.policies {
			if p.Kind == kind && st.policyStatusLocked(p.ID) != models.PolicyStatusInactive {
				return c.failLocked(&graphError{status: http.StatusConflict, code: "PolicyCreationNotAllowed", message: "Can't create Policy. Another active Policy already exists."})
			}
		}
	}
	uk := kind.UnitKind()
	attached, known := st.artifactIndexLocked(uk)
	byURL, byMail := st.unitIndexes(uk, known)
	arts := make([]artifact, 0, len(items))
	seen := map[string]bool{}
	for _, it := range items {
		id, _ := it[kind.ArtifactKey()].(string)
		valid := validID(id)
		if uk == models.KindSite {
			valid = validSiteID(id)
		} else if valid {
			valid = isGUIDText(id)
		}
		if !valid {
			return c.failLocked(&graphError{status: http.StatusBadRequest, code: "InvalidProtectionUnitId", message: "Protection Unit ID is invalid."})
		}
		a, _, _, ok := st.resolveLocked(uk, id, known, byURL, byMail)
		if !ok {
			return c.failLocked(&graphError{status: http.StatusBadRequest, code: "InvalidProtectionUnitId", message: "Protection Unit ID is invalid: '" + id + "' names no " + uk.String() + " of the tenant."})
		}
		key := strings.ToLower(a.key)
		if seen[key] {
			return c.failLocked(&graphError{status: http.StatusBadRequest, code: "DuplicateProtectionUnitInList", message: "Protection Unit level error: Duplicate Protection Unit in list."})
		}
		seen[key] = true
		if e := attached[key]; e != nil {
			return c.failLocked(&graphError{status: http.StatusConflict, code: "ProtectionUnitAlreadyExists",
				message: "Artifact " + a.key + " is not eligible for protection because it is already protected under policy " + e.u.PolicyID + "."})
		}
		arts = append(arts, a)
	}
	now := st.clock.now()
	p, err := st.addPolicyLocked(Policy{Kind: kind, DisplayName: name, CreatedBy: c.p.who.clone(), LastModifiedBy: c.p.who.clone(),
		CreatedDateTime: now, LastModifiedDateTime: now})
	if err != nil {
		return c.failLocked(&graphError{status: http.StatusInternalServerError, code: "PolicySaveFailed", message: "An unknown error occurred. Try again."})
	}
	stored := st.life.policies[p.ID]
	st.prot().life[p.ID] = &policyLife{}
	for _, a := range arts {
		st.attachLocked(stored, a, known[strings.ToLower(a.key)], "manual", c.p.who, now, CauseAdd)
	}
	b := append(appendPolicy(nil, stored, &policyView{status: st.policyStatusLocked(p.ID)},
		contextPrefix+"solutions/backupRestore/"+kind.CollectionSegment()+"/$entity"), '}')
	r := jsonResponse(http.StatusCreated, b)
	r.header.Set("Location", c.base+"/v1.0/solutions/backupRestore/"+kind.CollectionSegment()+"/"+url.PathEscape(p.ID))
	return r
}

// Messages of the error page for policy actions in the wrong state.
const (
	msgActivateNotAllowed   = "Can't activate policy. The policy isn't in correct state. Make sure the policy is in Inactive state."
	msgDeactivateNotAllowed = "Policy isn't in correct state. Wait until it moves to the active state."
	msgDeleteNotAllowed     = "Can't delete policy. Only policy in Inactive status can be deleted."
)

// activatePolicyLocked serves activate and deactivate: 202 with the policy,
// updating; the policy's units move to protectRequested (activate) or
// unprotectRequested (deactivate) and settle after ProtectDelay.
func (c *call) activatePolicyLocked(activate bool) *response {
	st, t := c.s.st, &c.target
	p, ok := st.life.policies[t.pol.id]
	if !ok || (t.pol.kind != models.PolicyKindUnknown && p.Kind != t.pol.kind) {
		return c.failLocked(policyNotFound())
	}
	if g := st.protectionChangeRefusalLocked(); g != nil {
		return c.failLocked(g)
	}
	status := st.policyStatusLocked(p.ID)
	now := st.clock.now()
	if activate {
		if status != models.PolicyStatusInactive && status != models.PolicyStatusActiveWithErrors {
			return c.failLocked(&graphError{status: http.StatusForbidden, code: "PolicyActionNotAllowed", message: msgActivateNotAllowed})
		}
	} else if status != models.PolicyStatusActive && status != models.PolicyStatusActiveWithErrors {
		return c.failLocked(&graphError{status: http.StatusForbidden, code: "PolicyActionNotAllowed", message: msgDeactivateNotAllowed})
	}
	for _, id := range st.sortedLocked() {
		e := st.units[id]
		if e.u.PolicyID != p.ID {
			continue
		}
		from := e.u.Status
		switch {
		case activate && from == models.StatusUnprotected:
			e.u.Status = models.StatusProtectRequested
		case !activate && (from == models.StatusProtected || from == models.StatusProtectRequested):
			e.u.Status = models.StatusUnprotectRequested
		default:
			continue
		}
		e.u.LastModifiedDateTime, e.u.LastModifiedBy = now, c.p.who.clone()
		st.transitionLocked(e, from, e.u.Status, now, CauseProtected, c.ids.request, c.inBatch, p.ID)
	}
	st.prot().life[p.ID] = &policyLife{activated: activate, settleAt: now.Add(st.opts.ProtectDelay)}
	p.IsEnabled = activate
	p.LastModifiedDateTime, p.LastModifiedBy = now, c.p.who.clone()
	b := append(appendPolicy(nil, p, &policyView{status: st.policyStatusLocked(p.ID)},
		contextPrefix+"solutions/backupRestore/protectionPolicies/$entity"), '}')
	return jsonResponse(http.StatusAccepted, b)
}

// deletePolicyLocked serves DELETE of an inactive policy: its units leave
// it (unprotected, no policy), its rules and jobs go with it.
func (c *call) deletePolicyLocked() *response {
	st, t := c.s.st, &c.target
	p, ok := st.life.policies[t.pol.id]
	if !ok || (t.pol.kind != models.PolicyKindUnknown && p.Kind != t.pol.kind) {
		return c.failLocked(policyNotFound())
	}
	if g := st.protectionChangeRefusalLocked(); g != nil {
		return c.failLocked(g)
	}
	if st.policyStatusLocked(p.ID) != models.PolicyStatusInactive {
		return c.failLocked(&graphError{status: http.StatusForbidden, code: "PolicyActionNotAllowed", message: msgDeleteNotAllowed})
	}
	now := st.clock.now()
	for _, id := range st.sortedLocked() {
		e := st.units[id]
		if e.u.PolicyID != p.ID {
			continue
		}
		from := e.u.Status
		e.u.PolicyID, e.u.ProtectionSources = "", "none"
		e.u.Status = models.StatusUnprotected
		e.u.LastModifiedDateTime, e.u.LastModifiedBy = now, c.p.who.clone()
		st.transitionLocked(e, from, e.u.Status, now, CauseRemoved, c.ids.request, c.inBatch, p.ID)
	}
	pr := st.prot()
	for _, id := range slices.Clone(pr.ruleOrder) {
		if r := pr.rules[id]; r != nil && r.policyID == p.ID {
			st.deleteRuleLocked(id)
		}
	}
	pr.jobOrder = slices.DeleteFunc(pr.jobOrder, func(id string) bool {
		if j := pr.jobs[id]; j != nil && j.policyID == p.ID {
			delete(pr.jobs, id)
			return true
		}
		return false
	})
	delete(pr.life, p.ID)
	delete(st.life.policies, p.ID)
	st.life.sorted = nil
	return newResponse(http.StatusNoContent)
}

// --- rules ---

func (c *call) ruleLocked() *ruleState {
	t := &c.target
	r := c.s.st.prot().rules[t.prot.id]
	if r == nil || r.kind != t.prot.kind || (t.pol.id != "" && r.policyID != t.pol.id) {
		return nil
	}
	return r
}

func (c *call) jobLocked() *jobState {
	t := &c.target
	j := c.s.st.prot().jobs[t.prot.id]
	if j == nil || j.kind != t.prot.kind || (t.pol.id != "" && j.policyID != t.pol.id) {
		return nil
	}
	return j
}

// createRuleLocked serves POST on a policy's inclusion rules: 201 with the
// rule, active; it is evaluated RuleDelay later.
func (c *call) createRuleLocked() *response {
	st, t := c.s.st, &c.target
	k := t.prot.kind
	bad := &graphError{status: http.StatusBadRequest, code: "InvalidInclusionRuleCreateRequest", message: "Invalid create request."}
	m, g := c.jsonObject(bad.code)
	if g != nil {
		return c.failLocked(g)
	}
	var expr string
	raw, ok := m[k.RuleExpressionKey()]
	if !ok {
		return c.failLocked(bad)
	}
	if json.Unmarshal(raw, &expr) != nil {
		return c.failLocked(&graphError{status: http.StatusBadRequest, code: "InvalidRuleExpression", message: "Value can't be null or invalid expression."})
	}
	dynamic := false
	if raw, ok := m["isAutoApplyEnabled"]; ok && string(raw) != "null" {
		if json.Unmarshal(raw, &dynamic) != nil || (dynamic && k == models.KindSite) {
			return c.failLocked(bad)
		}
	}
	terms, groups, g := parseRuleExpression(k, expr)
	if g != nil {
		return c.failLocked(g)
	}
	if g := st.protectionChangeRefusalLocked(); g != nil {
		return c.failLocked(g)
	}
	now := st.clock.now()
	pr := st.prot()
	r := &ruleState{id: pr.newID(), policyID: t.pol.id, kind: k, expr: expr, dynamic: dynamic, status: models.RuleStatusActive,
		settleAt: now.Add(st.opts.RuleDelay), terms: terms, groups: groups,
		createdBy: c.p.who.clone(), modBy: c.p.who.clone(), created: now, modified: now}
	pr.rules[r.id] = r
	pr.ruleOrder = append(pr.ruleOrder, r.id)
	return jsonResponse(http.StatusCreated, appendRule(nil, r, contextPrefix+"solutions/backupRestore/"+t.prot.coll+"/$entity", c.includeUnknown))
}

// updateRuleLocked serves PATCH of a dynamic rule's expression.
func (c *call) updateRuleLocked() *response {
	st, t := c.s.st, &c.target
	r := c.ruleLocked()
	if r == nil {
		return c.failLocked(ruleNotFound())
	}
	m, g := c.jsonObject("InvalidProtectionRulePatchRequest")
	if g != nil {
		return c.failLocked(g)
	}
	if _, ok := m["isAutoApplyEnabled"]; ok {
		return c.failLocked(&graphError{status: http.StatusBadRequest, code: "InvalidProtectionRulePatchRequest", message: "The isAutoApplyEnabled parameter isn't supported in a patch request."})
	}
	switch {
	case !r.dynamic:
		return c.failLocked(&graphError{status: http.StatusBadRequest, code: "PatchNotAllowedForStaticRule", message: "Patch operation isn't allowed for a static rule."})
	case r.status == models.RuleStatusDeleteRequested:
		return c.failLocked(&graphError{status: http.StatusUnprocessableEntity, code: "InvalidProtectionRuleStatusForDynamicRuleEdit", message: "Patch operation isn't allowed in the current state."})
	case !r.status.IsSettled():
		return c.failLocked(&graphError{status: http.StatusBadRequest, code: "InvalidProtectionRuleStatusForUpdation", message: "Update operation isn't allowed in the current state."})
	}
	var expr string
	if raw, ok := m[t.prot.kind.RuleExpressionKey()]; !ok || json.Unmarshal(raw, &expr) != nil {
		return c.failLocked(&graphError{status: http.StatusBadRequest, code: "InvalidRuleExpression", message: "Value can't be null or invalid expression"})
	}
	_, groups, g := parseRuleExpression(r.kind, expr)
	if g != nil {
		return c.failLocked(g)
	}
	now := st.clock.now()
	r.expr, r.groups = expr, groups
	r.status, r.settleAt = models.RuleStatusUpdateRequested, now.Add(st.opts.RuleDelay)
	r.modified, r.modBy = now, c.p.who.clone()
	return jsonResponse(http.StatusOK, appendRule(nil, r, contextPrefix+"solutions/backupRestore/"+t.prot.coll+"/$entity", c.includeUnknown))
}

// deleteRuleLocked serves DELETE of a rule that completed. Its units stay;
// those only it selected as a dynamic rule are kept as manual.
func (c *call) deleteRuleLocked() *response {
	st := c.s.st
	r := c.ruleLocked()
	if r == nil {
		return c.failLocked(ruleNotFound())
	}
	if !r.status.IsSettled() {
		if r.dynamic {
			return c.failLocked(&graphError{status: http.StatusUnprocessableEntity, code: "InvalidProtectionRuleStatusForDynamicRuleDeletion", message: "Delete operation isn't allowed in the current state."})
		}
		return c.failLocked(&graphError{status: http.StatusBadRequest, code: "InvalidProtectionRuleStatusForDeletion", message: "Delete operation isn't allowed in the current state."})
	}
	if r.dynamic {
		_, known := st.artifactIndexLocked(r.kind)
		sel, _ := st.ruleMatchesLocked(r, known)
		others := st.otherDynamicLocked(r, known)
		for _, id := range st.sortedLocked() {
			e := st.units[id]
			key := strings.ToLower(e.u.DirectoryObjectID)
			if e.u.PolicyID != r.policyID || others[key] || !hasSource(e.u.ProtectionSources, "dynamicRule") {
				continue
			}
			if _, ok := sel[key]; ok {
				e.u.ProtectionSources = addSource(removeSource(e.u.ProtectionSources, "dynamicRule"), "manual")
			}
		}
	}
	st.deleteRuleLocked(r.id)
	return newResponse(http.StatusNoContent)
}

// ruleActionLocked serves run (static rules: evaluated again) and
// deleteAndUnprotect (dynamic rules: deleteRequested, then the rule goes
// and its units lose their dynamicRule source).
func (c *call) ruleActionLocked(run bool) *response {
	st, t := c.s.st, &c.target
	r := c.ruleLocked()
	if r == nil {
		return c.failLocked(ruleNotFound())
	}
	if g := st.protectionChangeRefusalLocked(); g != nil {
		return c.failLocked(g)
	}
	now := st.clock.now()
	ctx := contextPrefix + "solutions/backupRestore/" + t.prot.coll + "/$entity"
	if run {
		switch {
		case r.dynamic:
			return c.failLocked(&graphError{status: http.StatusBadRequest, code: "RunNotAllowedForDynamicRule", message: "Run operation isn't allowed for dynamic rule."})
		case !r.status.IsSettled():
			return c.failLocked(&graphError{status: http.StatusBadRequest, code: "ProtectionRuleActionNotAllowed", message: "Run action isn't allowed for protection rule."})
		}
		r.status, r.settleAt = models.RuleStatusActive, now.Add(st.opts.RuleDelay)
		r.modified, r.modBy = now, c.p.who.clone()
		return jsonResponse(http.StatusAccepted, appendRule(nil, r, ctx, c.includeUnknown))
	}
	switch {
	case !r.dynamic:
		return c.failLocked(&graphError{status: http.StatusBadRequest, code: "ProtectionRuleActionNotAllowed", message: "The deleteAndUnprotect action applies to dynamic rules only."})
	case !r.status.IsSettled():
		return c.failLocked(&graphError{status: http.StatusUnprocessableEntity, code: "InvalidProtectionRuleStatusForDynamicRuleDeleteAndUnprotectAll",
			message: "The deleteAndUnprotect operation isn't allowed in the current state."})
	}
	r.status, r.settleAt = models.RuleStatusDeleteRequested, now.Add(st.opts.RuleDelay)
	r.modified, r.modBy = now, c.p.who.clone()
	b := append([]byte(`{"@odata.context":"`+contextPrefix+`$metadata#microsoft.graph.protectionRuleBase","value":`), appendRule(nil, r, "", c.includeUnknown)...)
	return jsonResponse(http.StatusAccepted, append(b, '}'))
}

// --- jobs ---

// createJobLocked serves POST on a policy's bulk addition jobs: 201 with
// the job, active; its items are added JobDelay later.
func (c *call) createJobLocked() *response {
	st, t := c.s.st, &c.target
	k := t.prot.kind
	m, g := c.jsonObject("InvalidCreateRequest")
	if g != nil {
		return c.failLocked(g)
	}
	bad := func(msg string) *response {
		return c.failLocked(&graphError{status: http.StatusBadRequest, code: "InvalidCreateRequest", message: msg})
	}
	var name string
	if raw, ok := m["displayName"]; ok && json.Unmarshal(raw, &name) != nil {
		return bad("displayName must be a string.")
	}
	strs := func(key string) ([]string, bool) {
		raw, ok := m[key]
		if !ok || string(raw) == "null" {
			return nil, true
		}
		var v []string
		return v, json.Unmarshal(raw, &v) == nil
	}
	urlKey, idKey := "siteWebUrls", "siteIds"
	switch k {
	case models.KindDrive:
		urlKey, idKey = "drives", "directoryObjectIds"
	case models.KindMailbox:
		urlKey, idKey = "mailboxes", "directoryObjectIds"
	}
	urls, ok1 := strs(urlKey)
	ids, ok2 := strs(idKey)
	if !ok1 || !ok2 {
		return bad(urlKey + " and " + idKey + " must be arrays of strings.")
	}
	n := len(urls) + len(ids)
	switch {
	case n == 0:
		return bad("The job names no " + urlKey + " and no " + idKey + ".")
	case n > st.opts.MaxJobItems:
		return c.failLocked(&graphError{status: http.StatusRequestEntityTooLarge, code: "ProtectionUnitsLimitBreached",
			message: "A bulk addition job can name at most " + itoa(st.opts.MaxJobItems) + " resources."})
	}
	if g := st.protectionChangeRefusalLocked(); g != nil {
		return c.failLocked(g)
	}
	now := st.clock.now()
	pr := st.prot()
	j := &jobState{id: pr.newID(), policyID: t.pol.id, name: name, kind: k, status: models.JobStatusActive,
		settleAt: now.Add(st.opts.JobDelay), urls: urls, ids: ids,
		createdBy: c.p.who.clone(), modBy: c.p.who.clone(), created: now, modified: now}
	pr.jobs[j.id] = j
	pr.jobOrder = append(pr.jobOrder, j.id)
	return jsonResponse(http.StatusCreated, appendJob(nil, j, contextPrefix+"solutions/backupRestore/"+t.prot.coll+"/$entity"))
}

// --- listings ---

// listProtLocked serves a GET of a rule or job collection (or its
// $count): creation order, pages of Options.PageSize ($top lowers it),
// $skiptoken the offset.
func (c *call) listProtLocked() *response {
	st, t := c.s.st, &c.target
	pr := st.prot()
	var ids []string
	if t.prot.family == famRules {
		for _, id := range pr.ruleOrder {
			if r := pr.rules[id]; r.kind == t.prot.kind && (t.pol.id == "" || r.policyID == t.pol.id) {
				ids = append(ids, id)
			}
		}
	} else {
		for _, id := range pr.jobOrder {
			if j := pr.jobs[id]; j.kind == t.prot.kind && (t.pol.id == "" || j.policyID == t.pol.id) {
				ids = append(ids, id)
			}
		}
	}
	if t.count {
		r := newResponse(http.StatusOK)
		r.header.Set("Content-Type", "text/plain")
		r.body = []byte(itoa(len(ids)))
		return r
	}
	q, _ := url.ParseQuery(c.rawQuery)
	size := st.opts.PageSize
	if v := q.Get("$top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return c.failLocked(badRequest("Invalid value '" + v + "' for $top query option."))
		}
		size = min(size, max(n, 1))
	}
	if c.maxPageSize > 0 {
		size = min(size, c.maxPageSize)
	}
	off := 0
	if v := q.Get("$skiptoken"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return c.failLocked(badRequest("The $skiptoken is not valid."))
		}
		off = min(n, len(ids))
	}
	end := min(off+size, len(ids))
	b := []byte(`{"@odata.context":"` + contextPrefix + "solutions/backupRestore/" + t.prot.coll + `"`)
	if q.Get("$count") == "true" {
		b = append(b, `,"@odata.count":`...)
		b = append(b, itoa(len(ids))...)
	}
	if end < len(ids) {
		b = append(b, `,"@odata.nextLink":`...)
		next := c.base + "/v1.0" + t.prot.path + "?$skiptoken=" + itoa(end)
		if v := q.Get("$top"); v != "" {
			next += "&$top=" + v
		}
		b = appendString(b, next)
	}
	b = append(b, `,"value":[`...)
	for i, id := range ids[off:end] {
		if i > 0 {
			b = append(b, ',')
		}
		if t.prot.family == famRules {
			b = appendRule(b, pr.rules[id], "", c.includeUnknown)
		} else {
			b = appendJob(b, pr.jobs[id], "")
		}
	}
	return jsonResponse(http.StatusOK, append(b, "]}"...))
}

// --- rendering ---

func appendFailures(b []byte, code, message string, fails []jobFailure) []byte {
	if len(fails) == 0 {
		return append(b, "null"...)
	}
	b = append(b, `{"code":`...)
	b = appendString(b, code)
	b = append(b, `,"message":`...)
	b = appendString(b, message)
	b = append(b, `,"details":[`...)
	for i, f := range fails {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"code":`...)
		b = appendString(b, f.code)
		b = append(b, `,"message":`...)
		b = appendString(b, f.message)
		b = append(b, `,"target":`...)
		b = appendString(b, f.target)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

func appendStrings(b []byte, key string, vals []string) []byte {
	b = append(b, ',')
	b = appendString(b, key)
	b = append(b, ":["...)
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, v)
	}
	return append(b, ']')
}

func appendStamps(b []byte, createdBy, modBy *IdentitySet, created, modified time.Time) []byte {
	b = append(b, `,"createdBy":`...)
	b = appendIdentitySet(b, createdBy)
	b = append(b, `,"createdDateTime":`...)
	b = appendTime(b, created)
	b = append(b, `,"lastModifiedBy":`...)
	b = appendIdentitySet(b, modBy)
	b = append(b, `,"lastModifiedDateTime":`...)
	return appendTime(b, modified)
}

// appendRule writes a rule (with @odata.context ctx when not empty). The
// statuses after unknownFutureValue (updateRequested, deleteRequested) are
// written as unknownFutureValue unless the caller opted in (Prefer:
// include-unknown-enum-members), as Graph's evolvable enums do.
func appendRule(b []byte, r *ruleState, ctx string, includeUnknown bool) []byte {
	b = append(b, '{')
	if ctx != "" {
		b = append(b, `"@odata.context":`...)
		b = appendString(b, ctx)
		b = append(b, ',')
	}
	b = append(b, `"@odata.type":`...)
	b = appendString(b, r.kind.RuleODataType())
	b = append(b, `,"id":`...)
	b = appendString(b, r.id)
	b = append(b, ',')
	b = appendString(b, r.kind.RuleExpressionKey())
	b = append(b, ':')
	b = appendString(b, r.expr)
	b = append(b, `,"isAutoApplyEnabled":`...)
	b = strconv.AppendBool(b, r.dynamic)
	status := r.status
	if !includeUnknown && (status == models.RuleStatusUpdateRequested || status == models.RuleStatusDeleteRequested) {
		status = models.RuleStatusUnknownFutureValue
	}
	b = append(b, `,"status":`...)
	b = appendString(b, string(status))
	b = append(b, `,"error":`...)
	b = appendFailures(b, "RuleEvaluationCompletedWithErrors", "The rule could not protect every artifact it selects.", r.errs)
	b = appendStamps(b, &r.createdBy, &r.modBy, r.created, r.modified)
	return append(b, '}')
}

// appendJob writes a job (with @odata.context ctx when not empty).
func appendJob(b []byte, j *jobState, ctx string) []byte {
	b = append(b, '{')
	if ctx != "" {
		b = append(b, `"@odata.context":`...)
		b = appendString(b, ctx)
		b = append(b, ',')
	}
	b = append(b, `"@odata.type":`...)
	b = appendString(b, j.kind.JobODataType())
	b = append(b, `,"id":`...)
	b = appendString(b, j.id)
	b = append(b, `,"displayName":`...)
	b = appendString(b, j.name)
	b = append(b, `,"status":`...)
	b = appendString(b, string(j.status))
	switch j.kind {
	case models.KindSite:
		b = appendStrings(b, "siteWebUrls", j.urls)
		b = appendStrings(b, "siteIds", j.ids)
	case models.KindDrive:
		b = appendStrings(b, "drives", j.urls)
		b = appendStrings(b, "directoryObjectIds", j.ids)
	default:
		b = appendStrings(b, "mailboxes", j.urls)
		b = appendStrings(b, "directoryObjectIds", j.ids)
	}
	b = append(b, `,"error":`...)
	b = appendFailures(b, "BulkAdditionCompletedWithErrors", itoa(len(j.errs))+" of "+itoa(len(j.urls)+len(j.ids))+" items could not be added.", j.errs)
	b = appendStamps(b, &j.createdBy, &j.modBy, j.created, j.modified)
	return append(b, '}')
}

// failLocked renders an error answer while the store's lock is held (fail
// reads the clock through the lock).
func (c *call) failLocked(g *graphError) *response {
	return errorResponse(g, c.ids, c.s.st.clock.now())
}
