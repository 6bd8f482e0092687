package models

import "time"

// UnitKind is the concrete type of a protection unit.
type UnitKind int

// The kinds of protection unit.
const (
	// KindUnknown is a unit whose type could not be told: no known
	// @odata.type and no site-only property.
	KindUnknown UnitKind = iota
	// KindSite is a siteProtectionUnit (SharePoint site).
	KindSite
	// KindDrive is a driveProtectionUnit (OneDrive for Business).
	KindDrive
	// KindMailbox is a mailboxProtectionUnit (Exchange mailbox).
	KindMailbox
)

// The @odata.type values of the three derived types.
const (
	ODataTypeSite    = "#microsoft.graph.siteProtectionUnit"
	ODataTypeDrive   = "#microsoft.graph.driveProtectionUnit"
	ODataTypeMailbox = "#microsoft.graph.mailboxProtectionUnit"
)

// String returns "site", "drive", "mailbox" or "unknown".
func (k UnitKind) String() string {
	switch k {
	case KindSite:
		return "site"
	case KindDrive:
		return "drive"
	case KindMailbox:
		return "mailbox"
	}
	return "unknown"
}

// ODataType returns the @odata.type value of the kind, or "" for KindUnknown.
func (k UnitKind) ODataType() string {
	switch k {
	case KindSite:
		return ODataTypeSite
	case KindDrive:
		return ODataTypeDrive
	case KindMailbox:
		return ODataTypeMailbox
	}
	return ""
}

// ProtectionUnit is a Backup Storage protection unit: the abstract
// protectionUnitBase and its three derived types (siteProtectionUnit,
// driveProtectionUnit, mailboxProtectionUnit) in one struct. Fields a kind
// does not have stay empty; Kind tells which kind it is.
//
// Time fields are UTC; the zero time means the service sent no value, null,
// or the "0001-01-01T00:00:00.0000000Z" sentinel ("never").
type ProtectionUnit struct {
	ID                string
	PolicyID          string
	Status            ProtectionUnitStatus
	ProtectionSources ProtectionSources

	CreatedBy                 *IdentitySet
	LastModifiedBy            *IdentitySet
	CreatedDateTime           time.Time
	LastModifiedDateTime      time.Time
	OffboardRequestedDateTime time.Time

	// Error is set when creating or enabling the unit failed.
	Error *PublicError

	// ODataType is the raw @odata.type, e.g. "#microsoft.graph.siteProtectionUnit".
	ODataType string

	// CollectionKind is the kind the collection the unit was read from
	// guarantees, when it is typed: …/siteProtectionUnits, a type cast
	// such as …/protectionUnits/microsoft.graph.driveProtectionUnit, or a
	// policy's own view (…/mailboxProtectionUnits under an Exchange
	// policy). The decoders never set it (the body does not say where it
	// came from); the code that reads a typed collection does, with
	// ProtectionUnitPage.SetCollectionKind (the backuprestore client does
	// for Sites, Drives, Mailboxes and a policy's units). Kind reads it when
	// @odata.type is absent. It is not serialized. KindUnknown (the zero
	// value) means an untyped collection or none.
	CollectionKind UnitKind

	// Site units.
	SiteID     string
	SiteName   string
	SiteWebURL string

	// Drive and mailbox units.
	DirectoryObjectID string
	DisplayName       string
	Email             string

	// AdditionalData holds every property this struct does not declare, and
	// the raw value of any declared property that arrived malformed.
	AdditionalData map[string]any
}

// Kind returns the unit's concrete type: from @odata.type when it names one
// of the three derived types (with or without '#', with the "microsoft.graph"
// namespace or its "graph" alias); without one, the kind of the typed
// collection it was read from (CollectionKind); otherwise inferred from its
// properties: siteId, siteName or siteWebUrl make it a site unit (the
// documented examples omit @odata.type but carry siteId). Drive and mailbox
// units have the same properties (directoryObjectId, displayName, email),
// so one read from an untyped collection without @odata.type is
// KindUnknown. An @odata.type naming another type (a future one) is not
// overridden by CollectionKind.
func (u *ProtectionUnit) Kind() UnitKind {
	if u == nil {
		return KindUnknown
	}
	if k := KindFromODataType(u.ODataType); k != KindUnknown {
		return k
	}
	if u.ODataType == "" && u.CollectionKind != KindUnknown {
		return u.CollectionKind
	}
	if u.SiteID != "" || u.SiteName != "" || u.SiteWebURL != "" {
		return KindSite
	}
	return KindUnknown
}

// KindFromODataType maps an @odata.type value (or a cast segment such as
// "microsoft.graph.driveProtectionUnit" or "graph.driveProtectionUnit") to a
// kind; anything else is KindUnknown.
func KindFromODataType(t string) UnitKind {
	switch graphTypeName(t) {
	case "siteProtectionUnit":
		return KindSite
	case "driveProtectionUnit":
		return KindDrive
	case "mailboxProtectionUnit":
		return KindMailbox
	}
	return KindUnknown
}

// OffboardRequestedAt returns when offboarding of the unit was last
// requested (offboardRequestedDateTime) and true, or the zero time and false
// when the service reports none (absent, null or the 0001-01-01 sentinel).
//
// It says nothing about the unit's current state: the time stays set after
// the offboarding completed (offboarded) and after it was cancelled
// (cancelOffboardRequested). Use [ProtectionUnit.IsOffboarding] or Status for
// the state.
func (u *ProtectionUnit) OffboardRequestedAt() (time.Time, bool) {
	if u == nil || u.OffboardRequestedDateTime.IsZero() {
		return time.Time{}, false
	}
	return u.OffboardRequestedDateTime, true
}

// IsOffboarding reports whether the unit is in the offboarding grace period:
// its status is offboardRequested (the backups are not purged yet and the
// offboarding can still be cancelled). A nil unit is not offboarding.
func (u *ProtectionUnit) IsOffboarding() bool {
	return u != nil && u.Status == StatusOffboardRequested
}

// CanOffboard reports whether the unit meets the documented precondition of
// the offboard action: it has been removed from its policy (PolicyID empty)
// and its status is unprotected. These are the documented preconditions
// only; the service remains the authority and answers 403
// OperationNotAllowed when it refuses, so a true result is no promise and a
// caller must still handle that error. A nil unit cannot be offboarded.
func (u *ProtectionUnit) CanOffboard() bool {
	return u != nil && u.PolicyID == "" && u.Status == StatusUnprotected
}

// CanCancelOffboard reports whether the unit meets the documented
// precondition of the cancelOffboard action: its status is
// offboardRequested. This is the documented precondition only; the service
// remains the authority and answers 403 OperationNotAllowed when it refuses
// (and the docs hint at a tenant-level "billingStopped" flow that a unit's
// fields may not show), so a caller must still handle that error. The status
// must have been read with "Prefer: include-unknown-enum-members" (the
// backuprestore client always sends it), or offboardRequested reads as
// unknownFutureValue. A nil unit cannot be cancelled.
func (u *ProtectionUnit) CanCancelOffboard() bool {
	return u != nil && u.Status == StatusOffboardRequested
}

// Name returns a human-readable name: the site name for sites, the display
// name for drives and mailboxes, falling back to the web URL, email or ID.
func (u *ProtectionUnit) Name() string {
	if u == nil {
		return ""
	}
	for _, s := range []string{u.SiteName, u.DisplayName, u.SiteWebURL, u.Email} {
		if s != "" {
			return s
		}
	}
	return u.ID
}
