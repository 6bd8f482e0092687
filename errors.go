package backuprestore

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/m365kit/backuprestore/internal/errs"
	"github.com/m365kit/backuprestore/internal/retryafter"
	"github.com/m365kit/backuprestore/internal/token"
	"github.com/m365kit/backuprestore/models"
)

// Sentinel errors. Test for them with errors.Is; they are immutable values
// of an unexported type, so they cannot be redefined by accident, and
// (*Error).Is matches them against the response's status and Graph code.
var (
	// ErrOperationNotAllowed matches Graph error code OperationNotAllowed:
	// the unit is not in a state that allows the action (for example
	// cancelOffboard on a unit that is not offboarding). It is a 403, so
	// ErrForbidden matches too.
	ErrOperationNotAllowed error = errs.New("backuprestore: operation not allowed in the unit's current state")
	// ErrBadRequest matches HTTP 400.
	ErrBadRequest error = errs.New("backuprestore: bad request")
	// ErrUnauthorized matches HTTP 401: the token is missing, expired or invalid.
	ErrUnauthorized error = errs.New("backuprestore: unauthorized")
	// ErrForbidden matches HTTP 403, including OperationNotAllowed.
	ErrForbidden error = errs.New("backuprestore: forbidden")
	// ErrNotFound matches HTTP 404 and Graph code ProtectionUnitNotFound.
	ErrNotFound error = errs.New("backuprestore: not found")
	// ErrConflict matches HTTP 409.
	ErrConflict error = errs.New("backuprestore: conflict")
	// ErrThrottled matches HTTP 429; (*Error).RetryAfter says how long to wait.
	ErrThrottled error = errs.New("backuprestore: throttled")
	// ErrServiceUnavailable matches HTTP 503 and 504.
	ErrServiceUnavailable error = errs.New("backuprestore: service unavailable")
	// ErrServer matches any HTTP 5xx.
	ErrServer error = errs.New("backuprestore: server error")
	// ErrInvalidProtectionUnitID matches Graph code InvalidProtectionUnitId,
	// and is returned before anything is sent for an ID that is empty, all
	// white space, "." or "..", holds a control character, or is longer than
	// 1,024 bytes.
	ErrInvalidProtectionUnitID error = errs.New("backuprestore: invalid protection unit ID")
	// ErrUnsupportedCloud is returned by NewClient for a national cloud: the
	// Backup Storage API exists only in the global service.
	ErrUnsupportedCloud error = errs.New("backuprestore: the Backup Storage API is not available in this cloud")
	// ErrDelegatedAuthRequired is returned, before the request is sent, when
	// offboard or cancelOffboard would be sent with an app-only token: they
	// accept only delegated BackupRestore-Configuration.ReadWrite.All.
	ErrDelegatedAuthRequired error = errs.DelegatedAuthRequired
	// ErrUnexpectedResponse matches a 2xx response without the documented
	// body: empty, not JSON, malformed or truncated JSON, or the wrong shape.
	ErrUnexpectedResponse error = errs.New("backuprestore: unexpected response")
	// ErrResponseTooLarge matches a response whose body exceeded
	// Options.MaxResponseBytes; the excess was not read.
	ErrResponseTooLarge error = errs.ResponseTooLarge
	// ErrForeignHost is returned when a request (for example a nextLink)
	// would go to another scheme, host or port than Options.BaseURL's. No
	// request is made and no token leaves.
	ErrForeignHost error = errs.ForeignHost
	// ErrNotSent matches a call, or a bulk item, whose request never
	// reached the wire: getting a token failed, the host's name did not
	// resolve, the connection was refused or unreachable, the TLS handshake
	// failed, the client's own guard refused it, or the context ended before
	// the request was written. The service cannot have acted on it. The
	// error wraps the cause as well.
	ErrNotSent error = errs.New("backuprestore: not sent")
	// ErrCredential matches a failure of the credential to produce a token
	// (an azidentity error, a credential of your own). It wraps the
	// credential's error, so errors.As still reaches, say,
	// *azidentity.AuthenticationFailedError. Nothing was sent; a bulk call
	// stops at once.
	ErrCredential error = errs.New("backuprestore: the credential could not get a token")
	// ErrOutcomeUnknown matches an action (single or bulk) whose request
	// was written to the wire but whose answer was lost (a reset, a timeout,
	// a stall, a 5xx from a gateway, the context ending mid-flight), and
	// reading the unit back could not settle whether the service applied
	// it. The error also wraps the last failure and, when the service
	// answered a later resend (its 403, its 404), that answer, so errors.Is
	// with their sentinels still works. Read the unit before acting again.
	ErrOutcomeUnknown error = errs.New("backuprestore: outcome unknown: the action may have been applied")
	// ErrDuplicateInList matches Graph code DuplicateProtectionUnitInList:
	// a policy PATCH named a unit twice (400; nothing was applied).
	ErrDuplicateInList error = errs.New("backuprestore: a unit is named twice in one policy change")
	// ErrDynamicRuleUnit matches Graph code ProtectionUnitActionNotAllowed:
	// a unit protected through a dynamic (inclusion) rule cannot be removed
	// from its policy by a PATCH (400; nothing in that request was applied).
	// Remove it through the rule (deleteAndUnprotect) instead.
	ErrDynamicRuleUnit error = errs.New("backuprestore: units protected via dynamic rules can't be removed manually")
	// ErrInvalidPolicyID matches a policy ID that is malformed (caught before
	// anything is sent, by the rules of ErrInvalidProtectionUnitID) and Graph
	// code InvalidPolicyId (400).
	ErrInvalidPolicyID error = errInvalidPolicyID
	// ErrFilterLengthExceeded matches Graph code FilterLengthExceeded: a
	// listing's $filter combines more clauses with and/or than the service
	// allows (400; split the filter into several listings).
	ErrFilterLengthExceeded error = errs.New("backuprestore: the filter combines too many clauses")
	// ErrUnitsLimitBreached matches Graph code ProtectionUnitsLimitBreached:
	// one request named more protection units than the service takes (413;
	// the error page documents 50 for creating a policy). Nothing in that
	// request was applied. A policy create naming more than 50 units, and a
	// bulk addition job naming more than 50,000 items, return it before
	// sending anything, with the count in the message.
	ErrUnitsLimitBreached error = errs.New("backuprestore: too many protection units in one request")
	// ErrInvalidDisplayName matches Graph code InvalidDisplayName: a policy's
	// display name is empty or longer than 1,024 characters (400). Policy
	// creates and renames and job creates return it before sending anything
	// for a name that is empty, all white space or longer than that.
	ErrInvalidDisplayName error = errs.New("backuprestore: invalid policy display name")
)

// ErrInvalidOptions matches an option value out of its documented range.
// One rule holds for every option of this package (Options, RetryOptions,
// ListOptions, BulkOptions, …): zero means the documented default, a field
// that has an "off" value documents it, and any other value out of range is
// rejected with this error, never silently replaced. NewClient returns it;
// a listing yields it before sending anything; a bulk call reports it as
// every unit's error (with ErrNotSent).
var ErrInvalidOptions error = errs.New("backuprestore: invalid option")

// ErrAlreadyInState matches a change the unit did not need: it was already
// in the state the change asks for (removeRequested, or out of the policy;
// or the artifact already protected by this policy), and nothing this call
// sent put it there. It is not a success of the call.
var ErrAlreadyInState error = errs.New("backuprestore: the unit was already in the requested state")

// ErrServiceLocked matches a tenant whose Microsoft 365 Backup service
// status does not allow protection changes (serviceStatus.status is
// disabled, protectionChangeLocked or restoreLocked, or unknown), as the
// service status read says: an offboarding run stops at its gate with it,
// and RemoveUnits and AddUnits fail with it, before writing anything. The
// service documents no error code for a
// change it refuses for that reason, so no Graph code is part of this
// sentinel's contract.
var ErrServiceLocked error = errs.New("backuprestore: the tenant's backup service does not allow protection changes")

// ErrWaitTimedOut matches a wait that ended because WaitOptions.Timeout
// passed before the condition held. The unit's last state read is returned
// beside it.
var ErrWaitTimedOut error = errs.New("backuprestore: the wait timed out before the condition held")

// opError is an error with the package prefix once, however deeply the
// errors it wraps carry their own: "backuprestore: <msg>: <err>: <err>".
type opError struct {
	msg  string
	errs []error
}

// wrapErr returns an error reading "backuprestore: msg: e1: e2…" that
// wraps every non-nil e (errors.Is and errors.As see all of them).
func wrapErr(msg string, errs ...error) error {
	e := &opError{msg: msg, errs: make([]error, 0, len(errs))}
	for _, err := range errs {
		if err != nil && !slices.ContainsFunc(e.errs, func(prev error) bool { return sameError(prev, err) }) {
			e.errs = append(e.errs, err)
		}
	}
	return e
}

// sameError reports whether a and b are the same error value (the same
// answer passed twice, as the last error and as the service's answer), so
// that a message names it once.
func sameError(a, b error) bool {
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	return ta == tb && ta.Comparable() && a == b
}

// Error implements error.
func (e *opError) Error() string {
	var b strings.Builder
	b.WriteString(errPrefix)
	b.WriteString(e.msg)
	for _, err := range e.errs {
		b.WriteString(": ")
		b.WriteString(strings.TrimPrefix(err.Error(), errPrefix))
	}
	return b.String()
}

// Unwrap returns the wrapped errors.
func (e *opError) Unwrap() []error { return e.errs }

const errPrefix = "backuprestore: "

var errInvalidPolicyID = errs.New("backuprestore: invalid protection policy ID")

// The Graph error codes the Backup Storage documentation lists for the
// operations this package calls (the error page,
// /graph/backup-storage-error-codes, and the API pages for offboard and
// cancelOffboard), with the status it gives. Compare them with Error.Code,
// or with the Code of a unit's Error or a PATCH item's error; the sentinels
// named match them with errors.Is.
const (
	// CodeOperationNotAllowed: 403 from offboard and cancelOffboard, the
	// unit's state does not allow the action (ErrOperationNotAllowed).
	CodeOperationNotAllowed = "OperationNotAllowed"
	// CodeProtectionUnitNotFound: the unit does not exist (ErrNotFound);
	// inside a 200, the code of a PATCH item naming a unit the service
	// does not have, or of a unit's error.
	CodeProtectionUnitNotFound = "ProtectionUnitNotFound"
	// CodeInvalidProtectionUnitID: 400, the unit ID is empty or invalid
	// (ErrInvalidProtectionUnitID).
	CodeInvalidProtectionUnitID = "InvalidProtectionUnitId"
	// CodeFilterLengthExceeded: 400 from a listing, too many and/or
	// clauses (ErrFilterLengthExceeded).
	CodeFilterLengthExceeded = "FilterLengthExceeded"
	// CodeUnknownError: inside a 200, a unit's error (getting the unit
	// failed for an unknown reason). Graph also uses it for some 405s.
	CodeUnknownError = "UnknownError"
	// CodeInvalidArtifactID: inside a 200, a unit's error (its artifact
	// is invalid or gone).
	CodeInvalidArtifactID = "InvalidArtifactId"
	// CodeQuotaExceeded: inside a 200, a unit's error (the backup size
	// quota is exceeded; Exchange).
	CodeQuotaExceeded = "QuotaExceeded"
	// CodePolicyNotFound: 404, no such policy (ErrNotFound).
	CodePolicyNotFound = "PolicyNotFound"
	// CodeInvalidPolicyID: 400, the policy ID is invalid
	// (ErrInvalidPolicyID).
	CodeInvalidPolicyID = "InvalidPolicyId"
	// CodeDuplicateProtectionUnitInList: 400 from a policy PATCH naming a
	// unit twice (ErrDuplicateInList).
	CodeDuplicateProtectionUnitInList = "DuplicateProtectionUnitInList"
	// CodeProtectionUnitActionNotAllowed: 400 from a policy PATCH removing
	// a unit a dynamic rule protects (ErrDynamicRuleUnit).
	CodeProtectionUnitActionNotAllowed = "ProtectionUnitActionNotAllowed"
	// CodeProtectionUnitAlreadyExists: inside a 200, a PATCH item adding
	// an artifact another policy already protects (409 when creating a
	// policy).
	CodeProtectionUnitAlreadyExists = "ProtectionUnitAlreadyExists"
	// CodeProtectionUnitsLimitBreached: 413, more protection units in one
	// request than the service takes (ErrUnitsLimitBreached).
	CodeProtectionUnitsLimitBreached = "ProtectionUnitsLimitBreached"
	// CodeInvalidDisplayName: 400, a policy display name that is empty or
	// longer than 1,024 characters (ErrInvalidDisplayName).
	CodeInvalidDisplayName = "InvalidDisplayName"
)

// maxRawBody is how much of an error body *Error keeps in RawBody.
const maxRawBody = 4 << 10

// Error is the error returned for every response that is not a success: any
// non-2xx status, whatever its body was (a Graph error envelope, {}, empty,
// HTML from a proxy, truncated JSON), and a 2xx without the documented body
// (then errors.Is(err, ErrUnexpectedResponse) holds). Use errors.As (or
// errors.AsType) to read it and errors.Is with the package sentinels to
// classify it. Failures without a response (transport errors, a cancelled
// context, a request refused before sending) are not *Error; they wrap their
// cause, so errors.Is(err, context.DeadlineExceeded) works.
type Error struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Code is Graph's error.code, e.g. "OperationNotAllowed".
	Code string
	// Message is Graph's error.message (not localised; don't branch on it).
	Message string
	// Target is Graph's error.target.
	Target string
	// Details is Graph's error.details.
	Details []models.PublicErrorDetail
	// InnerError is Graph's error.innerError, when present.
	InnerError *models.PublicInnerError
	// RequestID is the request-id response header, else innerError's.
	RequestID string
	// ClientRequestID is the client-request-id response header, else innerError's.
	ClientRequestID string
	// Date is the Date response header, else innerError's date; zero if neither parses.
	Date time.Time
	// RetryAfter is the delay the Retry-After header asked for (0 if none).
	RetryAfter time.Duration
	// Header holds the response headers.
	Header http.Header
	// Method and URL identify the request; URL is absolute and keeps its
	// query (a 400 on a $filter names the filter). Bearer tokens never
	// travel in URLs, so none appears here.
	Method, URL string
	// RawBody is the start of the response body (at most 4 KiB), kept for
	// diagnosis when it was not a Graph error envelope.
	RawBody []byte
	// Err is the underlying cause when the body could not be used: a decode
	// error, or one wrapping ErrResponseTooLarge.
	Err error

	unexpected bool
}

// Error describes the failure: status, Graph code, message and request-id.
// Its text is for people, not contractual. It never panics, even on a nil
// *Error.
func (e *Error) Error() string {
	if e == nil {
		return "backuprestore: <nil> *Error"
	}
	var b strings.Builder
	b.WriteString("backuprestore: ")
	if e.Method != "" {
		b.WriteString(e.Method)
		b.WriteByte(' ')
		b.WriteString(e.URL)
		b.WriteString(": ")
	}
	if e.unexpected {
		b.WriteString("unexpected response: ")
	}
	b.WriteString(strconv.Itoa(e.StatusCode))
	if text := http.StatusText(e.StatusCode); text != "" && e.Code == "" {
		b.WriteByte(' ')
		b.WriteString(text)
	}
	if e.Code != "" {
		b.WriteByte(' ')
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.RequestID != "" {
		b.WriteString(" (request-id ")
		b.WriteString(e.RequestID)
		b.WriteByte(')')
	}
	return b.String()
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// Is reports whether e matches one of the package sentinels.
func (e *Error) Is(target error) bool {
	if e == nil {
		return false
	}
	s := e.StatusCode
	switch target {
	case ErrOperationNotAllowed:
		return strings.EqualFold(e.Code, CodeOperationNotAllowed)
	case ErrBadRequest:
		return s == http.StatusBadRequest
	case ErrUnauthorized:
		return s == http.StatusUnauthorized
	case ErrForbidden:
		return s == http.StatusForbidden
	case ErrNotFound:
		return s == http.StatusNotFound || strings.EqualFold(e.Code, CodeProtectionUnitNotFound) || strings.EqualFold(e.Code, CodePolicyNotFound)
	case ErrInvalidPolicyID:
		return strings.EqualFold(e.Code, CodeInvalidPolicyID)
	case ErrDuplicateInList:
		return strings.EqualFold(e.Code, CodeDuplicateProtectionUnitInList)
	case ErrDynamicRuleUnit:
		return strings.EqualFold(e.Code, CodeProtectionUnitActionNotAllowed)
	case ErrFilterLengthExceeded:
		return strings.EqualFold(e.Code, CodeFilterLengthExceeded)
	case ErrUnitsLimitBreached:
		return strings.EqualFold(e.Code, CodeProtectionUnitsLimitBreached)
	case ErrInvalidDisplayName:
		return strings.EqualFold(e.Code, CodeInvalidDisplayName)
	case ErrConflict:
		return s == http.StatusConflict
	case ErrThrottled:
		return s == http.StatusTooManyRequests
	case ErrServiceUnavailable:
		return s == http.StatusServiceUnavailable || s == http.StatusGatewayTimeout
	case ErrServer:
		return s >= 500 && s <= 599
	case ErrInvalidProtectionUnitID:
		return strings.EqualFold(e.Code, CodeInvalidProtectionUnitID)
	case ErrUnexpectedResponse:
		return e.unexpected
	}
	return e.isProtection(target)
}

// newResponseError builds *Error from a failed response's status, headers
// and (already read, possibly partial) body. readErr is the error reading
// the body, if any.
func newResponseError(resp *http.Response, body []byte, readErr error) *Error {
	method, u := "", ""
	header := resp.Header
	if resp.Request != nil {
		method, u = resp.Request.Method, resp.Request.URL.String()
		// A server (or proxy) that echoes the request's token must not make
		// it part of an error that ends up in logs.
		if tok := token.FromAuthorization(resp.Request.Header.Get("Authorization")); len(tok) >= minRedactLen {
			body, header = redactToken(body, header, tok)
		}
	}
	return newErrorFromParts(resp.StatusCode, header, body, readErr, method, u)
}

// minRedactLen is the shortest token redacted from error bodies; shorter
// strings would match ordinary text.
const minRedactLen = 8

const redacted = "[REDACTED]"

// redactToken replaces every occurrence of tok in the body and header
// values. The originals are left untouched.
func redactToken(body []byte, h http.Header, tok string) ([]byte, http.Header) {
	if bytes.Contains(body, []byte(tok)) {
		body = bytes.ReplaceAll(body, []byte(tok), []byte(redacted))
	}
	for k, vs := range h {
		for i, v := range vs {
			if strings.Contains(v, tok) {
				h = h.Clone()
				h[k][i] = strings.ReplaceAll(v, tok, redacted)
			}
		}
	}
	return body, h
}

// newErrorFromParts builds *Error from a status, headers and body: a
// response's, or a $batch item's.
func newErrorFromParts(status int, header http.Header, body []byte, readErr error, method, rawURL string) *Error {
	e := &Error{
		StatusCode: status,
		Header:     header,
		Err:        readErr,
		Method:     method,
		URL:        rawURL,
	}
	e.fillFromHeaders(header)
	if len(body) > 0 {
		pe, err := models.ParseErrorResponse(body)
		switch {
		case err != nil:
			e.RawBody = rawPrefix(body)
			if e.Err == nil {
				e.Err = err
			}
		case pe == nil:
			e.RawBody = rawPrefix(body)
		default:
			e.fillFromBody(pe)
		}
	}
	return e
}

// newUnexpectedResponse builds the *Error for a 2xx without the documented
// body.
func newUnexpectedResponse(resp *http.Response, body []byte, cause error) *Error {
	e := newResponseError(resp, nil, cause)
	e.unexpected = true
	e.RawBody = rawPrefix(body)
	return e
}

func rawPrefix(body []byte) []byte {
	if len(body) > maxRawBody {
		body = body[:maxRawBody]
	}
	return append([]byte(nil), body...)
}

func (e *Error) fillFromHeaders(h http.Header) {
	e.RequestID = h.Get("request-id")
	e.ClientRequestID = h.Get("client-request-id")
	if d, err := http.ParseTime(h.Get("Date")); err == nil {
		e.Date = d.UTC()
	}
	if d, ok := retryafter.Parse(h.Get("Retry-After"), time.Now()); ok {
		e.RetryAfter = d
	}
}

func (e *Error) fillFromBody(pe *models.PublicError) {
	e.Code, e.Message, e.Target, e.Details, e.InnerError = pe.Code, pe.Message, pe.Target, pe.Details, pe.InnerError
	if ie := pe.InnerError; ie != nil {
		if e.RequestID == "" {
			e.RequestID = ie.RequestID
		}
		if e.ClientRequestID == "" {
			e.ClientRequestID = ie.ClientRequestID
		}
		if e.Date.IsZero() {
			e.Date = parseInnerDate(ie.Date)
		}
	}
}

func parseInnerDate(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// invalidID returns the error for a malformed protection-unit ID.
func invalidID(id, reason string) error {
	if len(id) > 64 {
		id = id[:64] + "…"
	}
	return fmt.Errorf("%w %q: %s", ErrInvalidProtectionUnitID, id, reason)
}

// asError returns err as *Error when it is one.
func asError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// The protection side: policies, inclusion rules, bulk addition jobs and
// onboarding. Where an API page and the error page disagree on a status or
// a code, the sentinel matches both (protection-facts.md).
var (
	// ErrPolicyActionNotAllowed matches a policy whose state does not allow
	// the action: Graph code PolicyActionNotAllowed (403, the error page:
	// activate a policy that is not inactive, deactivate one that is not
	// active, delete one that is not inactive) and invalidStateForActivation
	// (400, the activate and deactivate pages' examples).
	ErrPolicyActionNotAllowed error = errs.New("backuprestore: the policy's state does not allow the action")
	// ErrPolicyCreationNotAllowed matches Graph code PolicyCreationNotAllowed
	// (409): the service refuses a new policy while another active one
	// exists for the workload.
	ErrPolicyCreationNotAllowed error = errs.New("backuprestore: another active policy already exists")
	// ErrInvalidCreateRequest matches Graph codes InvalidCreateRequest and
	// InvalidInclusionRuleCreateRequest (400): the service could not use the
	// create request's body.
	ErrInvalidCreateRequest error = errs.New("backuprestore: invalid create request")
	// ErrPolicySaveFailed matches Graph code PolicySaveFailed (500): a
	// transient failure of the service. Whether the policy was saved is
	// settled by reading back (see ProtectionPoliciesRequestBuilder.Create).
	ErrPolicySaveFailed error = errs.New("backuprestore: the service failed to save the policy")
	// ErrAlreadyProtected matches Graph code ProtectionUnitAlreadyExists
	// (409 on create; a per-item code elsewhere): the artifact is already
	// protected by a policy.
	ErrAlreadyProtected error = errs.New("backuprestore: the artifact is already protected")
	// ErrInvalidRuleID matches Graph code InvalidInclusionRuleId (400), and
	// is returned before anything is sent for a rule ID that is malformed by
	// the rules of ErrInvalidProtectionUnitID.
	ErrInvalidRuleID error = errs.New("backuprestore: invalid inclusion rule ID")
	// ErrInvalidJobID is returned before anything is sent for a bulk job ID
	// that is malformed by the rules of ErrInvalidProtectionUnitID (the
	// service documents no code for it).
	ErrInvalidJobID error = errs.New("backuprestore: invalid bulk addition job ID")
	// ErrInvalidRuleExpression matches Graph codes InvalidRuleExpression
	// (400) and InvalidRuleExpressionGroupLimitExceeded (413, more than 100
	// group IDs), and is returned before anything is sent for an empty
	// expression.
	ErrInvalidRuleExpression error = errs.New("backuprestore: invalid rule expression")
	// ErrInvalidRuleRequest matches Graph code
	// InvalidProtectionRulePatchRequest (400): a rule update that tries to
	// change isAutoApplyEnabled (static and dynamic cannot be converted).
	ErrInvalidRuleRequest error = errs.New("backuprestore: invalid inclusion rule request")
	// ErrStaticRulePatch matches Graph code PatchNotAllowedForStaticRule
	// (400): only a dynamic rule's expression can be updated.
	ErrStaticRulePatch error = errs.New("backuprestore: a static rule cannot be updated")
	// ErrRunNotAllowedForDynamicRule matches Graph code
	// RunNotAllowedForDynamicRule (400): a dynamic rule runs on its own.
	ErrRunNotAllowedForDynamicRule error = errs.New("backuprestore: a dynamic rule cannot be run")
	// ErrRuleStateNotAllowed matches a rule whose state does not allow the
	// action: Graph codes ProtectionRuleActionNotAllowed (400, run),
	// InvalidProtectionRuleStatusForDeletion (400, delete before the rule
	// completed), InvalidProtectionRuleStatusForUpdation (400),
	// InvalidProtectionRuleStatusForDynamicRuleEdit (422, update while
	// deleteRequested), InvalidProtectionRuleStatusForDynamicRuleDeletion
	// (422) and InvalidProtectionRuleStatusForDynamicRuleDeleteAndUnprotectAll
	// (422).
	ErrRuleStateNotAllowed error = errs.New("backuprestore: the rule's state does not allow the action")
	// ErrJobFailed matches a bulk addition job that could not be followed to
	// its end: Wait returns it with the job when its status is neither
	// active, unknown nor final (a value this package does not know).
	ErrJobFailed error = errs.New("backuprestore: the bulk addition job did not finish")
	// ErrInvalidTarget is returned before anything is sent for an
	// onboarding target that is neither a site URL or site ID (SharePoint),
	// nor an e-mail address or directory object ID (OneDrive, Exchange);
	// the error names the target.
	ErrInvalidTarget error = errs.New("backuprestore: invalid onboarding target")
	// ErrDuplicateTarget matches an onboarding target given more than once
	// (compared case-insensitively): the later copies are not sent; their
	// result names the first.
	ErrDuplicateTarget error = errs.New("backuprestore: duplicate onboarding target")
)

// Graph error codes of the protection side (the error page's sections on
// policies and inclusion rules, the API pages' examples, and the bulk job
// get page's item code).
const (
	CodePolicyActionNotAllowed                            = "PolicyActionNotAllowed"
	CodeInvalidStateForActivation                         = "invalidStateForActivation"
	CodePolicyCreationNotAllowed                          = "PolicyCreationNotAllowed"
	CodeInvalidCreateRequest                              = "InvalidCreateRequest"
	CodePolicySaveFailed                                  = "PolicySaveFailed"
	CodeProtectionRuleNotFound                            = "ProtectionRuleNotFound"
	CodeInvalidInclusionRuleID                            = "InvalidInclusionRuleId"
	CodeInvalidInclusionRuleCreateRequest                 = "InvalidInclusionRuleCreateRequest"
	CodeInvalidRuleExpression                             = "InvalidRuleExpression"
	CodeInvalidRuleExpressionGroupLimitExceeded           = "InvalidRuleExpressionGroupLimitExceeded"
	CodeInvalidProtectionRulePatchRequest                 = "InvalidProtectionRulePatchRequest"
	CodeInvalidProtectionRuleStatusForUpdation            = "InvalidProtectionRuleStatusForUpdation"
	CodePatchNotAllowedForStaticRule                      = "PatchNotAllowedForStaticRule"
	CodeInvalidProtectionRuleStatusForDynamicRuleEdit     = "InvalidProtectionRuleStatusForDynamicRuleEdit"
	CodeInvalidProtectionRuleStatusForDeleteAndUnprotect  = "InvalidProtectionRuleStatusForDynamicRuleDeleteAndUnprotectAll"
	CodeRunNotAllowedForDynamicRule                       = "RunNotAllowedForDynamicRule"
	CodeProtectionRuleActionNotAllowed                    = "ProtectionRuleActionNotAllowed"
	CodeInvalidProtectionRuleStatusForDeletion            = "InvalidProtectionRuleStatusForDeletion"
	CodeInvalidProtectionRuleStatusForDynamicRuleDeletion = "InvalidProtectionRuleStatusForDynamicRuleDeletion"
	// CodeSiteURLNotFound is a bulk addition job's item code for a site URL
	// that could not be resolved (the job get page's example).
	CodeSiteURLNotFound = "SiteUrlNotFound"
	// CodeUserNotFound is the emulator's item code for an address or
	// directory object ID that names nobody (the service's is undocumented).
	CodeUserNotFound = "UserNotFound"
	// CodeSiteNotFound is the emulator's item code for a site ID that names
	// no site (the service's is undocumented).
	CodeSiteNotFound = "SiteNotFound"
)

// isProtection matches the protection side's sentinels.
func (e *Error) isProtection(target error) bool {
	codeIn := func(codes ...string) bool {
		for _, c := range codes {
			if strings.EqualFold(e.Code, c) {
				return true
			}
		}
		return false
	}
	switch target {
	case ErrPolicyActionNotAllowed:
		return codeIn(CodePolicyActionNotAllowed, CodeInvalidStateForActivation)
	case ErrPolicyCreationNotAllowed:
		return codeIn(CodePolicyCreationNotAllowed)
	case ErrInvalidCreateRequest:
		return codeIn(CodeInvalidCreateRequest, CodeInvalidInclusionRuleCreateRequest)
	case ErrPolicySaveFailed:
		return codeIn(CodePolicySaveFailed)
	case ErrAlreadyProtected:
		return codeIn(CodeProtectionUnitAlreadyExists)
	case ErrInvalidRuleID:
		return codeIn(CodeInvalidInclusionRuleID)
	case ErrInvalidRuleExpression:
		return codeIn(CodeInvalidRuleExpression, CodeInvalidRuleExpressionGroupLimitExceeded)
	case ErrInvalidRuleRequest:
		return codeIn(CodeInvalidProtectionRulePatchRequest)
	case ErrStaticRulePatch:
		return codeIn(CodePatchNotAllowedForStaticRule)
	case ErrRunNotAllowedForDynamicRule:
		return codeIn(CodeRunNotAllowedForDynamicRule)
	case ErrRuleStateNotAllowed:
		return codeIn(CodeProtectionRuleActionNotAllowed, CodeInvalidProtectionRuleStatusForDeletion,
			CodeInvalidProtectionRuleStatusForUpdation, CodeInvalidProtectionRuleStatusForDynamicRuleEdit,
			CodeInvalidProtectionRuleStatusForDynamicRuleDeletion, CodeInvalidProtectionRuleStatusForDeleteAndUnprotect)
	}
	return false
}
