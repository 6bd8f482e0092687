package conformance

import (
	"strings"
)

// contextPrefix starts every @odata.context of Graph v1.0.
const contextPrefix = "https://graph.microsoft.com/v1.0/$metadata#"

// Context is a resolved @odata.context: the declared type of an answer.
type Context struct {
	// Type is the qualified structured type.
	Type string
	// Collection is set for a collection answer ({"value": […]}).
	Collection bool
	// Select lists the $select items the context names (nil when none).
	Select []string
}

// ResolveContext resolves an @odata.context URL through the schema: a
// singleton, then navigation properties and type casts, an optional
// select list in parentheses and an optional /$entity. It returns the
// problem instead when the URL does not resolve.
func (s *Schema) ResolveContext(ctx string) (Context, string) {
	p, ok := strings.CutPrefix(ctx, contextPrefix)
	if !ok {
		return Context{}, "@odata.context " + ctx + " does not start with " + contextPrefix
	}
	entity := false
	if q, ok := strings.CutSuffix(p, "/$entity"); ok {
		p, entity = q, true
	}
	var c Context
	if i := strings.IndexByte(p, '('); i >= 0 {
		if !strings.HasSuffix(p, ")") {
			return Context{}, "@odata.context " + ctx + ": unbalanced select list"
		}
		c.Select = strings.Split(p[i+1:len(p)-1], ",")
		p = p[:i]
	}
	segs := strings.Split(p, "/")
	typ, ok := s.Singletons[segs[0]]
	if !ok {
		return Context{}, "@odata.context " + ctx + ": no singleton " + segs[0]
	}
	coll := false
	for _, seg := range segs[1:] {
		t, ok := s.Types[typ]
		if !ok {
			return Context{}, "@odata.context " + ctx + ": no type " + typ
		}
		if strings.HasPrefix(seg, Namespace+".") {
			if !s.IsA(seg, typ) {
				return Context{}, "@odata.context " + ctx + ": " + seg + " does not derive from " + typ
			}
			typ = seg
			continue
		}
		found := false
		for _, n := range s.AllNavigations(t) {
			if n.Name == seg {
				typ, coll, found = n.Type, n.Collection, true
				break
			}
		}
		if !found {
			return Context{}, "@odata.context " + ctx + ": " + typ + " has no navigation " + seg
		}
	}
	c.Type, c.Collection = typ, coll && !entity
	return c, ""
}

// ValidateAnswer checks an answer's JSON body: its @odata.context must
// resolve (ResolveContext); a collection answer's items, or the entity,
// must validate against the declared type (Validate); with a select list,
// an object may carry only the selected properties (and id and
// annotations). Rules.Complete applies only without a select list. It
// returns the declared type and every violation.
func (s *Schema) ValidateAnswer(body []byte, r Rules) (Context, []string) {
	v, err := Decode(body)
	if err != nil {
		return Context{}, []string{"the body is not JSON: " + err.Error()}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return Context{}, []string{"the body is " + kindOf(v) + ", not an object"}
	}
	ctx, _ := obj["@odata.context"].(string)
	c, problem := s.ResolveContext(ctx)
	if problem != "" {
		return c, []string{problem}
	}
	if c.Select != nil {
		r.Complete = false
	}
	var errs []string
	if c.Collection {
		for k := range obj {
			if k != "value" && !strings.HasPrefix(k, "@") {
				errs = append(errs, "$."+k+": a collection answer carries only value and annotations")
			}
		}
		errs = append(errs, s.Validate(obj["value"], c.Type, true, r)...)
		if items, ok := obj["value"].([]any); ok {
			for _, it := range items {
				errs = append(errs, selected(it, c.Select)...)
			}
		}
		return c, errs
	}
	errs = append(errs, s.Validate(obj, c.Type, false, r)...)
	return c, append(errs, selected(obj, c.Select)...)
}

// selected returns a violation for each member of an object outside a
// select list (nil: no list).
func selected(v any, sel []string) []string {
	obj, ok := v.(map[string]any)
	if !ok || sel == nil {
		return nil
	}
	allowed := map[string]bool{"id": true}
	for _, s := range sel {
		if s == "*" {
			return nil
		}
		_, prop, found := strings.Cut(s, "/")
		if !found {
			prop = s
		}
		allowed[prop] = true
	}
	var errs []string
	for k := range obj {
		if !strings.HasPrefix(k, "@") && !allowed[k] {
			errs = append(errs, "$."+k+": not in the select list "+strings.Join(sel, ","))
		}
	}
	return errs
}
