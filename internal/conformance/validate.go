package conformance

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Rules say how strictly Validate reads a value.
type Rules struct {
	// IncludeUnknown is the request's "Prefer: include-unknown-enum-members":
	// without it, no enum member after unknownFutureValue may appear.
	IncludeUnknown bool
	// Complete requires every structural property of an entity to be
	// present (Graph's answer without $select), except those in
	// SelectOnly. It does not apply to complex values, whose null members
	// Graph leaves out (an identitySet with only an application).
	Complete bool
	// SelectOnly are the properties ("type/property", qualified type)
	// the service returns only when $select names them.
	SelectOnly map[string]bool
}

// Validate checks a JSON value (decoded with json.Decoder.UseNumber)
// against type typ (qualified; a structured, enum or Edm primitive type),
// a collection of it when collection is set, and returns every violation,
// each naming its JSON path: an undeclared member of a type that is not
// open, a value of the wrong JSON kind, a primitive that does not parse as
// its Edm type (DateTimeOffset, Duration, Guid, Int32, …), an enum or flags
// member the type does not declare or one after unknownFutureValue without
// Rules.IncludeUnknown, a null for a non-nullable property, an
// @odata.type that is not the declared type or one derived from it, an
// abstract type without @odata.type, and (with Rules.Complete) a missing
// property. Instance annotations (@odata.context, @contentId, …) and
// annotations of a declared property (siteProtectionUnits@delta, whose
// items are validated as the navigation's type) are accepted.
func (s *Schema) Validate(v any, typ string, collection bool, r Rules) []string {
	c := &checker{s: s, r: r}
	if collection {
		c.collection("$", v, typ)
	} else {
		c.value("$", v, typ, false)
	}
	return c.errs
}

// checker collects the violations of one Validate.
type checker struct {
	s    *Schema
	r    Rules
	errs []string
}

// fail records a violation at path.
func (c *checker) fail(path, format string, args ...any) {
	c.errs = append(c.errs, path+": "+fmt.Sprintf(format, args...))
}

// collection checks an array of typ.
func (c *checker) collection(path string, v any, typ string) {
	arr, ok := v.([]any)
	if !ok {
		c.fail(path, "want an array of %s, got %s", typ, kindOf(v))
		return
	}
	for i, item := range arr {
		p := path + "[" + strconv.Itoa(i) + "]"
		if item == nil {
			c.fail(p, "null in a collection of %s", typ)
			continue
		}
		c.value(p, item, typ, false)
	}
}

// value checks one value of typ; nullable says whether null is allowed.
func (c *checker) value(path string, v any, typ string, nullable bool) {
	if v == nil {
		if !nullable {
			c.fail(path, "null for a non-nullable %s", typ)
		}
		return
	}
	switch {
	case IsPrimitive(typ):
		c.primitive(path, v, typ)
	case c.s.Enums[typ] != nil:
		c.enum(path, v, c.s.Enums[typ])
	case c.s.Types[typ] != nil:
		c.object(path, v, c.s.Types[typ])
	default:
		c.fail(path, "type %s is not in the schema", typ)
	}
}

// object checks a JSON object of structured type t (or of the type its
// @odata.type names, which must derive from t).
func (c *checker) object(path string, v any, t *StructuredType) {
	obj, ok := v.(map[string]any)
	if !ok {
		c.fail(path, "want an object of %s, got %s", t.Name, kindOf(v))
		return
	}
	if raw, ok := obj["@odata.type"]; ok {
		name, _ := raw.(string)
		actual, found := c.s.Types[strings.TrimPrefix(name, "#")]
		switch {
		case !strings.HasPrefix(name, "#"+Namespace+"."):
			c.fail(path+".@odata.type", "want #microsoft.graph.<type>, got %v", raw)
		case !found || !c.s.IsA(actual.Name, t.Name):
			c.fail(path+".@odata.type", "%s is not %s or a type derived from it", name, t.Name)
		default:
			t = actual
		}
	}
	if t.Abstract {
		c.fail(path, "%s is abstract: the object needs an @odata.type naming its type", t.Name)
	}
	props := map[string]Property{}
	for _, p := range c.s.AllProperties(t) {
		props[p.Name] = p
	}
	navs := map[string]NavigationProperty{}
	if t.Entity {
		for _, n := range c.s.AllNavigations(t) {
			navs[n.Name] = n
		}
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		val := obj[k]
		p := path + "." + k
		if strings.HasPrefix(k, "@") {
			c.annotation(p, k, val)
			continue
		}
		if name, annot, ok := strings.Cut(k, "@"); ok {
			c.propertyAnnotation(p, t, name, annot, val, props, navs)
			continue
		}
		if prop, ok := props[k]; ok {
			if prop.Collection {
				if val == nil && !prop.Nullable {
					c.fail(p, "null for a non-nullable collection of %s", prop.Type)
				} else if val != nil {
					c.collection(p, val, prop.Type)
				}
				continue
			}
			c.value(p, val, prop.Type, prop.Nullable)
			continue
		}
		if n, ok := navs[k]; ok {
			if n.Collection {
				c.collection(p, val, n.Type)
			} else {
				c.value(p, val, n.Type, true)
			}
			continue
		}
		if !t.Open {
			c.fail(p, "%s declares no property %q (and is not an open type)", t.Name, k)
		}
	}
	if c.r.Complete && t.Entity {
		for _, prop := range c.s.AllProperties(t) {
			if _, ok := obj[prop.Name]; !ok && !c.r.SelectOnly[t.Name+"/"+prop.Name] && !c.selectOnly(t, prop.Name) {
				c.fail(path, "%s property %q is missing", t.Name, prop.Name)
			}
		}
	}
}

// selectOnly reports whether a property declared on one of t's base types
// is returned only when selected.
func (c *checker) selectOnly(t *StructuredType, prop string) bool {
	for _, b := range c.s.BaseChain(t) {
		if c.r.SelectOnly[b.Name+"/"+prop] {
			return true
		}
	}
	return false
}

// annotation checks an instance annotation's value where OData fixes it.
func (c *checker) annotation(path, name string, v any) {
	switch name {
	case "@odata.context", "@odata.nextLink", "@odata.id", "@odata.etag", "@odata.deltaLink":
		if _, ok := v.(string); !ok {
			c.fail(path, "want a string, got %s", kindOf(v))
		}
	case "@odata.count":
		if n, ok := v.(json.Number); !ok || !isInt(string(n)) {
			c.fail(path, "want an integer, got %v", v)
		}
	case "@odata.type":
		// Checked by object.
	}
}

// propertyAnnotation checks "name@annotation": name must be a property or
// navigation of t; a @delta annotation of a collection navigation holds
// items of its type.
func (c *checker) propertyAnnotation(path string, t *StructuredType, name, annot string, v any, props map[string]Property, navs map[string]NavigationProperty) {
	n, isNav := navs[name]
	_, isProp := props[name]
	if !isNav && !isProp {
		c.fail(path, "an annotation of %q, which %s does not declare", name, t.Name)
		return
	}
	if annot == "delta" {
		if !isNav || !n.Collection {
			c.fail(path, "@delta annotates a collection-valued navigation, not %q", name)
			return
		}
		// A delta payload's items carry only what changed (a failed one
		// may carry its key alone): completeness does not apply.
		complete := c.r.Complete
		c.r.Complete = false
		c.collection(path, v, n.Type)
		c.r.Complete = complete
	}
}

// enum checks an enum or flags value.
func (c *checker) enum(path string, v any, e *EnumType) {
	str, ok := v.(string)
	if !ok {
		c.fail(path, "want a %s member (a string), got %s", e.Name, kindOf(v))
		return
	}
	names := []string{str}
	if e.Flags {
		names = strings.Split(str, ",")
	} else if strings.Contains(str, ",") {
		c.fail(path, "%s is not a flags enum: %q holds several members", e.Name, str)
		return
	}
	ufv, hasUFV := int64(0), false
	for _, m := range e.Members {
		if m.Name == "unknownFutureValue" {
			ufv, hasUFV = m.Value, true
		}
	}
	for _, n := range names {
		var member *Member
		for i := range e.Members {
			if e.Members[i].Name == n {
				member = &e.Members[i]
			}
		}
		switch {
		case member == nil:
			c.fail(path, "%q is not a member of %s", n, e.Name)
		case hasUFV && member.Value > ufv && !c.r.IncludeUnknown:
			c.fail(path, "%q comes after unknownFutureValue in %s: sent without Prefer: include-unknown-enum-members", n, e.Name)
		}
	}
}

var (
	durationRE = regexp.MustCompile(`^-?P(?:\d+(?:\.\d+)?Y)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?W)?(?:\d+(?:\.\d+)?D)?(?:T(?:\d+(?:\.\d+)?H)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?S)?)?$`)
	guidRE     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// primitive checks a value of an Edm primitive type.
func (c *checker) primitive(path string, v any, typ string) {
	switch typ {
	case "Edm.Boolean":
		if _, ok := v.(bool); !ok {
			c.fail(path, "want a boolean, got %s", kindOf(v))
		}
	case "Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Byte", "Edm.SByte":
		n, ok := v.(json.Number)
		if !ok || !isInt(string(n)) {
			c.fail(path, "want an integer (%s), got %v", typ, v)
			return
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		lo, hi := intRange(typ)
		if err != nil || i < lo || i > hi {
			c.fail(path, "%s out of the range of %s", n, typ)
		}
	case "Edm.Double", "Edm.Single", "Edm.Decimal":
		switch x := v.(type) {
		case json.Number:
		case string:
			if x != "INF" && x != "-INF" && x != "NaN" {
				c.fail(path, "want a number (%s), got %q", typ, x)
			}
		default:
			c.fail(path, "want a number (%s), got %s", typ, kindOf(v))
		}
	default:
		str, ok := v.(string)
		if !ok {
			c.fail(path, "want a string (%s), got %s", typ, kindOf(v))
			return
		}
		switch typ {
		case "Edm.DateTimeOffset":
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				c.fail(path, "%q is not an Edm.DateTimeOffset (RFC 3339)", str)
			}
		case "Edm.Date":
			if _, err := time.Parse(time.DateOnly, str); err != nil {
				c.fail(path, "%q is not an Edm.Date (YYYY-MM-DD)", str)
			}
		case "Edm.TimeOfDay":
			if _, err := time.Parse("15:04:05.999999999", str); err != nil {
				c.fail(path, "%q is not an Edm.TimeOfDay", str)
			}
		case "Edm.Duration":
			if !durationRE.MatchString(str) || str == "P" || strings.HasSuffix(str, "T") {
				c.fail(path, "%q is not an Edm.Duration (ISO 8601)", str)
			}
		case "Edm.Guid":
			if !guidRE.MatchString(str) {
				c.fail(path, "%q is not an Edm.Guid", str)
			}
		case "Edm.Binary", "Edm.Stream":
			if _, err := base64.StdEncoding.DecodeString(str); err != nil {
				if _, err := base64.RawURLEncoding.DecodeString(str); err != nil {
					c.fail(path, "%q is not base64 (%s)", str, typ)
				}
			}
		}
	}
}

// intRange is the range of an Edm integer type.
func intRange(typ string) (int64, int64) {
	switch typ {
	case "Edm.Byte":
		return 0, math.MaxUint8
	case "Edm.SByte":
		return math.MinInt8, math.MaxInt8
	case "Edm.Int16":
		return math.MinInt16, math.MaxInt16
	case "Edm.Int32":
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

// isInt reports whether a JSON number is written as an integer.
func isInt(n string) bool {
	_, err := strconv.ParseInt(n, 10, 64)
	return err == nil
}

// kindOf names a decoded JSON value's kind, for messages.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// Decode decodes JSON for Validate: numbers kept as json.Number. It fails
// on invalid JSON or trailing data.
func Decode(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, fmt.Errorf("conformance: data after the JSON value")
	}
	return v, nil
}
