package scim

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"strings"

	"github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/scim2/filter-parser/v2"
)

func invalidPath(format string, args ...any) error {
	return scimerrors.ScimError{Status: 400, ScimType: scimerrors.ScimTypeInvalidPath, Detail: fmt.Sprintf(format, args...)}
}

// applyPatch applies PATCH operations (RFC 7644 §3.5.2), already validated
// against the schema by the library, to a resource document in order.
func (rv resolver) applyPatch(doc map[string]any, ops []scim.PatchOperation) error {
	for _, op := range ops {
		if err := rv.applyOp(doc, strings.ToLower(op.Op), op.Path, op.Value); err != nil {
			return err
		}
	}
	return nil
}

func (rv resolver) applyOp(doc map[string]any, op string, path *filter.Path, value any) error {
	if path != nil {
		return rv.applyPath(doc, op, *path, value)
	}
	if op == scim.PatchOperationRemove {
		return scimerrors.ScimErrorNoTarget
	}
	// No path: value holds attributes, keyed by (possibly dotted) paths or
	// by an extension's URN holding that extension's attributes.
	attrs, ok := value.(map[string]any)
	if !ok {
		return scimerrors.ScimErrorInvalidValue
	}
	for k, v := range attrs {
		if ext, ok := rv.schemaFor(k); ok {
			inner, ok := v.(map[string]any)
			if !ok {
				return scimerrors.ScimErrorInvalidValue
			}
			for name, v := range inner {
				uri := ext.ID
				p := filter.Path{AttributePath: filter.AttributePath{URIPrefix: &uri, AttributeName: name}}
				if err := rv.applyPath(doc, op, p, v); err != nil {
					return err
				}
			}
			continue
		}
		p, err := filter.ParsePath([]byte(k))
		if err != nil {
			return invalidPath("invalid attribute path %q", k)
		}
		if err := rv.applyPath(doc, op, p, v); err != nil {
			return err
		}
	}
	return nil
}

func (rv resolver) applyPath(doc map[string]any, op string, p filter.Path, value any) error {
	a, ok := rv.resolve(p.AttributePath.URI(), p.AttributePath.AttributeName)
	if !ok {
		return invalidPath("unknown attribute %s", p.AttributePath)
	}
	if a.common && a.name != "externalId" {
		return nil // id and meta are the server's; Okta sends id in values
	}
	if !a.common && a.attr.Mutability() == "readOnly" {
		return scimerrors.ScimError{Status: http.StatusBadRequest, ScimType: scimerrors.ScimTypeMutability,
			Detail: fmt.Sprintf("%s is read-only: the server sets it", a.name)}
	}
	container := doc
	if len(a.prefix) > 0 {
		m, ok := doc[a.prefix[0]].(map[string]any)
		if !ok {
			if op == scim.PatchOperationRemove {
				return nil
			}
			m = map[string]any{}
			doc[a.prefix[0]] = m
		}
		container = m
		defer func() {
			if len(m) == 0 {
				delete(doc, a.prefix[0])
			}
		}()
	}
	name, sub := a.name, p.AttributePath.SubAttributeName()
	switch {
	case p.ValueExpression != nil:
		if !a.multiValued() {
			return invalidPath("%s is not multi-valued, so it takes no [filter]", a.name)
		}
		return applyFiltered(container, a, op, p.ValueExpression, a.sub(p.SubAttributeName()), value)
	case sub != "" && a.multiValued():
		// emails.value without a filter: every element.
		list, _ := container[name].([]any)
		for _, e := range list {
			if m, ok := e.(map[string]any); ok {
				setOrRemove(m, a.sub(sub), op, value)
			}
		}
	case sub != "":
		m, ok := container[name].(map[string]any)
		if !ok {
			if op == scim.PatchOperationRemove {
				return nil
			}
			m = map[string]any{}
			container[name] = m
		}
		setOrRemove(m, a.sub(sub), op, value)
		if len(m) == 0 {
			delete(container, name)
		}
	case op == scim.PatchOperationRemove:
		if a.multiValued() && value != nil {
			container[name] = removeValues(asList(container[name]), asList(value))
			if len(asList(container[name])) == 0 {
				delete(container, name)
			}
			return nil
		}
		delete(container, name)
	case a.multiValued():
		add := asList(value)
		if op == scim.PatchOperationReplace {
			container[name] = add
			return nil
		}
		list := asList(container[name])
		for _, e := range add {
			if !containsValue(list, e) {
				if isPrimary(e) {
					clearPrimary(list)
				}
				list = append(list, e)
			}
		}
		container[name] = list
	default:
		cur, curOK := container[name].(map[string]any)
		if v, ok := value.(map[string]any); ok && curOK {
			// A complex attribute: the sub-attributes given replace or
			// add; the others stay (RFC 7644 §3.5.2.1, §3.5.2.3).
			maps.Copy(cur, v)
			return nil
		}
		container[name] = value
	}
	return nil
}

// applyFiltered applies an operation to the elements of a multi-valued
// attribute that match expr, e.g. emails[type eq "work"].value.
func applyFiltered(container map[string]any, a attrRef, op string, expr filter.Expression, sub string, value any) error {
	list := asList(container[a.name])
	var matched []map[string]any
	var kept []any
	for _, e := range list {
		m, ok := e.(map[string]any)
		if ok && matches(a, m, expr) {
			matched = append(matched, m)
			if op == scim.PatchOperationRemove && sub == "" {
				continue
			}
		}
		kept = append(kept, e)
	}
	switch {
	case op == scim.PatchOperationRemove:
		for _, m := range matched {
			if sub != "" {
				delete(m, sub)
			}
		}
		list = kept
	case len(matched) == 0:
		// No such element yet: create it from the filter's equalities,
		// as Entra ID expects for emails[type eq "work"].value.
		m := equalities(a, expr)
		if sub != "" {
			m[sub] = value
		} else if v, ok := value.(map[string]any); ok {
			maps.Copy(m, v)
		} else {
			return scimerrors.ScimErrorInvalidValue
		}
		if isPrimary(m) {
			clearPrimary(list)
		}
		list = append(list, m)
	default:
		for _, m := range matched {
			if sub != "" {
				if sub == "primary" && value == true {
					clearPrimary(list) // a new primary unsets the old
				}
				m[sub] = value
				continue
			}
			v, ok := value.(map[string]any)
			if !ok {
				return scimerrors.ScimErrorInvalidValue
			}
			maps.Copy(m, v)
		}
	}
	if len(list) == 0 {
		delete(container, a.name)
	} else {
		container[a.name] = list
	}
	return nil
}

func setOrRemove(m map[string]any, key, op string, value any) {
	if op == scim.PatchOperationRemove {
		delete(m, key)
		return
	}
	m[key] = value
}

// matches evaluates a value filter against one element.
func matches(a attrRef, elem map[string]any, e filter.Expression) bool {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		if strings.EqualFold(string(e.Operator), string(filter.OR)) {
			return matches(a, elem, e.Left) || matches(a, elem, e.Right)
		}
		return matches(a, elem, e.Left) && matches(a, elem, e.Right)
	case *filter.NotExpression:
		return !matches(a, elem, e.Expression)
	case *filter.AttributeExpression:
		name := e.AttributePath.AttributeName
		got, present := lookup(elem, a.sub(name))
		op := filter.CompareOperator(strings.ToLower(string(e.Operator)))
		if op == filter.PR {
			return present && got != nil
		}
		if !present {
			return op == filter.NE
		}
		return compareValue(got, op, e.CompareValue, a.caseExact(name))
	}
	return false
}

func lookup(m map[string]any, key string) (any, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

func compareValue(got any, op filter.CompareOperator, want any, caseExact bool) bool {
	switch w := want.(type) {
	case string:
		g, ok := got.(string)
		if !ok {
			return op == filter.NE
		}
		if !caseExact {
			g, w = strings.ToLower(g), strings.ToLower(w)
		}
		switch op {
		case filter.EQ:
			return g == w
		case filter.NE:
			return g != w
		case filter.CO:
			return strings.Contains(g, w)
		case filter.SW:
			return strings.HasPrefix(g, w)
		case filter.EW:
			return strings.HasSuffix(g, w)
		case filter.GT:
			return g > w
		case filter.GE:
			return g >= w
		case filter.LT:
			return g < w
		case filter.LE:
			return g <= w
		}
	case bool:
		g, ok := got.(bool)
		return (op == filter.EQ && ok && g == w) || (op == filter.NE && (!ok || g != w))
	default:
		eq := fmt.Sprint(got) == fmt.Sprint(want)
		return (op == filter.EQ && eq) || (op == filter.NE && !eq)
	}
	return false
}

// equalities returns the sub-attribute values a filter's "eq" terms
// (joined by "and") pin down, as a new element.
func equalities(a attrRef, e filter.Expression) map[string]any {
	m := map[string]any{}
	var walk func(filter.Expression)
	walk = func(e filter.Expression) {
		switch e := e.(type) {
		case *filter.LogicalExpression:
			if strings.EqualFold(string(e.Operator), string(filter.AND)) {
				walk(e.Left)
				walk(e.Right)
			}
		case *filter.AttributeExpression:
			if strings.EqualFold(string(e.Operator), string(filter.EQ)) {
				m[a.sub(e.AttributePath.AttributeName)] = e.CompareValue
			}
		}
	}
	walk(e)
	return m
}

func asList(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	}
	return []any{v}
}

// elementKey identifies a multi-valued element: its "value" when it has
// one, else the whole element.
func elementKey(e any) any {
	if m, ok := e.(map[string]any); ok {
		if v, ok := lookup(m, "value"); ok {
			return fmt.Sprint(v)
		}
	}
	b, _ := json.Marshal(e)
	return string(b)
}

func containsValue(list []any, e any) bool {
	for _, x := range list {
		if reflect.DeepEqual(elementKey(x), elementKey(e)) {
			return true
		}
	}
	return false
}

func removeValues(list, remove []any) []any {
	var out []any
	for _, x := range list {
		if !containsValue(remove, x) {
			out = append(out, x)
		}
	}
	return out
}

func isPrimary(e any) bool {
	m, ok := e.(map[string]any)
	return ok && m["primary"] == true
}

func clearPrimary(list []any) {
	for _, e := range list {
		if m, ok := e.(map[string]any); ok && m["primary"] == true {
			m["primary"] = false
		}
	}
}
