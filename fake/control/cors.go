package control

import (
	"net/http"
	"slices"
	"strconv"
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
func (h *Handler) originAllowed(origin string) bool {
	if origin == "" {
		return false
	}
	if h.origins == nil {
		return true
	}
	return slices.ContainsFunc(h.origins, func(a string) bool {
		a = strings.TrimSuffix(strings.TrimSpace(a), "/")
		return a == "*" || strings.EqualFold(a, origin)
	})
}

// preflight answers a CORS preflight request and reports whether r was
// one. A preflight from a disallowed origin gets a 403 without
// Access-Control-* headers (the browser then refuses the real request).
func (h *Handler) preflight(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodOptions {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	id := newIDs(r.Header)
	if !h.originAllowed(origin) {
		h.write(w, &reply{status: http.StatusForbidden, code: "Forbidden",
			message: "CORS: the origin " + strconv.Quote(origin) + " is not allowed (Options.CORSOrigins, cmd/emulator -cors-origins)."}, id)
		return true
	}
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", origin)
	hd.Set("Access-Control-Allow-Methods", corsAllowMethods)
	hd.Set("Access-Control-Allow-Headers", corsAllowHeaders)
	hd.Set("Access-Control-Max-Age", corsMaxAge)
	hd.Set("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
	h.write(w, noContent(), id)
	return true
}

// addCORS adds the Access-Control-* headers an answer to a request
// carrying an allowed Origin gets.
func (h *Handler) addCORS(respHeader, reqHeader http.Header) {
	origin := reqHeader.Get("Origin")
	if !h.originAllowed(origin) {
		return
	}
	respHeader.Set("Access-Control-Allow-Origin", origin)
	respHeader.Set("Access-Control-Expose-Headers", corsExposeHeaders)
	respHeader.Add("Vary", "Origin")
}
