package scim

import (
	"strings"

	"github.com/idbridge/idbridge/accounts"
	"github.com/scim2/filter-parser/v2"
)

var filterOps = map[filter.CompareOperator]accounts.FilterOp{
	filter.EQ: accounts.OpEq, filter.NE: accounts.OpNe, filter.CO: accounts.OpCo, filter.SW: accounts.OpSw,
	filter.EW: accounts.OpEw, filter.GT: accounts.OpGt, filter.GE: accounts.OpGe, filter.LT: accounts.OpLt,
	filter.LE: accounts.OpLe, filter.PR: accounts.OpPresent,
}

func invalidFilter(format string, args ...any) error {
	return accounts.Errorf(accounts.CodeInvalidFilter, format, args...)
}

// toFilter converts a parsed SCIM filter to the backend-neutral
// accounts.Filter, spelling attribute paths as the schema does.
func (rv resolver) toFilter(e filter.Expression) (accounts.Filter, error) {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		l, err := rv.toFilter(e.Left)
		if err != nil {
			return nil, err
		}
		r, err := rv.toFilter(e.Right)
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(string(e.Operator), string(filter.OR)) {
			return accounts.FilterOr{Left: l, Right: r}, nil
		}
		return accounts.FilterAnd{Left: l, Right: r}, nil
	case *filter.NotExpression:
		x, err := rv.toFilter(e.Expression)
		if err != nil {
			return nil, err
		}
		return accounts.FilterNot{Expr: x}, nil
	case *filter.ValuePath:
		a, ok := rv.resolve(e.AttributePath.URI(), e.AttributePath.AttributeName)
		if !ok || !a.multiValued() {
			return nil, invalidFilter("%s is not a multi-valued attribute", e.AttributePath)
		}
		where, err := elementFilter(a, e.ValueFilter)
		if err != nil {
			return nil, err
		}
		return accounts.FilterAny{Path: a.path(), Where: where}, nil
	case *filter.AttributeExpression:
		a, ok := rv.resolve(e.AttributePath.URI(), e.AttributePath.AttributeName)
		if !ok {
			return nil, invalidFilter("unknown attribute %s", e.AttributePath)
		}
		sub := e.AttributePath.SubAttributeName()
		if a.multiValued() {
			// emails.value eq "x", or emails eq "x" for the value sub-attribute.
			if sub == "" {
				sub = "value"
			}
			c, err := compare([]string{a.sub(sub)}, e, a.caseExact(sub))
			if err != nil {
				return nil, err
			}
			return accounts.FilterAny{Path: a.path(), Where: c}, nil
		}
		path := a.path()
		if sub != "" {
			path = append(path, a.sub(sub))
		}
		return compare(path, e, a.caseExact(sub))
	}
	return nil, invalidFilter("unsupported filter expression")
}

// elementFilter converts the filter inside brackets, whose paths name
// sub-attributes of a's elements.
func elementFilter(a attrRef, e filter.Expression) (accounts.Filter, error) {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		l, err := elementFilter(a, e.Left)
		if err != nil {
			return nil, err
		}
		r, err := elementFilter(a, e.Right)
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(string(e.Operator), string(filter.OR)) {
			return accounts.FilterOr{Left: l, Right: r}, nil
		}
		return accounts.FilterAnd{Left: l, Right: r}, nil
	case *filter.NotExpression:
		x, err := elementFilter(a, e.Expression)
		if err != nil {
			return nil, err
		}
		return accounts.FilterNot{Expr: x}, nil
	case *filter.AttributeExpression:
		if e.AttributePath.SubAttributeName() != "" || e.AttributePath.URI() != "" {
			return nil, invalidFilter("%s: a value filter names sub-attributes only", e.AttributePath)
		}
		name := e.AttributePath.AttributeName
		return compare([]string{a.sub(name)}, e, a.caseExact(name))
	}
	return nil, invalidFilter("value filters cannot nest")
}

func compare(path []string, e *filter.AttributeExpression, caseExact bool) (accounts.Filter, error) {
	op, ok := filterOps[filter.CompareOperator(strings.ToLower(string(e.Operator)))]
	if !ok {
		return nil, invalidFilter("unknown operator %q", e.Operator)
	}
	var v any
	switch x := e.CompareValue.(type) {
	case nil, string, bool, float64:
		v = x
	case int:
		v = float64(x)
	default:
		return nil, invalidFilter("unsupported comparison value %v", x)
	}
	if op != accounts.OpPresent && v == nil {
		if op != accounts.OpEq && op != accounts.OpNe {
			return nil, invalidFilter("null compares only with eq and ne")
		}
		// RFC 7644: "attr eq null" is true when the attribute has no value.
		pr := accounts.FilterCompare{Path: path, Op: accounts.OpPresent}
		if op == accounts.OpEq {
			return accounts.FilterNot{Expr: pr}, nil
		}
		return pr, nil
	}
	return accounts.FilterCompare{Path: path, Op: op, Value: v, CaseExact: caseExact}, nil
}
