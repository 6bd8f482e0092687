package fake

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/m365kit/backuprestore/models"
)

// MaxFilterClauses is the most comparisons a $filter may combine with and/or;
// one more fails with 400 FilterLengthExceeded, as the service documents.
const MaxFilterClauses = 20

// MaxTop is the largest $top the emulator accepts.
const MaxTop = 999

// queryOpts are a request's parsed OData query options.
type queryOpts struct {
	filter    *filterNode
	filterRaw string
	masks     *[3]propMask
	selectRaw string
	selected  []string // canonical $select items, for @odata.context
	policySel *policySelect
	orderby   []orderKey
	orderRaw  string
	top       int
	count     bool
	skiptoken string
	present   map[string]bool // which options were sent
}

// queryKind says which options a route accepts.
type queryKind int

const (
	queryList queryKind = iota
	queryCount
	queryItem
	queryNone
	queryPolicyList
	queryPolicyCount
	queryPolicyItem
)

// unsupportedOptions are OData system query options the emulator knows and
// refuses (the service documents none of them for this API).
var unsupportedOptions = map[string]bool{
	"$search": true, "$expand": true, "$skip": true, "$apply": true, "$compute": true,
	"$format": true, "$levels": true, "$deltatoken": true, "$index": true, "$schemaversion": true, "$id": true,
}

// optionNames are the names ASP.NET OData (which Graph's services run on)
// gives the system query options in its messages.
var optionNames = map[string]string{
	"$filter": "Filter", "$select": "Select", "$orderby": "OrderBy", "$top": "Top", "$count": "Count", "$skiptoken": "SkipToken",
	"$search": "Search", "$expand": "Expand", "$skip": "Skip", "$apply": "Apply", "$compute": "Compute", "$format": "Format",
	"$levels": "Levels", "$deltatoken": "DeltaToken", "$index": "Index", "$schemaversion": "SchemaVersion", "$id": "Id",
}

// optionNotAllowed is the 400 for a system query option the request's
// route does not take (lk in lower case), in the words of ASP.NET OData,
// which Graph's services answer with.
func optionNotAllowed(lk string) *graphError {
	return badRequest("The query specified in the URI is not valid. Query option '" + optionNames[lk] +
		"' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings.")
}

// allowedOptions lists the options each route accepts.
var allowedOptions = map[queryKind]map[string]bool{
	queryList:  {"$filter": true, "$select": true, "$orderby": true, "$top": true, "$count": true, "$skiptoken": true},
	queryCount: {"$filter": true},
	queryItem:  {"$select": true},
	queryNone:  {},
	// Policy collections: $filter on status and displayName, $select,
	// paging and $count; no $orderby.
	queryPolicyList:  {"$filter": true, "$select": true, "$top": true, "$count": true, "$skiptoken": true},
	queryPolicyCount: {"$filter": true},
	queryPolicyItem:  {"$select": true},
}

// parseQuery parses a raw query string for a route of kind qk over units of
// kind k ("" for every kind). Options without a leading "$" are custom
// options and ignored, as OData does.
func parseQuery(raw string, qk queryKind, k models.UnitKind) (*queryOpts, *graphError) {
	q := &queryOpts{present: map[string]bool{}}
	if raw == "" {
		return q, nil
	}
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		rk, rv, _ := strings.Cut(part, "=")
		key, err1 := url.QueryUnescape(rk)
		val, err2 := url.QueryUnescape(rv)
		if err1 != nil || err2 != nil {
			return nil, badRequest("Invalid percent-encoding in the query string.")
		}
		key = strings.TrimSpace(key)
		if !strings.HasPrefix(key, "$") {
			continue
		}
		lk := strings.ToLower(key)
		if !unsupportedOptions[lk] && !allowedOptions[queryList][lk] {
			return nil, badRequest("The query parameter '" + key + "' is not supported.")
		}
		if !allowedOptions[qk][lk] {
			return nil, optionNotAllowed(lk)
		}
		if q.present[lk] {
			return nil, badRequest("Query option '" + key + "' was specified more than once, but it must be specified at most once.")
		}
		q.present[lk] = true
		var g *graphError
		switch lk {
		case "$filter":
			q.filterRaw = val
			if qk == queryPolicyList || qk == queryPolicyCount {
				q.filter, g = parseFilterFor(val, &policyFilterSchema)
			} else {
				q.filter, g = parseFilter(val)
			}
		case "$select":
			q.selectRaw = val
			if qk == queryPolicyList || qk == queryPolicyItem {
				q.policySel, g = parsePolicySelect(val)
			} else {
				g = q.parseSelect(val, k)
			}
		case "$orderby":
			q.orderRaw = val
			q.orderby, g = parseOrderBy(val)
		case "$top":
			n, err := strconv.Atoi(strings.TrimSpace(val))
			switch {
			case err != nil || n < 0:
				g = badRequest("Invalid value '" + val + "' for $top query option found. The $top query option requires a non-negative integer value.")
			case n == 0:
				g = badRequest("Invalid value '0' for $top query option found. The emulator requires $top between 1 and " + itoa(MaxTop) + ".")
			case n > MaxTop:
				g = badRequest("The limit of '" + itoa(MaxTop) + "' for Top query has been exceeded. The value from the incoming request is '" + val + "'.")
			}
			q.top = n
		case "$count":
			switch strings.ToLower(strings.TrimSpace(val)) {
			case "true":
				q.count = true
			case "false":
			default:
				g = badRequest("'" + val + "' is not a valid count option.")
			}
		case "$skiptoken":
			if val == "" {
				g = badRequest("The $skiptoken query option requires a value.")
			}
			q.skiptoken = val
		}
		if g != nil {
			return nil, g
		}
	}
	if q.skiptoken != "" && len(q.present) > 1 {
		return nil, badRequest("$skiptoken cannot be combined with other query options: request @odata.nextLink verbatim.")
	}
	return q, nil
}

// parseSelect parses a $select list. A plain property must exist on the
// path's type (the base type unless the path is typed); a property of a
// derived type may be qualified ("microsoft.graph.siteProtectionUnit/siteId")
// and then applies to units of that kind only. "id" and "@odata.type" are
// always written.
func (q *queryOpts) parseSelect(val string, k models.UnitKind) *graphError {
	var masks [3]propMask
	typeName := "microsoft.graph.protectionUnitBase"
	if k != models.KindUnknown {
		typeName = "microsoft.graph." + unitTypeName(k)
	}
	for item := range strings.SplitSeq(val, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return badRequest("Syntax error: empty item in $select.")
		}
		if item == "*" {
			for i := range masks {
				masks[i] = ^propMask(0)
			}
			q.selected = append(q.selected, "*")
			continue
		}
		on, qualified := k, false
		name := item
		if typ, prop, ok := strings.Cut(item, "/"); ok {
			ck, canon, base, isCast := parseCast(typ)
			if !isCast {
				return badRequest("Could not find a type named '" + typ + "' in $select.")
			}
			if !base {
				if k != models.KindUnknown && ck != k {
					return badRequest("The type '" + canon + "' is not compatible with '" + typeName + "'.")
				}
				on, qualified = ck, true
			}
			name = prop
		}
		p := -1
		for i, n := range propNames {
			if strings.EqualFold(n, name) && kindProps(on)&(1<<i) != 0 {
				p = i
				break
			}
		}
		if p < 0 {
			tn := typeName
			if qualified {
				tn = "microsoft.graph." + unitTypeName(on)
			}
			return badRequest("Could not find a property named '" + name + "' on type '" + tn + "'.")
		}
		if qualified {
			masks[kindIndex(on)] |= 1 << p
			q.selected = append(q.selected, "microsoft.graph."+unitTypeName(on)+"/"+propNames[p])
		} else {
			for i := range masks {
				masks[i] |= 1 << p
			}
			q.selected = append(q.selected, propNames[p])
		}
	}
	q.masks = &masks
	return nil
}

// orderKey is one $orderby item.
type orderKey struct {
	prop int
	desc bool
}

// orderable are the properties $orderby accepts.
var orderable = []int{propID, propStatus, propPolicyID, propCreatedDateTime, propLastModifiedDateTime}

// parseOrderBy parses "prop [asc|desc], …".
func parseOrderBy(val string) ([]orderKey, *graphError) {
	var keys []orderKey
	for item := range strings.SplitSeq(val, ",") {
		f := strings.Fields(item)
		if len(f) == 0 || len(f) > 2 {
			return nil, badRequest("Syntax error in $orderby: '" + strings.TrimSpace(item) + "'.")
		}
		k := orderKey{prop: -1}
		for _, p := range orderable {
			if strings.EqualFold(f[0], propNames[p]) {
				k.prop = p
			}
		}
		if k.prop < 0 {
			return nil, badRequest("Ordering by property '" + f[0] + "' is not supported; use id, status, policyId, createdDateTime or lastModifiedDateTime.")
		}
		if len(f) == 2 {
			switch strings.ToLower(f[1]) {
			case "asc":
			case "desc":
				k.desc = true
			default:
				return nil, badRequest("Syntax error in $orderby: expected 'asc' or 'desc' after '" + f[0] + "', found '" + f[1] + "'.")
			}
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// filterNode is a node of a parsed $filter: an and/or of two nodes, or a
// comparison "prop eq value".
type filterNode struct {
	op          byte // 'a' (and), 'o' (or), 'e' (eq)
	left, right *filterNode
	prop        int    // the schema field's prop
	value       string // for an enum: the canonical member
}

// eval evaluates n, deciding each comparison with leaf.
func (n *filterNode) eval(leaf func(cmp *filterNode) bool) bool {
	switch n.op {
	case 'a':
		return n.left.eval(leaf) && n.right.eval(leaf)
	case 'o':
		return n.left.eval(leaf) || n.right.eval(leaf)
	}
	return leaf(n)
}

// match evaluates n against u. includeUnknown is the request's Prefer
// opt-in: without it, 'unknownFutureValue' matches the statuses the caller
// sees as unknownFutureValue.
func (n *filterNode) match(u *Unit, includeUnknown bool) bool {
	return n.eval(func(c *filterNode) bool {
		if c.prop == propPolicyID {
			return u.PolicyID == c.value
		}
		if models.ProtectionUnitStatus(c.value) == models.StatusUnknownFutureValue {
			return !includeUnknown && statusRank(u.Status) > unknownFutureRank
		}
		return string(u.Status) == c.value
	})
}

// filterField is a property a $filter may compare with a literal.
type filterField struct {
	name string // JSON name
	prop int    // the filterNode.prop of its comparisons
	// enumType is the qualified enum type of an enum property ("" for a
	// string property), and members its members.
	enumType string
	members  []string
	// nullable allows null, which is compared as the empty string.
	nullable bool
}

// filterSchema is what a $filter over one type may compare.
type filterSchema struct {
	typeName string        // the qualified type, for messages
	fields   []filterField // the filterable properties
	others   []string      // the type's other properties, for messages
	hint     string        // "status or policyId", for messages
}

// unitFilterSchema is the $filter of the unit collections.
var unitFilterSchema = filterSchema{
	typeName: "microsoft.graph.protectionUnitBase",
	fields: []filterField{
		{name: "status", prop: propStatus, enumType: "microsoft.graph.protectionUnitStatus", members: unitStatusMembers()},
		{name: "policyId", prop: propPolicyID, nullable: true},
	},
	others: propNames[:],
	hint:   "status or policyId",
}

// unitStatusMembers returns the members of protectionUnitStatus as strings.
func unitStatusMembers() []string {
	out := make([]string, len(models.KnownStatuses()))
	for i, m := range models.KnownStatuses() {
		out[i] = string(m)
	}
	return out
}

// filterError is a 400 for a bad $filter.
func filterError(msg string) *graphError {
	return badRequest("Invalid filter clause: " + msg)
}

// token kinds of the $filter lexer.
const (
	tokEOF = iota
	tokIdent
	tokString
	tokLParen
	tokRParen
	tokOther
)

// token is one lexeme of a $filter.
type token struct {
	kind int
	text string // identifier or unquoted string
	pos  int
}

// lexFilter splits a $filter into tokens.
func lexFilter(s string) ([]token, *graphError) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '(':
			toks = append(toks, token{tokLParen, "(", i})
			i++
		case c == ')':
			toks = append(toks, token{tokRParen, ")", i})
			i++
		case c == '\'':
			var b strings.Builder
			j := i + 1
			closed := false
			for j < len(s) {
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					closed = true
					j++
					break
				}
				b.WriteByte(s[j])
				j++
			}
			if !closed {
				return nil, filterError("unterminated string literal at position " + itoa(i) + ".")
			}
			toks = append(toks, token{tokString, b.String(), i})
			i = j
		case isIdentByte(c):
			j := i
			for j < len(s) && (isIdentByte(s[j]) || s[j] == '.' || s[j] == '/' || (s[j] >= '0' && s[j] <= '9')) {
				j++
			}
			toks = append(toks, token{tokIdent, s[i:j], i})
			i = j
		default:
			j := i + 1
			for j < len(s) && s[j] != ' ' && s[j] != '(' && s[j] != ')' && s[j] != '\'' {
				j++
			}
			toks = append(toks, token{tokOther, s[i:j], i})
			i = j
		}
	}
	return append(toks, token{kind: tokEOF, pos: len(s)}), nil
}

// isIdentByte reports whether c may start an identifier.
func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c == '@' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// filterParser is a recursive-descent parser:
//
//	expr := and ("or" and)*
//	and  := term ("and" term)*
//	term := "(" expr ")" | operand "eq" operand
//
// where one operand is status or policyId and the other a literal.
type filterParser struct {
	schema  *filterSchema
	toks    []token
	i       int
	clauses int
	depth   int
}

// parseFilter parses a $filter over protection units.
func parseFilter(s string) (*filterNode, *graphError) { return parseFilterFor(s, &unitFilterSchema) }

// parseFilterFor parses a $filter over the type schema describes.
func parseFilterFor(s string, schema *filterSchema) (*filterNode, *graphError) {
	if strings.TrimSpace(s) == "" {
		return nil, filterError("the $filter is empty.")
	}
	toks, g := lexFilter(s)
	if g != nil {
		return nil, g
	}
	p := &filterParser{toks: toks, schema: schema}
	n, g := p.expr()
	if g != nil {
		return nil, g
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, filterError("unexpected '" + t.text + "' at position " + itoa(t.pos) + ".")
	}
	if p.clauses > MaxFilterClauses {
		return nil, &graphError{status: http.StatusBadRequest, code: "FilterLengthExceeded",
			message: "The filter has " + itoa(p.clauses) + " clauses; at most " + itoa(MaxFilterClauses) + " can be combined with 'and' and 'or'."}
	}
	return n, nil
}

func (p *filterParser) peek() token { return p.toks[p.i] }
func (p *filterParser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

// keyword reports whether the next token is the keyword kw, and consumes it.
func (p *filterParser) keyword(kw string) bool {
	if t := p.peek(); t.kind == tokIdent && strings.EqualFold(t.text, kw) {
		p.i++
		return true
	}
	return false
}

func (p *filterParser) expr() (*filterNode, *graphError) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > 100 {
		return nil, filterError("the expression is nested too deeply.")
	}
	l, g := p.and()
	for g == nil && p.keyword("or") {
		var r *filterNode
		if r, g = p.and(); g == nil {
			l = &filterNode{op: 'o', left: l, right: r}
		}
	}
	return l, g
}

func (p *filterParser) and() (*filterNode, *graphError) {
	l, g := p.term()
	for g == nil && p.keyword("and") {
		var r *filterNode
		if r, g = p.term(); g == nil {
			l = &filterNode{op: 'a', left: l, right: r}
		}
	}
	return l, g
}

// operand is one side of a comparison.
type operand struct {
	prop    int // the field's prop; -1 for a literal
	field   *filterField
	value   string
	isNull  bool
	typed   string // the type prefix of an enum literal, if any
	present bool
}

func (p *filterParser) term() (*filterNode, *graphError) {
	t := p.peek()
	if t.kind == tokLParen {
		p.next()
		n, g := p.expr()
		if g != nil {
			return nil, g
		}
		if c := p.next(); c.kind != tokRParen {
			return nil, filterError("expected ')' at position " + itoa(c.pos) + ".")
		}
		return n, nil
	}
	if t.kind == tokIdent && strings.EqualFold(t.text, "not") {
		return nil, filterError("operator 'not' is not supported.")
	}
	left, g := p.operand()
	if g != nil {
		return nil, g
	}
	op := p.next()
	if op.kind != tokIdent {
		return nil, filterError("expected an operator at position " + itoa(op.pos) + ".")
	}
	if !strings.EqualFold(op.text, "eq") {
		switch strings.ToLower(op.text) {
		case "ne", "gt", "ge", "lt", "le", "has", "in", "add", "sub", "mul", "div", "mod":
			return nil, filterError("operator '" + op.text + "' is not supported; use 'eq'.")
		}
		return nil, filterError("expected 'eq' at position " + itoa(op.pos) + ", found '" + op.text + "'.")
	}
	right, g := p.operand()
	if g != nil {
		return nil, g
	}
	if left.prop < 0 {
		left, right = right, left
	}
	if left.prop < 0 || right.prop >= 0 {
		return nil, filterError("a comparison needs one property (" + p.schema.hint + ") and one literal.")
	}
	p.clauses++
	f := left.field
	n := &filterNode{op: 'e', prop: f.prop}
	if f.enumType == "" {
		if right.typed != "" {
			return nil, filterError(f.name + " is compared with a string literal.")
		}
		if right.isNull && !f.nullable {
			return nil, filterError(f.name + " cannot be compared with null.")
		}
		n.value = right.value // null and '' both mean "none" (for policyId: removed from its policy)
		return n, nil
	}
	if right.isNull {
		return nil, filterError(f.name + " cannot be compared with null.")
	}
	short := strings.TrimPrefix(f.enumType, "microsoft.")
	if right.typed != "" && !strings.EqualFold(right.typed, f.enumType) && !strings.EqualFold(right.typed, short) {
		return nil, filterError("'" + right.typed + "' is not the type of " + f.name + " (" + f.enumType + ").")
	}
	for _, m := range f.members {
		if strings.EqualFold(m, right.value) {
			n.value = m
			return n, nil
		}
	}
	return nil, filterError("'" + right.value + "' is not a member of " + f.enumType + ".")
}

func (p *filterParser) operand() (operand, *graphError) {
	t := p.next()
	switch t.kind {
	case tokString:
		return operand{prop: -1, value: t.text, present: true}, nil
	case tokIdent:
		// An enum literal: Namespace.Type'member'.
		if nt := p.peek(); nt.kind == tokString && nt.pos == t.pos+len(t.text) {
			p.next()
			return operand{prop: -1, value: nt.text, typed: t.text, present: true}, nil
		}
		if p.peek().kind == tokLParen {
			return operand{}, filterError("function '" + t.text + "' is not supported.")
		}
		if strings.EqualFold(t.text, "null") {
			return operand{prop: -1, isNull: true, present: true}, nil
		}
		for i := range p.schema.fields {
			if f := &p.schema.fields[i]; strings.EqualFold(t.text, f.name) {
				return operand{prop: f.prop, field: f, present: true}, nil
			}
		}
		for _, n := range p.schema.others {
			if strings.EqualFold(n, t.text) {
				return operand{}, filterError("filtering on property '" + n + "' is not supported; only " + p.schema.hint + " can be filtered.")
			}
		}
		return operand{}, filterError("could not find a property named '" + t.text + "' on type '" + p.schema.typeName + "'.")
	case tokEOF:
		return operand{}, filterError("unexpected end of the expression.")
	}
	return operand{}, filterError("unexpected '" + t.text + "' at position " + itoa(t.pos) + ".")
}
