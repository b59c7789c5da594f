package scim

import (
	"strings"

	"github.com/elimity-com/scim/schema"
)

// resolver spells attribute paths as a resource type's schemas do, since
// stores match document keys exactly while SCIM names are case-insensitive.
type resolver struct {
	core schema.Schema
	exts []schema.Schema
}

func newResolver(core schema.Schema, exts ...schema.Schema) resolver {
	return resolver{core: core, exts: exts}
}

// attrRef is a resolved attribute: where it lives in the document and what
// the schema says of it.
type attrRef struct {
	prefix []string // [] for core attributes, [schema URN] for extensions
	name   string   // the attribute's name as the schema spells it
	attr   schema.CoreAttribute
	common bool // id, externalId or meta (RFC 7643 §3.1): not in the schema
}

// path is the attribute's path in the document.
func (a attrRef) path() []string {
	return append(append([]string(nil), a.prefix...), a.name)
}

func (a attrRef) multiValued() bool { return !a.common && a.attr.MultiValued() }

// caseExact reports whether string comparisons on the attribute (or on sub,
// one of its sub-attributes) respect letter case.
func (a attrRef) caseExact(sub string) bool {
	if a.common {
		return a.name == "id" || a.name == "externalId"
	}
	if sub != "" {
		if s, ok := a.attr.SubAttributes().ContainsAttribute(sub); ok {
			return s.CaseExact()
		}
		return false
	}
	return a.attr.CaseExact()
}

// sub spells a sub-attribute's name as the schema does.
func (a attrRef) sub(name string) string {
	if a.common {
		if a.name == "meta" {
			for _, n := range []string{"resourceType", "created", "lastModified", "location", "version"} {
				if strings.EqualFold(n, name) {
					return n
				}
			}
		}
		return name
	}
	if s, ok := a.attr.SubAttributes().ContainsAttribute(name); ok {
		return s.Name()
	}
	return name
}

// schemaFor returns the extension schema with the given URN.
func (rv resolver) schemaFor(uri string) (schema.Schema, bool) {
	for _, e := range rv.exts {
		if strings.EqualFold(e.ID, uri) {
			return e, true
		}
	}
	return schema.Schema{}, false
}

// resolve finds the attribute name (in the extension uri when not "").
func (rv resolver) resolve(uri, name string) (attrRef, bool) {
	s := rv.core
	var prefix []string
	if uri != "" && !strings.EqualFold(uri, rv.core.ID) {
		ext, ok := rv.schemaFor(uri)
		if !ok {
			return attrRef{}, false
		}
		s, prefix = ext, []string{ext.ID}
	}
	if a, ok := s.Attributes.ContainsAttribute(name); ok {
		return attrRef{prefix: prefix, name: a.Name(), attr: a}, true
	}
	if prefix == nil {
		for _, n := range []string{"id", "externalId", "meta"} {
			if strings.EqualFold(n, name) {
				return attrRef{name: n, common: true}, true
			}
		}
	}
	return attrRef{}, false
}
