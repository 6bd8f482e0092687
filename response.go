package backuprestore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/serialization"

	"github.com/m365kit/backuprestore/internal/middleware"
	"github.com/m365kit/backuprestore/internal/token"
	"github.com/m365kit/backuprestore/models"
)

// call sends one request and decodes its response into T. The response is
// handled by a Kiota response handler (abs.RequestHandlerOption), which sees
// the raw *http.Response: that keeps status and headers for every error
// (Kiota's own error path loses them on an HTML body), reads the body
// through the size cap, and decodes with the fast models decoder instead of
// Kiota's JSON parse node. The decoded value is kept here rather than
// returned through the adapter, which would insist on a Parsable.
type call[T any] struct {
	c      *Client
	op     string
	decode func([]byte) (T, error)
	// fromParsable converts what a foreign adapter that ignores the
	// response handler returns (Kiota parse-node output) into T.
	fromParsable func(serialization.Parsable) (T, bool)
	factory      serialization.ParsableFactory
	// buf, when set, is the body buffer to use (and keep growing) instead
	// of a pooled one: a listing reuses one buffer for all its pages.
	buf *[]byte
	// redact: scrub the request's token from a 2xx body before decoding
	// ($batch item errors end up in *Error values).
	redact bool
	// emptyOK: a 2xx without a body is the success (a DELETE's 204); the
	// result is T's zero value.
	emptyOK bool

	// log records every HTTP attempt of the call (the wire tracker fills
	// it); send creates it when nil.
	log *middleware.AttemptLog
	// meta is the metadata of the last response handled.
	meta Response

	options []abs.RequestOption
	result  T
	handled bool
}

// send runs the call: Options.HTTPClient.Timeout as a deadline, the request
// through the adapter, and the failure contract (*Error for responses,
// wrapped causes for everything else). A GET whose body is cut short or
// stalls, or whose 2xx body does not decode, is sent again (reads are safe
// to repeat), as is any request answered with a 4xx (not 408) whose body
// was cut, within RetryOptions.MaxRetries attempts in all. A context already ended fails
// with ErrNotSent and the context's cause before anything is sent.
func (k *call[T]) send(ctx context.Context, ri *abs.RequestInformation) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, wrapErr(k.op, ErrNotSent, context.Cause(ctx))
	}
	capture := capturedResponse(ctx)
	if k.c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, k.c.timeout)
		defer cancel()
	}
	if k.log == nil {
		k.log = &middleware.AttemptLog{}
	}
	handler := abs.NewRequestHandlerOption()
	handler.SetResponseHandler(k.handle)
	ri.AddRequestOptions([]abs.RequestOption{handler, k.log})
	k.options = ri.GetRequestOptions()
	v, err := k.sendResending(ctx, ri)
	k.c.noteSubject(k.log.Subject())
	if capture != nil {
		*capture = k.meta
		capture.Attempts = k.log.Len()
	}
	return v, err
}

func (k *call[T]) sendResending(ctx context.Context, ri *abs.RequestInformation) (T, error) {
	var zero T
	for resend := 1; ; resend++ {
		k.handled = false
		res, err := k.c.adapter.Send(ctx, ri, k.factory, graphErrorMappings)
		var cut *cutRead
		if errors.As(err, &cut) {
			if k.log.Len() <= k.c.retry.MaxRetries && ctx.Err() == nil && sleepCtx(ctx, k.c.retry.backoff(resend)) {
				continue
			}
			return zero, cut.e
		}
		if err != nil {
			return zero, k.c.convertError(ctx, k.op, err)
		}
		if k.handled {
			return k.result, nil
		}
		if v, ok := k.fromParsable(res); ok {
			return v, nil
		}
		return zero, &Error{StatusCode: http.StatusOK, unexpected: true, Message: "the adapter returned no body", Method: ri.Method.String()}
	}
}

// cutRead is a response whose body could not be read (or, for a GET's 2xx,
// decoded) and whose request is safe to send again: a GET, or a request the
// service answered with a 4xx that says it did not act.
type cutRead struct{ e *Error }

func (c *cutRead) Error() string { return c.e.Error() }
func (c *cutRead) Unwrap() error { return c.e }

// handle is the Kiota response handler.
func (k *call[T]) handle(response any, _ abs.ErrorMappings) (any, error) {
	k.handled = true
	resp, ok := response.(*http.Response)
	if !ok || resp == nil {
		return nil, fmt.Errorf("backuprestore: %s: the adapter passed %T, not an *http.Response", k.op, response)
	}
	defer resp.Body.Close()
	k.meta = responseFrom(resp)
	inspectHeaders(k.options, resp)
	buf := k.buf
	if buf == nil {
		buf = getBuffer()
		defer putBuffer(buf)
	}
	body, readErr := readBody(resp, k.c.maxBytes, buf)
	get := resp.Request != nil && resp.Request.Method == http.MethodGet
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := newResponseError(resp, body, readErr)
		// An error whose body was cut loses its code (OperationNotAllowed
		// or another 403?). Asking again is safe for a read, and for a 4xx
		// other than 408, which says the service did not act.
		if readErr != nil && !errors.Is(readErr, ErrResponseTooLarge) &&
			(get || (resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusRequestTimeout)) {
			return nil, &cutRead{e}
		}
		return nil, e
	}
	if readErr != nil {
		e := newUnexpectedResponse(resp, body, readErr)
		if get && !errors.Is(readErr, ErrResponseTooLarge) {
			return nil, &cutRead{e}
		}
		return nil, e
	}
	if len(body) == 0 && k.emptyOK {
		var zero T
		k.result = zero
		return nil, nil
	}
	if len(body) == 0 {
		return nil, newUnexpectedResponse(resp, body, errors.New("empty body, want a JSON object"))
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" && !isJSON(ct) {
		return nil, newUnexpectedResponse(resp, body, fmt.Errorf("content type %q, want application/json", ct))
	}
	if k.redact && resp.Request != nil {
		if tok := token.FromAuthorization(resp.Request.Header.Get("Authorization")); len(tok) >= minRedactLen {
			body, _ = redactToken(body, nil, tok)
		}
	}
	v, err := k.decode(body)
	if err != nil {
		e := newUnexpectedResponse(resp, body, err)
		if get {
			return nil, &cutRead{e}
		}
		return nil, e
	}
	k.result = v
	return nil, nil
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// readBody reads at most limit bytes of the body into buf. A longer body
// fails with an error matching ErrResponseTooLarge after reading limit+1
// bytes; the rest is never read. A read error (a reset connection, a
// cancelled context) is returned with what was read.
func readBody(resp *http.Response, limit int64, buf *[]byte) ([]byte, error) {
	if resp.ContentLength > limit {
		return nil, middleware.TooLarge(limit)
	}
	b := (*buf)[:0]
	if n := resp.ContentLength; n > 0 && int64(cap(b)) < n+1 {
		b = make([]byte, 0, n+1)
	}
	r := io.LimitReader(resp.Body, limit+1)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if int64(len(b)) > limit {
			*buf = b
			return b[:limit], middleware.TooLarge(limit)
		}
		if err == io.EOF {
			*buf = b
			return b, nil
		}
		if err != nil {
			*buf = b
			return b, err
		}
	}
}

// Body buffers are pooled: decoded models copy every string they keep, so
// a buffer can be reused as soon as the response is decoded.
var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

func getBuffer() *[]byte { return bodyPool.Get().(*[]byte) }

func putBuffer(b *[]byte) {
	if cap(*b) <= 4<<20 {
		bodyPool.Put(b)
	}
}

// convertError applies the failure contract to whatever the adapter
// returned: *Error as is; Kiota's own error types (from an adapter that
// ignored the response handler) become *Error; anything else is a failure
// without a response and keeps its cause.
func (c *Client) convertError(ctx context.Context, op string, err error) error {
	if e, ok := asError(err); ok {
		return e
	}
	var ge *graphErrorBody
	if errors.As(err, &ge) {
		e := &Error{StatusCode: ge.status, Header: ge.header()}
		e.fillFromHeaders(e.Header)
		if ge.body != nil {
			e.fillFromBody(ge.body)
		}
		return e
	}
	var ae *abs.ApiError
	if errors.As(err, &ae) {
		e := &Error{StatusCode: ae.ResponseStatusCode, Header: kiotaHeaders(ae.ResponseHeaders), Message: ae.Message}
		e.fillFromHeaders(e.Header)
		return e
	}
	if c.base != nil && !errors.As(err, new(*middleware.SendError)) && !errors.Is(err, ErrNotSent) {
		// In the client's own pipeline every attempt that reaches the
		// transport passes the wire tracker, which wraps its failure in a
		// *middleware.SendError. An error without one never reached the
		// transport (a context that ended while the request was built,
		// authorised or handed on; a retry's wait cut short): nothing of
		// it was written. Earlier attempts of the call are in its
		// AttemptLog. A foreign adapter (NewClientWithAdapter) gives no
		// such guarantee: its bare errors stay "maybe sent".
		parts := []error{ErrNotSent}
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			parts = append(parts, ctxErr)
		}
		return wrapErr(op, append(parts, err)...)
	}
	return wrapTransportError(ctx, op, err)
}

// sleepCtx waits d, or until ctx ends; it reports whether the wait ran its
// course.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// graphErrorMappings map every failed status to graphErrorBody, for
// adapters that ignore the response handler.
var graphErrorMappings = abs.ErrorMappings{"XXX": createGraphErrorBody}

func createGraphErrorBody(serialization.ParseNode) (serialization.Parsable, error) {
	return &graphErrorBody{}, nil
}

// graphErrorBody is Graph's error envelope as a Kiota Parsable and
// ApiErrorable, used only on the Kiota parse-node path and converted to
// *Error before it reaches the caller.
type graphErrorBody struct {
	body    *models.PublicError
	status  int
	headers *abs.ResponseHeaders
}

func (g *graphErrorBody) Error() string {
	return fmt.Sprintf("backuprestore: HTTP %d", g.status)
}

func (g *graphErrorBody) Serialize(w serialization.SerializationWriter) error {
	return w.WriteObjectValue("error", g.body)
}

func (g *graphErrorBody) GetFieldDeserializers() map[string]func(serialization.ParseNode) error {
	return map[string]func(serialization.ParseNode) error{
		"error": func(n serialization.ParseNode) error {
			v, err := n.GetObjectValue(models.CreatePublicErrorFromDiscriminatorValue)
			if err != nil {
				return nil // a malformed envelope still yields status and headers
			}
			g.body, _ = v.(*models.PublicError)
			return nil
		},
	}
}

func (g *graphErrorBody) SetResponseHeaders(h *abs.ResponseHeaders) { g.headers = h }
func (g *graphErrorBody) SetStatusCode(s int)                       { g.status = s }
func (g *graphErrorBody) GetResponseHeaders() *abs.ResponseHeaders  { return g.headers }
func (g *graphErrorBody) GetStatusCode() int                        { return g.status }

func (g *graphErrorBody) header() http.Header { return kiotaHeaders(g.headers) }

func kiotaHeaders(h *abs.ResponseHeaders) http.Header {
	out := http.Header{}
	if h == nil {
		return out
	}
	for _, k := range h.ListKeys() {
		for _, v := range h.Get(k) {
			out.Add(k, v)
		}
	}
	return out
}
