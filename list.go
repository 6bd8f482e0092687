package backuprestore

import (
	"context"
	"iter"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/serialization"

	"github.com/m365kit/backuprestore/models"
)

// Type-cast segments of the collection.
const (
	castSite    = "microsoft.graph.siteProtectionUnit"
	castDrive   = "microsoft.graph.driveProtectionUnit"
	castMailbox = "microsoft.graph.mailboxProtectionUnit"
)

// maxTop is the largest $top Graph accepts.
const maxTop = 999

// ListOptions are the OData query options of a list call. The zero value
// lists everything with the service's page size.
type ListOptions struct {
	// Filter is the $filter expression, e.g. "status eq 'offboardRequested'".
	Filter string
	// Select lists the properties to return ($select).
	Select []string
	// Top asks for at most this many units per page ($top), 1 to 999
	// (Graph's largest page); 0 leaves it to the service. Other values fail
	// with ErrInvalidOptions before anything is sent.
	Top int
	// Count asks for @odata.count on the first page ($count=true).
	Count bool
	// OrderBy lists sort clauses ($orderby), e.g. "status desc".
	OrderBy []string
	// NextLink resumes a listing from a saved @odata.nextLink (see
	// ProtectionUnitPage.NextLink): the first request goes to it verbatim
	// and the query fields above are ignored, since the link carries them.
	// It must have BaseURL's scheme, host and port, or the call fails with
	// ErrForeignHost before anything is sent.
	NextLink string
	// Headers are added to every request of the listing.
	Headers *abs.RequestHeaders
	// Options are Kiota request options added to every request.
	Options []abs.RequestOption
}

// Sites returns the collection builder for site units, the type cast
// /protectionUnits/microsoft.graph.siteProtectionUnit.
func (b *ProtectionUnitsRequestBuilder) Sites() *ProtectionUnitsRequestBuilder {
	return &ProtectionUnitsRequestBuilder{c: b.c, cast: castSite}
}

// Drives returns the collection builder for OneDrive units, the type cast
// /protectionUnits/microsoft.graph.driveProtectionUnit.
func (b *ProtectionUnitsRequestBuilder) Drives() *ProtectionUnitsRequestBuilder {
	return &ProtectionUnitsRequestBuilder{c: b.c, cast: castDrive}
}

// Mailboxes returns the collection builder for mailbox units, the type cast
// /protectionUnits/microsoft.graph.mailboxProtectionUnit.
func (b *ProtectionUnitsRequestBuilder) Mailboxes() *ProtectionUnitsRequestBuilder {
	return &ProtectionUnitsRequestBuilder{c: b.c, cast: castMailbox}
}

func (b *ProtectionUnitsRequestBuilder) path() string {
	if b.rawPath != "" {
		return b.rawPath
	}
	if b.cast == "" {
		return pathProtectionUnits
	}
	return pathProtectionUnits + "/" + b.cast
}

// lister returns the paging of this collection.
func (b *ProtectionUnitsRequestBuilder) lister() *lister[*models.ProtectionUnitPage] {
	return &lister[*models.ProtectionUnitPage]{
		c:            b.c,
		path:         b.path(),
		op:           "list protection units",
		decode:       decodePage,
		factory:      models.CreateProtectionUnitPageFromDiscriminatorValue,
		fromParsable: pageFromParsable,
		nextLink:     func(p *models.ProtectionUnitPage) string { return p.NextLink },
		after:        b.setCastKind,
	}
}

// Get returns one page of units: the first page, or the page at
// opts.NextLink. Follow page.NextLink (for example with
// ListOptions.NextLink, or use Pages or All) for the rest.
//
// It fails with ErrInvalidOptions for an option out of range and with
// ErrForeignHost for a NextLink on another origin, before anything is
// sent; with *Error for a non-2xx response (a 400 for an unsupported query)
// or a 2xx that is not a page; otherwise with the transport or context
// error as its cause (ErrNotSent when nothing reached the wire). A page
// whose body is cut short or stalls is requested again within the retry
// budget.
func (b *ProtectionUnitsRequestBuilder) Get(ctx context.Context, opts *ListOptions) (*models.ProtectionUnitPage, error) {
	return b.lister().get(ctx, opts)
}

// ToGetRequestInformation returns the RequestInformation of the first page,
// built from the list URL template, for another adapter or a $batch.
func (b *ProtectionUnitsRequestBuilder) ToGetRequestInformation(ctx context.Context, opts *ListOptions) (*abs.RequestInformation, error) {
	var o ListOptions
	if opts != nil {
		o = *opts
	}
	ri, _, err := b.lister().firstPageRequest(&o)
	return ri, err
}

// Pages returns a lazy iterator over whole pages. Nothing is fetched until
// it is ranged over; each page is fetched when the previous one has been
// consumed, and fetching stops as soon as the loop breaks. Each page GET
// fails as Get does (and is sent again when its body is cut or stalls); the
// iterator yields one error and stops: a failed request, a context that
// ended, a nextLink on another origin (ErrForeignHost; no request is made
// and no token leaves), or a nextLink that repeats an earlier one
// (ErrUnexpectedResponse). Pages already received have been yielded before
// such an error. opts is copied, never modified; save page.NextLink to
// resume later with ListOptions.NextLink.
func (b *ProtectionUnitsRequestBuilder) Pages(ctx context.Context, opts *ListOptions) iter.Seq2[*models.ProtectionUnitPage, error] {
	return b.lister().pages(ctx, opts)
}

// All returns a lazy iterator over every unit of every page, following
// @odata.nextLink verbatim. It behaves as Pages does: nothing is fetched
// until it is ranged over, it stops fetching when the loop breaks, and it
// yields one error (after the units already received) and stops. Only one
// page is held at a time.
func (b *ProtectionUnitsRequestBuilder) All(ctx context.Context, opts *ListOptions) iter.Seq2[*models.ProtectionUnit, error] {
	return itemsOf(b.Pages(ctx, opts), func(p *models.ProtectionUnitPage) []*models.ProtectionUnit { return p.Value })
}

// setCastKind records the kind a type-cast listing guarantees on its units
// (models.ProtectionUnit.CollectionKind), so Kind reports it for a unit
// that came without @odata.type (a drive or mailbox unit cannot be told
// apart by its properties). @odata.type stays as the service sent it.
func (b *ProtectionUnitsRequestBuilder) setCastKind(page *models.ProtectionUnitPage) {
	if k := models.KindFromODataType(b.cast); k != models.KindUnknown {
		page.SetCollectionKind(k)
	}
}

func decodePage(body []byte) (*models.ProtectionUnitPage, error) {
	p := &models.ProtectionUnitPage{}
	if err := p.UnmarshalJSON(body); err != nil {
		return nil, err
	}
	return p, nil
}

func pageFromParsable(p serialization.Parsable) (*models.ProtectionUnitPage, bool) {
	page, ok := p.(*models.ProtectionUnitPage)
	return page, ok && page != nil
}
