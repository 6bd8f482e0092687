package models

import "time"

// The @odata.type values of the three derived inclusion-rule types.
const (
	ODataTypeSiteRule    = "#microsoft.graph.siteProtectionRule"
	ODataTypeDriveRule   = "#microsoft.graph.driveProtectionRule"
	ODataTypeMailboxRule = "#microsoft.graph.mailboxProtectionRule"
)

// RuleODataType returns the @odata.type of the inclusion rule that selects
// units of kind k, or "" for KindUnknown.
func (k UnitKind) RuleODataType() string {
	switch k {
	case KindSite:
		return ODataTypeSiteRule
	case KindDrive:
		return ODataTypeDriveRule
	case KindMailbox:
		return ODataTypeMailboxRule
	}
	return ""
}

// InclusionRulesSegment returns the navigation segment of the inclusion
// rules that select units of kind k ("siteInclusionRules",
// "driveInclusionRules", "mailboxInclusionRules"), both under
// /solutions/backupRestore and under a policy, or "" for KindUnknown.
func (k UnitKind) InclusionRulesSegment() string {
	switch k {
	case KindSite:
		return "siteInclusionRules"
	case KindDrive:
		return "driveInclusionRules"
	case KindMailbox:
		return "mailboxInclusionRules"
	}
	return ""
}

// RuleExpressionKey returns the JSON key of a rule's expression for units
// of kind k ("siteExpression", "driveExpression", "mailboxExpression"), or
// "" for KindUnknown.
func (k UnitKind) RuleExpressionKey() string {
	switch k {
	case KindSite:
		return "siteExpression"
	case KindDrive:
		return "driveExpression"
	case KindMailbox:
		return "mailboxExpression"
	}
	return ""
}

// RuleKindFromODataType maps an inclusion rule's @odata.type (with or
// without '#', with the "microsoft.graph" namespace or its "graph" alias)
// to the kind of unit it selects; anything else is KindUnknown.
func RuleKindFromODataType(t string) UnitKind {
	switch graphTypeName(t) {
	case "siteProtectionRule":
		return KindSite
	case "driveProtectionRule":
		return KindDrive
	case "mailboxProtectionRule":
		return KindMailbox
	}
	return KindUnknown
}

// ProtectionRuleStatus is the state of an inclusion rule (Graph enum
// protectionRuleStatus). It is a string so that a value this package does
// not know is kept verbatim rather than dropped.
type ProtectionRuleStatus string

// The members of protectionRuleStatus, in the schema's order.
const (
	// RuleStatusDraft: the rule is not yet submitted (schema only; no page
	// describes it).
	RuleStatusDraft ProtectionRuleStatus = "draft"
	// RuleStatusActive: the rule is being evaluated (a new rule, a run).
	RuleStatusActive ProtectionRuleStatus = "active"
	// RuleStatusCompleted: the last evaluation added every unit it selected.
	RuleStatusCompleted ProtectionRuleStatus = "completed"
	// RuleStatusCompletedWithErrors: the last evaluation failed for some
	// units (see the rule's Error).
	RuleStatusCompletedWithErrors ProtectionRuleStatus = "completedWithErrors"
	// RuleStatusUnknownFutureValue is the evolvable-enum sentinel.
	RuleStatusUnknownFutureValue ProtectionRuleStatus = "unknownFutureValue"
	// RuleStatusUpdateRequested: a dynamic rule's expression was changed
	// and is being applied.
	RuleStatusUpdateRequested ProtectionRuleStatus = "updateRequested"
	// RuleStatusDeleteRequested: deleteAndUnprotect is removing the rule
	// and unprotecting what it added.
	RuleStatusDeleteRequested ProtectionRuleStatus = "deleteRequested"
)

// KnownRuleStatuses returns every documented protectionRuleStatus member,
// in the schema's order. The slice is new on every call.
func KnownRuleStatuses() []ProtectionRuleStatus {
	return []ProtectionRuleStatus{
		RuleStatusDraft, RuleStatusActive, RuleStatusCompleted, RuleStatusCompletedWithErrors,
		RuleStatusUnknownFutureValue, RuleStatusUpdateRequested, RuleStatusDeleteRequested,
	}
}

// IsKnown reports whether s is one of the documented members.
func (s ProtectionRuleStatus) IsKnown() bool {
	for _, k := range KnownRuleStatuses() {
		if s == k {
			return true
		}
	}
	return false
}

// IsSettled reports whether the rule has finished its last evaluation
// (completed or completedWithErrors): the only states in which it may be
// deleted.
func (s ProtectionRuleStatus) IsSettled() bool {
	return s == RuleStatusCompleted || s == RuleStatusCompletedWithErrors
}

// String returns the wire value.
func (s ProtectionRuleStatus) String() string { return string(s) }

// ProtectionRule is a Backup Storage inclusion rule: the abstract
// protectionRuleBase and its three derived types (siteProtectionRule,
// driveProtectionRule, mailboxProtectionRule) in one struct; Kind tells
// which one it is. Exactly one of the expression fields is set on a rule
// the service sent; Expression returns it.
//
// A rule whose IsAutoApplyEnabled is true is dynamic: the service keeps
// adding and removing the units it selects (Entra groups), and the units it
// added carry "dynamicRule" in their protectionSources. Any other rule is
// static: evaluated once when created or run.
type ProtectionRule struct {
	ID string
	// Status is kept verbatim, also when this package does not know it.
	Status ProtectionRuleStatus
	// SiteExpression is a siteProtectionRule's expression (site names or
	// URLs containing keywords).
	SiteExpression string
	// DriveExpression is a driveProtectionRule's expression (Entra groups).
	DriveExpression string
	// MailboxExpression is a mailboxProtectionRule's expression (Entra groups).
	MailboxExpression string
	// IsAutoApplyEnabled marks a dynamic rule; nil when the payload has none.
	IsAutoApplyEnabled *bool
	// Error is the last evaluation's error (completedWithErrors), nil when none.
	Error *PublicError

	CreatedBy            *IdentitySet
	LastModifiedBy       *IdentitySet
	CreatedDateTime      time.Time
	LastModifiedDateTime time.Time

	// ODataType is the raw @odata.type, e.g. "#microsoft.graph.driveProtectionRule".
	ODataType string
	// AdditionalData holds every property this struct does not declare, and
	// the raw value of any declared property that arrived malformed.
	AdditionalData map[string]any
}

// NewInclusionRule returns a rule of kind k (KindSite, KindDrive,
// KindMailbox) with the expression set and, for drive and mailbox rules,
// IsAutoApplyEnabled set to dynamic: the body of a create request. It
// returns nil for KindUnknown.
func NewInclusionRule(k UnitKind, expression string, dynamic bool) *ProtectionRule {
	r := &ProtectionRule{ODataType: k.RuleODataType()}
	switch k {
	case KindSite:
		r.SiteExpression = expression
	case KindDrive:
		r.DriveExpression = expression
	case KindMailbox:
		r.MailboxExpression = expression
	default:
		return nil
	}
	if k != KindSite {
		r.IsAutoApplyEnabled = &dynamic
	}
	return r
}

// Kind returns the kind of unit the rule selects: from @odata.type when it
// names one of the three derived types, otherwise from the expression the
// body carries. Otherwise KindUnknown.
func (r *ProtectionRule) Kind() UnitKind {
	if r == nil {
		return KindUnknown
	}
	if k := RuleKindFromODataType(r.ODataType); k != KindUnknown {
		return k
	}
	switch {
	case r.SiteExpression != "":
		return KindSite
	case r.DriveExpression != "":
		return KindDrive
	case r.MailboxExpression != "":
		return KindMailbox
	}
	return KindUnknown
}

// Expression returns the rule's expression, whichever kind it is.
func (r *ProtectionRule) Expression() string {
	if r == nil {
		return ""
	}
	switch {
	case r.SiteExpression != "":
		return r.SiteExpression
	case r.DriveExpression != "":
		return r.DriveExpression
	}
	return r.MailboxExpression
}

// IsDynamic reports whether the rule is dynamic (IsAutoApplyEnabled true).
func (r *ProtectionRule) IsDynamic() bool {
	return r != nil && r.IsAutoApplyEnabled != nil && *r.IsAutoApplyEnabled
}

// ProtectionRulePage is one page of an inclusion-rule list.
type ProtectionRulePage struct {
	Value []*ProtectionRule
	// NextLink is @odata.nextLink, or "" on the last page.
	NextLink string
	// Count is @odata.count, present only when asked for.
	Count *int64
	// ODataContext is @odata.context.
	ODataContext string
	// AdditionalData holds every other property of the page envelope.
	AdditionalData map[string]any
}
