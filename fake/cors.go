package fake

import (
	"net/http"
	"slices"
	"strings"
)

// The emulator answers browsers as a CORS-enabled API does, so a single-page
// app can call it from another origin (a dev server on another port): a
// preflight (OPTIONS with Origin and Access-Control-Request-Method) is
// answered 204 before authentication, throttling and faults, and every
// answer to a request carrying an allowed Origin gets
// Access-Control-Allow-Origin (the origin, echoed) and
// Access-Control-Expose-Headers, so the page can read request-id,
// Retry-After and the other headers a client needs. Options.CORSOrigins
// restricts the origins; a disallowed origin gets no Access-Control-*
// header, so the browser refuses the call.
//
// Real Graph's exact preflight answer is not documented; the emulator
// echoes the origin (which also works for credentialed requests) and,
// unlike Graph, exposes Retry-After, which Graph's answers do not let a
// page read (microsoftgraph/microsoft-graph-docs-contrib issue 2011).

// CORS header values.
const (
	// corsAllowMethods are the methods a preflight allows.
	corsAllowMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
	// corsAllowHeaders are the request headers a preflight allows.
	corsAllowHeaders = "Authorization, Content-Type, Accept, Prefer, client-request-id, return-client-request-id, ConsistencyLevel, If-Match, If-None-Match, SdkVersion"
	// corsExposeHeaders are the response headers a page may read.
	corsExposeHeaders = "request-id, client-request-id, Retry-After, Location, Preference-Applied, OData-Version"
	// corsMaxAge is how long (seconds) a browser may cache a preflight.
	corsMaxAge = "3600"
)

// originAllowed reports whether a page of this origin may call the
// emulator.
func (s *Server) originAllowed(origin string) bool {
	if origin == "" {
		return false
	}
	allowed := s.opts.CORSOrigins
	if allowed == nil {
		return true
	}
	return slices.ContainsFunc(allowed, func(a string) bool {
		a = strings.TrimSuffix(strings.TrimSpace(a), "/")
		return a == "*" || strings.EqualFold(a, origin)
	})
}

// preflight answers a CORS preflight request, or returns nil when r is not
// one. A preflight from a disallowed origin gets a 403 without
// Access-Control-* headers (the browser then refuses the real request).
func (s *Server) preflight(r *http.Request, ids requestIDs) *response {
	if r.Method != http.MethodOptions {
		return nil
	}
	origin := r.Header.Get("Origin")
	if origin == "" || r.Header.Get("Access-Control-Request-Method") == "" {
		return nil
	}
	if !s.originAllowed(origin) {
		resp := errorResponse(&graphError{status: http.StatusForbidden, code: "Forbidden",
			message: "CORS: the origin " + quote(origin) + " is not allowed (Options.CORSOrigins, cmd/emulator -cors-origins)."}, ids, s.Now())
		resp.stamp(ids)
		return resp
	}
	resp := newResponse(http.StatusNoContent)
	h := resp.header
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Methods", corsAllowMethods)
	h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
	h.Set("Access-Control-Max-Age", corsMaxAge)
	h.Set("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
	resp.stamp(ids)
	return resp
}

// addCORS adds the Access-Control-* headers to the answer of a request
// carrying an allowed Origin. A nil or connection-less answer is left
// alone.
func (s *Server) addCORS(reqHeader http.Header, resp *response) {
	if resp == nil || resp.err != nil || resp.header == nil {
		return
	}
	origin := reqHeader.Get("Origin")
	if !s.originAllowed(origin) {
		return
	}
	resp.header.Set("Access-Control-Allow-Origin", origin)
	resp.header.Set("Access-Control-Expose-Headers", corsExposeHeaders)
	resp.header.Add("Vary", "Origin")
}
