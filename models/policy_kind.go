package models

// PolicyKind is the concrete type of a protection policy: the workload it
// protects.
type PolicyKind int

// The kinds of protection policy.
const (
	// PolicyKindUnknown is a policy whose type could not be told.
	PolicyKindUnknown PolicyKind = iota
	// PolicyKindSharePoint is a sharePointProtectionPolicy (site units).
	PolicyKindSharePoint
	// PolicyKindOneDrive is a oneDriveForBusinessProtectionPolicy (drive units).
	PolicyKindOneDrive
	// PolicyKindExchange is an exchangeProtectionPolicy (mailbox units).
	PolicyKindExchange
)

// The @odata.type values of the three derived policy types.
const (
	ODataTypeSharePointPolicy = "#microsoft.graph.sharePointProtectionPolicy"
	ODataTypeOneDrivePolicy   = "#microsoft.graph.oneDriveForBusinessProtectionPolicy"
	ODataTypeExchangePolicy   = "#microsoft.graph.exchangeProtectionPolicy"
)

// String returns "sharePoint", "oneDrive", "exchange" or "unknown".
func (k PolicyKind) String() string {
	switch k {
	case PolicyKindSharePoint:
		return "sharePoint"
	case PolicyKindOneDrive:
		return "oneDrive"
	case PolicyKindExchange:
		return "exchange"
	}
	return "unknown"
}

// ODataType returns the @odata.type value of the kind, or "" for PolicyKindUnknown.
func (k PolicyKind) ODataType() string {
	switch k {
	case PolicyKindSharePoint:
		return ODataTypeSharePointPolicy
	case PolicyKindOneDrive:
		return ODataTypeOneDrivePolicy
	case PolicyKindExchange:
		return ODataTypeExchangePolicy
	}
	return ""
}

// CollectionSegment returns the policy collection's path segment under
// /solutions/backupRestore ("sharePointProtectionPolicies", …), or "" for
// PolicyKindUnknown.
func (k PolicyKind) CollectionSegment() string {
	switch k {
	case PolicyKindSharePoint:
		return "sharePointProtectionPolicies"
	case PolicyKindOneDrive:
		return "oneDriveForBusinessProtectionPolicies"
	case PolicyKindExchange:
		return "exchangeProtectionPolicies"
	}
	return ""
}

// UnitsSegment returns the navigation segment of the policy's units
// ("siteProtectionUnits", "driveProtectionUnits", "mailboxProtectionUnits"),
// which is also the stem of the PATCH body's "…@delta" key, or "" for
// PolicyKindUnknown.
func (k PolicyKind) UnitsSegment() string {
	switch k {
	case PolicyKindSharePoint:
		return "siteProtectionUnits"
	case PolicyKindOneDrive:
		return "driveProtectionUnits"
	case PolicyKindExchange:
		return "mailboxProtectionUnits"
	}
	return ""
}

// DeltaKey returns the PATCH body's key for adding and removing units
// ("siteProtectionUnits@delta", …), or "" for PolicyKindUnknown.
func (k PolicyKind) DeltaKey() string {
	if s := k.UnitsSegment(); s != "" {
		return s + "@delta"
	}
	return ""
}

// UnitKind returns the kind of unit a policy of this kind protects
// (KindSite, KindDrive, KindMailbox), or KindUnknown.
func (k PolicyKind) UnitKind() UnitKind {
	switch k {
	case PolicyKindSharePoint:
		return KindSite
	case PolicyKindOneDrive:
		return KindDrive
	case PolicyKindExchange:
		return KindMailbox
	}
	return KindUnknown
}

// PolicyKindOf returns the kind of policy that protects units of kind k,
// or PolicyKindUnknown.
func PolicyKindOf(k UnitKind) PolicyKind {
	switch k {
	case KindSite:
		return PolicyKindSharePoint
	case KindDrive:
		return PolicyKindOneDrive
	case KindMailbox:
		return PolicyKindExchange
	}
	return PolicyKindUnknown
}

// PolicyKindFromODataType maps an @odata.type value (with or without '#',
// with the "microsoft.graph" namespace or its "graph" alias) to a kind;
// anything else is PolicyKindUnknown.
func PolicyKindFromODataType(t string) PolicyKind {
	switch graphTypeName(t) {
	case "sharePointProtectionPolicy":
		return PolicyKindSharePoint
	case "oneDriveForBusinessProtectionPolicy":
		return PolicyKindOneDrive
	case "exchangeProtectionPolicy":
		return PolicyKindExchange
	}
	return PolicyKindUnknown
}

// PolicyKinds returns the three known policy kinds, in a fixed order
// (SharePoint, OneDrive, Exchange). The slice is new on every call.
func PolicyKinds() []PolicyKind {
	return []PolicyKind{PolicyKindSharePoint, PolicyKindOneDrive, PolicyKindExchange}
}

// ProtectionPolicyStatus is the state of a protection policy (Graph enum
// protectionPolicyStatus). It is a string so that a value this package does
// not know is kept verbatim rather than dropped.
type ProtectionPolicyStatus string

// The members of protectionPolicyStatus, in the service's order.
const (
	// PolicyStatusInactive: every unit of the policy is unprotected (new
	// policies start here).
	PolicyStatusInactive ProtectionPolicyStatus = "inactive"
	// PolicyStatusActiveWithErrors: some units are protected, some not.
	PolicyStatusActiveWithErrors ProtectionPolicyStatus = "activeWithErrors"
	// PolicyStatusUpdating: at least one unit is in protectRequested,
	// unprotectRequested or removeRequested.
	PolicyStatusUpdating ProtectionPolicyStatus = "updating"
	// PolicyStatusActive: every unit is protected.
	PolicyStatusActive ProtectionPolicyStatus = "active"
	// PolicyStatusUnknownFutureValue is the evolvable-enum sentinel.
	PolicyStatusUnknownFutureValue ProtectionPolicyStatus = "unknownFutureValue"
)

// KnownPolicyStatuses returns every documented protectionPolicyStatus
// member, in the service's order. The slice is new on every call.
func KnownPolicyStatuses() []ProtectionPolicyStatus {
	return []ProtectionPolicyStatus{
		PolicyStatusInactive, PolicyStatusActiveWithErrors, PolicyStatusUpdating, PolicyStatusActive,
		PolicyStatusUnknownFutureValue,
	}
}

// IsKnown reports whether s is one of the documented members.
func (s ProtectionPolicyStatus) IsKnown() bool {
	switch s {
	case PolicyStatusInactive, PolicyStatusActiveWithErrors, PolicyStatusUpdating, PolicyStatusActive,
		PolicyStatusUnknownFutureValue:
		return true
	}
	return false
}

// String returns the wire value.
func (s ProtectionPolicyStatus) String() string { return string(s) }

// BackupServiceStatus is the tenant's Microsoft 365 Backup state (Graph enum
// backupServiceStatus, serviceStatus.status). It is a string so that a value
// this package does not know is kept verbatim rather than dropped.
type BackupServiceStatus string

// The members of backupServiceStatus, in the service's order.
const (
	// ServiceDisabled: the service is off for the tenant.
	ServiceDisabled BackupServiceStatus = "disabled"
	// ServiceEnabled: the service is on; protection can change.
	ServiceEnabled BackupServiceStatus = "enabled"
	// ServiceProtectionChangeLocked: no policy may be created or updated
	// and no unit added or removed.
	ServiceProtectionChangeLocked BackupServiceStatus = "protectionChangeLocked"
	// ServiceRestoreLocked: as ServiceProtectionChangeLocked, and no
	// restore either.
	ServiceRestoreLocked BackupServiceStatus = "restoreLocked"
	// ServiceUnknownFutureValue is the evolvable-enum sentinel.
	ServiceUnknownFutureValue BackupServiceStatus = "unknownFutureValue"
)

// KnownServiceStatuses returns every documented backupServiceStatus member,
// in the service's order. The slice is new on every call.
func KnownServiceStatuses() []BackupServiceStatus {
	return []BackupServiceStatus{
		ServiceDisabled, ServiceEnabled, ServiceProtectionChangeLocked, ServiceRestoreLocked,
		ServiceUnknownFutureValue,
	}
}

// IsKnown reports whether s is one of the documented members.
func (s BackupServiceStatus) IsKnown() bool {
	switch s {
	case ServiceDisabled, ServiceEnabled, ServiceProtectionChangeLocked, ServiceRestoreLocked, ServiceUnknownFutureValue:
		return true
	}
	return false
}

// String returns the wire value.
func (s BackupServiceStatus) String() string { return string(s) }
