package backuprestore

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/serialization"
	khttp "github.com/microsoft/kiota-http-go"

	"github.com/m365kit/backuprestore/internal/middleware"
	"github.com/m365kit/backuprestore/models"
)

// Type-cast segments of the collection.
const (
	castSite    = "microsoft.graph.siteProtectionUnit"
	castDrive   = "microsoft.graph.driveProtectionUnit"
	castMailbox = "microsoft.graph.mailboxProtectionUnit"
)

// listQuery is the query part of the list URL templates. Kiota templates
// cannot hold '$' in a variable name, so the names are written %24…, and
// the parameter-name decoding middleware puts the '$' back on the wire.
const listQuery = "{?%24count,%24filter,%24orderby,%24select,%24top}"

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
	if b.cast == "" {
		return pathProtectionUnits
	}
	return pathProtectionUnits + "/" + b.cast
}

// Get returns one page of units: the first page, or the page at
// opts.NextLink. Follow page.NextLink (for example with
// ListOptions.NextLink, or use Pages or All) for the rest.
//
// It fails with *Error for a non-2xx response (a 400 for an unsupported
// query) or a 2xx that is not a page; with ErrForeignHost for a NextLink on
// another origin; otherwise with the transport or context error as its cause.
func (b *ProtectionUnitsRequestBuilder) Get(ctx context.Context, opts *ListOptions) (*models.ProtectionUnitPage, error) {
	var o ListOptions
	if opts != nil {
		o = *opts
	}
	return b.fetch(ctx, &o, o.NextLink, nil)
}

// ToGetRequestInformation returns the RequestInformation of the first page,
// built from the list URL template, for another adapter or a $batch.
func (b *ProtectionUnitsRequestBuilder) ToGetRequestInformation(ctx context.Context, opts *ListOptions) (*abs.RequestInformation, error) {
	var o ListOptions
	if opts != nil {
		o = *opts
	}
	ri, _, err := b.firstPageRequest(&o)
	return ri, err
}

// Pages returns a lazy iterator over whole pages. Nothing is fetched until
// it is ranged over; each page is fetched when the previous one has been
// consumed, and fetching stops as soon as the loop breaks. It yields one
// error and stops: a failed request, a context that ended, a nextLink on
// another origin (ErrForeignHost; no request is made and no token leaves),
// or a nextLink that repeats an earlier one (ErrUnexpectedResponse). Pages
// already received have been yielded before such an error. opts is copied,
// never modified; save page.NextLink to resume later with ListOptions.NextLink.
func (b *ProtectionUnitsRequestBuilder) Pages(ctx context.Context, opts *ListOptions) iter.Seq2[*models.ProtectionUnitPage, error] {
	var o ListOptions
	if opts != nil {
		o = *opts
		o.Select = append([]string(nil), o.Select...)
		o.OrderBy = append([]string(nil), o.OrderBy...)
	}
	return func(yield func(*models.ProtectionUnitPage, error) bool) {
		link := o.NextLink
		buf := new([]byte) // one body buffer for every page of this listing
		seen := map[string]struct{}{}
		if link != "" {
			seen[link] = struct{}{}
		}
		for {
			if err := ctx.Err(); err != nil {
				yield(nil, wrapTransportError(ctx, "list protection units", err))
				return
			}
			page, err := b.fetch(ctx, &o, link, buf)
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(page, nil) || page.NextLink == "" {
				return
			}
			if _, repeated := seen[page.NextLink]; repeated {
				yield(nil, fmt.Errorf("%w: @odata.nextLink repeats an earlier page's link; stopping instead of looping", ErrUnexpectedResponse))
				return
			}
			seen[page.NextLink] = struct{}{}
			link = page.NextLink
		}
	}
}

// All returns a lazy iterator over every unit of every page, following
// @odata.nextLink verbatim. It behaves as Pages does: nothing is fetched
// until it is ranged over, it stops fetching when the loop breaks, and it
// yields one error (after the units already received) and stops.
func (b *ProtectionUnitsRequestBuilder) All(ctx context.Context, opts *ListOptions) iter.Seq2[*models.ProtectionUnit, error] {
	return func(yield func(*models.ProtectionUnit, error) bool) {
		for page, err := range b.Pages(ctx, opts) {
			if err != nil {
				yield(nil, err)
				return
			}
			for _, u := range page.Value {
				if !yield(u, nil) {
					return
				}
			}
		}
	}
}

// fetch gets the first page (link == "") or the page at link.
func (b *ProtectionUnitsRequestBuilder) fetch(ctx context.Context, o *ListOptions, link string, buf *[]byte) (*models.ProtectionUnitPage, error) {
	var ri *abs.RequestInformation
	var err error
	if link == "" {
		var u *url.URL
		ri, u, err = b.firstPageRequest(o)
		if err == nil {
			withURI(ri, u)
		}
	} else {
		ri, err = b.nextLinkRequest(o, link)
	}
	if err != nil {
		return nil, err
	}
	k := &call[*models.ProtectionUnitPage]{
		c:            b.c,
		op:           "list protection units",
		decode:       decodePage,
		factory:      models.CreateProtectionUnitPageFromDiscriminatorValue,
		fromParsable: pageFromParsable,
		buf:          buf,
	}
	page, err := k.send(ctx, ri)
	if err != nil {
		return nil, err
	}
	b.fillCastType(page)
	return page, nil
}

// fillCastType sets @odata.type on units of a type-cast listing that came
// without one, so Kind reports the kind the cast guarantees.
func (b *ProtectionUnitsRequestBuilder) fillCastType(page *models.ProtectionUnitPage) {
	if b.cast == "" {
		return
	}
	for _, u := range page.Value {
		if u.ODataType == "" {
			u.ODataType = "#" + b.cast
		}
	}
}

func (b *ProtectionUnitsRequestBuilder) firstPageRequest(o *ListOptions) (*abs.RequestInformation, *url.URL, error) {
	if err := checkRange("ListOptions.Top", o.Top, 1, maxTop); err != nil {
		return nil, nil, err
	}
	base, err := b.c.baseURL()
	if err != nil {
		return nil, nil, err
	}
	ri := newRequestInformation(abs.GET, "{+baseurl}"+b.path()+listQuery, map[string]string{"baseurl": base.String()}, o.Headers, o.Options)
	var q []string
	add := func(name, value string) {
		ri.QueryParameters["%24"+name] = value
		q = append(q, "$"+name+"="+escapeSegment(value))
	}
	// The same order as the template, so both forms give the same URL.
	if o.Count {
		add("count", "true")
	}
	if o.Filter != "" {
		add("filter", o.Filter)
	}
	if len(o.OrderBy) > 0 {
		add("orderby", strings.Join(o.OrderBy, ","))
	}
	if len(o.Select) > 0 {
		add("select", strings.Join(o.Select, ","))
	}
	if o.Top > 0 {
		add("top", strconv.Itoa(o.Top))
	}
	u := *base
	u.Path = base.Path + b.path()
	if base.RawPath != "" {
		u.RawPath = base.RawPath + b.path()
	}
	u.RawQuery = strings.Join(q, "&")
	return ri, &u, nil
}

// nextLinkRequest builds the request for a nextLink, verbatim. The link
// must be absolute and on the base URL's origin: Kiota's allowed-hosts
// check ignores the port, so this is checked here, before any token is
// fetched.
func (b *ProtectionUnitsRequestBuilder) nextLinkRequest(o *ListOptions, link string) (*abs.RequestInformation, error) {
	base, err := b.c.baseURL()
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(link)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return nil, fmt.Errorf("%w: @odata.nextLink %q is not an absolute URL", ErrUnexpectedResponse, link)
	}
	if !middleware.SameOrigin(u, base) {
		return nil, fmt.Errorf("%w: @odata.nextLink goes to %s://%s, not %s://%s; not followed", ErrForeignHost, u.Scheme, u.Host, base.Scheme, base.Host)
	}
	ri := newRequestInformation(abs.GET, "{+baseurl}"+b.path()+listQuery, map[string]string{}, o.Headers, o.Options)
	// Verbatim: no parameter-name rewriting of the service's link.
	ri.AddRequestOptions([]abs.RequestOption{&khttp.ParametersNameDecodingOptions{Enable: false}})
	ri.SetUri(*u)
	return ri, nil
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
