package models

// ProtectionUnitStatus is the lifecycle state of a protection unit
// (Graph enum protectionUnitStatus). It is a string so that a value this
// package does not know is kept verbatim rather than dropped.
type ProtectionUnitStatus string

// The members of protectionUnitStatus, in the service's order. The last three
// come after StatusUnknownFutureValue: the service reports them only when the
// request carries "Prefer: include-unknown-enum-members", which the
// backuprestore client always sends.
const (
	StatusProtectRequested        ProtectionUnitStatus = "protectRequested"
	StatusProtected               ProtectionUnitStatus = "protected"
	StatusUnprotectRequested      ProtectionUnitStatus = "unprotectRequested"
	StatusUnprotected             ProtectionUnitStatus = "unprotected"
	StatusRemoveRequested         ProtectionUnitStatus = "removeRequested"
	StatusUnknownFutureValue      ProtectionUnitStatus = "unknownFutureValue"
	StatusOffboardRequested       ProtectionUnitStatus = "offboardRequested"
	StatusOffboarded              ProtectionUnitStatus = "offboarded"
	StatusCancelOffboardRequested ProtectionUnitStatus = "cancelOffboardRequested"
)

// KnownStatuses returns every documented status, in the service's order.
// The slice is new on every call: changing it changes nothing else.
func KnownStatuses() []ProtectionUnitStatus {
	return []ProtectionUnitStatus{
		StatusProtectRequested, StatusProtected, StatusUnprotectRequested, StatusUnprotected,
		StatusRemoveRequested, StatusUnknownFutureValue, StatusOffboardRequested, StatusOffboarded,
		StatusCancelOffboardRequested,
	}
}

// IsKnown reports whether s is one of the documented members.
func (s ProtectionUnitStatus) IsKnown() bool {
	switch s {
	case StatusProtectRequested, StatusProtected, StatusUnprotectRequested, StatusUnprotected,
		StatusRemoveRequested, StatusUnknownFutureValue, StatusOffboardRequested, StatusOffboarded,
		StatusCancelOffboardRequested:
		return true
	}
	return false
}

// String returns the wire value.
func (s ProtectionUnitStatus) String() string { return string(s) }
