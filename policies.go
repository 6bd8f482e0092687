package backuprestore

import (
	"context"
	"errors"
	"iter"
	"net/url"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/serialization"

	"github.com/m365kit/backuprestore/models"
)

// pathPolicies is the collection of every kind of protection policy.
const pathPolicies = "/solutions/backupRestore/protectionPolicies"

// ProtectionPolicies returns the builder for
// /solutions/backupRestore/protectionPolicies (every kind of policy); its
// SharePoint, OneDrive and Exchange methods narrow it to one workload.
func (c *Client) ProtectionPolicies() *ProtectionPoliciesRequestBuilder {
	return &ProtectionPoliciesRequestBuilder{c: c}
}

// ProtectionPoliciesRequestBuilder builds requests on a collection of
// protection policies: every kind, or one workload's typed collection.
type ProtectionPoliciesRequestBuilder struct {
	c *Client
	// kind is the workload of a typed collection, PolicyKindUnknown for
	// /protectionPolicies.
	kind models.PolicyKind
}

// SharePoint returns the builder for /solutions/backupRestore/sharePointProtectionPolicies.
func (b *ProtectionPoliciesRequestBuilder) SharePoint() *ProtectionPoliciesRequestBuilder {
	return &ProtectionPoliciesRequestBuilder{c: b.c, kind: models.PolicyKindSharePoint}
}

// OneDrive returns the builder for /solutions/backupRestore/oneDriveForBusinessProtectionPolicies.
func (b *ProtectionPoliciesRequestBuilder) OneDrive() *ProtectionPoliciesRequestBuilder {
	return &ProtectionPoliciesRequestBuilder{c: b.c, kind: models.PolicyKindOneDrive}
}

// Exchange returns the builder for /solutions/backupRestore/exchangeProtectionPolicies.
func (b *ProtectionPoliciesRequestBuilder) Exchange() *ProtectionPoliciesRequestBuilder {
	return &ProtectionPoliciesRequestBuilder{c: b.c, kind: models.PolicyKindExchange}
}

// Kind returns the workload of a typed collection, or PolicyKindUnknown
// for the collection of every kind.
func (b *ProtectionPoliciesRequestBuilder) Kind() models.PolicyKind { return b.kind }

func (b *ProtectionPoliciesRequestBuilder) path() string {
	if b.kind == models.PolicyKindUnknown {
		return pathPolicies
	}
	return "/solutions/backupRestore/" + b.kind.CollectionSegment()
}

func (b *ProtectionPoliciesRequestBuilder) lister() *lister[*models.ProtectionPolicyPage] {
	return &lister[*models.ProtectionPolicyPage]{
		c:       b.c,
		path:    b.path(),
		op:      "list protection policies",
		decode:  decodePolicyPage,
		factory: models.CreateProtectionPolicyPageFromDiscriminatorValue,
		fromParsable: func(p serialization.Parsable) (*models.ProtectionPolicyPage, bool) {
			pg, ok := p.(*models.ProtectionPolicyPage)
			return pg, ok && pg != nil
		},
		nextLink: func(p *models.ProtectionPolicyPage) string { return p.NextLink },
		after:    b.fillKind,
	}
}

// Get returns one page of policies: the first, or the one at
// opts.NextLink. It fails as ProtectionUnitsRequestBuilder.Get does.
func (b *ProtectionPoliciesRequestBuilder) Get(ctx context.Context, opts *ListOptions) (*models.ProtectionPolicyPage, error) {
	return b.lister().get(ctx, opts)
}

// Pages returns a lazy iterator over whole pages of policies, with the
// guarantees of ProtectionUnitsRequestBuilder.Pages.
func (b *ProtectionPoliciesRequestBuilder) Pages(ctx context.Context, opts *ListOptions) iter.Seq2[*models.ProtectionPolicyPage, error] {
	return b.lister().pages(ctx, opts)
}

// All returns a lazy iterator over every policy of every page, with the
// guarantees of ProtectionUnitsRequestBuilder.All.
func (b *ProtectionPoliciesRequestBuilder) All(ctx context.Context, opts *ListOptions) iter.Seq2[*models.ProtectionPolicy, error] {
	return itemsOf(b.Pages(ctx, opts), func(p *models.ProtectionPolicyPage) []*models.ProtectionPolicy { return p.Value })
}

// fillKind sets @odata.type on the policies of a typed listing that came
// without one, so Kind reports the workload the collection guarantees.
func (b *ProtectionPoliciesRequestBuilder) fillKind(page *models.ProtectionPolicyPage) {
	if b.kind == models.PolicyKindUnknown {
		return
	}
	for _, p := range page.Value {
		if p.ODataType == "" {
			p.ODataType = b.kind.ODataType()
		}
	}
}

// ByID returns the builder for one policy. The ID is opaque: it is
// validated like a unit ID when a request is built and percent-encoded as
// one path segment. On the collection of every kind, the calls that need
// the policy's workload (Units, RemoveUnits, AddUnits) read the policy
// first to learn it; a typed collection's builder knows it.
func (b *ProtectionPoliciesRequestBuilder) ByID(id string) *ProtectionPolicyItemRequestBuilder {
	return &ProtectionPolicyItemRequestBuilder{c: b.c, id: id, kind: b.kind}
}

// ProtectionPolicyItemRequestBuilder builds requests on one protection
// policy.
type ProtectionPolicyItemRequestBuilder struct {
	c    *Client
	id   string
	kind models.PolicyKind
}

// ID returns the policy ID the builder targets.
func (b *ProtectionPolicyItemRequestBuilder) ID() string { return b.id }

// itemPath is the policy's path: typed when the kind is known.
func (b *ProtectionPolicyItemRequestBuilder) itemPath(kind models.PolicyKind) string {
	coll := pathPolicies
	if kind != models.PolicyKindUnknown {
		coll = "/solutions/backupRestore/" + kind.CollectionSegment()
	}
	return coll + "/" + escapeSegment(b.id)
}

// check validates the policy ID.
func (b *ProtectionPolicyItemRequestBuilder) check() error {
	if err := validateID(b.id); err != nil {
		return wrapErr("policy ID", ErrInvalidPolicyID, err)
	}
	return nil
}

// Get reads the policy (GET …/protectionPolicies/{id}, or the typed
// collection's item).
//
// It fails with ErrInvalidPolicyID before sending anything for a malformed
// ID; with *Error for a non-2xx response (errors.Is(err, ErrNotFound) for
// an unknown policy: 404 or code PolicyNotFound) or a 2xx without a
// policy; otherwise with the transport or context error as its cause
// (ErrNotSent when nothing reached the wire). A body cut short or stalled
// is requested again within the retry budget.
func (b *ProtectionPolicyItemRequestBuilder) Get(ctx context.Context, cfg *RequestConfiguration) (*models.ProtectionPolicy, error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	base, err := b.c.baseURL()
	if err != nil {
		return nil, err
	}
	var headers *abs.RequestHeaders
	var options []abs.RequestOption
	if cfg != nil {
		headers, options = cfg.Headers, cfg.Options
	}
	p := b.itemPath(b.kind)
	ri := newRequestInformation(abs.GET, "{+baseurl}"+p, map[string]string{"baseurl": base.String()}, headers, options)
	u, err := joinPath(base, p)
	if err != nil {
		return nil, err
	}
	k := &call[*models.ProtectionPolicy]{
		c:       b.c,
		op:      "get protection policy " + b.id,
		decode:  decodePolicy,
		factory: models.CreateProtectionPolicyFromDiscriminatorValue,
		fromParsable: func(p serialization.Parsable) (*models.ProtectionPolicy, bool) {
			pol, ok := p.(*models.ProtectionPolicy)
			return pol, ok && pol != nil && pol.ID != ""
		},
	}
	pol, err := k.send(ctx, withURI(ri, u))
	if err == nil && pol.ODataType == "" && b.kind != models.PolicyKindUnknown {
		pol.ODataType = b.kind.ODataType()
	}
	return pol, err
}

// resolveKind returns the policy's workload: the typed builder's, else
// read from the policy. A policy whose kind cannot be told fails with
// ErrUnexpectedResponse.
func (b *ProtectionPolicyItemRequestBuilder) resolveKind(ctx context.Context) (models.PolicyKind, error) {
	if b.kind != models.PolicyKindUnknown {
		return b.kind, nil
	}
	pol, err := b.Get(ctx, nil)
	if err != nil {
		return models.PolicyKindUnknown, err
	}
	if k := pol.Kind(); k != models.PolicyKindUnknown {
		return k, nil
	}
	return models.PolicyKindUnknown, wrapErr("protection policy "+quoteID(b.id)+" has no known @odata.type: its workload cannot be told", ErrUnexpectedResponse)
}

// Units returns a lazy iterator over the policy's own view of its units
// (…/sharePointProtectionPolicies/{id}/siteProtectionUnits, and the
// OneDrive and Exchange equivalents), with the paging guarantees of
// ProtectionUnitsRequestBuilder.All. On the collection of every kind the
// policy is read first (see ByID); that read's failure is the iterator's
// one error. Each unit's CollectionKind is the view's kind, so Kind reports
// it for a unit that came without @odata.type.
func (b *ProtectionPolicyItemRequestBuilder) Units(ctx context.Context, opts *ListOptions) iter.Seq2[*models.ProtectionUnit, error] {
	return func(yield func(*models.ProtectionUnit, error) bool) {
		if err := b.check(); err != nil {
			yield(nil, err)
			return
		}
		kind, err := b.resolveKind(ctx)
		if err != nil {
			yield(nil, err)
			return
		}
		units := &ProtectionUnitsRequestBuilder{
			c:       b.c,
			rawPath: b.itemPath(kind) + "/" + kind.UnitsSegment(),
			cast:    "", // the view is typed; its kind is set below
		}
		for u, err := range units.All(ctx, opts) {
			if err == nil && u != nil {
				u.CollectionKind = kind.UnitKind()
			}
			if !yield(u, err) {
				return
			}
		}
	}
}

// joinPath returns base with the percent-encoded path p appended.
func joinPath(base *url.URL, p string) (*url.URL, error) {
	u := *base
	raw := base.EscapedPath() + p
	unescaped, err := url.PathUnescape(raw)
	if err != nil {
		return nil, err
	}
	u.Path, u.RawPath = unescaped, raw
	return &u, nil
}

func decodePolicy(body []byte) (*models.ProtectionPolicy, error) {
	if isJSONNull(body) {
		return nil, errors.New("null, want a protection policy")
	}
	p := &models.ProtectionPolicy{}
	if err := p.UnmarshalJSON(body); err != nil {
		return nil, err
	}
	if p.ID == "" {
		return nil, errors.New("a JSON object without an id, want a protection policy")
	}
	return p, nil
}

func decodePolicyPage(body []byte) (*models.ProtectionPolicyPage, error) {
	p := &models.ProtectionPolicyPage{}
	if err := p.UnmarshalJSON(body); err != nil {
		return nil, err
	}
	return p, nil
}
