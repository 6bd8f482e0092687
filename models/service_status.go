package models

import "time"

// ServiceStatus is Graph's serviceStatus: the state of Microsoft 365 Backup
// for the tenant, the serviceStatus property of GET /solutions/backupRestore.
//
// Time fields are UTC; the zero time means the service sent no value, null,
// the 0001-01-01 sentinel, or a malformed value (then kept, raw, in
// AdditionalData under its own key).
type ServiceStatus struct {
	// Status is kept verbatim, also when this package does not know it.
	// Only ServiceEnabled allows policies to change and units to be added
	// or removed.
	Status BackupServiceStatus
	// DisableReason is why the service is disabled, kept verbatim, also
	// when this package does not know it (see DisableReason's members).
	DisableReason DisableReason
	// GracePeriodDateTime is the end of the grace period after the service
	// was disabled.
	GracePeriodDateTime time.Time
	// RestoreAllowedTillDateTime is the end of the period in which restores
	// remain allowed.
	RestoreAllowedTillDateTime time.Time
	LastModifiedDateTime       time.Time
	LastModifiedBy             *IdentitySet
	// BackupServiceConsumer is who controls the service, kept verbatim,
	// also when this package does not know it (see BackupServiceConsumer's
	// members).
	BackupServiceConsumer BackupServiceConsumer
	// AdditionalData holds every property this struct does not declare, and
	// the raw value of any declared property that arrived malformed.
	AdditionalData map[string]any
}

// BackupRestoreRoot is the body of GET /solutions/backupRestore (the
// backupRestoreRoot entity) as far as the tenant gate needs it: its ID and
// its serviceStatus. Every other property (@odata.context, expanded
// navigations) is kept in AdditionalData.
type BackupRestoreRoot struct {
	ID string
	// ServiceStatus is nil when the body has none (or null); a value that is
	// not an object is kept, raw, in AdditionalData.
	ServiceStatus  *ServiceStatus
	AdditionalData map[string]any
}

// DisableReason is why the tenant's Microsoft 365 Backup service is
// disabled (Graph enum disableReason, serviceStatus.disableReason). It is a
// string so that a value this package does not know is kept verbatim
// rather than dropped.
//
// The serviceStatus page and the v1.0 schema disagree: the page lists
// controllerServiceAppDeleted, the schema (msgraph-metadata f54f11b6) does
// not, so a client generated from the schema cannot parse it. This package
// has a constant for every member either lists.
type DisableReason string

// The members of disableReason, in the page's order.
const (
	// DisableReasonNone: no reason specified.
	DisableReasonNone DisableReason = "none"
	// DisableReasonControllerServiceAppDeleted: the controller service app
	// was deleted. Listed by the serviceStatus page, not by the v1.0
	// schema.
	DisableReasonControllerServiceAppDeleted DisableReason = "controllerServiceAppDeleted"
	// DisableReasonInvalidBillingProfile: the billing profile or Azure
	// subscription is missing or unhealthy.
	DisableReasonInvalidBillingProfile DisableReason = "invalidBillingProfile"
	// DisableReasonUserRequested: the service was disabled by a user.
	DisableReasonUserRequested DisableReason = "userRequested"
	// DisableReasonUnknownFutureValue is the evolvable-enum sentinel.
	DisableReasonUnknownFutureValue DisableReason = "unknownFutureValue"
)

// KnownDisableReasons returns every documented disableReason member (the
// schema's and the page's), in the page's order. The slice is new on every
// call.
func KnownDisableReasons() []DisableReason {
	return []DisableReason{DisableReasonNone, DisableReasonControllerServiceAppDeleted, DisableReasonInvalidBillingProfile,
		DisableReasonUserRequested, DisableReasonUnknownFutureValue}
}

// IsKnown reports whether r is one of the documented members.
func (r DisableReason) IsKnown() bool {
	switch r {
	case DisableReasonNone, DisableReasonControllerServiceAppDeleted, DisableReasonInvalidBillingProfile,
		DisableReasonUserRequested, DisableReasonUnknownFutureValue:
		return true
	}
	return false
}

// String returns the wire value.
func (r DisableReason) String() string { return string(r) }

// BackupServiceConsumer is who controls the tenant's Microsoft 365 Backup
// service (Graph enum backupServiceConsumer,
// serviceStatus.backupServiceConsumer). It is a string so that a value this
// package does not know is kept verbatim rather than dropped.
//
// The serviceStatus page contradicts itself and the schema: its property
// table and the v1.0 schema list unknown, its table of values lists none
// ("Default value. No consumer is using the service.") instead. This
// package has a constant for both.
type BackupServiceConsumer string

// The members of backupServiceConsumer, in the schema's order (none, the
// page's alternative to unknown, after it).
const (
	// ConsumerUnknown: the schema's first member (the page's property
	// table agrees).
	ConsumerUnknown BackupServiceConsumer = "unknown"
	// ConsumerNone: no consumer uses the service. Listed by the page's
	// table of values, not by the v1.0 schema.
	ConsumerNone BackupServiceConsumer = "none"
	// ConsumerFirstParty: the Microsoft 365 admin center controls the
	// service.
	ConsumerFirstParty BackupServiceConsumer = "firstparty"
	// ConsumerThirdParty: an ISV's app controls the service.
	ConsumerThirdParty BackupServiceConsumer = "thirdparty"
	// ConsumerUnknownFutureValue is the evolvable-enum sentinel.
	ConsumerUnknownFutureValue BackupServiceConsumer = "unknownFutureValue"
)

// KnownBackupServiceConsumers returns every documented
// backupServiceConsumer member (the schema's and the page's). The slice is
// new on every call.
func KnownBackupServiceConsumers() []BackupServiceConsumer {
	return []BackupServiceConsumer{ConsumerUnknown, ConsumerNone, ConsumerFirstParty, ConsumerThirdParty, ConsumerUnknownFutureValue}
}

// IsKnown reports whether c is one of the documented members.
func (c BackupServiceConsumer) IsKnown() bool {
	switch c {
	case ConsumerUnknown, ConsumerNone, ConsumerFirstParty, ConsumerThirdParty, ConsumerUnknownFutureValue:
		return true
	}
	return false
}

// String returns the wire value.
func (c BackupServiceConsumer) String() string { return string(c) }
