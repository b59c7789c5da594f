package scim

import (
	"fmt"
	"net/http"
	"strings"

	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/schema"
)

// toleratedSchemas may appear in a resource's "schemas" beside the declared
// ones: Entra ID lists its own URN in every group it creates, with no
// attribute of it.
var toleratedSchemas = [...]string{"http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"}

func badValue(format string, args ...any) error {
	return scimerrors.ScimError{Status: http.StatusBadRequest, ScimType: scimerrors.ScimTypeInvalidValue, Detail: fmt.Sprintf(format, args...)}
}

// checkDeclared refuses a resource body naming a schema or an attribute
// that none of the resource type's schemas declares. The library would
// drop such attributes silently, and an IdP would believe them stored.
func (rv resolver) checkDeclared(doc map[string]any) error {
	for k, v := range doc {
		switch strings.ToLower(k) {
		case "schemas":
			if err := rv.checkSchemas(v); err != nil {
				return err
			}
			continue
		case "id", "externalid", "meta":
			continue
		}
		if ext, ok := rv.schemaFor(k); ok {
			m, ok := v.(map[string]any)
			if !ok {
				if v == nil {
					continue
				}
				return badValue("%s must be an object of that extension's attributes", ext.ID)
			}
			for name, sv := range m {
				if err := checkAttribute(ext, ext.ID+":", name, sv); err != nil {
					return err
				}
			}
			continue
		}
		if err := checkAttribute(rv.core, "", k, v); err != nil {
			return err
		}
	}
	return nil
}

func (rv resolver) checkSchemas(v any) error {
	list, ok := v.([]any)
	if !ok {
		return badValue(`"schemas" must be a list of schema URNs`)
	}
next:
	for _, e := range list {
		urn, _ := e.(string)
		if strings.EqualFold(urn, rv.core.ID) {
			continue
		}
		if _, ok := rv.schemaFor(urn); ok {
			continue
		}
		for _, t := range toleratedSchemas {
			if strings.EqualFold(urn, t) {
				continue next
			}
		}
		return badValue("unknown schema %q: this resource type has %s", urn, strings.Join(rv.urns(), ", "))
	}
	return nil
}

// urns lists the resource type's schema URNs.
func (rv resolver) urns() []string {
	out := []string{rv.core.ID}
	for _, e := range rv.exts {
		out = append(out, e.ID)
	}
	return out
}

// checkAttribute checks that s declares name and, for a complex value,
// each sub-attribute given.
func checkAttribute(s schema.Schema, prefix, name string, v any) error {
	a, ok := s.Attributes.ContainsAttribute(name)
	if !ok {
		return badValue("unknown attribute %q: it is in none of the resource's schemas", prefix+name)
	}
	if !a.HasSubAttributes() {
		return nil
	}
	for _, e := range asList(v) {
		m, ok := e.(map[string]any)
		if !ok {
			continue // the library refuses the type
		}
		for sub := range m {
			if _, ok := a.SubAttributes().ContainsAttribute(sub); !ok {
				return badValue("unknown attribute %q: %s has no such sub-attribute", prefix+a.Name()+"."+sub, a.Name())
			}
		}
	}
	return nil
}
