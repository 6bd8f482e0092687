package fake

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/m365kit/backuprestore/models"
)

// unitTypeName is the unqualified OData type name of a unit kind
// ("siteProtectionUnit", …), or "" for models.KindUnknown.
func unitTypeName(k models.UnitKind) string {
	switch k {
	case models.KindSite:
		return "siteProtectionUnit"
	case models.KindDrive:
		return "driveProtectionUnit"
	case models.KindMailbox:
		return "mailboxProtectionUnit"
	}
	return ""
}

// validKind reports whether k is one of the three kinds of unit.
func validKind(k models.UnitKind) bool { return unitTypeName(k) != "" }

// unitKinds are the three kinds of unit, in a fixed order.
var unitKinds = [...]models.UnitKind{models.KindSite, models.KindDrive, models.KindMailbox}

// unknownFutureRank is the enum value of unknownFutureValue.
const unknownFutureRank = 5

// statusRank returns the enum value of a status (its index in
// models.KnownStatuses(), the CSDL order), or -1 when unknown. The members
// after models.StatusUnknownFutureValue are reported as
// models.StatusUnknownFutureValue to callers that do not send
// "Prefer: include-unknown-enum-members".
func statusRank(s models.ProtectionUnitStatus) int {
	for i, m := range models.KnownStatuses() {
		if m == s {
			return i
		}
	}
	return -1
}

// Statuses returns every state a unit can be in (every member of
// protectionUnitStatus except unknownFutureValue, which is never stored),
// in enum order. The slice is new on every call.
func Statuses() []models.ProtectionUnitStatus {
	out := make([]models.ProtectionUnitStatus, 0, len(models.KnownStatuses())-1)
	for _, s := range models.KnownStatuses() {
		if s != models.StatusUnknownFutureValue {
			out = append(out, s)
		}
	}
	return out
}

// Identity is one member of an identity set ("user", "application" or
// "device"). Email is not declared by the schema but appears in the
// documentation's examples (identity is an open type); it is omitted from
// the JSON when empty.
type Identity struct {
	// ID is the user's, application's or device's ID.
	ID string
	// DisplayName is its display name.
	DisplayName string
	// Email is the user's address (undeclared by the schema; omitted when empty).
	Email string
}

// IdentitySet says who did something: a user, an application, a device, or
// several of them. A nil member is omitted from the JSON; an IdentitySet with
// no members is written as null.
type IdentitySet struct {
	// Application is the application that acted, if any.
	Application *Identity
	// Device is the device that acted, if any.
	Device *Identity
	// User is the user that acted, if any.
	User *Identity
}

// isZero reports whether the set has no members.
func (s IdentitySet) isZero() bool { return s.Application == nil && s.Device == nil && s.User == nil }

// clone returns a deep copy of the set.
func (s IdentitySet) clone() IdentitySet {
	c := func(i *Identity) *Identity {
		if i == nil {
			return nil
		}
		v := *i
		return &v
	}
	return IdentitySet{Application: c(s.Application), Device: c(s.Device), User: c(s.User)}
}

// PublicErrorDetail is one entry of PublicError.Details.
type PublicErrorDetail struct {
	// Code is the detail's error code.
	Code string
	// Message describes the detail.
	Message string
	// Target is what the detail is about.
	Target string
}

// PublicError is the unit's "error" property: why creating or enabling the
// unit failed. A nil *PublicError is written as "error": null.
type PublicError struct {
	// Code is the error code, e.g. "QuotaExceeded".
	Code string
	// Message describes the error.
	Message string
	// Target is what the error is about.
	Target string
	// Details holds more specific errors; written as [] when empty.
	Details []PublicErrorDetail
}

// clone returns a deep copy of e.
func (e *PublicError) clone() *PublicError {
	if e == nil {
		return nil
	}
	c := *e
	c.Details = append([]PublicErrorDetail(nil), e.Details...)
	return &c
}

// Unit is a protection unit as the emulator stores it: one struct for the
// three derived types, told apart by Kind. Site units use SiteID, SiteName
// and SiteWebURL; drive and mailbox units use DirectoryObjectID, DisplayName
// and Email. The emulator hands out copies; changing one does not change the
// emulator's state (use Server.UpdateUnit for that).
type Unit struct {
	// Kind is the derived type. AddUnit infers models.KindSite when it is
	// models.KindUnknown and SiteID is set; otherwise it is required.
	Kind models.UnitKind
	// ID is the unit's key: any non-empty string without control
	// characters, at most 1,024 bytes. Clients percent-encode it as one
	// path segment.
	ID string
	// PolicyID is the policy the unit belongs to; "" once the unit has been
	// removed from its policy.
	PolicyID string
	// Status is a member of models.ProtectionUnitStatus other than
	// models.StatusUnknownFutureValue (which is never stored).
	Status models.ProtectionUnitStatus
	// ProtectionSources is the flags string, e.g. "manual",
	// "manual,dynamicRule" or "none". AddUnit defaults it to "none" when
	// PolicyID is empty and to "manual" otherwise.
	ProtectionSources string

	// SiteID is "host,siteCollectionGuid,webGuid" (site units).
	SiteID string
	// SiteName is the site's display name (site units; blank for app-only callers).
	SiteName string
	// SiteWebURL is the site's URL (site units; blank for app-only callers).
	SiteWebURL string

	// DirectoryObjectID is the owner's Entra object ID (drive and mailbox units).
	DirectoryObjectID string
	// DisplayName is the owner's display name (drive and mailbox units;
	// blank for app-only callers on mailbox units).
	DisplayName string
	// Email is the owner's address (drive and mailbox units; blank for
	// app-only callers on mailbox units).
	Email string

	// CreatedBy is who created the unit.
	CreatedBy IdentitySet
	// LastModifiedBy is who changed the unit last; offboard and
	// cancelOffboard set it to the caller named by the bearer token.
	LastModifiedBy IdentitySet
	// CreatedDateTime defaults to the emulator's clock in AddUnit.
	CreatedDateTime time.Time
	// LastModifiedDateTime defaults to CreatedDateTime in AddUnit.
	LastModifiedDateTime time.Time
	// OffboardRequestedDateTime is when offboarding was requested; the zero
	// time (written as the sentinel 0001-01-01T00:00:00.0000000Z) means
	// never. AddUnit sets it to the emulator's clock for a unit added in
	// models.StatusOffboardRequested without one.
	OffboardRequestedDateTime time.Time
	// Error is the unit's error property; nil is written as null.
	Error *PublicError
}

// clone returns a deep copy of u.
func (u Unit) clone() Unit {
	u.CreatedBy = u.CreatedBy.clone()
	u.LastModifiedBy = u.LastModifiedBy.clone()
	u.Error = u.Error.clone()
	return u
}

// Offboardable reports whether offboard would succeed on u: the unit has
// been removed from its policy (empty PolicyID) and is unprotected.
func (u Unit) Offboardable() bool {
	return u.PolicyID == "" && u.Status == models.StatusUnprotected
}

// maxIDLength is the longest ID the emulator accepts, in bytes.
const maxIDLength = 1024

// errInvalidID explains which IDs the emulator accepts.
var errInvalidID = errors.New("fake: invalid unit ID: it must be non-empty, at most 1,024 bytes, not \".\" or \"..\", and free of control characters")

// validID reports whether id is an acceptable unit ID.
func validID(id string) bool {
	if id == "" || len(id) > maxIDLength || id == "." || id == ".." || strings.TrimSpace(id) == "" {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// normalize validates u and fills in its defaults, using now for missing times.
func (u *Unit) normalize(now time.Time) error {
	if !validID(u.ID) {
		return fmt.Errorf("%w: %q", errInvalidID, u.ID)
	}
	if u.Kind == models.KindUnknown && u.SiteID != "" {
		u.Kind = models.KindSite
	}
	if !validKind(u.Kind) {
		return fmt.Errorf("fake: unit %q: unknown kind %d (want models.KindSite, models.KindDrive or models.KindMailbox)", u.ID, int(u.Kind))
	}
	if u.Status == "" {
		if u.PolicyID == "" {
			u.Status = models.StatusUnprotected
		} else {
			u.Status = models.StatusProtected
		}
	}
	if r := statusRank(u.Status); r < 0 || r == unknownFutureRank {
		return fmt.Errorf("fake: unit %q: invalid status %q", u.ID, u.Status)
	}
	if u.ProtectionSources == "" {
		if u.PolicyID == "" {
			u.ProtectionSources = "none"
		} else {
			u.ProtectionSources = "manual"
		}
	}
	if u.CreatedDateTime.IsZero() {
		u.CreatedDateTime = now
	}
	if u.LastModifiedDateTime.IsZero() {
		u.LastModifiedDateTime = u.CreatedDateTime
	}
	if u.Status == models.StatusOffboardRequested && u.OffboardRequestedDateTime.IsZero() {
		u.OffboardRequestedDateTime = now
	}
	u.CreatedDateTime = u.CreatedDateTime.UTC()
	u.LastModifiedDateTime = u.LastModifiedDateTime.UTC()
	u.OffboardRequestedDateTime = u.OffboardRequestedDateTime.UTC()
	if u.CreatedBy.isZero() {
		u.CreatedBy = serviceIdentity()
	}
	if u.LastModifiedBy.isZero() {
		u.LastModifiedBy = u.CreatedBy.clone()
	}
	return nil
}

// serviceIdentity is the identity set the service writes for changes it
// makes on its own (timers), as in the documentation's examples.
func serviceIdentity() IdentitySet {
	return IdentitySet{Application: &Identity{ID: "1fec8e78-bce4-4aaf-ab1b-5451cc387264", DisplayName: "Microsoft Enhanced Restore"}}
}
