package fake

import (
	"net/http"
	"strconv"
	"time"
)

// graphError is an error answer, written in Graph's envelope:
//
//	{"error":{"code","message","details"?,"innerError":{"date","request-id","client-request-id"}}}
type graphError struct {
	status  int
	code    string
	message string
	target  string
	// details writes "details": [] (as the offboard examples show).
	details bool
	// inner holds extra innerError members written before date, e.g. the
	// throttling example's code, message and status.
	inner [][2]string
	// header holds extra response headers, such as Retry-After or Allow.
	header http.Header
}

// badRequest returns a 400 BadRequest with this message.
func badRequest(msg string) *graphError {
	return &graphError{status: http.StatusBadRequest, code: "BadRequest", message: msg}
}

// segmentNotFound is OData's answer to a path segment it does not know.
func segmentNotFound(seg string) *graphError {
	return badRequest("Resource not found for the segment '" + seg + "'.")
}

// methodNotAllowed is the 405 for a known path with the wrong method.
func methodNotAllowed(method string, allow ...string) *graphError {
	h := http.Header{}
	a := ""
	for i, m := range allow {
		if i > 0 {
			a += ", "
		}
		a += m
	}
	h.Set("Allow", a)
	return &graphError{
		status:  http.StatusMethodNotAllowed,
		code:    "UnknownError",
		message: "The HTTP method '" + method + "' is not allowed for the requested resource. Allowed: " + a + ".",
		header:  h,
	}
}

// fromAction converts a state-machine refusal.
func fromAction(e *actionError) *graphError {
	return &graphError{status: e.status, code: e.code, message: e.message, details: e.status == http.StatusForbidden}
}

// statusError is the body a status fault answers with.
func statusError(status int, code, message string) *graphError {
	g := &graphError{status: status, code: code, message: message}
	switch status {
	case http.StatusTooManyRequests:
		if g.code == "" {
			g.code = "TooManyRequests"
		}
		if g.message == "" {
			g.message = "Please retry again later."
		}
		g.inner = [][2]string{{"code", "429"}, {"message", "Please retry after"}, {"status", "429"}}
	case http.StatusServiceUnavailable:
		g.code, g.message = or(g.code, "serviceNotAvailable"), or(g.message, "The service is temporarily unavailable. Please retry later.")
	case http.StatusGatewayTimeout:
		g.code, g.message = or(g.code, "UnknownError"), or(g.message, "The gateway timed out waiting for the service.")
	case http.StatusInternalServerError:
		g.code, g.message = or(g.code, "generalException"), or(g.message, "An unexpected error occurred.")
	default:
		g.code, g.message = or(g.code, "UnknownError"), or(g.message, http.StatusText(status))
	}
	return g
}

// or returns a unless it is empty, then b.
func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// body renders the envelope.
func (g *graphError) body(requestID, clientRequestID string, now time.Time) []byte {
	b := make([]byte, 0, 256)
	b = append(b, `{"error":{"code":`...)
	b = appendString(b, g.code)
	b = append(b, `,"message":`...)
	b = appendString(b, g.message)
	if g.target != "" {
		b = append(b, `,"target":`...)
		b = appendString(b, g.target)
	}
	if g.details {
		b = append(b, `,"details":[]`...)
	}
	b = append(b, `,"innerError":{`...)
	for _, kv := range g.inner {
		b = appendString(b, kv[0])
		b = append(b, ':')
		b = appendString(b, kv[1])
		b = append(b, ',')
	}
	b = append(b, `"date":`...)
	b = appendString(b, now.UTC().Format("2006-01-02T15:04:05"))
	b = append(b, `,"request-id":`...)
	b = appendString(b, requestID)
	b = append(b, `,"client-request-id":`...)
	b = appendString(b, clientRequestID)
	return append(b, `}}}`...)
}

// response is an answer before it is written to the wire or handed back by
// the in-process transport.
type response struct {
	status int
	header http.Header
	body   []byte
	// err is set when the request got no answer: a connection reset
	// (errConnReset) or the client going away (its context's error).
	err error
	// fault is the fault applied, for the request log.
	fault FaultKind
}

// newResponse returns an empty response with the given status.
func newResponse(status int) *response {
	return &response{status: status, header: make(http.Header, 8)}
}

// jsonResponse returns a response carrying a JSON body.
func jsonResponse(status int, body []byte) *response {
	r := newResponse(status)
	r.header.Set("Content-Type", contentTypeJSON)
	r.body = body
	return r
}

// errorResponse renders g for a request with these ids.
func errorResponse(g *graphError, ids requestIDs, now time.Time) *response {
	r := jsonResponse(g.status, g.body(ids.request, ids.client, now))
	for k, v := range g.header {
		r.header[k] = v
	}
	return r
}

// requestIDs are the correlation ids of one answer.
type requestIDs struct {
	request string // request-id: generated
	client  string // client-request-id: echoed, or generated
}

// newRequestIDs returns ids for a request carrying these headers.
func newRequestIDs(h http.Header) requestIDs {
	id := newGUID()
	c := h.Get("client-request-id")
	if c == "" {
		c = id
	}
	return requestIDs{request: id, client: c}
}

// stamp sets the headers every answer carries.
func (r *response) stamp(ids requestIDs) {
	r.header.Set("request-id", ids.request)
	r.header.Set("client-request-id", ids.client)
	r.header.Set("OData-Version", "4.0")
	if r.header.Get("Content-Type") == "" && len(r.body) > 0 {
		r.header.Set("Content-Type", contentTypeJSON)
	}
	r.header.Set("Content-Length", strconv.Itoa(len(r.body)))
}
