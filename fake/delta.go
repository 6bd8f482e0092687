package fake

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/m365kit/backuprestore/models"
)

// The policy PATCH: PATCH …/{sharePoint|oneDriveForBusiness|exchange}ProtectionPolicies/{id}
// with {"displayName"?: "…", "<units>@delta": [item…]}, where an item is
// {"@removed": {"reason": "changed"}, "id": "<unitId>"} (remove the unit
// from the policy) or {"siteId": "…"} / {"directoryObjectId": "…"} (add a
// new unit). The whole request fails, changing nothing, on a malformed
// body (400), an unknown policy (404 PolicyNotFound), more items than
// Options.MaxDeltaItems (413 ProtectionUnitsLimitBreached), a service
// status other than enabled (403 CodeProtectionChangeLocked, the emulator's choice), the same unit or
// artifact twice (400 DuplicateProtectionUnitInList) or a removal of a unit
// of the policy that a dynamic rule protects (400
// ProtectionUnitActionNotAllowed). Otherwise it answers 200 with the policy
// and one echo entry per item, in request order: the unit for an accepted
// item, a failed item in the DeltaErrorShape in force.

// deltaItem is one item of a …@delta array.
type deltaItem struct {
	// remove is set for {"@removed": …, "id": …}.
	remove bool
	// id is the unit to remove.
	id string
	// key is the artifact to add: a siteId or a directoryObjectId.
	key string
}

// deltaRequest is a parsed PATCH body.
type deltaRequest struct {
	displayName *string
	hasDelta    bool
	items       []deltaItem
}

// policyProps are the properties of protectionPolicyBase, which the
// emulator's PATCH does not change (apart from displayName).
var policyProps = []string{"id", "status", "isEnabled", "retentionSettings", "createdBy", "createdDateTime",
	"lastModifiedBy", "lastModifiedDateTime", "protectionPolicyArtifactCount"}

// unitAddKey is the property that names the artifact to add for a unit kind.
func unitAddKey(k models.UnitKind) string {
	if k == models.KindSite {
		return "siteId"
	}
	return "directoryObjectId"
}

// typeName is the policy kind's qualified OData type.
func policyTypeName(k models.PolicyKind) string { return strings.TrimPrefix(k.ODataType(), "#") }

// parseDeltaBody parses the body of a PATCH on a policy of kind k.
func parseDeltaBody(body []byte, k models.PolicyKind) (*deltaRequest, *graphError) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, badRequest("The request body is empty: a policy PATCH carries displayName or " + k.DeltaKey() + ".")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		return nil, badRequest("The request body is not a JSON object.")
	}
	req := &deltaRequest{}
	typeName := policyTypeName(k)
	for key, raw := range top {
		switch {
		case key == "displayName":
			var name string
			if json.Unmarshal(raw, &name) != nil {
				return nil, badRequest("displayName must be a string.")
			}
			if !validDisplayName(name) {
				return nil, &graphError{status: http.StatusBadRequest, code: "InvalidDisplayName",
					message: "The displayName must have 1 to 1024 characters."}
			}
			req.displayName = &name
		case key == "@odata.type":
			var t string
			if json.Unmarshal(raw, &t) != nil {
				return nil, badRequest("@odata.type must be a string.")
			}
			base := strings.EqualFold(strings.TrimPrefix(t, "#"), "microsoft.graph.protectionPolicyBase")
			if !base && models.PolicyKindFromODataType(t) != k {
				return nil, badRequest("The type '" + t + "' of the request body is not compatible with '" + typeName + "'.")
			}
		case key == k.DeltaKey():
			items, g := parseDeltaItems(raw, k)
			if g != nil {
				return nil, g
			}
			req.hasDelta, req.items = true, items
		case strings.HasSuffix(key, "ProtectionUnits@delta"):
			return nil, badRequest("The property '" + key + "' does not exist on type '" + typeName + "'; its units are changed through '" + k.DeltaKey() + "'.")
		case strings.HasPrefix(key, "@"):
			// Other instance annotations (@odata.context, …) are ignored.
		default:
			for _, p := range policyProps {
				if key == p {
					return nil, badRequest("The emulator's policy PATCH changes only displayName and " + k.DeltaKey() + "; '" + key + "' can't be patched.")
				}
			}
			return nil, badRequest("The property '" + key + "' does not exist on type '" + typeName + "'.")
		}
	}
	if req.displayName == nil && !req.hasDelta {
		return nil, badRequest("The PATCH body carries neither displayName nor " + k.DeltaKey() + ".")
	}
	return req, nil
}

// parseDeltaItems parses the …@delta array of a policy of kind k.
func parseDeltaItems(raw json.RawMessage, k models.PolicyKind) ([]deltaItem, *graphError) {
	dk := k.DeltaKey()
	var arr []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &arr); err != nil || arr == nil {
		return nil, badRequest(dk + " must be an array of objects.")
	}
	uk := k.UnitKind()
	addKey := unitAddKey(uk)
	items := make([]deltaItem, 0, len(arr))
	for i, obj := range arr {
		where := dk + "[" + itoa(i) + "]"
		if obj == nil {
			return nil, badRequest(where + " must be an object.")
		}
		var it deltaItem
		hasID := false
		for key, v := range obj {
			switch key {
			case "@removed":
				var rm map[string]json.RawMessage
				if json.Unmarshal(v, &rm) != nil || rm == nil {
					return nil, badRequest(where + ": @removed must be an object such as {\"reason\": \"changed\"}.")
				}
				if r, ok := rm["reason"]; ok {
					var reason string
					if json.Unmarshal(r, &reason) != nil || !strings.EqualFold(reason, "changed") {
						return nil, badRequest(where + ": the @removed reason " + string(r) + " is not supported; use \"changed\" (a PATCH removes the unit from the policy, it does not delete it).")
					}
				}
				it.remove = true
			case "id":
				if json.Unmarshal(v, &it.id) != nil || it.id == "" {
					return nil, badRequest(where + ": id must be a non-empty string.")
				}
				hasID = true
			case addKey:
				if json.Unmarshal(v, &it.key) != nil || strings.TrimSpace(it.key) == "" {
					return nil, badRequest(where + ": " + addKey + " must be a non-empty string.")
				}
			case "@odata.type":
				var t string
				var ck models.UnitKind
				base, ok := false, false
				if json.Unmarshal(v, &t) == nil {
					ck, _, base, ok = parseCast(strings.TrimPrefix(t, "#"))
				}
				if !ok || (!base && ck != uk) {
					return nil, badRequest(where + ": the type " + string(v) + " is not compatible with '" + strings.TrimPrefix(uk.ODataType(), "#") + "'.")
				}
			case "siteId", "directoryObjectId", "userId", "email", "siteWebUrl":
				return nil, badRequest(where + ": a " + policyTypeName(k) + " adds units by " + addKey + ", not by " + key + ".")
			default:
				if !strings.HasPrefix(key, "@") {
					return nil, badRequest(where + ": the property '" + key + "' can't be set in a " + dk + " item; send {\"@removed\": {\"reason\": \"changed\"}, \"id\": …} or {\"" + addKey + "\": …}.")
				}
			}
		}
		switch {
		case it.remove && !hasID:
			return nil, badRequest(where + ": a removal needs the unit's id.")
		case it.remove && it.key != "":
			return nil, badRequest(where + ": an item either removes a unit (@removed and id) or adds one (" + addKey + "), not both.")
		case !it.remove && hasID:
			return nil, badRequest(where + ": an item with an id but without @removed; to remove the unit add \"@removed\": {\"reason\": \"changed\"}, to add one send " + addKey + ".")
		case !it.remove && it.key == "":
			return nil, badRequest(where + ": an addition needs " + addKey + ".")
		}
		if !validID(it.id) && it.remove {
			return nil, badRequest(where + ": the id is not a valid protection unit id.")
		}
		items = append(items, it)
	}
	return items, nil
}

// deltaFailure is why one item of a PATCH was not applied.
type deltaFailure int

const (
	deltaOK deltaFailure = iota
	// deltaNotFound: no unit has this id.
	deltaNotFound
	// deltaNotInPolicy: the unit belongs to another policy.
	deltaNotInPolicy
	// deltaAlreadyRemoved: the unit has no policy any more.
	deltaAlreadyRemoved
	// deltaRemoveRequested: the unit's removal is already pending.
	deltaRemoveRequested
	// deltaNotRemovable: the unit is in the offboarding flow.
	deltaNotRemovable
	// deltaAlreadyProtected: the artifact already has a unit in a policy.
	deltaAlreadyProtected
)

// deltaOutcome is the result of one item.
type deltaOutcome struct {
	item    *deltaItem
	failure deltaFailure
	// unit is the unit an accepted item changed or created.
	unit *Unit
	// policyID is the unit's policy for deltaNotInPolicy and
	// deltaAlreadyProtected.
	policyID string
	// status is the unit's status for deltaNotRemovable.
	status models.ProtectionUnitStatus
}

// patchCall is what the state needs to know of a PATCH call.
type patchCall struct {
	pol       policyTarget
	who       IdentitySet
	requestID string
	inBatch   bool
	// view renders the echoed units.
	view *view
}

// patchPolicy serves the policy PATCH.
func (c *call) patchPolicy() *response {
	t := &c.target
	if _, g := parseQuery(c.rawQuery, queryNone, models.KindUnknown); g != nil {
		return c.fail(g)
	}
	if ct := c.header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || !strings.EqualFold(mt, "application/json") {
			return c.fail(&graphError{status: http.StatusUnsupportedMediaType, code: "UnsupportedMediaType",
				message: "A policy PATCH must have Content-Type application/json, not '" + ct + "'."})
		}
	}
	if !c.s.st.policyExists(t.pol.id, t.pol.kind) {
		return c.fail(policyNotFound())
	}
	req, g := parseDeltaBody(c.body, t.pol.kind)
	if g != nil {
		return c.fail(g)
	}
	if max := c.s.opts.MaxDeltaItems; max >= 0 && len(req.items) > max {
		return c.fail(&graphError{status: http.StatusRequestEntityTooLarge, code: "ProtectionUnitsLimitBreached",
			message: "Number of Protection Units in each request must not exceed " + itoa(max) + "."})
	}
	v := c.view(nil)
	v.noType = true
	b, g := c.s.st.patchPolicy(req, &patchCall{pol: t.pol, who: c.p.who, requestID: c.ids.request, inBatch: c.inBatch, view: v})
	if g != nil {
		return c.fail(g)
	}
	return c.unitsResponse(http.StatusOK, b)
}

// patchPolicyLocked applies a parsed PATCH to the call's policy and renders
// the answer's body, or returns the whole-request error (nothing applied).
func (st *store) patchPolicyLocked(req *deltaRequest, pc *patchCall) ([]byte, *graphError) {
	p, ok := st.life.policies[pc.pol.id]
	if !ok || p.Kind != pc.pol.kind { // gone since the first look (Reset)
		return nil, policyNotFound()
	}
	if g := st.protectionChangeRefusalLocked(); g != nil {
		return nil, g
	}
	if g := st.checkDeltaLocked(p, req.items); g != nil {
		return nil, g
	}
	outs := st.applyDeltaLocked(p, req, pc)

	shape := st.life.deltaShape
	b := appendPolicy(make([]byte, 0, 1024+len(outs)*900), p, &policyView{status: st.policyStatusLocked(p.ID)},
		contextPrefix+"solutions/backupRestore/"+pc.pol.coll+"/$entity")
	if req.hasDelta {
		b = append(b, ',')
		b = appendString(b, p.Kind.DeltaKey())
		b = append(b, ":["...)
		for i := range outs {
			if i > 0 {
				b = append(b, ',')
			}
			o := &outs[i]
			if o.failure == deltaOK {
				b = appendUnit(b, o.unit, pc.view, "")
				continue
			}
			b = st.appendDeltaFailureLocked(b, o, p, shape)
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

// checkDeltaLocked applies the whole-request rules: no unit or artifact
// twice, no removal of a unit of the policy that a dynamic rule protects.
func (st *store) checkDeltaLocked(p *Policy, items []deltaItem) *graphError {
	seen := make(map[string]bool, len(items))
	for _, it := range items {
		k := "r:" + it.id
		if !it.remove {
			k = "a:" + strings.ToLower(strings.TrimSpace(it.key))
		}
		if seen[k] {
			return &graphError{status: http.StatusBadRequest, code: "DuplicateProtectionUnitInList",
				message: "Protection Unit level error: Duplicate Protection Unit in list."}
		}
		seen[k] = true
	}
	for _, it := range items {
		if !it.remove {
			continue
		}
		if e, ok := st.units[it.id]; ok && e.u.PolicyID == p.ID &&
			models.ParseProtectionSources(e.u.ProtectionSources).Has(models.SourceDynamicRule) {
			return &graphError{status: http.StatusBadRequest, code: "ProtectionUnitActionNotAllowed",
				message: "Protection units protected via dynamic rules can't be removed manually."}
		}
	}
	return nil
}

// applyDeltaLocked applies every item it can, in order, and the new
// display name, and returns one outcome per item.
func (st *store) applyDeltaLocked(p *Policy, req *deltaRequest, pc *patchCall) []deltaOutcome {
	now := st.clock.now()
	who := pc.who
	uk := p.Kind.UnitKind()
	outs := make([]deltaOutcome, len(req.items))
	var attached, known map[string]*entry
	changed := false
	for i := range req.items {
		it := &req.items[i]
		o := &outs[i]
		o.item = it
		if it.remove {
			e, ok := st.units[it.id]
			switch {
			case !ok:
				o.failure = deltaNotFound
			case e.u.PolicyID == "":
				o.failure = deltaAlreadyRemoved
			case e.u.PolicyID != p.ID || e.u.Kind != uk:
				o.failure, o.policyID = deltaNotInPolicy, e.u.PolicyID
			case e.u.Status == models.StatusRemoveRequested:
				o.failure = deltaRemoveRequested
			case e.u.Status == models.StatusOffboardRequested || e.u.Status == models.StatusOffboarded ||
				e.u.Status == models.StatusCancelOffboardRequested:
				o.failure, o.status = deltaNotRemovable, e.u.Status
			default:
				from := e.u.Status
				e.u.Status = models.StatusRemoveRequested
				e.u.LastModifiedBy = who.clone()
				e.u.LastModifiedDateTime = now
				st.transitionLocked(e, from, e.u.Status, now, CauseRemove, pc.requestID, pc.inBatch, p.ID)
				o.unit = &e.u
				changed = true
			}
			continue
		}
		if attached == nil {
			attached, known = st.artifactIndexLocked(uk)
		}
		key := strings.ToLower(strings.TrimSpace(it.key))
		if e, ok := attached[key]; ok {
			o.failure, o.policyID = deltaAlreadyProtected, e.u.PolicyID
			continue
		}
		e := st.newUnitLocked(uk, it.key, known[key], p.ID, who, now)
		st.transitionLocked(e, "", e.u.Status, now, CauseAdd, pc.requestID, pc.inBatch, p.ID)
		attached[key] = e
		o.unit = &e.u
		changed = true
	}
	if req.displayName != nil && *req.displayName != p.DisplayName {
		p.DisplayName = *req.displayName
		changed = true
	}
	if changed {
		p.LastModifiedBy = who.clone()
		p.LastModifiedDateTime = now
	}
	return outs
}

// artifactIndexLocked maps the artifacts (siteId or directoryObjectId, in
// lower case) of units of kind k to the unit attached to a policy
// (attached) and to any unit, for its names (known), in ID order.
func (st *store) artifactIndexLocked(k models.UnitKind) (attached, known map[string]*entry) {
	attached, known = map[string]*entry{}, map[string]*entry{}
	for _, id := range st.sortedLocked() {
		e := st.units[id]
		if e.u.Kind != k {
			continue
		}
		key := e.u.DirectoryObjectID
		if k == models.KindSite {
			key = e.u.SiteID
		}
		if key = strings.ToLower(key); key == "" {
			continue
		}
		if _, ok := known[key]; !ok {
			known[key] = e
		}
		if e.u.PolicyID != "" {
			if _, ok := attached[key]; !ok {
				attached[key] = e
			}
		}
	}
	return attached, known
}

// newUnitLocked stores a new unit for an artifact added to policy
// policyID: a fresh ID, protectRequested, manual, the caller as creator.
// Names come from an earlier unit of the same artifact (prev) when there
// is one; the service would look them up.
func (st *store) newUnitLocked(k models.UnitKind, artifact string, prev *entry, policyID string, who IdentitySet, now time.Time) *entry {
	id := seededGUID(st.life.idRand)
	for st.units[id] != nil {
		id = seededGUID(st.life.idRand)
	}
	u := Unit{Kind: k, ID: id, PolicyID: policyID, Status: models.StatusProtectRequested, ProtectionSources: "manual",
		CreatedBy: who.clone(), LastModifiedBy: who.clone(), CreatedDateTime: now, LastModifiedDateTime: now}
	if k == models.KindSite {
		u.SiteID = artifact
	} else {
		u.DirectoryObjectID = artifact
	}
	if prev != nil {
		u.SiteName, u.SiteWebURL, u.DisplayName, u.Email = prev.u.SiteName, prev.u.SiteWebURL, prev.u.DisplayName, prev.u.Email
	}
	if err := u.normalize(now); err != nil {
		panic("fake: a PATCH made an invalid unit: " + err.Error())
	}
	e := &entry{u: u}
	st.units[id] = e
	st.sorted = nil
	return e
}

// The documented texts of failed items.
const (
	msgDeltaNotFoundDataMod  = "The identifier to be removed from the Protection Policy does not exist"
	msgDeltaNotFoundCodePage = "ProtectionUnit level error: ProtectionUnit doesn't exist."
)

// appendDeltaFailureLocked writes a failed item in shape.
func (st *store) appendDeltaFailureLocked(b []byte, o *deltaOutcome, p *Policy, shape DeltaErrorShape) []byte {
	it := o.item
	keyName, keyVal, op := "id", it.id, "remove"
	if !it.remove {
		keyName, keyVal, op = unitAddKey(p.Kind.UnitKind()), it.key, "add"
	}
	var detail, detailMsg string
	switch o.failure {
	case deltaNotInPolicy:
		detail, detailMsg = "ProtectionUnitNotInPolicy", "The protection unit '"+it.id+"' does not belong to the Protection Policy '"+p.ID+"'."
	case deltaAlreadyRemoved:
		detail, detailMsg = "ProtectionUnitAlreadyRemoved", "The protection unit '"+it.id+"' has already been removed from its Protection Policy."
	case deltaRemoveRequested:
		detail, detailMsg = "ProtectionUnitRemoveAlreadyRequested", "The removal of the protection unit '"+it.id+"' from the Protection Policy has already been requested."
	case deltaNotRemovable:
		detail, detailMsg = "ProtectionUnitNotRemovable", "The protection unit '"+it.id+"' is in state '"+string(o.status)+"' and can't be removed from the Protection Policy."
	}
	alreadyMsg := "Artifact " + it.key + " is not eligible for protection because it is already protected under policy " + o.policyID + "."

	if shape == DeltaErrorPublicError {
		pe := &PublicError{Code: "ProtectionUnitNotFound", Message: msgDeltaNotFoundCodePage, Target: keyVal}
		switch {
		case o.failure == deltaAlreadyProtected:
			pe.Code, pe.Message = "ProtectionUnitAlreadyExists", alreadyMsg
		case detail != "":
			pe.Details = []PublicErrorDetail{{Code: detail, Message: detailMsg, Target: it.id}}
		}
		b = append(b, '{')
		b = appendString(b, keyName)
		b = append(b, ':')
		b = appendString(b, keyVal)
		b = append(b, `,"error":`...)
		b = appendPublicError(b, pe)
		return append(b, '}')
	}
	msg := detailMsg
	switch o.failure {
	case deltaNotFound:
		msg = msgDeltaNotFoundDataMod
	case deltaAlreadyProtected:
		msg = alreadyMsg
	}
	b = append(b, `{"@contentId":`...)
	b = appendString(b, seededGUID(st.life.idRand))
	b = append(b, `,"@Core.DataModificationException":{"info":{"code":"Invalid","message":`...)
	b = appendString(b, msg)
	b = append(b, `},"failedOperation":`...)
	b = appendString(b, op)
	b = append(b, `,"responseCode":409},`...)
	b = appendString(b, keyName)
	b = append(b, ':')
	b = appendString(b, keyVal)
	return append(b, '}')
}
