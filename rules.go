package backuprestore

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/serialization"

	"github.com/m365kit/backuprestore/internal/jsonlex"
	"github.com/m365kit/backuprestore/models"
)

// InclusionRules returns the builder for the inclusion rules at
// /solutions/backupRestore: choose the workload with Sites, Drives or
// Mailboxes (siteInclusionRules, driveInclusionRules,
// mailboxInclusionRules).
func (c *Client) InclusionRules() *InclusionRulesRoot {
	return &InclusionRulesRoot{c: c}
}

// InclusionRulesRoot chooses the workload of the root rule collections.
type InclusionRulesRoot struct{ c *Client }

// Sites returns the builder for /solutions/backupRestore/siteInclusionRules.
func (r *InclusionRulesRoot) Sites() *InclusionRulesRequestBuilder {
	return &InclusionRulesRequestBuilder{c: r.c, kind: models.KindSite}
}

// Drives returns the builder for /solutions/backupRestore/driveInclusionRules.
func (r *InclusionRulesRoot) Drives() *InclusionRulesRequestBuilder {
	return &InclusionRulesRequestBuilder{c: r.c, kind: models.KindDrive}
}

// Mailboxes returns the builder for /solutions/backupRestore/mailboxInclusionRules.
func (r *InclusionRulesRoot) Mailboxes() *InclusionRulesRequestBuilder {
	return &InclusionRulesRequestBuilder{c: r.c, kind: models.KindMailbox}
}

// InclusionRules returns the builder for the policy's inclusion rules
// (…/sharePointProtectionPolicies/{id}/siteInclusionRules, and the OneDrive
// and Exchange equivalents). On the collection of every kind the policy is
// read first, at each call, to learn its workload.
func (b *ProtectionPolicyItemRequestBuilder) InclusionRules() *InclusionRulesRequestBuilder {
	return &InclusionRulesRequestBuilder{c: b.c, policy: b}
}

// InclusionRulesRequestBuilder builds requests on a collection of
// inclusion rules: one workload's at the root, or one policy's.
type InclusionRulesRequestBuilder struct {
	c *Client
	// kind is the root collection's workload (KindUnknown under a policy
	// until resolved).
	kind models.UnitKind
	// policy is set for a policy's rules.
	policy *ProtectionPolicyItemRequestBuilder
}

// resolve returns the collection's path and the kind of unit its rules
// select.
func (b *InclusionRulesRequestBuilder) resolve(ctx context.Context) (string, models.UnitKind, error) {
	if b.policy == nil {
		return "/solutions/backupRestore/" + b.kind.InclusionRulesSegment(), b.kind, nil
	}
	if err := b.policy.check(); err != nil {
		return "", models.KindUnknown, err
	}
	pk, err := b.policy.resolveKind(ctx)
	if err != nil {
		return "", models.KindUnknown, err
	}
	k := pk.UnitKind()
	return b.policy.itemPath(pk) + "/" + k.InclusionRulesSegment(), k, nil
}

func ruleLister(c *Client, path string, kind models.UnitKind) *lister[*models.ProtectionRulePage] {
	return &lister[*models.ProtectionRulePage]{
		c: c, path: path, op: "list inclusion rules",
		decode: func(body []byte) (*models.ProtectionRulePage, error) {
			p := &models.ProtectionRulePage{}
			return p, p.UnmarshalJSON(body)
		},
		factory: models.CreateProtectionRulePageFromDiscriminatorValue,
		fromParsable: func(p serialization.Parsable) (*models.ProtectionRulePage, bool) {
			pg, ok := p.(*models.ProtectionRulePage)
			return pg, ok && pg != nil
		},
		nextLink: func(p *models.ProtectionRulePage) string { return p.NextLink },
		after: func(p *models.ProtectionRulePage) {
			for _, r := range p.Value {
				if r.ODataType == "" {
					r.ODataType = kind.RuleODataType()
				}
			}
		},
	}
}

// All returns a lazy iterator over every rule of the collection, with the
// paging guarantees of ProtectionUnitsRequestBuilder.All. Under a policy of
// the collection of every kind, the policy read's failure is the
// iterator's one error.
func (b *InclusionRulesRequestBuilder) All(ctx context.Context, opts *ListOptions) iter.Seq2[*models.ProtectionRule, error] {
	return func(yield func(*models.ProtectionRule, error) bool) {
		path, kind, err := b.resolve(ctx)
		if err != nil {
			yield(nil, err)
			return
		}
		items := itemsOf(ruleLister(b.c, path, kind).pages(ctx, opts), func(p *models.ProtectionRulePage) []*models.ProtectionRule { return p.Value })
		for r, err := range items {
			if !yield(r, err) {
				return
			}
		}
	}
}

// Get returns one page of rules: the first, or the one at opts.NextLink.
// It fails as ProtectionUnitsRequestBuilder.Get does.
func (b *InclusionRulesRequestBuilder) Get(ctx context.Context, opts *ListOptions) (*models.ProtectionRulePage, error) {
	path, kind, err := b.resolve(ctx)
	if err != nil {
		return nil, err
	}
	return ruleLister(b.c, path, kind).get(ctx, opts)
}

// Create creates an inclusion rule under the policy (POST
// …/siteInclusionRules, …) and returns it as the service answered (201 or
// 200, status active). rule is typically built by models.NewInclusionRule;
// the expression and, for drive and mailbox rules, isAutoApplyEnabled are
// sent.
//
// It fails before sending anything: with ErrInvalidCreateRequest at the
// root (rules are created under a policy), for a nil rule, or one of
// another workload than the policy's; with ErrInvalidRuleExpression for an
// empty expression; with ErrInvalidPolicyID. Otherwise with the service's
// *Error (ErrInvalidRuleExpression, ErrInvalidCreateRequest, ErrNotFound,
// …), ErrNotSent or ErrOutcomeUnknown. A lost answer is settled by listing
// the policy's rules for one with the same expression created by the
// caller no earlier than the request: found, it is the result; not found,
// the create is sent again.
func (b *InclusionRulesRequestBuilder) Create(ctx context.Context, rule *models.ProtectionRule) (*models.ProtectionRule, error) {
	if b.policy == nil {
		return nil, wrapErr("create inclusion rule: rules are created under a policy (ProtectionPolicies().….ByID(id).InclusionRules())", ErrInvalidCreateRequest)
	}
	if rule == nil {
		return nil, wrapErr("create inclusion rule: nil rule", ErrInvalidCreateRequest)
	}
	expr := rule.Expression()
	if strings.TrimSpace(expr) == "" {
		return nil, wrapErr("create inclusion rule: empty expression", ErrInvalidRuleExpression)
	}
	path, kind, err := b.resolve(ctx)
	if err != nil {
		return nil, err
	}
	if rk := rule.Kind(); rk != models.KindUnknown && rk != kind {
		return nil, wrapErr("create inclusion rule: a "+rk.String()+" rule under a policy of "+kind.String()+" units", ErrInvalidCreateRequest)
	}
	body := []byte{'{'}
	body = jsonlex.AppendString(body, kind.RuleExpressionKey())
	body = append(body, ':')
	body = jsonlex.AppendString(body, expr)
	if kind != models.KindSite && rule.IsAutoApplyEnabled != nil {
		if *rule.IsAutoApplyEnabled {
			body = append(body, `,"isAutoApplyEnabled":true`...)
		} else {
			body = append(body, `,"isAutoApplyEnabled":false`...)
		}
	}
	body = append(body, '}')
	l := ruleLister(b.c, path, kind)
	w := &objectWrite[*models.ProtectionRule]{
		c: b.c, op: "create " + kind.String() + " inclusion rule " + quoteID(expr), method: abs.POST, path: path,
		body: body, create: true, decode: decodeRuleOf(kind),
		readBack: func(ctx context.Context, ev attemptEvidence) objectRead[*models.ProtectionRule] {
			return findCreated(ctx, l, func(p *models.ProtectionRulePage) []*models.ProtectionRule { return p.Value },
				func(r *models.ProtectionRule, date, recv time.Time) bool {
					return r.Expression() == expr && createdByCall(r.CreatedDateTime, r.CreatedBy, ev, date, recv)
				})
		},
	}
	return w.run(ctx)
}

// ByID returns the builder for one rule of the collection. The ID is
// validated when a request is built (ErrInvalidRuleID) and percent-encoded
// as one path segment.
func (b *InclusionRulesRequestBuilder) ByID(id string) *InclusionRuleItemRequestBuilder {
	return &InclusionRuleItemRequestBuilder{coll: b, id: id}
}

// InclusionRuleItemRequestBuilder builds requests on one inclusion rule.
type InclusionRuleItemRequestBuilder struct {
	coll *InclusionRulesRequestBuilder
	id   string
}

// ID returns the rule ID the builder targets.
func (b *InclusionRuleItemRequestBuilder) ID() string { return b.id }

func (b *InclusionRuleItemRequestBuilder) resolve(ctx context.Context) (string, models.UnitKind, error) {
	if err := validateID(b.id); err != nil {
		return "", models.KindUnknown, wrapErr("rule ID", ErrInvalidRuleID, err)
	}
	path, kind, err := b.coll.resolve(ctx)
	if err != nil {
		return "", models.KindUnknown, err
	}
	return path + "/" + escapeSegment(b.id), kind, nil
}

// decodeRuleOf decodes a rule, also when wrapped in {"value": …} (the
// deleteAndUnprotect page's example), and fills @odata.type from kind.
func decodeRuleOf(kind models.UnitKind) func([]byte) (*models.ProtectionRule, error) {
	return func(body []byte) (*models.ProtectionRule, error) {
		if isJSONNull(body) {
			return nil, errors.New("null, want an inclusion rule")
		}
		r := &models.ProtectionRule{}
		if err := r.UnmarshalJSON(body); err != nil {
			return nil, err
		}
		if r.ID == "" {
			if inner, ok := r.AdditionalData["value"].(map[string]any); ok {
				if raw, err := json.Marshal(inner); err == nil {
					r = &models.ProtectionRule{}
					if err := r.UnmarshalJSON(raw); err != nil {
						return nil, err
					}
				}
			}
		}
		if r.ID == "" {
			return nil, errors.New("a JSON object without an id, want an inclusion rule")
		}
		if r.ODataType == "" {
			r.ODataType = kind.RuleODataType()
		}
		return r, nil
	}
}

// Get reads the rule. It fails with ErrInvalidRuleID before sending
// anything; with *Error for a non-2xx answer (ErrNotFound for an unknown
// rule: 404 ProtectionRuleNotFound); otherwise with the transport's or the
// context's error (ErrNotSent when nothing reached the wire).
func (b *InclusionRuleItemRequestBuilder) Get(ctx context.Context) (*models.ProtectionRule, error) {
	path, kind, err := b.resolve(ctx)
	if err != nil {
		return nil, err
	}
	r, _, _, _, _, err := readGet(ctx, b.coll.c, "get inclusion rule "+b.id, path, decodeRuleOf(kind))
	return r, err
}

// ruleRead is a read-back of the rule that judges a change by want.
func (b *InclusionRuleItemRequestBuilder) ruleRead(path string, kind models.UnitKind, want func(*models.ProtectionRule) bool) func(context.Context, attemptEvidence) objectRead[*models.ProtectionRule] {
	return func(ctx context.Context, ev attemptEvidence) objectRead[*models.ProtectionRule] {
		r, st, date, recv, meta, err := readGet(ctx, b.coll.c, "read back inclusion rule "+b.id, path, decodeRuleOf(kind))
		rd := objectRead[*models.ProtectionRule]{obj: r, state: st, err: err, meta: meta}
		if st == readOK {
			switch {
			case !want(r):
				rd.verdict = notApplied
			case modifiedByCall(r.LastModifiedDateTime, r.LastModifiedBy, ev, date, recv):
				rd.verdict = applied
			default:
				rd.verdict = alreadySo
			}
		}
		return rd
	}
}

// Update sets a dynamic rule's expression (PATCH with driveExpression or
// mailboxExpression; 200, status updateRequested). Static rules cannot be
// updated.
//
// It fails before sending anything with ErrInvalidRuleID, or
// ErrInvalidRuleExpression for an empty expression; otherwise with the
// service's *Error (ErrStaticRulePatch, ErrRuleStateNotAllowed,
// ErrInvalidRuleExpression, ErrNotFound), ErrNotSent or ErrOutcomeUnknown.
// A lost answer is settled by reading the rule: the new expression, changed
// by the caller after the request, is the success.
func (b *InclusionRuleItemRequestBuilder) Update(ctx context.Context, expression string) (*models.ProtectionRule, error) {
	if strings.TrimSpace(expression) == "" {
		return nil, wrapErr("update inclusion rule "+b.id+": empty expression", ErrInvalidRuleExpression)
	}
	path, kind, err := b.resolve(ctx)
	if err != nil {
		return nil, err
	}
	body := []byte{'{'}
	body = jsonlex.AppendString(body, kind.RuleExpressionKey())
	body = append(body, ':')
	body = jsonlex.AppendString(body, expression)
	body = append(body, '}')
	w := &objectWrite[*models.ProtectionRule]{
		c: b.coll.c, op: "update inclusion rule " + b.id, method: abs.PATCH, path: path, body: body, decode: decodeRuleOf(kind),
		readBack: b.ruleRead(path, kind, func(r *models.ProtectionRule) bool { return r.Expression() == expression }),
	}
	return w.run(ctx)
}

// Run evaluates a static rule again (POST …/{id}/run; the page's text says
// 200, its examples 202; status active). It fails with ErrInvalidRuleID
// before sending anything; with the service's *Error
// (ErrRunNotAllowedForDynamicRule, ErrRuleStateNotAllowed, ErrNotFound),
// ErrNotSent or ErrOutcomeUnknown. A lost answer is settled by reading the
// rule: active and modified by the caller after the request is the
// success.
func (b *InclusionRuleItemRequestBuilder) Run(ctx context.Context) (*models.ProtectionRule, error) {
	return b.ruleAction(ctx, "run", func(r *models.ProtectionRule) bool { return r.Status == models.RuleStatusActive })
}

// DeleteAndUnprotect deletes a dynamic rule and unprotects the units it
// added (POST …/{id}/deleteAndUnprotect, 202, status deleteRequested): the
// service resets only their dynamicRule source, so a unit that was also
// added by hand stays protected. Every unit the rule protects is affected:
// look before (offboarding's plan lists them).
//
// It fails with ErrInvalidRuleID before sending anything; with the
// service's *Error (ErrRuleStateNotAllowed, ErrNotFound), ErrNotSent or
// ErrOutcomeUnknown. A lost answer is settled by reading the rule:
// deleteRequested and modified by the caller after the request is the
// success; gone is ErrOutcomeUnknown wrapping ErrNotFound (deleted, but
// nothing shows by whom).
func (b *InclusionRuleItemRequestBuilder) DeleteAndUnprotect(ctx context.Context) (*models.ProtectionRule, error) {
	return b.ruleAction(ctx, "deleteAndUnprotect", func(r *models.ProtectionRule) bool { return r.Status == models.RuleStatusDeleteRequested })
}

func (b *InclusionRuleItemRequestBuilder) ruleAction(ctx context.Context, action string, want func(*models.ProtectionRule) bool) (*models.ProtectionRule, error) {
	path, kind, err := b.resolve(ctx)
	if err != nil {
		return nil, err
	}
	read := b.ruleRead(path, kind, want)
	w := &objectWrite[*models.ProtectionRule]{
		c: b.coll.c, op: action + " inclusion rule " + b.id, method: abs.POST, path: path + "/" + action, decode: decodeRuleOf(kind),
		readBack: func(ctx context.Context, ev attemptEvidence) objectRead[*models.ProtectionRule] {
			rd := read(ctx, ev)
			if rd.state == readNotFound && action == "deleteAndUnprotect" {
				rd.state, rd.verdict = readOK, cannotTell
			}
			return rd
		},
	}
	return w.run(ctx)
}

// Delete deletes the rule (DELETE, 204). The units it added stay in the
// policy (use DeleteAndUnprotect to unprotect them). Only a rule that
// completed (completed or completedWithErrors) can be deleted.
//
// It fails with ErrInvalidRuleID before sending anything; with the
// service's *Error (ErrRuleStateNotAllowed, ErrNotFound), ErrNotSent or
// ErrOutcomeUnknown (a lost answer and the rule gone: deleted, but nothing
// shows this call did it).
func (b *InclusionRuleItemRequestBuilder) Delete(ctx context.Context) error {
	path, kind, err := b.resolve(ctx)
	if err != nil {
		return err
	}
	w := &objectWrite[*models.ProtectionRule]{
		c: b.coll.c, op: "delete inclusion rule " + b.id, method: abs.DELETE, path: path,
		readBack: func(ctx context.Context, _ attemptEvidence) objectRead[*models.ProtectionRule] {
			r, st, _, _, meta, err := readGet(ctx, b.coll.c, "read back inclusion rule "+b.id, path, decodeRuleOf(kind))
			rd := objectRead[*models.ProtectionRule]{obj: r, state: st, err: err, meta: meta}
			if st == readNotFound {
				rd.state, rd.verdict = readOK, cannotTell
			}
			return rd
		},
	}
	_, err = w.run(ctx)
	return err
}
