package backuprestore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	abs "github.com/microsoft/kiota-abstractions-go"

	"github.com/m365kit/backuprestore/internal/jsonlex"
	"github.com/m365kit/backuprestore/models"
)

// MaxUnitsPerCreate is the most protection units one policy create may
// name (the error page: 413 ProtectionUnitsLimitBreached beyond it).
const MaxUnitsPerCreate = 50

// maxDisplayNameLength is the longest display name the service accepts
// (InvalidDisplayName: "> 0 chars and <= 1024 chars").
const maxDisplayNameLength = 1024

// checkDisplayName returns ErrInvalidDisplayName naming the name when it is
// empty, all white space or longer than 1,024 characters.
func checkDisplayName(what, name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return wrapErr(what+" "+quoteID(name)+": empty", ErrInvalidDisplayName)
	case utf8.RuneCountInString(name) > maxDisplayNameLength:
		return wrapErr(fmt.Sprintf("%s of %d characters: longer than %d", what, utf8.RuneCountInString(name), maxDisplayNameLength), ErrInvalidDisplayName)
	}
	return nil
}

// Create creates a protection policy of the builder's workload (POST
// /solutions/backupRestore/sharePointProtectionPolicies, …) from pol,
// typically built by models.NewSharePointPolicy, NewOneDrivePolicy or
// NewExchangePolicy, and returns it as the service answered (201, status
// inactive). Only the display name and the units are sent.
//
// It fails before sending anything: with ErrInvalidCreateRequest when the
// builder is the collection of every kind (ProtectionPolicies() without
// SharePoint/OneDrive/Exchange), when pol is nil, of another workload, or
// its units member is malformed; with ErrInvalidDisplayName for an empty or
// too long name; with ErrUnitsLimitBreached naming the count when pol names
// more than MaxUnitsPerCreate units; with ErrInvalidProtectionUnitID for a
// malformed artifact ID; with ErrDuplicateInList naming an artifact given
// twice. Otherwise it fails with the service's *Error
// (ErrPolicyCreationNotAllowed, ErrAlreadyProtected, ErrInvalidDisplayName,
// ErrPolicySaveFailed, …), ErrNotSent, or ErrOutcomeUnknown.
//
// A lost answer (a reset, a timeout, a 5xx) is settled by listing the
// workload's policies for one named as pol, created by the caller no
// earlier than the request on the service's clock: found, it is the
// result; not found, the create is sent again (at most
// RetryOptions.MaxRetries times). So one call never makes two policies.
func (b *ProtectionPoliciesRequestBuilder) Create(ctx context.Context, pol *models.ProtectionPolicy) (*models.ProtectionPolicy, error) {
	kind := b.kind
	if kind == models.PolicyKindUnknown {
		return nil, wrapErr("create protection policy: choose the workload (SharePoint, OneDrive or Exchange)", ErrInvalidCreateRequest)
	}
	if pol == nil {
		return nil, wrapErr("create "+kind.String()+" protection policy: nil policy", ErrInvalidCreateRequest)
	}
	if pk := pol.Kind(); pk != models.PolicyKindUnknown && pk != kind {
		return nil, wrapErr("create "+kind.String()+" protection policy: the policy is a "+pk.String()+" policy", ErrInvalidCreateRequest)
	}
	op := "create " + kind.String() + " protection policy " + quoteID(pol.DisplayName)
	if err := checkDisplayName("policy name", pol.DisplayName); err != nil {
		return nil, err
	}
	ids, ok := createUnitsOf(pol, kind)
	if !ok {
		return nil, wrapErr(op+": its "+kind.UnitsSegment()+" member is not a list of {"+kind.ArtifactKey()+"}", ErrInvalidCreateRequest)
	}
	if len(ids) > MaxUnitsPerCreate {
		return nil, wrapErr(fmt.Sprintf("%s: %d units, at most %d per create (add the rest with AddUnits or a bulk addition job)", op, len(ids), MaxUnitsPerCreate), ErrUnitsLimitBreached)
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if err := validateID(id); err != nil {
			return nil, wrapErr(op, err)
		}
		if seen[strings.ToLower(id)] {
			return nil, wrapErr(op+": "+quoteID(id)+" is named twice", ErrDuplicateInList)
		}
		seen[strings.ToLower(id)] = true
	}
	body := encodePolicyCreate(kind, pol.DisplayName, ids)
	coll := &ProtectionPoliciesRequestBuilder{c: b.c, kind: kind}
	w := &objectWrite[*models.ProtectionPolicy]{
		c: b.c, op: op, method: abs.POST, path: coll.path(), body: body, create: true,
		decode: decodePolicy,
		readBack: func(ctx context.Context, ev attemptEvidence) objectRead[*models.ProtectionPolicy] {
			return findCreated(ctx, coll.lister(), func(p *models.ProtectionPolicyPage) []*models.ProtectionPolicy { return p.Value },
				func(p *models.ProtectionPolicy, date, recv time.Time) bool {
					return p.DisplayName == pol.DisplayName && createdByCall(p.CreatedDateTime, p.CreatedBy, ev, date, recv)
				})
		},
	}
	got, err := w.run(ctx)
	if err == nil && got != nil && got.ODataType == "" {
		got.ODataType = kind.ODataType()
	}
	return got, err
}

// createUnitsOf returns the artifact IDs pol names under kind's units key.
func createUnitsOf(pol *models.ProtectionPolicy, kind models.PolicyKind) ([]string, bool) {
	if pol.ODataType == "" && pol.Kind() == models.PolicyKindUnknown {
		cp := *pol
		cp.ODataType = kind.ODataType()
		return cp.UnitsToCreate()
	}
	return pol.UnitsToCreate()
}

// encodePolicyCreate writes {"displayName":…,"<units>":[{"<key>":…},…]}.
func encodePolicyCreate(kind models.PolicyKind, name string, ids []string) []byte {
	b := []byte(`{"displayName":`)
	b = jsonlex.AppendString(b, name)
	b = append(b, ',')
	b = jsonlex.AppendString(b, kind.UnitsSegment())
	b = append(b, ":["...)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		b = jsonlex.AppendString(b, kind.ArtifactKey())
		b = append(b, ':')
		b = jsonlex.AppendString(b, id)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// policyAction is a state change of a policy and the evidence of it.
type policyAction struct {
	name string
	// targets are the states the action leads to.
	targets []models.ProtectionPolicyStatus
}

var (
	activatePolicy   = policyAction{"activate", []models.ProtectionPolicyStatus{models.PolicyStatusUpdating, models.PolicyStatusActive, models.PolicyStatusActiveWithErrors}}
	deactivatePolicy = policyAction{"deactivate", []models.ProtectionPolicyStatus{models.PolicyStatusUpdating, models.PolicyStatusInactive}}
)

// Activate activates the policy (POST …/protectionPolicies/{id}/activate,
// 202): the service answers with the policy, typically updating, and moves
// it to active as its units become protected.
//
// It fails with ErrInvalidPolicyID before sending anything for a malformed
// ID; with the service's *Error: ErrPolicyActionNotAllowed when the policy
// is not inactive (403 PolicyActionNotAllowed on the error page, 400
// invalidStateForActivation in the API page's example: both match),
// ErrNotFound, ErrInvalidPolicyID; with ErrNotSent; or with
// ErrOutcomeUnknown. A lost answer is settled by reading the policy: in a
// state activation leads to and modified by the caller after the request
// is the success; in such a state but not by this call is ErrAlreadyInState
// with the policy; otherwise the request is sent again (the service's own
// answer then decides).
func (b *ProtectionPolicyItemRequestBuilder) Activate(ctx context.Context) (*models.ProtectionPolicy, error) {
	return b.action(ctx, activatePolicy)
}

// Deactivate deactivates the policy (POST …/deactivate, 202): backups
// stop; the policy goes through updating to inactive. It fails as Activate
// does; ErrPolicyActionNotAllowed when the policy is not active (for
// example still updating).
func (b *ProtectionPolicyItemRequestBuilder) Deactivate(ctx context.Context) (*models.ProtectionPolicy, error) {
	return b.action(ctx, deactivatePolicy)
}

func (b *ProtectionPolicyItemRequestBuilder) action(ctx context.Context, a policyAction) (*models.ProtectionPolicy, error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	p := b.itemPath(models.PolicyKindUnknown)
	op := a.name + " protection policy " + b.id
	w := &objectWrite[*models.ProtectionPolicy]{
		c: b.c, op: op, method: abs.POST, path: p + "/" + a.name, decode: decodePolicy,
		readBack: func(ctx context.Context, ev attemptEvidence) objectRead[*models.ProtectionPolicy] {
			pol, st, date, recv, meta, err := readGet(ctx, b.c, "read back protection policy "+b.id, p, decodePolicy)
			rd := objectRead[*models.ProtectionPolicy]{obj: pol, state: st, err: err, meta: meta}
			if st == readOK {
				switch {
				case !slices.Contains(a.targets, pol.Status):
					rd.verdict = notApplied
				case modifiedByCall(pol.LastModifiedDateTime, pol.LastModifiedBy, ev, date, recv):
					rd.verdict = applied
				default:
					rd.verdict = alreadySo
				}
			}
			return rd
		},
	}
	return w.run(ctx)
}

// Rename sets the policy's display name (PATCH on the workload's policy
// item with {"displayName": name}) and returns the policy as the service
// answered. On the collection of every kind the policy is read first to
// learn its workload.
//
// It fails before sending anything with ErrInvalidPolicyID or
// ErrInvalidDisplayName; otherwise with the service's *Error (ErrNotFound,
// …), ErrNotSent or ErrOutcomeUnknown. A lost answer is settled by reading
// the policy: the new name, changed by the caller after the request, is
// the success; the new name set by someone else is ErrAlreadyInState.
func (b *ProtectionPolicyItemRequestBuilder) Rename(ctx context.Context, name string) (*models.ProtectionPolicy, error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	if err := checkDisplayName("policy name", name); err != nil {
		return nil, err
	}
	kind, err := b.resolveKind(ctx)
	if err != nil {
		return nil, err
	}
	p := b.itemPath(kind)
	body := jsonlex.AppendString([]byte(`{"displayName":`), name)
	body = append(body, '}')
	w := &objectWrite[*models.ProtectionPolicy]{
		c: b.c, op: "rename protection policy " + b.id, method: abs.PATCH, path: p, body: body, decode: decodePolicy,
		readBack: func(ctx context.Context, ev attemptEvidence) objectRead[*models.ProtectionPolicy] {
			pol, st, date, recv, meta, err := readGet(ctx, b.c, "read back protection policy "+b.id, p, decodePolicy)
			rd := objectRead[*models.ProtectionPolicy]{obj: pol, state: st, err: err, meta: meta}
			if st == readOK {
				switch {
				case pol.DisplayName != name:
					rd.verdict = notApplied
				case modifiedByCall(pol.LastModifiedDateTime, pol.LastModifiedBy, ev, date, recv):
					rd.verdict = applied
				default:
					rd.verdict = alreadySo
				}
			}
			return rd
		},
	}
	return w.run(ctx)
}

// Delete deletes the policy (DELETE …/protectionPolicies/{id}, 204); its
// units leave it, their backups stay until retention ends. Only an inactive
// policy can be deleted.
//
// It fails with ErrInvalidPolicyID before sending anything; with the
// service's *Error: ErrPolicyActionNotAllowed (403) when the policy is not
// inactive, ErrNotFound; with ErrNotSent; or with ErrOutcomeUnknown. A lost
// answer is settled by reading the policy: still there, the delete is sent
// again; gone, the outcome is ErrOutcomeUnknown wrapping ErrNotFound (the
// policy is deleted, but nothing shows this call did it).
func (b *ProtectionPolicyItemRequestBuilder) Delete(ctx context.Context) error {
	if err := b.check(); err != nil {
		return err
	}
	p := b.itemPath(models.PolicyKindUnknown)
	w := &objectWrite[*models.ProtectionPolicy]{
		c: b.c, op: "delete protection policy " + b.id, method: abs.DELETE, path: p,
		readBack: func(ctx context.Context, _ attemptEvidence) objectRead[*models.ProtectionPolicy] {
			pol, st, _, _, meta, err := readGet(ctx, b.c, "read back protection policy "+b.id, p, decodePolicy)
			rd := objectRead[*models.ProtectionPolicy]{obj: pol, state: st, err: err, meta: meta}
			if st == readNotFound {
				rd.state, rd.verdict = readOK, cannotTell
			}
			return rd
		},
	}
	_, err := w.run(ctx)
	return err
}
