package control

import (
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/m365kit/backuprestore/fake"
)

// maxRequestBody bounds a control request's body, as the emulator bounds
// the API's (Graph's $batch limit, 4 MB).
const maxRequestBody = 4 << 20

// prefix starts every path of the control API.
const prefix = "/_emulator"

// Options configures a Handler. The zero value (or a nil *Options) gives
// the documented defaults.
type Options struct {
	// CORSOrigins lists the browser origins ("http://localhost:3000", as
	// the Origin header writes them) allowed to call the emulator from a
	// page: they get answers to CORS preflights and Access-Control-*
	// headers. Nil allows every origin; an empty, non-nil slice allows
	// none; "*" in the list allows every origin.
	CORSOrigins []string
}

// Handler serves the control API under /_emulator/ and passes every other
// request to its fake.Server, adding the CORS headers to both. Create it
// with New; it is safe for concurrent use.
type Handler struct {
	srv     *fake.Server
	origins []string
}

// New returns a Handler for srv configured by opts (nil for the defaults).
// It panics when srv is nil: a bug in the caller.
func New(srv *fake.Server, opts *Options) *Handler {
	if srv == nil {
		panic("control: New with a nil *fake.Server")
	}
	h := &Handler{srv: srv}
	if opts != nil && opts.CORSOrigins != nil {
		h.origins = append([]string{}, opts.CORSOrigins...)
	}
	return h
}

// Server returns the emulator the handler serves.
func (h *Handler) Server() *fake.Server { return h.srv }

// ServeHTTP implements http.Handler: a CORS preflight is answered at once;
// a path under /_emulator is the control API; anything else goes to the
// emulator, with the CORS headers for an allowed Origin.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.preflight(w, r) {
		return
	}
	h.addCORS(w.Header(), r.Header)
	p := r.URL.Path
	if p != prefix && !strings.HasPrefix(p, prefix+"/") {
		h.srv.ServeHTTP(w, r)
		return
	}
	ids := newIDs(r.Header)
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return // the client went away
	}
	var rep *reply
	if dec, fail := decodeBody(r.Header, body); fail != nil {
		rep = fail
	} else {
		rq := &request{method: r.Method, path: strings.TrimSuffix(strings.TrimPrefix(p, prefix), "/"), q: r.URL.Query(), body: dec}
		rep = h.route(rq)
	}
	h.write(w, rep, ids)
}

// request is a control API request: its method, its path after /_emulator
// without a trailing slash, its query and its (decoded) body.
type request struct {
	method string
	path   string
	q      url.Values
	body   []byte
}

// key returns "METHOD /path", as the route table names routes.
func (rq *request) key() string { return rq.method + " " + rq.path }

// route serves a request from the route table: the matching route, else a
// 405 for a path served with other methods, else a 404 pointing at the
// index.
func (h *Handler) route(rq *request) *reply {
	key := rq.key()
	rs := routes()
	for i := range rs {
		if rs[i].key() == key {
			return rs[i].serve(h, rq)
		}
	}
	var allow []string
	for i := range rs {
		if rs[i].path() == rq.path {
			allow = append(allow, rs[i].Method)
		}
	}
	if len(allow) > 0 {
		return methodNotAllowed(rq.method, allow)
	}
	return fail(http.StatusNotFound, "The emulator's control API has no "+key+"; GET /_emulator/ lists its endpoints.")
}
