package conformance

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// Root is the entity type everything under /solutions/backupRestore is
// reachable from.
const Root = Namespace + ".backupRestoreRoot"

// Source says where the full document the excerpt is cut from comes from.
const Source = "microsoftgraph/msgraph-metadata, clean_v10_metadata/cleanMetadata.xml at commit f54f11b6 (2026-08-20)"

// Reach is what is reachable from Root in a schema: the structured and
// enum types, and the bound operations.
type Reach struct {
	// Types are reached as a property, navigation, operation parameter or
	// return type, or derive from an entity type reached so; Bases are
	// only base types of those (their derived types are not reached).
	Types, Bases map[string]bool
	Enums        map[string]bool
	Operations   []*Operation
}

// Reachable computes what is reachable from Root: the types of its
// properties and navigations, recursively; the types derived from every
// entity type reached (the casts a path may take; not those of complex
// types, which property values never need); base types; and the
// operations bound to a reached entity type, one of its base types other
// than entity (whose operations are Graph-wide), or a collection of
// them, with their parameter and return types. It fails when a type is missing from
// the schema.
func (s *Schema) Reachable() (*Reach, error) {
	r := &Reach{Types: map[string]bool{}, Bases: map[string]bool{}, Enums: map[string]bool{}}
	var queue []string
	var missing []string
	reach := func(typ string) {
		switch {
		case IsPrimitive(typ), r.Types[typ], r.Enums[typ]:
		case s.Enums[typ] != nil:
			r.Enums[typ] = true
		case s.Types[typ] != nil:
			r.Types[typ] = true
			delete(r.Bases, typ)
			queue = append(queue, typ)
		default:
			missing = append(missing, typ)
		}
	}
	reach(Root)
	seenOps := map[*Operation]bool{}
	for len(queue) > 0 {
		for len(queue) > 0 {
			name := queue[0]
			queue = queue[1:]
			t := s.Types[name]
			for _, b := range s.BaseChain(t) {
				if !r.Types[b.Name] {
					r.Bases[b.Name] = true
				}
				for _, p := range b.Properties {
					reach(p.Type)
				}
			}
			for _, p := range t.Properties {
				reach(p.Type)
			}
			for _, n := range t.Navigations {
				reach(n.Type)
			}
			if t.Entity {
				for _, d := range s.Derived(name) {
					reach(d.Name)
				}
			}
		}
		for _, op := range s.Operations {
			bound := r.Types[op.Binding] || (r.Bases[op.Binding] && op.Binding != Namespace+".entity")
			if seenOps[op] || !bound || !s.Types[op.Binding].Entity {
				continue
			}
			seenOps[op] = true
			r.Operations = append(r.Operations, op)
			for _, typ := range op.Types {
				reach(typ)
			}
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, fmt.Errorf("conformance: types not in the schema: %s", strings.Join(slices.Compact(missing), ", "))
	}
	return r, nil
}

// Trim cuts the excerpt of a CSDL document that covers everything
// reachable from Root (see Reachable): those elements verbatim, in
// document order, in one microsoft.graph Schema; the solutionsRoot entity
// type and the solutions singleton trimmed to their backupRestore
// navigation and its bindings; and the Annotations elements whose target
// is a reached type, one of its members or a reached operation. Trimming
// an excerpt gives it back unchanged. It fails on a document it cannot
// read or whose types do not resolve.
func Trim(doc []byte) ([]byte, error) {
	els, err := readElements(doc)
	if err != nil {
		return nil, err
	}
	s, err := build(els)
	if err != nil {
		return nil, err
	}
	r, err := s.Reachable()
	if err != nil {
		return nil, err
	}
	opKeys := map[string]bool{}
	for _, op := range r.Operations {
		opKeys[op.key()] = true
	}
	var types, ops, annotations [][]byte
	var container []byte
	for _, e := range els {
		switch e.kind {
		case "EnumType":
			if r.Enums[e.name] {
				types = append(types, e.raw)
			}
		case "ComplexType", "EntityType":
			switch {
			case e.name == Namespace+".solutionsRoot":
				types = append(types, keepLines(e.raw, func(l string) bool {
					return !strings.HasPrefix(l, "<NavigationProperty ") || strings.HasPrefix(l, `<NavigationProperty Name="backupRestore" `)
				}))
			case r.Types[e.name] || r.Bases[e.name]:
				types = append(types, e.raw)
			}
		case "Action", "Function":
			if e.node.attr("IsBound") == "true" && opKeys[opKey(e)] {
				ops = append(ops, e.raw)
			}
		case "EntityContainer":
			if e.schema.namespace != Namespace {
				continue
			}
			inSolutions := false
			container = keepLines(e.raw, func(l string) bool {
				switch {
				case l == "</EntityContainer>":
					return true
				case strings.HasPrefix(l, `<Singleton Name="solutions" `):
					inSolutions = true
					return true
				case inSolutions && l == "</Singleton>":
					inSolutions = false
					return true
				}
				return inSolutions && strings.HasPrefix(l, `<NavigationPropertyBinding Path="backupRestore/`)
			})
		case "Annotations":
			if r.annotates(e.name, opKeys) {
				annotations = append(annotations, e.raw)
			}
		}
	}
	if s.Types[Namespace+".solutionsRoot"] == nil || container == nil {
		return nil, fmt.Errorf("conformance: the document has no solutionsRoot type or no microsoft.graph entity container")
	}
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n")
	b.WriteString("<!-- An excerpt of Microsoft Graph's v1.0 metadata: everything reachable from\n")
	b.WriteString("     microsoft.graph.backupRestoreRoot (types, enum types, derived types, navigations,\n")
	b.WriteString("     bound operations, annotations), elements copied verbatim; solutionsRoot and the\n")
	b.WriteString("     solutions singleton are trimmed to their backupRestore navigation.\n")
	b.WriteString("     Source: " + Source + ".\n")
	b.WriteString("     Regenerate: go generate ./internal/conformance (see doc.go). Do not edit by hand. -->\n")
	b.WriteString("<edmx:Edmx Version=\"4.0\" xmlns:edmx=\"http://docs.oasis-open.org/odata/ns/edmx\">\n")
	b.WriteString("  <edmx:DataServices>\n")
	b.WriteString("    <Schema Namespace=\"microsoft.graph\" Alias=\"graph\" xmlns=\"http://docs.oasis-open.org/odata/ns/edm\">\n")
	for _, group := range [][][]byte{types, ops, {container}, annotations} {
		for _, raw := range group {
			b.WriteString("      ")
			b.Write(raw)
			b.WriteByte('\n')
		}
	}
	b.WriteString("    </Schema>\n  </edmx:DataServices>\n</edmx:Edmx>\n")
	return b.Bytes(), nil
}

// key identifies an operation: its name and binding parameter type.
func (op *Operation) key() string {
	b := op.Binding
	if op.BindingCollection {
		b = "Collection(" + b + ")"
	}
	return op.Name + "(" + b + ")"
}

// opKey is the key of an Action or Function element.
func opKey(e *element) string {
	for _, c := range e.node.Children {
		if c.XMLName.Local == "Parameter" {
			typ, coll := e.schema.qualify(c.attr("Type"))
			op := &Operation{Name: e.node.attr("Name"), Binding: typ, BindingCollection: coll}
			return op.key()
		}
	}
	return ""
}

// annotates reports whether an Annotations target names a reached type,
// one of its members, or a reached operation.
func (r *Reach) annotates(target string, opKeys map[string]bool) bool {
	name, _, _ := strings.Cut(target, "/")
	if r.Types[name] || r.Enums[name] {
		return true
	}
	if op, params, ok := strings.Cut(target, "("); ok && strings.HasPrefix(op, Namespace+".") {
		first, _, _ := strings.Cut(strings.TrimSuffix(params, ")"), ",")
		return opKeys[strings.TrimPrefix(op, Namespace+".")+"("+first+")"]
	}
	return false
}

// keepLines returns raw with only the lines (compared without their
// indentation) that keep accepts, the first line always kept.
func keepLines(raw []byte, keep func(line string) bool) []byte {
	lines := strings.Split(string(raw), "\n")
	out := lines[:1]
	for _, l := range lines[1:] {
		if keep(strings.TrimSpace(l)) {
			out = append(out, l)
		}
	}
	return []byte(strings.Join(out, "\n"))
}
