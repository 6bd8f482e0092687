package backuprestore

import (
	"bytes"
	"context"
	"errors"
	"net/url"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/serialization"

	"github.com/m365kit/backuprestore/models"
)

// URL templates, one per request shape. Path parameter names follow
// msgraph-sdk-go's ("protectionUnitBase%2Did" is "protectionUnitBase-id").
const (
	pathProtectionUnits = "/solutions/backupRestore/protectionUnits"
	idParam             = "protectionUnitBase%2Did"
	templateItem        = "{+baseurl}" + pathProtectionUnits + "/{" + idParam + "}"
	templateOffboard    = templateItem + "/offboard"
	templateCancel      = templateItem + "/cancelOffboard"
)

// ProtectionUnits returns the builder for /solutions/backupRestore/protectionUnits.
func (c *Client) ProtectionUnits() *ProtectionUnitsRequestBuilder {
	return &ProtectionUnitsRequestBuilder{c: c}
}

// ProtectionUnitsRequestBuilder builds requests on the protection-unit
// collection (list, type casts, bulk actions) and its items.
type ProtectionUnitsRequestBuilder struct {
	c *Client
	// cast is the type-cast segment ("microsoft.graph.siteProtectionUnit"),
	// or "" for every kind.
	cast string
	// rawPath, when set, is another collection of units to list (a
	// policy's own view), percent-encoded, below the base URL.
	rawPath string
}

// ByID returns the builder for one protection unit. The ID is opaque: it is
// validated (see ErrInvalidProtectionUnitID) when a request is built, and
// percent-encoded as exactly one path segment.
func (b *ProtectionUnitsRequestBuilder) ByID(id string) *ProtectionUnitItemRequestBuilder {
	return &ProtectionUnitItemRequestBuilder{c: b.c, id: id}
}

// ProtectionUnitItemRequestBuilder builds requests on
// /solutions/backupRestore/protectionUnits/{id}.
type ProtectionUnitItemRequestBuilder struct {
	c  *Client
	id string
}

// ID returns the protection-unit ID the builder targets.
func (b *ProtectionUnitItemRequestBuilder) ID() string { return b.id }

// Offboard returns the builder for POST …/protectionUnits/{id}/offboard.
func (b *ProtectionUnitItemRequestBuilder) Offboard() *OffboardRequestBuilder {
	return &OffboardRequestBuilder{actionBuilder{item: b, action: "offboard", template: templateOffboard}}
}

// CancelOffboard returns the builder for POST …/protectionUnits/{id}/cancelOffboard.
func (b *ProtectionUnitItemRequestBuilder) CancelOffboard() *CancelOffboardRequestBuilder {
	return &CancelOffboardRequestBuilder{actionBuilder{item: b, action: "cancelOffboard", template: templateCancel}}
}

// Get reads the protection unit (GET /solutions/backupRestore/protectionUnits/{id}).
// See https://learn.microsoft.com/graph/api/protectionunitbase-get.
//
// It fails with an error matching ErrInvalidProtectionUnitID before sending
// anything when the ID is malformed; with *Error for any non-2xx response
// (errors.Is(err, ErrNotFound) for an unknown unit) or a 2xx without a unit;
// otherwise with the transport or context error as its cause.
func (b *ProtectionUnitItemRequestBuilder) Get(ctx context.Context, cfg *RequestConfiguration) (*models.ProtectionUnit, error) {
	ri, u, err := b.request(ctx, abs.GET, templateItem, "", cfg)
	if err != nil {
		return nil, err
	}
	return b.c.sendUnit(ctx, withURI(ri, u), "get protection unit "+b.id)
}

// ToGetRequestInformation returns the RequestInformation Get would send,
// built from the item URL template, for sending through another adapter or
// a $batch. It fails with an error matching ErrInvalidProtectionUnitID for
// a malformed ID.
func (b *ProtectionUnitItemRequestBuilder) ToGetRequestInformation(ctx context.Context, cfg *RequestConfiguration) (*abs.RequestInformation, error) {
	ri, _, err := b.request(ctx, abs.GET, templateItem, "", cfg)
	return ri, err
}

// request builds the RequestInformation from template and the URL the
// template expands to (computed directly, see withURI).
func (b *ProtectionUnitItemRequestBuilder) request(_ context.Context, method abs.HttpMethod, template, suffix string, cfg *RequestConfiguration) (*abs.RequestInformation, *url.URL, error) {
	if err := validateID(b.id); err != nil {
		return nil, nil, err
	}
	base, err := b.c.baseURL()
	if err != nil {
		return nil, nil, err
	}
	var headers *abs.RequestHeaders
	var options []abs.RequestOption
	if cfg != nil {
		headers, options = cfg.Headers, cfg.Options
	}
	params := map[string]string{"baseurl": base.String(), idParam: b.id}
	ri := newRequestInformation(method, template, params, headers, options)
	u := *base
	u.Path = base.Path + pathProtectionUnits + "/" + b.id + suffix
	u.RawPath = base.EscapedPath() + pathProtectionUnits + "/" + escapeSegment(b.id) + suffix
	return ri, &u, nil
}

func (c *Client) sendUnit(ctx context.Context, ri *abs.RequestInformation, op string) (*models.ProtectionUnit, error) {
	return newUnitCall(c, op).send(ctx, ri)
}

// newUnitCall returns a call that decodes a protection unit.
func newUnitCall(c *Client, op string) *call[*models.ProtectionUnit] {
	return &call[*models.ProtectionUnit]{
		c:            c,
		op:           op,
		decode:       decodeUnit,
		factory:      models.CreateProtectionUnitFromDiscriminatorValue,
		fromParsable: unitFromParsable,
	}
}

// decodeUnit decodes the body of a 2xx that must be a protection unit. JSON
// null, or an object without an id (`{}`, `{"error":null}`), is not the
// documented body: reporting it as a blank unit with a nil error would hide
// a broken proxy or service, and would make an ambiguous action look settled.
func decodeUnit(body []byte) (*models.ProtectionUnit, error) {
	if isJSONNull(body) {
		return nil, errors.New("null, want a protection unit")
	}
	u := &models.ProtectionUnit{}
	if err := u.UnmarshalJSON(body); err != nil {
		return nil, err
	}
	if u.ID == "" {
		return nil, errors.New("a JSON object without an id, want a protection unit")
	}
	return u, nil
}

// isJSONNull reports whether body is the JSON literal null, give or take
// white space.
func isJSONNull(body []byte) bool {
	return string(bytes.TrimSpace(body)) == "null"
}

func unitFromParsable(p serialization.Parsable) (*models.ProtectionUnit, bool) {
	u, ok := p.(*models.ProtectionUnit)
	return u, ok && u != nil && u.ID != ""
}

// OffboardRequestBuilder builds POST /solutions/backupRestore/protectionUnits/{id}/offboard.
type OffboardRequestBuilder struct{ actionBuilder }

// Post offboards the unit: the service stops backing it up and, after the
// grace period, deletes its backups. Only a unit removed from its policy
// (empty policyId, status unprotected) can be offboarded. It sends no body
// and returns the updated unit (status offboardRequested). See
// https://learn.microsoft.com/graph/api/protectionunitbase-offboard.
//
// What it can return, and what it does to get there:
//
//   - The unit (status offboardRequested): the service answered 2xx, or its answer was
//     lost and a read-back showed evidence that this call applied the
//     action (see below); WithCaptureResponse's Response.Reconciled says
//     which.
//   - Before anything is sent: ErrInvalidProtectionUnitID for a malformed
//     ID, ErrDelegatedAuthRequired for an app-only token, ErrCredential
//     when the credential cannot produce a token, ErrNotSent with the
//     context's error when ctx has already ended.
//   - ErrNotSent (with its cause: an unknown host, a refused connection,
//     an outage): no attempt reached the wire. The pipeline retried the
//     failures that happen before a request is written, and 429 and 503
//     answers after their Retry-After (the service did not act on them),
//     within RetryOptions.MaxRetries.
//   - The service's *Error: 403 OperationNotAllowed (matching ErrOperationNotAllowed and
//     ErrForbidden) for a unit still in a policy or already offboarding; 404 or ProtectionUnitNotFound for an
//     unknown unit (matching ErrNotFound), also when the answer came from a
//     read-back; any other non-2xx as *Error.
//   - ErrOutcomeUnknown (wrapping the failures, the context's error and
//     the service's last answer): an attempt was written, its answer was
//     lost, and nothing settled it: the read-back failed, ctx ended while
//     the request was on the wire, or the retries ran out.
//
// When an attempt's answer is lost after the request was written (a reset,
// a stall past RetryOptions.StallTimeout, the client's own timeout, a 408,
// 500, 502 or 504 from a gateway, a 2xx whose body is unusable), the unit
// is read back (patiently: up to MaxRetries+1 reads, with backoff). It
// counts as applied only with evidence that this call did it: the unit in
// the action's state, marked (offboardRequestedDateTime) no earlier than the attempt, on the
// service's clock estimated from its Date header, and last modified by the
// caller (the token's oid) when both are known. A unit already in that
// state before the call is no success of this call. Without evidence the
// action is sent again (it cannot apply twice: the resend earns the
// service's own answer), up to MaxRetries times; a 403 that follows an
// attempt that may have been applied is read back once more before it is
// reported.
func (b *OffboardRequestBuilder) Post(ctx context.Context, cfg *RequestConfiguration) (*models.ProtectionUnit, error) {
	return b.post(ctx, cfg)
}

// ToPostRequestInformation returns the RequestInformation Post would send,
// built from the URL template "{+baseurl}/solutions/backupRestore/
// protectionUnits/{protectionUnitBase%2Did}/offboard", for another adapter
// or a $batch. It fails for a malformed ID like Post.
func (b *OffboardRequestBuilder) ToPostRequestInformation(ctx context.Context, cfg *RequestConfiguration) (*abs.RequestInformation, error) {
	ri, _, err := b.toRequest(ctx, cfg)
	return ri, err
}

// CancelOffboardRequestBuilder builds POST /solutions/backupRestore/protectionUnits/{id}/cancelOffboard.
type CancelOffboardRequestBuilder struct{ actionBuilder }

// Post cancels the offboarding of the unit. Only a unit in offboardRequested
// can be cancelled. It sends no body and returns the updated unit (status
// cancelOffboardRequested). See
// https://learn.microsoft.com/graph/api/protectionunitbase-canceloffboard.
//
// What it can return, and what it does to get there:
//
//   - The unit (status cancelOffboardRequested): the service answered 2xx, or its answer was
//     lost and a read-back showed evidence that this call applied the
//     action (see below); WithCaptureResponse's Response.Reconciled says
//     which.
//   - Before anything is sent: ErrInvalidProtectionUnitID for a malformed
//     ID, ErrDelegatedAuthRequired for an app-only token, ErrCredential
//     when the credential cannot produce a token, ErrNotSent with the
//     context's error when ctx has already ended.
//   - ErrNotSent (with its cause: an unknown host, a refused connection,
//     an outage): no attempt reached the wire. The pipeline retried the
//     failures that happen before a request is written, and 429 and 503
//     answers after their Retry-After (the service did not act on them),
//     within RetryOptions.MaxRetries.
//   - The service's *Error: 403 OperationNotAllowed (matching ErrOperationNotAllowed and
//     ErrForbidden) for a unit that is not offboarding; 404 or ProtectionUnitNotFound for an
//     unknown unit (matching ErrNotFound), also when the answer came from a
//     read-back; any other non-2xx as *Error.
//   - ErrOutcomeUnknown (wrapping the failures, the context's error and
//     the service's last answer): an attempt was written, its answer was
//     lost, and nothing settled it: the read-back failed, ctx ended while
//     the request was on the wire, or the retries ran out.
//
// When an attempt's answer is lost after the request was written (a reset,
// a stall past RetryOptions.StallTimeout, the client's own timeout, a 408,
// 500, 502 or 504 from a gateway, a 2xx whose body is unusable), the unit
// is read back (patiently: up to MaxRetries+1 reads, with backoff). It
// counts as applied only with evidence that this call did it: the unit in
// the action's state, marked (lastModifiedDateTime; a cancellation the service has
// already completed carries no mark of its own and ends as ErrOutcomeUnknown) no earlier than the attempt, on the
// service's clock estimated from its Date header, and last modified by the
// caller (the token's oid) when both are known. A unit already in that
// state before the call is no success of this call. Without evidence the
// action is sent again (it cannot apply twice: the resend earns the
// service's own answer), up to MaxRetries times; a 403 that follows an
// attempt that may have been applied is read back once more before it is
// reported.
func (b *CancelOffboardRequestBuilder) Post(ctx context.Context, cfg *RequestConfiguration) (*models.ProtectionUnit, error) {
	return b.post(ctx, cfg)
}

// ToPostRequestInformation returns the RequestInformation Post would send,
// built from the URL template "{+baseurl}/solutions/backupRestore/
// protectionUnits/{protectionUnitBase%2Did}/cancelOffboard", for another
// adapter or a $batch. It fails for a malformed ID like Post.
func (b *CancelOffboardRequestBuilder) ToPostRequestInformation(ctx context.Context, cfg *RequestConfiguration) (*abs.RequestInformation, error) {
	ri, _, err := b.toRequest(ctx, cfg)
	return ri, err
}
