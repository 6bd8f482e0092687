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
	// DisableReason is kept verbatim: "none", "invalidBillingProfile",
	// "userRequested", "unknownFutureValue" in the schema (the docs also
	// name "controllerServiceAppDeleted").
	DisableReason string
	// GracePeriodDateTime is the end of the grace period after the service
	// was disabled.
	GracePeriodDateTime time.Time
	// RestoreAllowedTillDateTime is the end of the period in which restores
	// remain allowed.
	RestoreAllowedTillDateTime time.Time
	LastModifiedDateTime       time.Time
	LastModifiedBy             *IdentitySet
	// BackupServiceConsumer is kept verbatim: "unknown", "firstparty",
	// "thirdparty", "unknownFutureValue" in the schema (the docs also name
	// "none").
	BackupServiceConsumer string
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
