package fake

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/m365kit/backuprestore/models"
)

// maxRequestBody bounds a request body (Graph's $batch limit is 4 MB).
const maxRequestBody = 4 << 20

// call is one request on its way through the handlers: a top-level request
// or an item of a $batch.
type call struct {
	s        *Server
	ctx      context.Context
	method   string
	target   target
	rawQuery string
	header   http.Header
	body     []byte
	// base is scheme://host of the top-level request, for nextLinks.
	base string
	p    *principal
	ids  requestIDs
	// includeUnknown and maxPageSize come from the Prefer header.
	includeUnknown bool
	maxPageSize    int
	inBatch        bool
}

// fail renders an error answer.
func (c *call) fail(g *graphError) *response { return errorResponse(g, c.ids, c.s.Now()) }

// view returns how units are rendered for this call.
func (c *call) view(masks *[3]propMask) *view {
	return &view{includeUnknown: c.includeUnknown, appOnly: c.p != nil && c.p.app, masks: masks}
}

// unitsResponse is a JSON answer carrying units, with Preference-Applied
// when the request opted in to preferences the emulator honours.
func (c *call) unitsResponse(status int, body []byte) *response {
	r := jsonResponse(status, body)
	var applied []string
	if c.includeUnknown {
		applied = append(applied, "include-unknown-enum-members")
	}
	if r := c.target.route; c.maxPageSize > 0 && (r == RouteList || r == RoutePolicyList || r == RoutePolicyUnitList) {
		applied = append(applied, "odata.maxpagesize="+itoa(c.maxPageSize))
	}
	if len(applied) > 0 {
		r.header.Set("Preference-Applied", strings.Join(applied, ","))
	}
	return r
}

// parsePrefer reads the preferences the emulator honours from every Prefer
// header line (each may hold several comma-separated preferences).
func parsePrefer(h http.Header) (includeUnknown bool, maxPageSize int) {
	for _, line := range h.Values("Prefer") {
		for pref := range strings.SplitSeq(line, ",") {
			name, val, _ := strings.Cut(pref, "=")
			name = strings.TrimSpace(name)
			if i := strings.IndexByte(name, ';'); i >= 0 {
				name = strings.TrimSpace(name[:i])
			}
			switch {
			case strings.EqualFold(name, "include-unknown-enum-members"):
				includeUnknown = true
			case strings.EqualFold(name, "odata.maxpagesize"):
				val, _, _ = strings.Cut(val, ";")
				if n, err := strconv.Atoi(strings.Trim(strings.TrimSpace(val), `"`)); err == nil && n > 0 {
					maxPageSize = n
				}
			}
		}
	}
	return includeUnknown, maxPageSize
}

// requestBase returns scheme://host of r: from r.URL when set (the
// in-process transport), else from the connection and the Host header.
func requestBase(r *http.Request) string {
	if r.URL.Scheme != "" && r.URL.Host != "" {
		return r.URL.Scheme + "://" + r.URL.Host
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// ServeHTTP implements http.Handler. A reset fault hijacks the connection
// and closes it with a TCP reset (or aborts the handler on HTTP/2).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return // the client went away
	}
	resp := s.handle(r, body)
	if resp.err != nil {
		if resp.fault == FaultResetBefore || resp.fault == FaultResetAfter {
			resetConn(w)
		}
		return
	}
	h := w.Header()
	for k, v := range resp.header {
		h[k] = v
	}
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}

// resetConn drops the connection under w without an answer.
func resetConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // close with RST, not FIN
	}
	_ = conn.Close()
}

// handle serves one top-level request whose body has been read: faults,
// authentication, throttling, dispatch, recording.
func (s *Server) handle(r *http.Request, body []byte) *response {
	ids := newRequestIDs(r.Header)
	now := s.Now()
	esc := r.URL.EscapedPath()
	t := parseTarget(r.Method, esc)
	rec := RecordedRequest{
		Time: now, Method: r.Method, Path: esc, Query: r.URL.RawQuery,
		Route: t.route, UnitID: t.id, PolicyID: t.pol.id, RequestID: ids.request,
	}
	if s.opts.MaxRecordedRequests >= 0 {
		rec.Header = redactedHeader(r.Header)
	}
	resp := s.serve(r, t, body, ids)
	if resp.err == nil {
		resp.stamp(ids)
		// The Date header reads the emulator's clock, the one its
		// timestamps come from, as the service's Date and timestamps share
		// one clock: clients estimate the service's clock from it.
		resp.header.Set("Date", s.Now().Format(http.TimeFormat))
		rec.Status = resp.status
	}
	rec.Fault = resp.fault
	s.record(rec)
	return resp
}

// serve runs the fault layer around dispatch for a top-level request.
func (s *Server) serve(r *http.Request, t target, body []byte, ids requestIDs) *response {
	ctx := r.Context()
	latency, f := s.st.pickFaults(t.route, t.id, t.pol.id, false)
	if latency > 0 && !sleepCtx(ctx.Done(), latency) {
		return &response{err: ctx.Err()}
	}
	if f != nil && !isAfterFault(f.Kind) {
		return faultResponse(f, ids, s.Now())
	}
	inc, maxPage := parsePrefer(r.Header)
	c := &call{
		s: s, ctx: ctx, method: r.Method, target: t, rawQuery: r.URL.RawQuery, header: r.Header, body: body,
		base: requestBase(r), ids: ids, includeUnknown: inc, maxPageSize: maxPage,
	}
	var resp *response
	dec, g := decodeRequestBody(r.Header, body)
	c.body = dec
	var p *principal
	if g == nil {
		p, g = s.authenticate(r.Header)
	}
	if g != nil {
		resp = c.fail(g)
	} else {
		c.p = p
		if t.route == RouteBatch { // the envelope is free; its items are charged
			resp = c.dispatch()
		} else if resp = c.throttled(); resp == nil {
			resp = c.dispatch()
		}
	}
	if f != nil {
		resp = applyAfter(f, resp)
	}
	return resp
}

// dispatch routes an authenticated call to its handler.
func (c *call) dispatch() *response {
	t := &c.target
	if t.err != nil {
		return c.fail(t.err)
	}
	switch t.route {
	case RouteList, RouteGet:
		if g := c.p.authorize(false); g != nil {
			return c.fail(g)
		}
		if t.route == RouteList {
			return c.list()
		}
		return c.get()
	case RouteOffboard, RouteCancelOffboard:
		if g := c.p.authorize(true); g != nil {
			return c.fail(g)
		}
		return c.action()
	case RoutePolicyList, RoutePolicyGet, RoutePolicyPatch, RoutePolicyUnitList, RoutePolicyUnitGet, RouteServiceStatus:
		return c.dispatchLifecycle()
	case RoutePolicyCreate, RoutePolicyActivate, RoutePolicyDeactivate, RoutePolicyDelete,
		RouteRuleList, RouteRuleGet, RouteRuleCreate, RouteRuleUpdate, RouteRuleDelete, RouteRuleRun, RouteRuleDeleteAndUnprotect,
		RouteJobList, RouteJobGet, RouteJobCreate:
		return c.dispatchProtection()
	case RouteBatch:
		if c.inBatch {
			return c.fail(badRequest("A $batch request cannot contain another $batch."))
		}
		return c.batch()
	}
	return c.fail(segmentNotFound(t.id))
}

// get serves GET of one unit.
func (c *call) get() *response {
	t := &c.target
	q, g := parseQuery(c.rawQuery, queryItem, t.kind)
	if g != nil {
		return c.fail(g)
	}
	ctx := contextPrefix + t.contextPath()
	if len(q.selected) > 0 {
		ctx += "(" + strings.Join(q.selected, ",") + ")"
	}
	ctx += "/$entity"
	b, ok := c.s.st.appendUnitJSON(make([]byte, 0, 1024), t.id, t.admits, c.view(q.masks), ctx)
	if !ok {
		return c.fail(fromAction(notFound(t.id)))
	}
	return c.unitsResponse(http.StatusOK, b)
}

// action serves POST …/offboard and …/cancelOffboard.
func (c *call) action() *response {
	t := &c.target
	if _, g := parseQuery(c.rawQuery, queryNone, models.KindUnknown); g != nil {
		return c.fail(g)
	}
	u, ae := c.s.st.applyAction(t.id, t.admits, t.route, c.p.who, c.ids.request, c.inBatch)
	if ae != nil {
		return c.fail(fromAction(ae))
	}
	b := appendUnit(make([]byte, 0, 1024), &u, c.view(nil), contextPrefix+"solutions/backupRestore/protectionUnits/$entity")
	return c.unitsResponse(http.StatusOK, b)
}
