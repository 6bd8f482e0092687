package conformance

import (
	"net/url"
	"slices"
	"strings"
)

// Step is one segment of a Path: a literal, or the key of an item of a
// type.
type Step struct {
	// Literal is the segment as written; "" for a key.
	Literal string
	// Key is the qualified type of the item a key segment names.
	Key string
}

// Path is a URL path under /solutions/backupRestore that the schema allows,
// with the methods OData allows on it.
type Path struct {
	Steps []Step
	// Methods are the HTTP methods allowed, in the order GET, POST, PATCH,
	// DELETE.
	Methods []string
	// What says what the path is: "root", "entity", "collection", "count",
	// "cast" or "operation".
	What string
}

// Template writes the path with "{id}" for every key.
func (p Path) Template() string {
	var b strings.Builder
	for _, s := range p.Steps {
		b.WriteByte('/')
		if s.Key != "" {
			b.WriteString("{id}")
			continue
		}
		b.WriteString(s.Literal)
	}
	return b.String()
}

// URL writes the path (after the version, "/solutions/…") with the keys
// key returns, each escaped as one segment.
func (p Path) URL(key func(typ string) string) string {
	var b strings.Builder
	for _, s := range p.Steps {
		b.WriteByte('/')
		if s.Key != "" {
			b.WriteString(url.PathEscape(key(s.Key)))
			continue
		}
		b.WriteString(s.Literal)
	}
	return b.String()
}

// Paths enumerates what the schema allows under /solutions/backupRestore,
// two navigations deep: the root (GET, PATCH, DELETE: a contained
// single-valued navigation of solutions) and its bound operations; each
// root navigation, its $count, its derived-type casts and their $count, its
// items (cast or not), their bound operations and their own navigations
// with the same, and their items' bound operations. Methods follow OData's
// conventions, as the schema declares no capability restrictions for these
// paths: a collection that is contained or bound to an entity set takes
// GET and POST, its items GET, PATCH and DELETE; a navigation that is
// neither (protectionUnits) is read-only; casts and $count are GET; an
// action is POST, a function GET. An operation that requires explicit
// binding is listed only under the navigations that bind it.
func (s *Schema) Paths() []Path {
	e := &enumerator{s: s}
	root := []Step{{Literal: "solutions"}, {Literal: "backupRestore"}}
	e.add(root, "root", "GET", "PATCH", "DELETE")
	e.item(root, Root, nil, 0)
	slices.SortFunc(e.out, func(a, b Path) int { return strings.Compare(a.Template(), b.Template()) })
	return e.out
}

// enumerator collects Paths.
type enumerator struct {
	s   *Schema
	out []Path
}

// add records a path.
func (e *enumerator) add(steps []Step, what string, methods ...string) {
	e.out = append(e.out, Path{Steps: slices.Clone(steps), Methods: methods, What: what})
}

// with returns steps followed by more.
func with(steps []Step, more ...Step) []Step { return append(slices.Clone(steps), more...) }

// lit is a literal step.
func lit(s string) Step { return Step{Literal: s} }

// item records what is under an entity of type typ at steps: its bound
// operations (those requiring explicit binding only when explicit names
// them) and, unless depth is 2, its navigations.
func (e *enumerator) item(steps []Step, typ string, explicit []string, depth int) {
	for _, op := range e.s.BoundTo(typ, false) {
		if op.ExplicitBinding && !slices.Contains(explicit, Namespace+"."+op.Name) {
			continue
		}
		e.add(with(steps, lit(op.Name)), "operation", op.method())
	}
	if depth == 2 {
		return
	}
	for _, n := range e.s.AllNavigations(e.s.Types[typ]) {
		e.navigation(steps, typ, n, depth+1)
	}
}

// navigation records a navigation n of an entity of type owner at steps.
func (e *enumerator) navigation(steps []Step, owner string, n NavigationProperty, depth int) {
	p := with(steps, lit(n.Name))
	writable := n.Contained || e.bound(owner, n.Name)
	if !n.Collection {
		methods := []string{"GET"}
		if writable {
			methods = append(methods, "PATCH", "DELETE")
		}
		e.add(p, "entity", methods...)
		e.item(p, n.Type, n.ExplicitOperations, depth)
		return
	}
	methods := []string{"GET"}
	if writable {
		methods = append(methods, "POST")
	}
	e.add(p, "collection", methods...)
	e.add(with(p, lit("$count")), "count", "GET")
	for _, op := range e.s.BoundTo(n.Type, true) {
		e.add(with(p, lit(op.Name)), "operation", op.method())
	}
	itemMethods := []string{"GET"}
	if writable {
		itemMethods = append(itemMethods, "PATCH", "DELETE")
	}
	e.add(with(p, Step{Key: n.Type}), "entity", itemMethods...)
	e.item(with(p, Step{Key: n.Type}), n.Type, n.ExplicitOperations, depth)
	for _, d := range e.s.Derived(n.Type) {
		cast := lit(d.Name)
		e.add(with(p, cast), "cast", "GET")
		e.add(with(p, cast, lit("$count")), "count", "GET")
		it := with(p, Step{Key: d.Name}, cast)
		e.add(it, "cast", "GET")
		e.item(it, d.Name, n.ExplicitOperations, depth)
	}
}

// bound reports whether the navigation nav of type owner is bound to an
// entity set (a NavigationPropertyBinding under solutions/backupRestore
// names it on a root collection of owner's type, or of a type derived from
// it).
func (e *enumerator) bound(owner, nav string) bool {
	root := e.s.Types[Root]
	for _, b := range e.s.Bindings {
		rest, ok := strings.CutPrefix(b, "solutions/backupRestore/")
		if !ok {
			continue
		}
		coll, last, ok := strings.Cut(rest, "/")
		if !ok || last != nav {
			continue
		}
		for _, rn := range e.s.AllNavigations(root) {
			if rn.Name == coll && (e.s.IsA(rn.Type, owner) || e.s.IsA(owner, rn.Type)) {
				return true
			}
		}
	}
	return false
}

// method is the HTTP method of an operation.
func (op *Operation) method() string {
	if op.Function {
		return "GET"
	}
	return "POST"
}
