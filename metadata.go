package backuprestore

import (
	"context"
	"net/http"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	khttp "github.com/microsoft/kiota-http-go"

	"github.com/m365kit/backuprestore/internal/retryafter"
)

// Response is the metadata of the HTTP response that settled a call's
// outcome, success or failure, for audit logs and support tickets (the way
// azcore's runtime.WithCaptureResponse and go-github's *Response give it).
// Ask for it with WithCaptureResponse.
type Response struct {
	// StatusCode is the response status; 0 when no response came back
	// (the call failed before or during the exchange).
	StatusCode int
	// Header holds the response headers (nil without a response).
	Header http.Header
	// RequestID and ClientRequestID are the request-id and
	// client-request-id response headers: quote them to Microsoft support.
	RequestID, ClientRequestID string
	// Date is the response's Date header (the service's clock), zero if absent.
	Date time.Time
	// Method and URL identify the request that got this response.
	Method, URL string
	// Attempts is the number of HTTP requests the call sent in all: the
	// pipeline's retries, an action's resends and read-backs included.
	Attempts int
	// Reconciled reports that an action's answer was lost and its outcome
	// was settled by reading the unit back (this response is then the
	// read-back's).
	Reconciled bool
}

type captureKey struct{}

// WithCaptureResponse returns a context that makes any call of this
// package made with it fill *r with the metadata of the response that
// settled the call (also when the call fails). For a listing (All, Pages)
// it is the last page's. r must not be nil; use one r per call: a second
// call with the same context overwrites it.
func WithCaptureResponse(ctx context.Context, r *Response) context.Context {
	return context.WithValue(ctx, captureKey{}, r)
}

// capturedResponse returns the *Response the caller asked to be filled, or nil.
func capturedResponse(ctx context.Context) *Response {
	r, _ := ctx.Value(captureKey{}).(*Response)
	return r
}

// withoutCapture hides the caller's *Response from inner calls, so a call
// made of several (an action and its read-back) reports once, at its end.
func withoutCapture(ctx context.Context) context.Context {
	if capturedResponse(ctx) == nil {
		return ctx
	}
	return context.WithValue(ctx, captureKey{}, (*Response)(nil))
}

// responseFrom fills the metadata of an HTTP response.
func responseFrom(resp *http.Response) Response {
	r := Response{StatusCode: resp.StatusCode, Header: resp.Header}
	fillMeta(&r, resp.Header)
	if resp.Request != nil {
		r.Method, r.URL = resp.Request.Method, resp.Request.URL.String()
	}
	return r
}

func fillMeta(r *Response, h http.Header) {
	r.RequestID = h.Get("request-id")
	r.ClientRequestID = h.Get("client-request-id")
	if d, err := http.ParseTime(h.Get("Date")); err == nil {
		r.Date = d.UTC()
	}
}

// inspectHeaders honours Kiota's HeadersInspectionOptions among a call's
// request options (the one Kiota option whose effect is on the caller's
// side): response headers are copied in; request headers too, but never
// Authorization, so a token cannot leak into the caller's logs.
func inspectHeaders(options []abs.RequestOption, resp *http.Response) {
	for _, o := range options {
		hi, ok := o.(*khttp.HeadersInspectionOptions)
		if !ok || hi == nil {
			continue
		}
		if hi.GetInspectResponseHeaders() && hi.GetResponseHeaders() != nil {
			for k, vs := range resp.Header {
				for _, v := range vs {
					hi.GetResponseHeaders().Add(k, v)
				}
			}
		}
		if hi.GetInspectRequestHeaders() && hi.GetRequestHeaders() != nil && resp.Request != nil {
			for k, vs := range resp.Request.Header {
				if http.CanonicalHeaderKey(k) == "Authorization" {
					continue
				}
				for _, v := range vs {
					hi.GetRequestHeaders().Add(k, v)
				}
			}
		}
	}
}

// retryAfterOf reads a Retry-After header (0 if none).
func retryAfterOf(h http.Header) time.Duration {
	d, _ := retryafter.Parse(h.Get("Retry-After"), time.Now())
	return d
}
