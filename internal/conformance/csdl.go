package conformance

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Namespace is the namespace of Microsoft Graph's main schema, the one the
// Backup Storage API lives in.
const Namespace = "microsoft.graph"

// Property is a structural property of a complex or entity type.
type Property struct {
	// Name is the JSON name.
	Name string
	// Type is the qualified type ("Edm.String", "microsoft.graph.identitySet"),
	// without Collection().
	Type string
	// Collection is set for a Collection(…) property.
	Collection bool
	// Nullable is false only for Nullable="false".
	Nullable bool
}

// NavigationProperty is a navigation property of an entity type.
type NavigationProperty struct {
	// Name is the path segment.
	Name string
	// Type is the qualified target type, without Collection().
	Type string
	// Collection is set for a collection-valued navigation.
	Collection bool
	// Contained is set for ContainsTarget="true".
	Contained bool
	// ExplicitOperations are the operations (qualified names) its
	// Org.OData.Core.V1.ExplicitOperationBindings annotation binds to it:
	// the operations that require explicit binding and are available on
	// its items.
	ExplicitOperations []string
}

// StructuredType is an entity type or a complex type.
type StructuredType struct {
	// Name is the qualified name ("microsoft.graph.protectionUnitBase").
	Name string
	// Entity is set for an EntityType, clear for a ComplexType.
	Entity bool
	// BaseType is the qualified base type ("" when none).
	BaseType string
	// Abstract and Open are the Abstract and OpenType attributes.
	Abstract, Open bool
	// Properties and Navigations are the type's own, in document order
	// (see Schema.AllProperties for the inherited ones).
	Properties  []Property
	Navigations []NavigationProperty
}

// Member is a member of an enum type.
type Member struct {
	Name  string
	Value int64
}

// EnumType is an enum type.
type EnumType struct {
	// Name is the qualified name.
	Name string
	// Flags is set for IsFlags="true".
	Flags bool
	// Members are in document order.
	Members []Member
}

// Operation is a bound action or function.
type Operation struct {
	// Name is the unqualified name ("offboard").
	Name string
	// Function is set for a Function (GET), clear for an Action (POST).
	Function bool
	// Binding is the qualified type of the binding parameter, without
	// Collection(); BindingCollection is set when it is a collection.
	Binding           string
	BindingCollection bool
	// Types are the qualified types of the other parameters and of the
	// return type, without Collection().
	Types []string
	// ExplicitBinding is set for the Org.OData.Core.V1.RequiresExplicitBinding
	// annotation: the operation is available only where a navigation's
	// ExplicitOperations name it.
	ExplicitBinding bool
}

// Schema is the part of a CSDL document this package reads: the
// structured types, enum types and bound operations of every schema
// (qualified by namespace), and the navigation property bindings of the
// entity container's singletons.
type Schema struct {
	Types      map[string]*StructuredType
	Enums      map[string]*EnumType
	Operations []*Operation
	// Singletons maps a singleton's name to its qualified type.
	Singletons map[string]string
	// Bindings are the navigation property binding paths of the
	// singletons, prefixed by the singleton's name
	// ("solutions/backupRestore/sharePointProtectionPolicies/siteInclusionRules").
	Bindings []string
}

// element is a direct child of a Schema element, with its raw text.
type element struct {
	kind string // EntityType, ComplexType, EnumType, Action, Function, EntityContainer, Annotations, Term
	name string // the qualified Name, or an Annotations' Target
	// schema is the namespace and alias of the Schema element holding it.
	schema schemaInfo
	raw    []byte
	node   *node
}

// node is a generic XML element.
type node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []*node    `xml:",any"`
	Text     string     `xml:",chardata"`
}

// strings returns the text of every String element under n.
func (n *node) strings() []string {
	var out []string
	for _, c := range n.Children {
		if c.XMLName.Local == "String" {
			out = append(out, strings.TrimSpace(c.Text))
		}
		out = append(out, c.strings()...)
	}
	return out
}

// attr returns the value of an attribute ("" when absent).
func (n *node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// schemaInfo is a Schema element's namespace and alias.
type schemaInfo struct{ namespace, alias string }

// qualify resolves a type reference written in schema s (an alias or a
// namespace, maybe inside Collection()) to its qualified name and whether
// it was a collection.
func (s schemaInfo) qualify(ref string) (string, bool) {
	coll := false
	if inner, ok := strings.CutPrefix(ref, "Collection("); ok {
		ref, coll = strings.TrimSuffix(inner, ")"), true
	}
	if s.alias != "" {
		if rest, ok := strings.CutPrefix(ref, s.alias+"."); ok {
			return s.namespace + "." + rest, coll
		}
	}
	if rest, ok := strings.CutPrefix(ref, "graph."); ok {
		return Namespace + "." + rest, coll
	}
	return ref, coll
}

// readElements splits a CSDL document into the direct children of its
// Schema elements, each with its raw text and parsed form.
func readElements(data []byte) ([]*element, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	var out []*element
	var cur schemaInfo
	depth := 0
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("conformance: reading the CSDL at byte %d: %w", off, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if t.Name.Local == "Schema" {
				cur = schemaInfo{}
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "Namespace":
						cur.namespace = a.Value
					case "Alias":
						cur.alias = a.Value
					}
				}
				continue
			}
			if depth != 4 {
				continue
			}
			n := &node{}
			if err := d.DecodeElement(n, &t); err != nil {
				return nil, fmt.Errorf("conformance: reading <%s> at byte %d: %w", t.Name.Local, off, err)
			}
			depth--
			e := &element{kind: t.Name.Local, schema: cur, raw: data[off:d.InputOffset()], node: n}
			if e.kind == "Annotations" {
				e.name = n.attr("Target")
			} else {
				e.name = cur.namespace + "." + n.attr("Name")
			}
			out = append(out, e)
		case xml.EndElement:
			depth--
		}
	}
	return out, nil
}

// Parse reads a CSDL document (the full Graph metadata or an excerpt of
// it). It fails on XML it cannot read or on a type reference it cannot
// resolve.
func Parse(data []byte) (*Schema, error) {
	els, err := readElements(data)
	if err != nil {
		return nil, err
	}
	return build(els)
}

// build makes the Schema of parsed elements.
func build(els []*element) (*Schema, error) {
	s := &Schema{Types: map[string]*StructuredType{}, Enums: map[string]*EnumType{}, Singletons: map[string]string{}}
	for _, e := range els {
		si, n := e.schema, e.node
		switch e.kind {
		case "EntityType", "ComplexType":
			t := &StructuredType{Name: e.name, Entity: e.kind == "EntityType",
				Abstract: n.attr("Abstract") == "true", Open: n.attr("OpenType") == "true"}
			if b := n.attr("BaseType"); b != "" {
				t.BaseType, _ = si.qualify(b)
			}
			for _, c := range n.Children {
				switch c.XMLName.Local {
				case "Property":
					typ, coll := si.qualify(c.attr("Type"))
					t.Properties = append(t.Properties, Property{Name: c.attr("Name"), Type: typ, Collection: coll, Nullable: c.attr("Nullable") != "false"})
				case "NavigationProperty":
					typ, coll := si.qualify(c.attr("Type"))
					nav := NavigationProperty{Name: c.attr("Name"), Type: typ, Collection: coll, Contained: c.attr("ContainsTarget") == "true"}
					for _, a := range c.Children {
						if a.XMLName.Local == "Annotation" && a.attr("Term") == "Org.OData.Core.V1.ExplicitOperationBindings" {
							nav.ExplicitOperations = a.strings()
						}
					}
					t.Navigations = append(t.Navigations, nav)
				}
			}
			s.Types[t.Name] = t
		case "EnumType":
			en := &EnumType{Name: e.name, Flags: n.attr("IsFlags") == "true"}
			for _, c := range n.Children {
				if c.XMLName.Local != "Member" {
					continue
				}
				var v int64
				if _, err := fmt.Sscan(c.attr("Value"), &v); err != nil {
					return nil, fmt.Errorf("conformance: enum %s member %s: value %q: %w", e.name, c.attr("Name"), c.attr("Value"), err)
				}
				en.Members = append(en.Members, Member{Name: c.attr("Name"), Value: v})
			}
			s.Enums[en.Name] = en
		case "Action", "Function":
			if n.attr("IsBound") != "true" {
				continue
			}
			op := &Operation{Name: n.attr("Name"), Function: e.kind == "Function"}
			first := true
			for _, c := range n.Children {
				switch c.XMLName.Local {
				case "Parameter":
					typ, coll := si.qualify(c.attr("Type"))
					if first {
						op.Binding, op.BindingCollection, first = typ, coll, false
						continue
					}
					op.Types = append(op.Types, typ)
				case "ReturnType":
					typ, _ := si.qualify(c.attr("Type"))
					op.Types = append(op.Types, typ)
				case "Annotation":
					op.ExplicitBinding = op.ExplicitBinding || c.attr("Term") == "Org.OData.Core.V1.RequiresExplicitBinding"
				}
			}
			s.Operations = append(s.Operations, op)
		case "EntityContainer":
			for _, c := range n.Children {
				if c.XMLName.Local == "Singleton" {
					typ, _ := si.qualify(c.attr("Type"))
					s.Singletons[c.attr("Name")] = typ
					for _, b := range c.Children {
						if b.XMLName.Local == "NavigationPropertyBinding" {
							s.Bindings = append(s.Bindings, c.attr("Name")+"/"+b.attr("Path"))
						}
					}
				}
			}
		}
	}
	return s, nil
}

// IsPrimitive reports whether a qualified type is an Edm primitive.
func IsPrimitive(typ string) bool { return strings.HasPrefix(typ, "Edm.") }

// Type returns the structured type with this qualified name.
func (s *Schema) Type(name string) (*StructuredType, bool) {
	t, ok := s.Types[name]
	return t, ok
}

// BaseChain returns t's base types, nearest first.
func (s *Schema) BaseChain(t *StructuredType) []*StructuredType {
	var out []*StructuredType
	for b := t.BaseType; b != ""; {
		bt, ok := s.Types[b]
		if !ok {
			break
		}
		out = append(out, bt)
		b = bt.BaseType
	}
	return out
}

// AllProperties returns t's structural properties, inherited ones first.
func (s *Schema) AllProperties(t *StructuredType) []Property {
	chain := s.BaseChain(t)
	var out []Property
	for i := len(chain) - 1; i >= 0; i-- {
		out = append(out, chain[i].Properties...)
	}
	return append(out, t.Properties...)
}

// AllNavigations returns t's navigation properties, inherited ones first.
func (s *Schema) AllNavigations(t *StructuredType) []NavigationProperty {
	chain := s.BaseChain(t)
	var out []NavigationProperty
	for i := len(chain) - 1; i >= 0; i-- {
		out = append(out, chain[i].Navigations...)
	}
	return append(out, t.Navigations...)
}

// Derived returns the types derived from name, directly or not, sorted by
// name.
func (s *Schema) Derived(name string) []*StructuredType {
	var out []*StructuredType
	for _, t := range s.Types {
		for _, b := range s.BaseChain(t) {
			if b.Name == name {
				out = append(out, t)
				break
			}
		}
	}
	slices.SortFunc(out, func(a, b *StructuredType) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// IsA reports whether type name is base or derives from it.
func (s *Schema) IsA(name, base string) bool {
	if name == base {
		return true
	}
	t, ok := s.Types[name]
	if !ok {
		return false
	}
	for _, b := range s.BaseChain(t) {
		if b.Name == base {
			return true
		}
	}
	return false
}

// BoundTo returns the operations bound to type name (or to one of its base
// types), to a collection of it when collection is set, sorted by name.
func (s *Schema) BoundTo(name string, collection bool) []*Operation {
	var out []*Operation
	for _, op := range s.Operations {
		if op.BindingCollection == collection && s.IsA(name, op.Binding) {
			out = append(out, op)
		}
	}
	slices.SortFunc(out, func(a, b *Operation) int { return strings.Compare(a.Name, b.Name) })
	return out
}
