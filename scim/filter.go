package scim

import (
	"encoding/json"
	"errors"
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

// parseFilter parses a filter string. The parser refuses value paths with
// a sub-attribute, emails[type eq "work"].value eq "x", which mean
// emails[type eq "work" and value eq "x"] (RFC 7644 §3.4.2.2): each
// "].sub op value" is cut out before parsing and joined to its value
// path's filter with "and" afterwards.
func parseFilter(s string) (filter.Expression, error) {
	if e, ok := parseSimpleFilter(s); ok {
		return e, nil
	}
	rest, terms := cutValuePathTerms(s)
	e, err := filter.ParseFilter([]byte(rest))
	if err != nil {
		return nil, err
	}
	i := 0
	var walk func(e filter.Expression) error
	walk = func(e filter.Expression) error {
		switch e := e.(type) {
		case *filter.LogicalExpression:
			if err := walk(e.Left); err != nil {
				return err
			}
			return walk(e.Right)
		case *filter.NotExpression:
			return walk(e.Expression)
		case *filter.ValuePath:
			if i >= len(terms) {
				return errors.New("unexpected value path")
			}
			term := terms[i]
			i++
			if term == "" {
				return nil
			}
			t, err := filter.ParseAttrExp([]byte(term))
			if err != nil {
				return err
			}
			e.ValueFilter = &filter.LogicalExpression{Left: e.ValueFilter, Operator: filter.AND, Right: &t}
		}
		return nil
	}
	if err := walk(e); err != nil {
		return nil, err
	}
	return e, nil
}

// cutValuePathTerms removes "].sub op value" after value paths, returning
// the rest and, for each "[" in order, the "sub op value" cut after it (""
// for none). Quoted strings are skipped; what it does not recognise stays
// for the parser to refuse.
func cutValuePathTerms(s string) (string, []string) {
	var terms []string
	var out strings.Builder
	inQuote := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		out.WriteByte(c)
		switch {
		case inQuote && c == '\\' && i+1 < len(s):
			i++
			out.WriteByte(s[i])
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '[':
			terms = append(terms, "")
		case c == ']' && len(terms) > 0 && i+1 < len(s) && s[i+1] == '.':
			if term, n := valuePathTerm(s[i+2:]); n > 0 {
				terms[len(terms)-1] = term
				i += 1 + n
			}
		}
	}
	return out.String(), terms
}

// valuePathTerm reads "sub op value" (or "sub pr") at the start of s and
// returns it and its length, or 0 when s does not start with one.
func valuePathTerm(s string) (string, int) {
	j := 0
	for j < len(s) && isNameChar(s[j]) {
		j++
	}
	if j == 0 {
		return "", 0
	}
	k := j
	for k < len(s) && s[k] == ' ' {
		k++
	}
	opStart := k
	for k < len(s) && s[k] != ' ' && s[k] != ')' && s[k] != ']' {
		k++
	}
	op := strings.ToLower(s[opStart:k])
	if _, ok := filterOps[filter.CompareOperator(op)]; !ok {
		return "", 0
	}
	if op == "pr" {
		return s[:j] + " pr", k
	}
	for k < len(s) && s[k] == ' ' {
		k++
	}
	n := valueLen(s[k:])
	if n == 0 {
		return "", 0
	}
	return s[:j] + " " + op + " " + s[k:k+n], k + n
}

func isNameChar(c byte) bool {
	return c == '_' || c == '-' || c == '$' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// valueLen is the length of the comparison value at the start of s: a
// quoted string or a bare word (number, true, false, null).
func valueLen(s string) int {
	if strings.HasPrefix(s, `"`) {
		for i := 1; i < len(s); i++ {
			switch s[i] {
			case '\\':
				i++
			case '"':
				return i + 1
			}
		}
		return 0
	}
	i := 0
	for i < len(s) && s[i] != ' ' && s[i] != ')' && s[i] != ']' {
		i++
	}
	return i
}

// parseSimpleFilter parses the filter IdPs send before every create,
// `attr op "string"` (userName eq "…", externalId eq "…"), without the
// general parser, which costs more CPU than the rest of the request. It
// builds what the parser would; anything else is not ok.
func parseSimpleFilter(s string) (filter.Expression, bool) {
	s = strings.TrimSpace(s)
	path, rest, ok := strings.Cut(s, " ")
	if !ok {
		return nil, false
	}
	opWord, value, ok := strings.Cut(strings.TrimLeft(rest, " "), " ")
	op := filter.CompareOperator(strings.ToLower(opWord))
	if !ok || op == filter.PR {
		return nil, false
	}
	if _, known := filterOps[op]; !known {
		return nil, false
	}
	value = strings.TrimSpace(value)
	if len(value) < 2 || value[0] != '"' || valueLen(value) != len(value) {
		return nil, false
	}
	var v string
	if json.Unmarshal([]byte(value), &v) != nil {
		return nil, false
	}
	ap := filter.AttributePath{}
	if i := strings.LastIndexByte(path, ':'); i >= 0 {
		uri := path[:i]
		ap.URIPrefix, path = &uri, path[i+1:]
	}
	name, sub, hasSub := strings.Cut(path, ".")
	if name == "" || !isName(name) || (hasSub && !isName(sub)) {
		return nil, false
	}
	ap.AttributeName = name
	if hasSub {
		ap.SubAttribute = &sub
	}
	return &filter.AttributeExpression{AttributePath: ap, Operator: op, CompareValue: v}, true
}

// isName reports whether s is an attribute name (RFC 7643 §2.1).
func isName(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isNameChar(s[i]) || (i == 0 && !(s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z')) {
			return false
		}
	}
	return s != ""
}
