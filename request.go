package backuprestore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	abs "github.com/microsoft/kiota-abstractions-go"

	"github.com/m365kit/backuprestore/internal/middleware"
)

// RequestConfiguration carries per-call extras: headers to add (a Prefer
// header is merged with the client's own "include-unknown-enum-members")
// and Kiota request options (for example a middleware's per-request
// options). A nil *RequestConfiguration means none.
type RequestConfiguration struct {
	// Headers are added to the request; nil adds none.
	Headers *abs.RequestHeaders
	// Options are Kiota request options handed to the middleware.
	Options []abs.RequestOption
}

// maxIDLength is the longest protection-unit ID accepted, in bytes.
const maxIDLength = 1024

// validateID reports why id cannot be a protection-unit ID, or nil. IDs are
// opaque, so anything else is accepted and escaped as one path segment.
func validateID(id string) error {
	switch {
	case id == "":
		return invalidID(id, "empty")
	case strings.TrimSpace(id) == "":
		return invalidID(id, "all white space")
	case id == "." || id == "..":
		return invalidID(id, "a dot segment would change the path")
	case len(id) > maxIDLength:
		return invalidID(id, fmt.Sprintf("longer than %d bytes", maxIDLength))
	case !utf8.ValidString(id):
		return invalidID(id, "not valid UTF-8")
	}
	for _, r := range id {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return invalidID(id, fmt.Sprintf("control character %U", r))
		}
	}
	return nil
}

// escapeSegment percent-encodes s as exactly one path segment: every byte
// outside RFC 3986's unreserved set (A-Z a-z 0-9 - . _ ~) becomes %XX. This
// is what RFC 6570 simple expansion of the builders' URL templates produces,
// so the two forms of a request are identical ("a/b?c#d" → "a%2Fb%3Fc%23d").
func escapeSegment(s string) string {
	const upperhex = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', upperhex[c>>4], upperhex[c&15])
	}
	return string(b)
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// newRequestInformation builds the RequestInformation for one call: method,
// URL template and path parameters, Accept: application/json and Prefer:
// include-unknown-enum-members, then the caller's headers and options.
func newRequestInformation(method abs.HttpMethod, template string, params map[string]string, headers *abs.RequestHeaders, options []abs.RequestOption) *abs.RequestInformation {
	if params == nil {
		params = map[string]string{} // the adapter writes "baseurl" into it
	}
	ri := abs.NewRequestInformationWithMethodAndUrlTemplateAndPathParameters(method, template, params)
	ri.Headers.TryAdd("Accept", "application/json")
	ri.Headers.Add("Prefer", preferUnknownEnumMembers)
	if headers != nil {
		ri.Headers.AddAll(headers)
	}
	ri.AddRequestOptions(options)
	return ri
}

const preferUnknownEnumMembers = "include-unknown-enum-members"

// withURI sets the precomputed URL on ri so that neither the authentication
// provider nor the adapter expands the URI template again (Kiota expands it
// on every GetUri call, twice per request). The template and its
// parameters stay on ri for tracing.
func withURI(ri *abs.RequestInformation, u *url.URL) *abs.RequestInformation {
	template := ri.UrlTemplate
	ri.SetUri(*u)
	ri.UrlTemplate = template
	return ri
}

// wrapTransportError gives a failure without a response its context: the
// operation; ErrNotSent when the request never reached the wire; the
// context's error when the context ended (some transport errors don't wrap
// it). *Error passes through unchanged.
func wrapTransportError(ctx context.Context, op string, err error) error {
	if _, ok := asError(err); ok {
		return err
	}
	if errors.Is(err, ErrNotSent) {
		return err // already says so
	}
	parts := make([]error, 0, 3)
	if state, _ := wireStateOf(err); state == middleware.NotSent {
		parts = append(parts, ErrNotSent)
	}
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		parts = append(parts, ctxErr)
	}
	return wrapErr(op, append(parts, err)...)
}
