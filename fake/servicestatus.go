package fake

import (
	"net/http"
	"time"

	"github.com/m365kit/backuprestore/models"
)

// The members of disableReason (ServiceStatus.DisableReason; typed in
// models.DisableReason). The serviceStatus page lists
// controllerServiceAppDeleted; the v1.0 schema does not (see the package's
// behaviour choices).
const (
	DisableReasonNone                        = "none"
	DisableReasonControllerServiceAppDeleted = "controllerServiceAppDeleted"
	DisableReasonInvalidBillingProfile       = "invalidBillingProfile"
	DisableReasonUserRequested               = "userRequested"
)

// The members of backupServiceConsumer (ServiceStatus.BackupServiceConsumer;
// typed in models.BackupServiceConsumer). The page's table of values lists
// none where the v1.0 schema has unknown; both are accepted.
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
func (s *Server) ServiceStatus() ServiceStatus { return s.st.serviceStatus() }

// SetServiceStatus sets serviceStatus.status, stamping lastModifiedDateTime
// with the emulator's clock. protectionChangeLocked, restoreLocked and
// disabled make policy PATCHes fail with 403 CodeProtectionChangeLocked until
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
	return s.st.updateServiceStatus(fn)
}

// updateServiceStatusLocked is UpdateServiceStatus with the lock held.
func (st *store) updateServiceStatusLocked(fn func(ss *ServiceStatus)) (ServiceStatus, error) {
	ss := st.life.service.clone()
	before := ss.LastModifiedDateTime
	fn(&ss)
	if ss.DisableReason == "" {
		ss.DisableReason = DisableReasonNone
	}
	if ss.BackupServiceConsumer == "" {
		ss.BackupServiceConsumer = ConsumerFirstParty
	}
	if err := ss.validate(); err != nil {
		return ServiceStatus{}, err
	}
	if ss.LastModifiedDateTime.Equal(before) {
		ss.LastModifiedDateTime = st.clock.now()
	}
	ss.LastModifiedDateTime = ss.LastModifiedDateTime.UTC()
	ss.GracePeriodDateTime = ss.GracePeriodDateTime.UTC()
	ss.RestoreAllowedTillDateTime = ss.RestoreAllowedTillDateTime.UTC()
	st.life.service = ss
	return ss.clone(), nil
}

// protectionChangeRefusalLocked is the 403 of a policy PATCH while the service
// status forbids protection changes, or nil when it allows them. The
// service's answer is undocumented; the emulator's is 403 with code
// ProtectionChangeLocked and a message naming the status. The caller holds
// the lock.
func (st *store) protectionChangeRefusalLocked() *graphError {
	status := st.life.service.Status
	if status == models.ServiceEnabled {
		return nil
	}
	return &graphError{status: http.StatusForbidden, code: CodeProtectionChangeLocked,
		message: "The Microsoft 365 Backup service status is '" + string(status) +
			"': protection policies can't be updated and protection units can't be added or removed."}
}

// CodeProtectionChangeLocked is the error code of a policy PATCH the
// emulator refuses, with 403, because the tenant's serviceStatus.status is
// not enabled. The service documents no answer for that case: this code
// is the emulator's choice (see the package's behaviour choices), not the
// service's, and the SDK does not depend on it.
const CodeProtectionChangeLocked = "ProtectionChangeLocked"

// serviceStatus serves GET /solutions/backupRestore.
func (c *call) serviceStatus() *response {
	if _, g := parseQuery(c.rawQuery, queryNone, models.KindUnknown); g != nil {
		return c.fail(g)
	}
	st := c.s.st.serviceStatus()
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

// GraphJSON returns st as the API writes the serviceStatus property of
// backupRestoreRoot: a JSON object, the zero times as null. It never fails.
func (st ServiceStatus) GraphJSON() []byte { return appendServiceStatus(make([]byte, 0, 512), &st) }

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
