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
)

// listQuery is the query part of the list URL templates. Kiota templates
// cannot hold '$' in a variable name, so the names are written %24…, and
// the parameter-name decoding middleware puts the '$' back on the wire.
const listQuery = "{?%24count,%24filter,%24orderby,%24select,%24top}"

// lister is one collection's paging: the first page from a path and the
// ListOptions, then every @odata.nextLink verbatim, with the same
// guarantees for every collection (units, policies, a policy's units).
type lister[P any] struct {
	c *Client
	// path is the collection's path below the base URL, percent-encoded,
	// e.g. "/solutions/backupRestore/protectionPolicies".
	path string
	// op names the call in errors ("list protection units").
	op           string
	decode       func([]byte) (P, error)
	factory      serialization.ParsableFactory
	fromParsable func(serialization.Parsable) (P, bool)
	nextLink     func(P) string
	// after, when set, post-processes every page (e.g. fills the type a
	// type cast guarantees).
	after func(P)
}

// get fetches one page: the first, or the one at opts.NextLink.
func (l *lister[P]) get(ctx context.Context, opts *ListOptions) (P, error) {
	var o ListOptions
	if opts != nil {
		o = *opts
	}
	return l.fetch(ctx, &o, o.NextLink, nil)
}

// pages is the lazy page iterator (see ProtectionUnitsRequestBuilder.Pages).
func (l *lister[P]) pages(ctx context.Context, opts *ListOptions) iter.Seq2[P, error] {
	var o ListOptions
	if opts != nil {
		o = *opts
		o.Select = append([]string(nil), o.Select...)
		o.OrderBy = append([]string(nil), o.OrderBy...)
	}
	return func(yield func(P, error) bool) {
		var zero P
		link := o.NextLink
		buf := new([]byte) // one body buffer for every page of this listing
		// A nextLink that repeats the last one ends the listing at once;
		// a longer loop is caught by Brent's cycle detection: constant
		// memory (a set of every link seen would grow with the listing,
		// 200 bytes a page), a loop found by about twice the pages up to
		// the end of its first lap.
		var loop brent
		loop.see(link)
		for {
			if err := ctx.Err(); err != nil {
				yield(zero, wrapTransportError(ctx, l.op, err))
				return
			}
			page, err := l.fetch(ctx, &o, link, buf)
			if err != nil {
				yield(zero, err)
				return
			}
			next := l.nextLink(page)
			if !yield(page, nil) || next == "" {
				return
			}
			if next == link || loop.see(next) {
				yield(zero, fmt.Errorf("%w: @odata.nextLink repeats an earlier page's link; stopping instead of looping", ErrUnexpectedResponse))
				return
			}
			link = next
		}
	}
}

// fetch gets the first page (link == "") or the page at link.
func (l *lister[P]) fetch(ctx context.Context, o *ListOptions, link string, buf *[]byte) (P, error) {
	var zero P
	var ri *abs.RequestInformation
	var err error
	if link == "" {
		var u *url.URL
		ri, u, err = l.firstPageRequest(o)
		if err == nil {
			withURI(ri, u)
		}
	} else {
		ri, err = l.nextLinkRequest(o, link)
	}
	if err != nil {
		return zero, err
	}
	k := &call[P]{
		c:            l.c,
		op:           l.op,
		decode:       l.decode,
		factory:      l.factory,
		fromParsable: l.fromParsable,
		buf:          buf,
	}
	page, err := k.send(ctx, ri)
	if err != nil {
		return zero, err
	}
	if l.after != nil {
		l.after(page)
	}
	return page, nil
}

func (l *lister[P]) firstPageRequest(o *ListOptions) (*abs.RequestInformation, *url.URL, error) {
	if err := checkRange("ListOptions.Top", o.Top, 1, maxTop); err != nil {
		return nil, nil, err
	}
	base, err := l.c.baseURL()
	if err != nil {
		return nil, nil, err
	}
	ri := newRequestInformation(abs.GET, "{+baseurl}"+l.path+listQuery, map[string]string{"baseurl": base.String()}, o.Headers, o.Options)
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
	raw := base.EscapedPath() + l.path
	p, err := url.PathUnescape(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("backuprestore: %s: path %q: %w", l.op, raw, err)
	}
	u.Path, u.RawPath = p, raw
	u.RawQuery = strings.Join(q, "&")
	return ri, &u, nil
}

// nextLinkRequest builds the request for a nextLink, verbatim. The link
// must be absolute and on the base URL's origin: Kiota's allowed-hosts
// check ignores the port, so this is checked here, before any token is
// fetched.
func (l *lister[P]) nextLinkRequest(o *ListOptions, link string) (*abs.RequestInformation, error) {
	base, err := l.c.baseURL()
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
	ri := newRequestInformation(abs.GET, "{+baseurl}"+l.path+listQuery, map[string]string{}, o.Headers, o.Options)
	// Verbatim: no parameter-name rewriting of the service's link.
	ri.AddRequestOptions([]abs.RequestOption{&khttp.ParametersNameDecodingOptions{Enable: false}})
	ri.SetUri(*u)
	return ri, nil
}

// itemsOf flattens a page iterator into its items.
func itemsOf[P, T any](pages iter.Seq2[P, error], value func(P) []T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for page, err := range pages {
			if err != nil {
				yield(zero, err)
				return
			}
			for _, v := range value(page) {
				if !yield(v, nil) {
					return
				}
			}
		}
	}
}

// brent detects a repeating sequence of links in constant memory (Brent's
// algorithm): it keeps one link and compares every new one with it,
// moving it forward at powers of two. A sequence that enters a loop is
// caught by about twice the number of links up to the end of its first lap.
type brent struct {
	mark  string
	steps int
	power int
}

// see records the next link and reports whether it closes a loop.
func (b *brent) see(link string) bool {
	if b.power == 0 {
		b.power = 1
	} else if link == b.mark {
		return true
	}
	b.steps++
	if b.steps == b.power {
		b.mark, b.steps, b.power = link, 0, b.power*2
	}
	return false
}
