package fake

import (
	"math/rand/v2"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/m365kit/backuprestore/models"
)

// This file is the emulator's protection side: policies created,
// activated, deactivated and deleted; inclusion rules evaluated against the
// tenant's sites, users and groups (directory.go); bulk addition jobs. Like
// the units, it changes on the emulator's clock: a rule, a job or an
// activation settles RuleDelay, JobDelay or ProtectDelay after it was
// asked for, when a request (or Advance) finds it due.

// Defaults of the protection side's durations (the service documents none).
const (
	DefaultRuleDelay = 2 * time.Minute
	DefaultJobDelay  = 5 * time.Minute
	// DefaultMaxJobItems is the documented limit of a job (and of the
	// admin centre's CSV).
	DefaultMaxJobItems = 50_000
)

// policyLife is a policy's activation, which the unit-derived status
// cannot carry for a policy without units, and the end of its updating
// window after an activation or deactivation.
type policyLife struct {
	activated bool
	settleAt  time.Time
}

// ruleState is a stored inclusion rule.
type ruleState struct {
	id, policyID string
	kind         models.UnitKind
	expr         string
	dynamic      bool
	status       models.ProtectionRuleStatus
	// settleAt is when the pending evaluation (active, updateRequested,
	// deleteRequested) is applied.
	settleAt time.Time
	errs     []jobFailure
	// groups (lower case) of a drive or mailbox rule; terms of a site rule.
	groups []string
	terms  []siteTerm
	// fixed, for a seeded dynamic site rule, is the set of site IDs it
	// selects (lower case).
	fixed             map[string]bool
	createdBy, modBy  IdentitySet
	created, modified time.Time
}

// siteTerm is one "field -contains 'keyword'" of a site expression.
type siteTerm struct {
	url     bool
	keyword string
}

// jobState is a stored bulk addition job.
type jobState struct {
	id, policyID, name string
	kind               models.UnitKind
	status             models.BulkJobStatus
	settleAt           time.Time
	// urls and ids are siteWebUrls and siteIds (sites), or drives|mailboxes
	// and directoryObjectIds.
	urls, ids         []string
	errs              []jobFailure
	createdBy, modBy  IdentitySet
	created, modified time.Time
}

// jobFailure is one item a job or a rule evaluation could not add.
type jobFailure struct{ code, message, target string }

// protState is the protection side's state; store.mu guards it.
type protState struct {
	dir       directory
	rules     map[string]*ruleState
	ruleOrder []string
	jobs      map[string]*jobState
	jobOrder  []string
	life      map[string]*policyLife
	idRand    *rand.Rand
	// seededRules maps a seeded policy to the rule Seed gave it.
	seededRules map[string]string
}

// prot returns the protection state, creating it on first use; the caller
// holds mu.
func (st *store) prot() *protState {
	if st.protection == nil {
		st.protection = &protState{
			rules: map[string]*ruleState{}, jobs: map[string]*jobState{}, life: map[string]*policyLife{},
			idRand: rand.New(rand.NewPCG(st.opts.Seed, 0x9e1e5)),
		}
		st.protection.dir.init()
	}
	return st.protection
}

// newID draws an ID unused by rules and jobs.
func (p *protState) newID() string {
	for {
		id := seededGUID(p.idRand)
		if p.rules[id] == nil && p.jobs[id] == nil {
			return id
		}
	}
}

// lifeOf returns the policy's activation record (nil: never activated or
// deactivated through the API).
func (st *store) lifeOf(id string) *policyLife {
	if st.protection == nil {
		return nil
	}
	return st.protection.life[id]
}

// fireProtectionLocked applies every rule evaluation and job due on the
// emulator's clock, in deadline order.
func (st *store) fireProtectionLocked() {
	p := st.protection
	if p == nil {
		return
	}
	now := st.clock.now()
	type due struct {
		at   time.Time
		rule *ruleState
		job  *jobState
	}
	var ds []due
	for _, id := range p.ruleOrder {
		if r := p.rules[id]; r != nil && !r.settleAt.IsZero() && !r.settleAt.After(now) {
			ds = append(ds, due{at: r.settleAt, rule: r})
		}
	}
	for _, id := range p.jobOrder {
		if j := p.jobs[id]; j != nil && j.status == models.JobStatusActive && !j.settleAt.After(now) {
			ds = append(ds, due{at: j.settleAt, job: j})
		}
	}
	sort.SliceStable(ds, func(a, b int) bool { return ds[a].at.Before(ds[b].at) })
	for _, d := range ds {
		if d.rule != nil {
			st.settleRuleLocked(d.rule, d.at)
		} else {
			st.settleJobLocked(d.job, d.at)
		}
	}
}

// --- artifacts ---

// artifact is a site or a user an item names, resolved.
type artifact struct {
	key                     string // siteId or directoryObjectId as the unit carries it
	name, url, email, title string
}

// resolveLocked resolves an item of a job (or a policy create) for units of
// kind k: a site URL or ID, an address or a directory object ID. ok is
// false when the tenant has no such site or user; code and message then
// say why.
func (st *store) resolveLocked(k models.UnitKind, item string, known map[string]*entry, byURL, byMail map[string]*entry) (a artifact, code, message string, ok bool) {
	d := &st.prot().dir
	item = strings.TrimSpace(item)
	if k == models.KindSite {
		if strings.HasPrefix(strings.ToLower(item), "http") {
			if s := d.sitesByURL[urlKey(item)]; s != nil {
				return artifact{key: s.ID, name: s.Name, url: s.WebURL}, "", "", true
			}
			if e := byURL[urlKey(item)]; e != nil {
				return artifact{key: e.u.SiteID, name: e.u.SiteName, url: e.u.SiteWebURL}, "", "", true
			}
			return a, "SiteUrlNotFound", "Site Url '" + item + "' could not be resolved", false
		}
		if s := d.sites[strings.ToLower(item)]; s != nil {
			return artifact{key: s.ID, name: s.Name, url: s.WebURL}, "", "", true
		}
		if e := known[strings.ToLower(item)]; e != nil {
			return artifact{key: e.u.SiteID, name: e.u.SiteName, url: e.u.SiteWebURL}, "", "", true
		}
		return a, "SiteNotFound", "Site '" + item + "' could not be found", false
	}
	if strings.Contains(item, "@") {
		if u := d.usersByMail[strings.ToLower(item)]; u != nil {
			return artifact{key: u.ID, title: u.DisplayName, email: u.Email}, "", "", true
		}
		if e := byMail[strings.ToLower(item)]; e != nil {
			return artifact{key: e.u.DirectoryObjectID, title: e.u.DisplayName, email: e.u.Email}, "", "", true
		}
		return a, "UserNotFound", "User '" + item + "' could not be resolved", false
	}
	if u := d.users[strings.ToLower(item)]; u != nil {
		return artifact{key: u.ID, title: u.DisplayName, email: u.Email}, "", "", true
	}
	if e := known[strings.ToLower(item)]; e != nil {
		return artifact{key: e.u.DirectoryObjectID, title: e.u.DisplayName, email: e.u.Email}, "", "", true
	}
	return a, "UserNotFound", "User '" + item + "' could not be found", false
}

// unitIndexes maps units of kind k by URL and address (lower case).
func (st *store) unitIndexes(k models.UnitKind, known map[string]*entry) (byURL, byMail map[string]*entry) {
	byURL, byMail = map[string]*entry{}, map[string]*entry{}
	for _, e := range known {
		if e.u.SiteWebURL != "" {
			byURL[urlKey(e.u.SiteWebURL)] = e
		}
		if e.u.Email != "" {
			byMail[strings.ToLower(e.u.Email)] = e
		}
	}
	return byURL, byMail
}

// policyActiveLocked reports whether units added to the policy now start
// protecting (protectRequested) rather than wait, unprotected, for an
// activation.
func (st *store) policyActiveLocked(id string) bool {
	if l := st.lifeOf(id); l != nil {
		return l.activated
	}
	s := st.policyStatusLocked(id)
	return s != models.PolicyStatusInactive
}

// attachLocked adds artifact a to policy p with the given sources: a new
// unit (or the artifact's detached unit), protectRequested when the policy
// is active, else unprotected.
func (st *store) attachLocked(p *Policy, a artifact, prev *entry, sources string, who IdentitySet, now time.Time, cause Cause) *entry {
	uk := p.Kind.UnitKind()
	e := st.newUnitLocked(uk, a.key, prev, p.ID, who, now)
	if e.u.SiteName == "" && e.u.DisplayName == "" {
		e.u.SiteName, e.u.SiteWebURL, e.u.DisplayName, e.u.Email = a.name, a.url, a.title, a.email
		if uk != models.KindSite {
			e.u.SiteName, e.u.SiteWebURL = "", ""
		} else {
			e.u.DisplayName, e.u.Email = "", ""
		}
	}
	e.u.ProtectionSources = sources
	if !st.policyActiveLocked(p.ID) {
		e.u.Status = models.StatusUnprotected
	}
	st.transitionLocked(e, "", e.u.Status, now, cause, "", false, p.ID)
	return e
}

// --- jobs ---

// settleJobLocked adds a job's items: each resolved artifact that no
// policy protects becomes a unit of the job's policy; the others are the
// job's failures (SiteUrlNotFound, SiteNotFound, UserNotFound,
// ProtectionUnitAlreadyExists).
func (st *store) settleJobLocked(j *jobState, at time.Time) {
	p, ok := st.life.policies[j.policyID]
	j.modified, j.modBy = at, serviceIdentity()
	if !ok {
		j.status = models.JobStatusCompletedWithErrors
		j.errs = append(j.errs, jobFailure{code: "PolicyNotFound", message: "The policy of this job no longer exists."})
		return
	}
	attached, known := st.artifactIndexLocked(j.kind)
	byURL, byMail := st.unitIndexes(j.kind, known)
	for _, item := range append(append([]string(nil), j.urls...), j.ids...) {
		a, code, msg, ok := st.resolveLocked(j.kind, item, known, byURL, byMail)
		if !ok {
			j.errs = append(j.errs, jobFailure{code: code, message: msg, target: item})
			continue
		}
		key := strings.ToLower(a.key)
		if e := attached[key]; e != nil {
			j.errs = append(j.errs, jobFailure{code: "ProtectionUnitAlreadyExists", target: item,
				message: "Artifact " + a.key + " is not eligible for protection because it is already protected under policy " + e.u.PolicyID + "."})
			continue
		}
		e := st.attachLocked(p, a, known[key], "manual", j.createdBy, at, CauseAdd)
		attached[key] = e
		known[key] = e
	}
	j.status = models.JobStatusCompleted
	if len(j.errs) > 0 {
		j.status = models.JobStatusCompletedWithErrors
	}
}

// --- rules ---

var (
	siteTermRE  = regexp.MustCompile(`(?i)^\(?\s*(siteName|siteUrl|siteWebUrl)\s+-contains\s+'([^']*)'\s*\)?$`)
	groupExprRE = regexp.MustCompile(`(?i)^\(?\s*memberOf\s+-any\s+\(\s*group\.id\s+-in\s+\[([^\]]*)\]\s*\)\s*\)?$`)
	quotedRE    = regexp.MustCompile(`'([^']*)'`)
)

// maxRuleGroups and the keyword limits are the product documentation's.
const (
	maxRuleGroups   = 100
	maxSiteKeywords = 10
)

// parseRuleExpression parses a rule's expression for units of kind k:
//
//	site:           (siteName -contains 'kw') [-or (siteUrl -contains 'kw')]…  (1 to 10 keywords of 3 to 255 characters)
//	drive, mailbox: (memberOf -any (group.id -in ['<guid>', …]))               (1 to 100 group IDs)
//
// It returns the 400 InvalidRuleExpression or the 413
// InvalidRuleExpressionGroupLimitExceeded.
func parseRuleExpression(k models.UnitKind, expr string) ([]siteTerm, []string, *graphError) {
	bad := func(why string) *graphError {
		return &graphError{status: http.StatusBadRequest, code: "InvalidRuleExpression", message: "The expression isn't valid and can't be parsed: " + why}
	}
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return nil, nil, bad("it is empty.")
	}
	if k == models.KindSite {
		var terms []siteTerm
		for _, part := range regexp.MustCompile(`(?i)\s+-or\s+`).Split(expr, -1) {
			m := siteTermRE.FindStringSubmatch(strings.TrimSpace(part))
			if m == nil {
				return nil, nil, bad("want (siteName -contains 'keyword') or (siteUrl -contains 'keyword') terms joined by -or.")
			}
			if n := len([]rune(m[2])); n < 3 || n > 255 {
				return nil, nil, bad("a keyword must have 3 to 255 characters.")
			}
			terms = append(terms, siteTerm{url: !strings.EqualFold(m[1], "siteName"), keyword: strings.ToLower(m[2])})
		}
		if len(terms) > maxSiteKeywords {
			return nil, nil, bad("at most 10 keywords.")
		}
		return terms, nil, nil
	}
	m := groupExprRE.FindStringSubmatch(expr)
	if m == nil {
		return nil, nil, bad("want (memberOf -any (group.id -in ['<group id>', …])).")
	}
	var groups []string
	for _, q := range quotedRE.FindAllStringSubmatch(m[1], -1) {
		if !isGUIDText(q[1]) {
			return nil, nil, bad("'" + q[1] + "' is not a group ID.")
		}
		groups = append(groups, strings.ToLower(q[1]))
	}
	if len(groups) == 0 {
		return nil, nil, bad("no group ID.")
	}
	if len(groups) > maxRuleGroups {
		return nil, nil, &graphError{status: http.StatusRequestEntityTooLarge, code: "InvalidRuleExpressionGroupLimitExceeded",
			message: "The expression contains more group IDs than the imposed limit allows."}
	}
	return nil, groups, nil
}

// ruleMatchesLocked returns the artifacts the rule selects now, by
// artifact key (lower case).
func (st *store) ruleMatchesLocked(r *ruleState, known map[string]*entry) (map[string]artifact, []jobFailure) {
	p := st.prot()
	out := map[string]artifact{}
	var fails []jobFailure
	if r.fixed != nil {
		for key, e := range known {
			if r.fixed[key] {
				out[key] = artifact{key: e.u.SiteID, name: e.u.SiteName, url: e.u.SiteWebURL}
			}
		}
		return out, nil
	}
	if r.kind == models.KindSite {
		match := func(name, url string) bool {
			for _, t := range r.terms {
				if (!t.url && strings.Contains(strings.ToLower(name), t.keyword)) || (t.url && strings.Contains(strings.ToLower(url), t.keyword)) {
					return true
				}
			}
			return false
		}
		for _, s := range p.dir.sites {
			if match(s.Name, s.WebURL) {
				out[strings.ToLower(s.ID)] = artifact{key: s.ID, name: s.Name, url: s.WebURL}
			}
		}
		for key, e := range known {
			if _, ok := out[key]; !ok && match(e.u.SiteName, e.u.SiteWebURL) {
				out[key] = artifact{key: e.u.SiteID, name: e.u.SiteName, url: e.u.SiteWebURL}
			}
		}
		return out, nil
	}
	for _, g := range r.groups {
		grp := p.dir.groups[g]
		if grp == nil {
			fails = append(fails, jobFailure{code: "GroupNotFound", message: "Group '" + g + "' could not be found.", target: g})
			continue
		}
		for _, m := range grp.Members {
			key := strings.ToLower(m)
			if u := p.dir.users[key]; u != nil {
				out[key] = artifact{key: u.ID, title: u.DisplayName, email: u.Email}
			} else if e := known[key]; e != nil {
				out[key] = artifact{key: e.u.DirectoryObjectID, title: e.u.DisplayName, email: e.u.Email}
			} else {
				fails = append(fails, jobFailure{code: "UserNotFound", message: "User '" + m + "' could not be found.", target: m})
			}
		}
	}
	return out, fails
}

// settleRuleLocked applies a rule's pending evaluation.
func (st *store) settleRuleLocked(r *ruleState, at time.Time) {
	r.settleAt = time.Time{}
	r.modified, r.modBy = at, serviceIdentity()
	if r.status == models.RuleStatusDeleteRequested {
		st.unprotectRuleLocked(r, at)
		st.deleteRuleLocked(r.id)
		return
	}
	st.evaluateRuleLocked(r, at)
}

// evaluateRuleLocked adds what the rule selects to its policy and, for a
// dynamic rule, takes the rule off the units it no longer selects.
func (st *store) evaluateRuleLocked(r *ruleState, at time.Time) {
	p, ok := st.life.policies[r.policyID]
	if !ok {
		return
	}
	attached, known := st.artifactIndexLocked(r.kind)
	sel, fails := st.ruleMatchesLocked(r, known)
	keys := make([]string, 0, len(sel))
	for k := range sel {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		a := sel[key]
		e := attached[key]
		switch {
		case e == nil:
			src := "manual"
			if r.dynamic {
				src = "dynamicRule"
			}
			attached[key] = st.attachLocked(p, a, known[key], src, r.createdBy, at, CauseAdd)
		case e.u.PolicyID != p.ID:
			fails = append(fails, jobFailure{code: "ProtectionUnitAlreadyExists", target: a.key,
				message: "Artifact " + a.key + " is not eligible for protection because it is already protected under policy " + e.u.PolicyID + "."})
		case r.dynamic && !hasSource(e.u.ProtectionSources, "dynamicRule"):
			e.u.ProtectionSources = addSource(e.u.ProtectionSources, "dynamicRule")
			e.u.LastModifiedDateTime, e.u.LastModifiedBy = at, serviceIdentity()
		}
	}
	if r.dynamic {
		st.dropRuleFromUnitsLocked(r, sel, at)
	}
	r.errs = fails
	r.status = models.RuleStatusCompleted
	if len(fails) > 0 {
		r.status = models.RuleStatusCompletedWithErrors
	}
}

// dynamicSelectionLocked returns, lower case, the artifacts every other
// dynamic rule of the policy selects (a unit keeps dynamicRule while any
// of them selects it).
func (st *store) otherDynamicLocked(r *ruleState, known map[string]*entry) map[string]bool {
	out := map[string]bool{}
	p := st.prot()
	for _, id := range p.ruleOrder {
		o := p.rules[id]
		if o == nil || o == r || !o.dynamic || o.policyID != r.policyID || o.status == models.RuleStatusDeleteRequested {
			continue
		}
		sel, _ := st.ruleMatchesLocked(o, known)
		for k := range sel {
			out[k] = true
		}
	}
	return out
}

// dropRuleFromUnitsLocked takes dynamicRule off the policy's units that
// neither sel nor another dynamic rule selects; a unit left without a
// source is removed from the policy (removeRequested).
func (st *store) dropRuleFromUnitsLocked(r *ruleState, sel map[string]artifact, at time.Time) {
	_, known := st.artifactIndexLocked(r.kind)
	others := st.otherDynamicLocked(r, known)
	for _, id := range st.sortedLocked() {
		e := st.units[id]
		if e.u.PolicyID != r.policyID || !hasSource(e.u.ProtectionSources, "dynamicRule") {
			continue
		}
		key := strings.ToLower(e.u.DirectoryObjectID)
		if r.kind == models.KindSite {
			key = strings.ToLower(e.u.SiteID)
		}
		if _, still := sel[key]; still || others[key] {
			continue
		}
		st.dropDynamicSourceLocked(e, at)
	}
}

// dropDynamicSourceLocked removes dynamicRule from a unit's sources; with
// no source left, the unit is removed from its policy.
func (st *store) dropDynamicSourceLocked(e *entry, at time.Time) {
	e.u.ProtectionSources = removeSource(e.u.ProtectionSources, "dynamicRule")
	e.u.LastModifiedDateTime, e.u.LastModifiedBy = at, serviceIdentity()
	if e.u.ProtectionSources != "none" {
		return
	}
	switch e.u.Status {
	case models.StatusProtected, models.StatusProtectRequested, models.StatusUnprotected, models.StatusUnprotectRequested:
		from := e.u.Status
		e.u.Status = models.StatusRemoveRequested
		st.transitionLocked(e, from, e.u.Status, at, CauseRemove, "", false, e.u.PolicyID)
	}
}

// unprotectRuleLocked is deleteAndUnprotect's effect: every unit of the
// rule's policy that the rule selects (and no other dynamic rule does)
// loses its dynamicRule source only; a unit also added by hand stays.
func (st *store) unprotectRuleLocked(r *ruleState, at time.Time) {
	st.dropRuleFromUnitsLocked(r, map[string]artifact{}, at)
}

// deleteRuleLocked forgets a rule.
func (st *store) deleteRuleLocked(id string) {
	p := st.prot()
	delete(p.rules, id)
	p.ruleOrder = slices.DeleteFunc(p.ruleOrder, func(s string) bool { return s == id })
}

// syncDynamicRulesLocked re-evaluates, at once, every settled dynamic rule
// naming group g (lower case) after its members changed.
func (st *store) syncDynamicRulesLocked(g string) {
	p := st.prot()
	now := st.clock.now()
	for _, id := range p.ruleOrder {
		r := p.rules[id]
		if r == nil || !r.dynamic || !r.status.IsSettled() || !slices.Contains(r.groups, g) {
			continue
		}
		st.evaluateRuleLocked(r, now)
	}
}

func hasSource(sources, s string) bool {
	for _, x := range strings.Split(sources, ",") {
		if strings.EqualFold(strings.TrimSpace(x), s) {
			return true
		}
	}
	return false
}

func addSource(sources, s string) string {
	if sources == "" || strings.EqualFold(sources, "none") {
		return s
	}
	if hasSource(sources, s) {
		return sources
	}
	return sources + "," + s
}

func removeSource(sources, s string) string {
	var keep []string
	for _, x := range strings.Split(sources, ",") {
		x = strings.TrimSpace(x)
		if x != "" && !strings.EqualFold(x, s) && !strings.EqualFold(x, "none") {
			keep = append(keep, x)
		}
	}
	if len(keep) == 0 {
		return "none"
	}
	return strings.Join(keep, ",")
}

// seedRulesLocked gives every seeded policy whose units carry dynamicRule
// the dynamic rule that protects them, so that a unit's dynamicRule source
// always names a rule: for OneDrive and Exchange a rule selecting the
// members of a seeded group (the units' users, kept in step with later
// Seed calls); for SharePoint, whose seeded units may carry dynamicRule
// too, a dynamic site rule selecting exactly those sites (the service
// documents only static site rules; the seed keeps the units' sources as
// they were).
func (st *store) seedRulesLocked(now time.Time) {
	p := st.prot()
	if p.seededRules == nil {
		p.seededRules = map[string]string{}
	}
	for _, pk := range models.PolicyKinds() {
		uk := pk.UnitKind()
		for i, pid := range st.life.seededIDs[uk] {
			pol, ok := st.life.policies[pid]
			if !ok {
				continue
			}
			var keys []string
			for _, id := range st.sortedLocked() {
				e := st.units[id]
				if e.u.PolicyID == pid && hasSource(e.u.ProtectionSources, "dynamicRule") {
					k := e.u.DirectoryObjectID
					if uk == models.KindSite {
						k = e.u.SiteID
					}
					keys = append(keys, k)
				}
			}
			if len(keys) == 0 {
				continue
			}
			r := rand.New(rand.NewPCG(st.opts.Seed, 0x5eed7001e+uint64(kindIndex(uk)*2+i)))
			ruleID, groupID := seededGUID(r), seededGUID(r)
			if _, done := p.seededRules[pid]; !done {
				rule := &ruleState{id: ruleID, policyID: pid, kind: uk, dynamic: true, status: models.RuleStatusCompleted,
					createdBy: pol.CreatedBy.clone(), modBy: pol.CreatedBy.clone(), created: pol.CreatedDateTime, modified: pol.CreatedDateTime}
				p.rules[ruleID] = rule
				p.ruleOrder = append(p.ruleOrder, ruleID)
				p.seededRules[pid] = ruleID
			}
			rule := p.rules[p.seededRules[pid]]
			if rule == nil {
				continue // deleted since
			}
			if uk == models.KindSite {
				rule.fixed = map[string]bool{}
				for _, k := range keys {
					rule.fixed[strings.ToLower(k)] = true
				}
				rule.expr = "(siteName -contains 'seeded dynamic sites of " + pol.DisplayName + "')"
				continue
			}
			gk := strings.ToLower(groupID)
			if _, ok := p.dir.groups[gk]; !ok {
				p.dir.groupOrder = append(p.dir.groupOrder, gk)
			}
			p.dir.groups[gk] = &Group{ID: groupID, DisplayName: pol.DisplayName + " - members", Members: keys}
			rule.groups = []string{gk}
			rule.expr = "(memberOf -any (group.id -in ['" + groupID + "']))"
		}
	}
}
