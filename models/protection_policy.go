package models

import "time"

// ProtectionPolicy is a Backup Storage protection policy: the abstract
// protectionPolicyBase and its three derived types (sharePointProtectionPolicy,
// oneDriveForBusinessProtectionPolicy, exchangeProtectionPolicy) in one
// struct; Kind tells which one it is.
//
// Time fields are UTC; the zero time means the service sent no value, null,
// the "0001-01-01T00:00:00Z" sentinel, or a malformed value (which is then
// kept, raw, in AdditionalData under its own key, e.g. the docs'
// "2015-06-19T12-01-03.45Z").
type ProtectionPolicy struct {
	ID          string
	DisplayName string
	// Status is kept verbatim, also when this package does not know it.
	Status ProtectionPolicyStatus
	// IsEnabled is the policy's enabled flag. It is nil when the payload has
	// none: it was added to the v1.0 schema in 2026, so older services and
	// payloads lack it. How it relates to Status is undocumented.
	IsEnabled *bool
	// RetentionSettings says how often copies are taken and how long they are
	// kept. nil when absent or null; an empty, non-nil slice for [].
	RetentionSettings []RetentionSetting

	CreatedBy            *IdentitySet
	LastModifiedBy       *IdentitySet
	CreatedDateTime      time.Time
	LastModifiedDateTime time.Time

	// ProtectionPolicyArtifactCount counts the policy's artifacts by state.
	// The service returns it only when it is $select-ed (a beta feature at
	// the time of writing); nil when absent.
	ProtectionPolicyArtifactCount *ArtifactCount

	// ODataType is the raw @odata.type, e.g. "#microsoft.graph.sharePointProtectionPolicy".
	ODataType string

	// AdditionalData holds every property this struct does not declare (the
	// unit navigations such as "siteProtectionUnits" or a PATCH response's
	// "siteProtectionUnits@delta" among them), and the raw value of any
	// declared property that arrived malformed.
	AdditionalData map[string]any
}

// Kind returns the policy's concrete type: from @odata.type when it names one
// of the three derived types (with or without '#', with the "microsoft.graph"
// namespace or its "graph" alias), otherwise inferred from a unit navigation
// the body carries ("siteProtectionUnits", "driveProtectionUnits@delta", …,
// as in a PATCH response, which has no @odata.type). Otherwise
// PolicyKindUnknown.
func (p *ProtectionPolicy) Kind() PolicyKind {
	if p == nil {
		return PolicyKindUnknown
	}
	if k := PolicyKindFromODataType(p.ODataType); k != PolicyKindUnknown {
		return k
	}
	if len(p.AdditionalData) == 0 {
		return PolicyKindUnknown
	}
	for _, k := range PolicyKinds() {
		if _, ok := p.AdditionalData[k.UnitsSegment()]; ok {
			return k
		}
		if _, ok := p.AdditionalData[k.DeltaKey()]; ok {
			return k
		}
	}
	return PolicyKindUnknown
}

// RetentionSetting is one retentionSetting of a policy: copies taken every
// Interval are kept for Period. Both are kept verbatim as the service sent
// them; ParseInterval and ParsePeriod read them.
type RetentionSetting struct {
	// Interval is ISO 8601 repeating-interval text, e.g. "R/PT10M" (every
	// ten minutes) or "R/P1W" (every week).
	Interval string
	// Period is ISO 8601 duration text (Edm.Duration), e.g. "P2W" or "P1Y".
	Period string
	// AdditionalData holds every other property, and the raw value of a
	// declared one that was not a string.
	AdditionalData map[string]any
}

// ParsePeriod parses Period as an ISO 8601 duration. It fails with an error
// wrapping [ErrInvalidDuration] when Period is empty or not a duration.
func (r RetentionSetting) ParsePeriod() (ISODuration, error) {
	return ParseISODuration(r.Period)
}

// ParseInterval parses Interval as an ISO 8601 repeating interval of the
// form "R[n]/<duration>". It fails with an error wrapping
// [ErrInvalidDuration] for anything else (including the forms anchored at a
// start or end date, which the service is not documented to send).
func (r RetentionSetting) ParseInterval() (RepeatingInterval, error) {
	return ParseRepeatingInterval(r.Interval)
}

// ArtifactCount is Graph's protectionPolicyArtifactCount: how many of a
// policy's artifacts (sites, drives, mailboxes) are in each state. A member
// that is absent is zero; one that is not a 32-bit integer is zero and kept,
// raw, in AdditionalData.
type ArtifactCount struct {
	Completed  int32
	Failed     int32
	InProgress int32
	Total      int32
	// AdditionalData holds every other property.
	AdditionalData map[string]any
}

// ProtectionPolicyPage is one page of a protection-policy list: the policies
// and, when more remain, the absolute @odata.nextLink to request (verbatim)
// for the next page.
type ProtectionPolicyPage struct {
	Value []*ProtectionPolicy
	// NextLink is @odata.nextLink, or "" on the last page.
	NextLink string
	// Count is @odata.count, present only when the request asked for it
	// ($count=true) and usually only on the first page.
	Count *int64
	// ODataContext is @odata.context.
	ODataContext string
	// AdditionalData holds every other property of the page envelope.
	AdditionalData map[string]any
}
