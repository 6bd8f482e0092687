package fake

import (
	"strconv"
	"time"

	"github.com/m365kit/backuprestore/internal/jsonlex"
	"github.com/m365kit/backuprestore/models"
)

// The emulator writes JSON by hand: keys in the documentation's order, no
// reflection on the hot path.

// graphTimeLayout is Graph's DateTimeOffset format: UTC, 7 fractional digits.
const graphTimeLayout = "2006-01-02T15:04:05.0000000Z"

// neverTime is what offboardRequestedDateTime reads when no offboard was
// ever requested.
const neverTime = "0001-01-01T00:00:00.0000000Z"

// contentTypeJSON is the Content-Type of every JSON answer, as Graph sends it.
const contentTypeJSON = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"

// contextPrefix starts every @odata.context value.
const contextPrefix = "https://graph.microsoft.com/v1.0/$metadata#"

// Property indexes, in the order they are written.
const (
	propID = iota
	propSiteID
	propSiteName
	propSiteWebURL
	propDirectoryObjectID
	propDisplayName
	propEmail
	propPolicyID
	propStatus
	propProtectionSources
	propCreatedBy
	propCreatedDateTime
	propLastModifiedBy
	propLastModifiedDateTime
	propError
	propOffboardRequestedDateTime
	numProps
)

// propNames are the JSON names of the properties, by index.
var propNames = [numProps]string{
	"id", "siteId", "siteName", "siteWebUrl", "directoryObjectId", "displayName", "email",
	"policyId", "status", "protectionSources", "createdBy", "createdDateTime", "lastModifiedBy",
	"lastModifiedDateTime", "error", "offboardRequestedDateTime",
}

// propMask is a set of property indexes.
type propMask uint32

// Property sets per type.
const (
	baseProps  propMask = 1<<propID | 1<<propPolicyID | 1<<propStatus | 1<<propProtectionSources | 1<<propCreatedBy | 1<<propCreatedDateTime | 1<<propLastModifiedBy | 1<<propLastModifiedDateTime | 1<<propError | 1<<propOffboardRequestedDateTime
	siteProps  propMask = baseProps | 1<<propSiteID | 1<<propSiteName | 1<<propSiteWebURL
	ownerProps propMask = baseProps | 1<<propDirectoryObjectID | 1<<propDisplayName | 1<<propEmail
)

// kindProps returns the properties of a kind.
func kindProps(k models.UnitKind) propMask {
	switch k {
	case models.KindSite:
		return siteProps
	case models.KindDrive, models.KindMailbox:
		return ownerProps
	}
	return baseProps
}

// kindIndex maps a kind to an index into per-kind arrays.
func kindIndex(k models.UnitKind) int {
	switch k {
	case models.KindSite:
		return 0
	case models.KindDrive:
		return 1
	}
	return 2
}

// view says how units are rendered for one request.
type view struct {
	// includeUnknown is set when the request opted into the enum members
	// after unknownFutureValue.
	includeUnknown bool
	// appOnly blanks the fields the service returns only to delegated callers.
	appOnly bool
	// masks are the selected properties per kind (site, drive, mailbox);
	// nil means every property.
	masks *[3]propMask
	// noType leaves out "@odata.type" (the items of a PATCH's @delta echo
	// have none).
	noType bool
}

// reportedStatus is the status as this view shows it.
func (v *view) reportedStatus(s models.ProtectionUnitStatus) models.ProtectionUnitStatus {
	if !v.includeUnknown && statusRank(s) > unknownFutureRank {
		return models.StatusUnknownFutureValue
	}
	return s
}

// appendUnit writes u as a JSON object, led by "@odata.context": ctx when
// ctx is not empty (a single entity).
func appendUnit(b []byte, u *Unit, v *view, ctx string) []byte {
	m := kindProps(u.Kind)
	if v.masks != nil {
		m &= v.masks[kindIndex(u.Kind)] | 1<<propID
	}
	b = append(b, '{')
	if ctx != "" {
		b = append(b, `"@odata.context":`...)
		b = appendString(b, ctx)
		b = append(b, ',')
	}
	if !v.noType {
		b = append(b, `"@odata.type":"`...)
		b = append(b, u.Kind.ODataType()...)
		b = append(b, `",`...)
	}
	b = append(b, `"id":`...)
	b = appendString(b, u.ID)
	blankSite := v.appOnly && u.Kind == models.KindSite
	blankOwner := v.appOnly && u.Kind == models.KindMailbox
	for p := propSiteID; p < numProps; p++ {
		if m&(1<<p) == 0 {
			continue
		}
		b = append(b, ',', '"')
		b = append(b, propNames[p]...)
		b = append(b, '"', ':')
		switch p {
		case propSiteID:
			b = appendNullable(b, u.SiteID)
		case propSiteName:
			b = appendNullable(b, blank(u.SiteName, blankSite))
		case propSiteWebURL:
			b = appendNullable(b, blank(u.SiteWebURL, blankSite))
		case propDirectoryObjectID:
			b = appendNullable(b, u.DirectoryObjectID)
		case propDisplayName:
			b = appendNullable(b, blank(u.DisplayName, blankOwner))
		case propEmail:
			b = appendNullable(b, blank(u.Email, blankOwner))
		case propPolicyID:
			b = appendString(b, u.PolicyID)
		case propStatus:
			b = appendString(b, string(v.reportedStatus(u.Status)))
		case propProtectionSources:
			b = appendString(b, u.ProtectionSources)
		case propCreatedBy:
			b = appendIdentitySet(b, &u.CreatedBy)
		case propCreatedDateTime:
			b = appendTime(b, u.CreatedDateTime)
		case propLastModifiedBy:
			b = appendIdentitySet(b, &u.LastModifiedBy)
		case propLastModifiedDateTime:
			b = appendTime(b, u.LastModifiedDateTime)
		case propError:
			b = appendPublicError(b, u.Error)
		case propOffboardRequestedDateTime:
			b = appendTime(b, u.OffboardRequestedDateTime)
		}
	}
	return append(b, '}')
}

// GraphJSON returns u as the API writes it to a delegated caller that sent
// "Prefer: include-unknown-enum-members": a JSON object with @odata.type
// and every property of its kind, its real status, without
// @odata.context. It never fails; a Unit that AddUnit would refuse is
// written as it is.
func (u Unit) GraphJSON() []byte {
	return appendUnit(make([]byte, 0, 1024), &u, &view{includeUnknown: true}, "")
}

// blank returns "" when hide is set, else s.
func blank(s string, hide bool) string {
	if hide {
		return ""
	}
	return s
}

// appendNullable writes s, or null when it is empty.
func appendNullable(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendString(b, s)
}

// appendTime writes t in Graph's format; the zero time is the sentinel.
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	if t.IsZero() {
		b = append(b, neverTime...)
	} else {
		b = t.UTC().AppendFormat(b, graphTimeLayout)
	}
	return append(b, '"')
}

// appendIdentitySet writes an identity set, or null when it is empty.
func appendIdentitySet(b []byte, s *IdentitySet) []byte {
	if s.isZero() {
		return append(b, "null"...)
	}
	b = append(b, '{')
	first := true
	for _, m := range [...]struct {
		name string
		id   *Identity
	}{{"application", s.Application}, {"device", s.Device}, {"user", s.User}} {
		if m.id == nil {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, m.name...)
		b = append(b, `":{`...)
		if m.id.Email != "" {
			b = append(b, `"email":`...)
			b = appendString(b, m.id.Email)
			b = append(b, ',')
		}
		b = append(b, `"id":`...)
		b = appendNullable(b, m.id.ID)
		b = append(b, `,"displayName":`...)
		b = appendNullable(b, m.id.DisplayName)
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendPublicError writes a unit's error property.
func appendPublicError(b []byte, e *PublicError) []byte {
	if e == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"code":`...)
	b = appendNullable(b, e.Code)
	b = append(b, `,"message":`...)
	b = appendNullable(b, e.Message)
	b = append(b, `,"target":`...)
	b = appendNullable(b, e.Target)
	b = append(b, `,"details":[`...)
	for i, d := range e.Details {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"code":`...)
		b = appendNullable(b, d.Code)
		b = append(b, `,"message":`...)
		b = appendNullable(b, d.Message)
		b = append(b, `,"target":`...)
		b = appendNullable(b, d.Target)
		b = append(b, '}')
	}
	return append(b, `],"innerError":null}`...)
}

// appendString writes s as a JSON string (the module's shared encoder:
// escapes what JSON requires, replaces invalid UTF-8 with U+FFFD).
func appendString(b []byte, s string) []byte { return jsonlex.AppendString(b, s) }

// quote returns s as a JSON string, for messages.
func quote(s string) string { return string(appendString(nil, s)) }

// appendInt writes n.
func appendInt(b []byte, n int) []byte { return strconv.AppendInt(b, int64(n), 10) }
