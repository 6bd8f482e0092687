package fake

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// pageToken is the state a $skiptoken carries: the query of the first page
// and where the last page ended. It is opaque to clients (base64url JSON).
type pageToken struct {
	V int      `json:"v"`
	P string   `json:"p"`           // the collection it belongs to
	F string   `json:"f,omitempty"` // $filter
	S string   `json:"s,omitempty"` // $select
	O string   `json:"o,omitempty"` // $orderby
	N int      `json:"n"`           // page size
	C bool     `json:"c,omitempty"` // $count
	A []string `json:"a"`           // sort keys of the last item sent, id last
}

// encode returns the token's wire form.
func (t *pageToken) encode() string {
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodePageToken parses a $skiptoken for collection p.
func decodePageToken(s, p string) (*pageToken, *graphError) {
	bad := badRequest("The $skiptoken is invalid or belongs to another collection.")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var t pageToken
	if json.Unmarshal(b, &t) != nil || t.V != 1 || t.P != p || t.N < 1 || len(t.A) == 0 {
		return nil, bad
	}
	return &t, nil
}

// collectionKey identifies a collection for page tokens.
func (t *target) collectionKey() string { return t.coll + "|" + t.kind.String() + "|" + t.pol.id }

// sortKey returns a string whose byte order is the order of property p.
func sortKey(u *Unit, p int) string {
	switch p {
	case propID:
		return u.ID
	case propPolicyID:
		return u.PolicyID
	case propStatus:
		return string(rune('0' + statusRank(u.Status)))
	case propCreatedDateTime:
		return u.CreatedDateTime.UTC().Format("2006-01-02T15:04:05.000000000")
	case propLastModifiedDateTime:
		return u.LastModifiedDateTime.UTC().Format("2006-01-02T15:04:05.000000000")
	}
	return ""
}

// sortKeys returns u's keys for an $orderby: one per key, then the ID.
func sortKeys(u *Unit, keys []orderKey) []string {
	out := make([]string, len(keys)+1)
	for i, k := range keys {
		out[i] = sortKey(u, k.prop)
	}
	out[len(keys)] = u.ID
	return out
}

// compareKeys orders two key tuples under an $orderby (the ID breaks ties,
// ascending).
func compareKeys(a, b []string, keys []orderKey) int {
	for i, k := range keys {
		c := strings.Compare(a[i], b[i])
		if k.desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return strings.Compare(a[len(keys)], b[len(keys)])
}

// listState is what a list request resolves to, from the first page's
// options or from a $skiptoken.
type listState struct {
	filter   *filterNode
	masks    *[3]propMask
	selected []string
	orderby  []orderKey
	size     int
	count    bool
	after    []string
	tok      pageToken // the token fields to carry to the next page
}

// resolveList merges the query options (or the $skiptoken) into a listState.
func (c *call) resolveList(q *queryOpts) (*listState, *graphError) {
	t := &c.target
	if q.skiptoken != "" {
		tok, g := decodePageToken(q.skiptoken, t.collectionKey())
		if g != nil {
			return nil, g
		}
		q2 := &queryOpts{}
		if tok.F != "" {
			q2.filter, g = parseFilter(tok.F)
		}
		if g == nil && tok.S != "" {
			g = q2.parseSelect(tok.S, t.kind)
		}
		if g == nil && tok.O != "" {
			q2.orderby, g = parseOrderBy(tok.O)
		}
		if g != nil {
			return nil, badRequest("The $skiptoken is invalid.")
		}
		ls := &listState{filter: q2.filter, masks: q2.masks, selected: q2.selected, orderby: q2.orderby,
			size: tok.N, count: tok.C, after: tok.A, tok: *tok}
		if len(ls.after) != len(ls.orderby)+1 {
			return nil, badRequest("The $skiptoken is invalid.")
		}
		return ls, nil
	}
	size := c.s.opts.PageSize
	if q.top > 0 && q.top < size {
		size = q.top
	}
	if m := c.maxPageSize; m > 0 && m < size {
		size = m
	}
	return &listState{
		filter: q.filter, masks: q.masks, selected: q.selected, orderby: q.orderby, size: size, count: q.count,
		tok: pageToken{V: 1, P: t.collectionKey(), F: q.filterRaw, S: q.selectRaw, O: q.orderRaw, N: size, C: q.count},
	}, nil
}

// unitListing is a unit listing settled before the state is read: which
// units it selects, the page it resumes after, how units are rendered and
// where its nextLink points.
type unitListing struct {
	match func(*Unit) bool
	ls    *listState
	view  *view
	// next is the nextLink up to the $skiptoken's value.
	next string
}

// list serves a GET of a collection (or its $count).
func (c *call) list() *response {
	t := &c.target
	qk := queryList
	if t.count {
		qk = queryCount
	}
	q, g := parseQuery(c.rawQuery, qk, t.kind)
	if g != nil {
		return c.fail(g)
	}
	if t.count {
		return c.countUnits(q)
	}
	ls, g := c.resolveList(q)
	if g != nil {
		return c.fail(g)
	}
	v := c.view(ls.masks)
	l := &unitListing{ls: ls, view: v, next: c.base + "/v1.0" + t.listPath + "?$skiptoken=",
		match: func(u *Unit) bool {
			return t.admits(u) && (ls.filter == nil || ls.filter.match(u, v.includeUnknown))
		}}
	b := make([]byte, 0, 512+ls.size*900)
	b = append(b, `{"@odata.context":`...)
	ctx := contextPrefix + t.contextPath()
	if len(ls.selected) > 0 {
		ctx += "(" + strings.Join(ls.selected, ",") + ")"
	}
	b = appendString(b, ctx)
	b = c.s.st.appendUnitList(b, l)
	b = append(b, '}')
	return c.unitsResponse(http.StatusOK, b)
}

// appendUnitListLocked appends a listing's @odata.count (when asked for),
// @odata.nextLink (when more follow) and "value": the page of units after
// l.ls.after, in ID order or $orderby's.
func (st *store) appendUnitListLocked(b []byte, l *unitListing) []byte {
	ls, match := l.ls, l.match
	page := make([]*Unit, 0, ls.size)
	more := false
	total := -1
	if len(ls.orderby) == 0 {
		// Fast path: the cached ID order; resume by binary search.
		ids := st.sortedLocked()
		i := 0
		if ls.after != nil {
			i = sort.SearchStrings(ids, ls.after[0])
			if i < len(ids) && ids[i] == ls.after[0] {
				i++
			}
		}
		for ; i < len(ids); i++ {
			u := &st.units[ids[i]].u
			if !match(u) {
				continue
			}
			if len(page) == ls.size {
				more = true
				break
			}
			page = append(page, u)
		}
		if ls.count {
			total = 0
			for _, id := range ids {
				if match(&st.units[id].u) {
					total++
				}
			}
		}
	} else {
		type keyed struct {
			u    *Unit
			keys []string
		}
		all := make([]keyed, 0, len(st.units))
		for _, id := range st.sortedLocked() {
			if u := &st.units[id].u; match(u) {
				all = append(all, keyed{u, sortKeys(u, ls.orderby)})
			}
		}
		slices.SortFunc(all, func(a, b keyed) int { return compareKeys(a.keys, b.keys, ls.orderby) })
		i := 0
		if ls.after != nil {
			i = sort.Search(len(all), func(j int) bool { return compareKeys(all[j].keys, ls.after, ls.orderby) > 0 })
		}
		for ; i < len(all); i++ {
			if len(page) == ls.size {
				more = true
				break
			}
			page = append(page, all[i].u)
		}
		total = len(all)
	}
	if ls.count {
		b = append(b, `,"@odata.count":`...)
		b = strconv.AppendInt(b, int64(total), 10)
	}
	if more {
		tok := ls.tok
		tok.A = sortKeys(page[len(page)-1], ls.orderby)
		b = append(b, `,"@odata.nextLink":`...)
		b = appendString(b, l.next+tok.encode())
	}
	b = append(b, `,"value":[`...)
	for i, u := range page {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendUnit(b, u, l.view, "")
	}
	return append(b, ']')
}

// countUnits serves …/$count: the number of matching units as text/plain.
func (c *call) countUnits(q *queryOpts) *response {
	t := &c.target
	inc := c.includeUnknown
	n := c.s.st.countUnits(func(u *Unit) bool {
		return t.admits(u) && (q.filter == nil || q.filter.match(u, inc))
	})
	return textCount(n)
}

// textCount is the text/plain answer of a …/$count.
func textCount(n int) *response {
	r := newResponse(http.StatusOK)
	r.header.Set("Content-Type", "text/plain;charset=utf-8")
	r.body = strconv.AppendInt(nil, int64(n), 10)
	return r
}
