package fake

import (
	"net/http"
	"time"

	"github.com/m365kit/backuprestore/models"
)

// The members of disableReason (ServiceStatus.DisableReason). The docs list
// controllerServiceAppDeleted; the v1.0 schema does not.
const (
	DisableReasonNone                        = "none"
	DisableReasonControllerServiceAppDeleted = "controllerServiceAppDeleted"
	DisableReasonInvalidBillingProfile       = "invalidBillingProfile"
	DisableReasonUserRequested               = "userRequested"
)

// The members of backupServiceConsumer (ServiceStatus.BackupServiceConsumer).
// The docs list none where the v1.0 schema has unknown; both are accepted.
const (
	ConsumerUnknown    = "unknown"
	ConsumerNone       = "none"
	ConsumerFirstParty = "firstparty"
	ConsumerThirdParty = "thirdparty"
)

// backupRestoreRootID is the id the emulator gives the backupRestoreRoot
// entity (the service's value is not documented): the test tenant's ID.
const backupRestoreRootID = TestTenantID

// ServiceStatus is the tenant's Microsoft 365 Backup state, served as
// "serviceStatus" by GET /solutions/backupRestore. Any Status other than
// models.ServiceEnabled makes policy PATCHes fail with 403
// ProtectionChangeLocked.
type ServiceStatus struct {
	// Status is the service's state (default models.ServiceEnabled).
	Status models.BackupServiceStatus
	// DisableReason is one of the DisableReason* constants (default "none").
	DisableReason string
	// BackupServiceConsumer is one of the Consumer* constants (default
	// "firstparty").
	BackupServiceConsumer string
	// GracePeriodDateTime is the end of the grace period; the zero time is
	// written as null.
	GracePeriodDateTime time.Time
	// RestoreAllowedTillDateTime is the end of the restore-allowed period;
	// the zero time is written as null.
	RestoreAllowedTillDateTime time.Time
	// LastModifiedBy is who changed the status last.
	LastModifiedBy IdentitySet
	// LastModifiedDateTime is when the status changed last.
	LastModifiedDateTime time.Time
}

// clone returns a deep copy.
func (st ServiceStatus) clone() ServiceStatus {
	st.LastModifiedBy = st.LastModifiedBy.clone()
	return st
}

// validate checks the enum members.
func (st *ServiceStatus) validate() error {
	if !st.Status.IsKnown() || st.Status == models.ServiceUnknownFutureValue {
		return &optionError{"unknown service status " + quote(string(st.Status)) + " (want disabled, enabled, protectionChangeLocked or restoreLocked)"}
	}
	switch st.DisableReason {
	case DisableReasonNone, DisableReasonControllerServiceAppDeleted, DisableReasonInvalidBillingProfile, DisableReasonUserRequested:
	default:
		return &optionError{"unknown disable reason " + quote(st.DisableReason)}
	}
	switch st.BackupServiceConsumer {
	case ConsumerUnknown, ConsumerNone, ConsumerFirstParty, ConsumerThirdParty:
	default:
		return &optionError{"unknown backup service consumer " + quote(st.BackupServiceConsumer)}
	}
	return nil
}

// ServiceStatus returns the tenant's service status.
func (s *Server) ServiceStatus() ServiceStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.life.service.clone()
}

// SetServiceStatus sets serviceStatus.status, stamping lastModifiedDateTime
// with the emulator's clock. protectionChangeLocked, restoreLocked and
// disabled make policy PATCHes fail with 403 ProtectionChangeLocked until
// the status is enabled again. It fails, changing nothing, for
// unknownFutureValue or a value that is not a member of backupServiceStatus.
func (s *Server) SetServiceStatus(status models.BackupServiceStatus) error {
	_, err := s.UpdateServiceStatus(func(st *ServiceStatus) { st.Status = status })
	return err
}

// UpdateServiceStatus changes the service status through fn and returns the
// result. lastModifiedDateTime becomes the emulator's clock unless fn sets
// it; an empty DisableReason or BackupServiceConsumer means "none" and
// "firstparty". It fails, changing nothing, when a field is not a member of
// its enum.
func (s *Server) UpdateServiceStatus(fn func(st *ServiceStatus)) (ServiceStatus, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.life.service.clone()
	before := st.LastModifiedDateTime
	fn(&st)
	if st.DisableReason == "" {
		st.DisableReason = DisableReasonNone
	}
	if st.BackupServiceConsumer == "" {
		st.BackupServiceConsumer = ConsumerFirstParty
	}
	if err := st.validate(); err != nil {
		return ServiceStatus{}, err
	}
	if st.LastModifiedDateTime.Equal(before) {
		st.LastModifiedDateTime = s.clock.now()
	}
	st.LastModifiedDateTime = st.LastModifiedDateTime.UTC()
	st.GracePeriodDateTime = st.GracePeriodDateTime.UTC()
	st.RestoreAllowedTillDateTime = st.RestoreAllowedTillDateTime.UTC()
	s.life.service = st
	return st.clone(), nil
}

// protectionChangeRefusal is the 403 of a policy PATCH while the service
// status forbids protection changes, or nil when it allows them. The
// service's answer is undocumented; the emulator's is 403 with code
// ProtectionChangeLocked and a message naming the status. The caller holds
// s.mu.
func (s *Server) protectionChangeRefusalLocked() *graphError {
	st := s.life.service.Status
	if st == models.ServiceEnabled {
		return nil
	}
	return &graphError{status: http.StatusForbidden, code: codeProtectionChangeLocked,
		message: "The Microsoft 365 Backup service status is '" + string(st) +
			"': protection policies can't be updated and protection units can't be added or removed."}
}

// codeProtectionChangeLocked is the code of a PATCH refused by the service
// status (the emulator's choice; the service documents none).
const codeProtectionChangeLocked = "ProtectionChangeLocked"

// serviceStatusResponse serves GET /solutions/backupRestore.
func (s *Server) serviceStatusResponse(c *call) *response {
	if _, g := parseQuery(c.rawQuery, queryNone, models.KindUnknown); g != nil {
		return c.fail(g)
	}
	st := s.ServiceStatus()
	b := make([]byte, 0, 512)
	b = append(b, `{"@odata.context":`...)
	b = appendString(b, contextPrefix+"solutions/backupRestore/$entity")
	b = append(b, `,"id":`...)
	b = appendString(b, backupRestoreRootID)
	b = append(b, `,"serviceStatus":`...)
	b = appendServiceStatus(b, &st)
	b = append(b, '}')
	return jsonResponse(http.StatusOK, b)
}

// appendServiceStatus writes st as a serviceStatus object, in the order of
// the documentation's example.
func appendServiceStatus(b []byte, st *ServiceStatus) []byte {
	b = append(b, `{"status":`...)
	b = appendString(b, string(st.Status))
	b = append(b, `,"disableReason":`...)
	b = appendString(b, st.DisableReason)
	b = append(b, `,"backupServiceConsumer":`...)
	b = appendString(b, st.BackupServiceConsumer)
	b = append(b, `,"gracePeriodDateTime":`...)
	b = appendNullableTime(b, st.GracePeriodDateTime)
	b = append(b, `,"restoreAllowedTillDateTime":`...)
	b = appendNullableTime(b, st.RestoreAllowedTillDateTime)
	b = append(b, `,"lastModifiedDateTime":`...)
	b = appendNullableTime(b, st.LastModifiedDateTime)
	b = append(b, `,"lastModifiedBy":`...)
	b = appendIdentitySet(b, &st.LastModifiedBy)
	return append(b, '}')
}

// appendNullableTime writes t in Graph's format, or null for the zero time.
func appendNullableTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, "null"...)
	}
	return appendTime(b, t)
}
