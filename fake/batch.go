package fake

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/m365kit/backuprestore/models"
)

// MaxBatchRequests is the most requests one $batch may hold.
const MaxBatchRequests = 20

// batchItem is one request of a $batch body.
type batchItem struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	Body      json.RawMessage   `json:"body"`
	DependsOn []string          `json:"dependsOn"`
}

// batchOut is one response of a $batch answer.
type batchOut struct {
	id     string
	status int
	header http.Header
	body   []byte
	ctype  string
}

// batch serves POST /v1.0/$batch: each item goes through the same handlers
// as a top-level request, with its own headers and the outer token, in
// request order (dependencies first). The responses come back in a
// deterministic order that is not the request order.
func (c *call) batch() *response {
	s := c.s
	if ct := c.header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !strings.EqualFold(mt, "application/json") {
			return c.fail(&graphError{status: http.StatusUnsupportedMediaType, code: "UnsupportedMediaType",
				message: "A $batch request must have Content-Type application/json."})
		}
	}
	if len(c.body) > maxRequestBody {
		return c.fail(&graphError{status: http.StatusRequestEntityTooLarge, code: "RequestEntityTooLarge",
			message: "The $batch payload exceeds the limit of 4 MB."})
	}
	if _, g := parseQuery(c.rawQuery, queryNone, models.KindUnknown); g != nil {
		return c.fail(g)
	}
	var in struct {
		Requests []batchItem `json:"requests"`
	}
	if err := json.Unmarshal(c.body, &in); err != nil || in.Requests == nil {
		return c.fail(badRequest("Invalid batch payload format: the body must be a JSON object with a \"requests\" array."))
	}
	items := in.Requests
	if len(items) == 0 {
		return c.fail(badRequest("The batch request must contain at least one request."))
	}
	if len(items) > MaxBatchRequests {
		return c.fail(badRequest("The number of requests in the batch (" + itoa(len(items)) + ") exceeds the limit of " + itoa(MaxBatchRequests) + "."))
	}
	order, g := batchOrder(items)
	if g != nil {
		return c.fail(g)
	}

	outs := make([]batchOut, len(items))
	pos := make(map[string]int, len(items))
	for i, it := range items {
		pos[it.ID] = i
	}
	for _, i := range order {
		it := &items[i]
		failedDep := ""
		for _, d := range it.DependsOn {
			if st := outs[pos[d]].status; st < 200 || st > 299 {
				failedDep = d
				break
			}
		}
		if failedDep != "" {
			outs[i] = c.failedDependency(it, failedDep)
			continue
		}
		outs[i] = c.serveItem(it)
		if err := c.ctx.Err(); err != nil {
			return &response{err: err}
		}
	}

	b := make([]byte, 0, 256+len(items)*1200)
	b = append(b, `{"responses":[`...)
	for n, i := range s.responseOrder(len(items)) {
		if n > 0 {
			b = append(b, ',')
		}
		b = appendBatchOut(b, &outs[i])
	}
	b = append(b, "]}"...)
	return jsonResponse(http.StatusOK, b)
}

// batchOrder validates ids and dependsOn and returns the order to run the
// items in: request order, each item after the items it depends on.
func batchOrder(items []batchItem) ([]int, *graphError) {
	pos := make(map[string]int, len(items))
	for i, it := range items {
		switch {
		case strings.TrimSpace(it.ID) == "":
			return nil, badRequest("Request " + itoa(i) + " of the batch has no id.")
		case it.Method == "":
			return nil, badRequest("The batch request with id '" + it.ID + "' has no method.")
		case it.URL == "":
			return nil, badRequest("The batch request with id '" + it.ID + "' has no url.")
		}
		if _, dup := pos[it.ID]; dup {
			return nil, badRequest("The batch request id '" + it.ID + "' is used more than once; ids must be unique.")
		}
		pos[it.ID] = i
	}
	for _, it := range items {
		for _, d := range it.DependsOn {
			if _, ok := pos[d]; !ok || d == it.ID {
				return nil, badRequest("The batch request with id '" + it.ID + "' depends on '" + d + "', which is not another request of the batch.")
			}
		}
	}
	const (
		unvisited = iota
		visiting
		done
	)
	state := make([]int, len(items))
	order := make([]int, 0, len(items))
	var visit func(i int) bool
	visit = func(i int) bool {
		switch state[i] {
		case visiting:
			return false
		case done:
			return true
		}
		state[i] = visiting
		for _, d := range items[i].DependsOn {
			if !visit(pos[d]) {
				return false
			}
		}
		state[i] = done
		order = append(order, i)
		return true
	}
	for i := range items {
		if !visit(i) {
			return nil, badRequest("The dependsOn of the batch requests form a cycle.")
		}
	}
	return order, nil
}

// responseOrder returns a deterministic permutation of n responses drawn
// from Options.Seed, never the request order when n > 1.
func (s *Server) responseOrder(n int) []int {
	p := s.st.permutation(n)
	if n > 1 && slices.IsSorted(p) {
		p = append(p[1:], p[0])
	}
	return p
}

// failedDependency is the 424 of an item whose dependency failed.
func (c *call) failedDependency(it *batchItem, dep string) batchOut {
	s := c.s
	ids := newRequestIDs(itemHeader(it))
	g := &graphError{status: http.StatusFailedDependency, code: "FailedDependency",
		message: "The request depends on the request with id '" + dep + "', which failed."}
	r := errorResponse(g, ids, s.Now())
	s.record(RecordedRequest{Time: s.Now(), Method: it.Method, Path: it.URL, Header: redactedHeader(itemHeader(it)),
		Route: RouteUnknown, Status: r.status, RequestID: ids.request, InBatch: true, BatchItemID: it.ID})
	return itemOut(it.ID, r, ids)
}

// itemHeader returns an item's headers as an http.Header.
func itemHeader(it *batchItem) http.Header {
	h := make(http.Header, len(it.Headers))
	for k, v := range it.Headers {
		h.Add(k, v)
	}
	return h
}

// serveItem runs one item: its URL resolved against /v1.0, item faults,
// then dispatch with the outer caller's identity.
func (c *call) serveItem(it *batchItem) batchOut {
	s := c.s
	h := itemHeader(it)
	ids := newRequestIDs(h)
	method := strings.ToUpper(it.Method)
	esc, rawQuery, g := itemPath(it.URL, c.base)
	t := target{route: RouteUnknown, err: g}
	if g == nil {
		t = parseTarget(method, esc)
	}
	rec := RecordedRequest{Time: s.Now(), Method: method, Path: esc, Query: rawQuery, Header: redactedHeader(h),
		Route: t.route, UnitID: t.id, PolicyID: t.pol.id, RequestID: ids.request, InBatch: true, BatchItemID: it.ID}
	inc, maxPage := parsePrefer(h)
	body := []byte(it.Body)
	if string(bytes.TrimSpace(body)) == "null" {
		body = nil
	}
	if len(body) > 0 && h.Get("Content-Type") == "" && t.err == nil {
		// Graph requires the headers, with Content-Type, whenever an item has a body.
		t.err = badRequest("The batch request with id '" + it.ID + "' has a body but no Content-Type header.")
	}
	ic := &call{
		s: s, ctx: c.ctx, method: method, target: t, rawQuery: rawQuery, header: h, body: body,
		base: c.base, p: c.p, ids: ids, includeUnknown: inc, maxPageSize: maxPage, inBatch: true,
	}
	var r *response
	latency, f := s.st.pickFaults(t.route, t.id, t.pol.id, true)
	switch {
	case latency > 0 && !sleepCtx(c.ctx.Done(), latency):
		r = ic.fail(statusError(http.StatusGatewayTimeout, "", "The client went away."))
	case f != nil:
		r = faultResponse(f, ids, s.Now())
	default:
		if r = ic.throttled(); r == nil {
			r = ic.dispatch()
		}
	}
	rec.Status, rec.Fault = r.status, r.fault
	s.record(rec)
	return itemOut(it.ID, r, ids)
}

// itemPath resolves an item's url: relative to the version root, or
// absolute on the same host as the $batch request. It returns the escaped
// path with /v1.0 in front, and the raw query.
func itemPath(raw, base string) (string, string, *graphError) {
	u, err := url.Parse(raw)
	if err != nil {
		return raw, "", badRequest("The url '" + raw + "' of the batch request is invalid.")
	}
	if u.Scheme != "" || u.Host != "" {
		b, _ := url.Parse(base)
		if b == nil || !strings.EqualFold(u.Host, b.Host) || !strings.EqualFold(u.Scheme, b.Scheme) {
			return raw, "", badRequest("The url '" + raw + "' of the batch request must be relative to the version root or on this service's host.")
		}
		return u.EscapedPath(), u.RawQuery, nil
	}
	p := u.EscapedPath()
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return "/v1.0" + p, u.RawQuery, nil
}

// itemOut converts an item's answer into its place in the $batch answer.
func itemOut(id string, r *response, ids requestIDs) batchOut {
	h := r.header
	h.Set("request-id", ids.request)
	h.Set("client-request-id", ids.client)
	if len(r.body) > 0 && h.Get("Content-Type") == "" {
		h.Set("Content-Type", contentTypeJSON)
	}
	return batchOut{id: id, status: r.status, header: h, body: r.body, ctype: h.Get("Content-Type")}
}

// appendBatchOut writes one response of a $batch answer.
func appendBatchOut(b []byte, o *batchOut) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, o.id)
	b = append(b, `,"status":`...)
	b = appendInt(b, o.status)
	b = append(b, `,"headers":{`...)
	keys := make([]string, 0, len(o.header))
	for k := range o.header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		name := k
		switch k { // Graph writes these in lower case
		case "Request-Id":
			name = "request-id"
		case "Client-Request-Id":
			name = "client-request-id"
		}
		b = appendString(b, name)
		b = append(b, ':')
		b = appendString(b, o.header.Get(k))
	}
	b = append(b, '}')
	if len(o.body) > 0 {
		b = append(b, `,"body":`...)
		if strings.HasPrefix(o.ctype, "application/json") && json.Valid(o.body) {
			b = append(b, o.body...)
		} else {
			b = appendString(b, string(o.body))
		}
	}
	return append(b, '}')
}
