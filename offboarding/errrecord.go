package offboarding

import (
	"context"
	"errors"
	"slices"

	"github.com/m365kit/backuprestore"
)

// ErrorRecord is an error as a journal keeps it: its text, the service's
// answer when there was one, and the sentinels it matched. Err rebuilds an
// error from it that errors.Is and errors.As treat as they treated the
// original: errors.Is(err, backuprestore.ErrNotFound) holds after a resume
// when it held in the first run, and errors.As finds the *backuprestore.Error
// (status, code, message, request-id).
type ErrorRecord struct {
	// Message is the original error's text.
	Message string
	// StatusCode, Code and RequestID are the service's answer (a
	// *backuprestore.Error or *backuprestore.PolicyItemError); zero when
	// the service did not answer.
	StatusCode int
	Code       string
	RequestID  string
	// ItemError: the answer was a per-item refusal of a policy change
	// (*backuprestore.PolicyItemError), not a whole response.
	ItemError bool
	// Matches names the sentinels the error matched (see RecordError), in
	// a fixed order.
	Matches []string
}

// sentinels are the errors a record remembers matching, by a stable name.
var sentinels = []struct {
	name string
	err  error
}{
	{"OutcomeUnknown", backuprestore.ErrOutcomeUnknown},
	{"NotSent", backuprestore.ErrNotSent},
	{"Credential", backuprestore.ErrCredential},
	{"ForeignHost", backuprestore.ErrForeignHost},
	{"DelegatedAuthRequired", backuprestore.ErrDelegatedAuthRequired},
	{"InvalidProtectionUnitID", backuprestore.ErrInvalidProtectionUnitID},
	{"InvalidPolicyID", backuprestore.ErrInvalidPolicyID},
	{"InvalidOptions", backuprestore.ErrInvalidOptions},
	{"UnexpectedResponse", backuprestore.ErrUnexpectedResponse},
	{"ResponseTooLarge", backuprestore.ErrResponseTooLarge},
	{"AlreadyInState", backuprestore.ErrAlreadyInState},
	{"DynamicRuleUnit", backuprestore.ErrDynamicRuleUnit},
	{"ServiceLocked", backuprestore.ErrServiceLocked},
	{"WaitTimedOut", backuprestore.ErrWaitTimedOut},
	{"OperationNotAllowed", backuprestore.ErrOperationNotAllowed},
	{"BadRequest", backuprestore.ErrBadRequest},
	{"Unauthorized", backuprestore.ErrUnauthorized},
	{"Forbidden", backuprestore.ErrForbidden},
	{"NotFound", backuprestore.ErrNotFound},
	{"Conflict", backuprestore.ErrConflict},
	{"Throttled", backuprestore.ErrThrottled},
	{"ServiceUnavailable", backuprestore.ErrServiceUnavailable},
	{"Server", backuprestore.ErrServer},
	{"Canceled", context.Canceled},
	{"DeadlineExceeded", context.DeadlineExceeded},
}

// RecordError returns err as a journal keeps it, or nil for a nil err.
func RecordError(err error) *ErrorRecord {
	if err == nil {
		return nil
	}
	rec := &ErrorRecord{Message: err.Error()}
	if e, ok := errors.AsType[*backuprestore.Error](err); ok {
		rec.StatusCode, rec.Code, rec.RequestID = e.StatusCode, e.Code, e.RequestID
	} else if pe, ok := errors.AsType[*backuprestore.PolicyItemError](err); ok {
		rec.StatusCode, rec.Code, rec.RequestID, rec.ItemError = pe.ResponseCode, pe.Code, pe.RequestID, true
	}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			rec.Matches = append(rec.Matches, s.name)
		}
	}
	return rec
}

// Err returns an error whose text is the record's Message and which
// matches, with errors.Is, every sentinel the original matched; errors.As
// finds a *backuprestore.Error (or *backuprestore.PolicyItemError) with
// the recorded status, code and request-id when the service had answered.
// A nil record gives a nil error.
func (r *ErrorRecord) Err() error {
	if r == nil {
		return nil
	}
	e := &recordedError{msg: r.Message}
	for _, s := range sentinels {
		if slices.Contains(r.Matches, s.name) {
			e.is = append(e.is, s.err)
		}
	}
	switch {
	case r.ItemError:
		e.answer = &backuprestore.PolicyItemError{Code: r.Code, ResponseCode: r.StatusCode, RequestID: r.RequestID, Message: r.Message}
	case r.StatusCode != 0 || r.Code != "":
		e.answer = &backuprestore.Error{StatusCode: r.StatusCode, Code: r.Code, RequestID: r.RequestID, Message: r.Message}
	}
	return e
}

// recordedError is an error rebuilt from its record.
type recordedError struct {
	msg    string
	is     []error
	answer error
}

func (e *recordedError) Error() string { return e.msg }

// Is matches the recorded sentinels.
func (e *recordedError) Is(target error) bool { return slices.Contains(e.is, target) }

// Unwrap gives errors.As the service's answer.
func (e *recordedError) Unwrap() error { return e.answer }
