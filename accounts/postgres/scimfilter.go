package postgres

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

// This file translates accounts.Filter and SCIMQuery.SortBy into SQL over
// the alias r (a scim_users or scim_groups row). Every value and every
// document path is a parameter; only fixed SQL text and column names from
// the tables below are concatenated.

// colKind says how a column compares.
type colKind int

const (
	colText colKind = iota // nullable text, compared as given (lower() unless CaseExact)
	colKey                 // a Fold key beside the original text (raw)
	colBool
	colTime
)

type column struct {
	expr string // SQL expression
	raw  string // colKey: the original, for CaseExact compares
	kind colKind
}

// resource describes what a filter runs over.
type resource struct {
	columns map[string]column // by lower-cased dotted path
	idCol   string            // the tie-breaker
	// members: a FilterAny on ["members"] is over scim_group_members.
	members bool
}

var scimUserResource = resource{
	columns: map[string]column{
		"username":          {expr: "r.user_name_key", raw: "r.user_name", kind: colKey},
		"externalid":        {expr: "r.external_id", kind: colText},
		"id":                {expr: "r.user_id", kind: colText},
		"active":            {expr: "r.active", kind: colBool},
		"meta.created":      {expr: "r.created_at", kind: colTime},
		"meta.lastmodified": {expr: "r.updated_at", kind: colTime},
	},
	idCol: "r.user_id",
}

var scimGroupResource = resource{
	columns: map[string]column{
		"displayname":       {expr: "r.display_name_key", raw: "r.display_name", kind: colKey},
		"externalid":        {expr: "r.external_id", kind: colText},
		"id":                {expr: "r.id", kind: colText},
		"meta.created":      {expr: "r.created_at", kind: colTime},
		"meta.lastmodified": {expr: "r.updated_at", kind: colTime},
	},
	idCol:   "r.id",
	members: true,
}

// memberValue is the one attribute of a members element we can compare.
var memberValue = column{expr: "m.user_id", kind: colText}

func invalidFilter(format string, args ...any) error {
	return accounts.Errorf(accounts.CodeInvalidFilter, format, args...)
}

// scope is where a (sub)filter's paths point.
type scope int

const (
	scopeRow     scope = iota // the resource: columns, then r.document
	scopeElement              // an element of a document array (elem)
	scopeMember               // a row m of scim_group_members
)

// sqlArgs collects positional parameters.
type sqlArgs struct{ args []any }

func (a *sqlArgs) add(v any) string {
	a.args = append(a.args, v)
	return "$" + strconv.Itoa(len(a.args))
}

type translator struct {
	*sqlArgs
	res   resource
	depth int // nesting of document FilterAny, for unique aliases
}

// where returns the SQL condition for f (TRUE for nil).
func (t *translator) where(f accounts.Filter) (string, error) {
	if f == nil {
		return "TRUE", nil
	}
	return t.filter(f, scopeRow, "")
}

// filter translates f in scope sc; elem is the element alias in scopeElement.
// Every result is two-valued (never NULL), so NOT is plain NOT.
func (t *translator) filter(f accounts.Filter, sc scope, elem string) (string, error) {
	switch f := f.(type) {
	case accounts.FilterAnd:
		return t.binary(f.Left, f.Right, "AND", sc, elem)
	case *accounts.FilterAnd:
		return t.binary(f.Left, f.Right, "AND", sc, elem)
	case accounts.FilterOr:
		return t.binary(f.Left, f.Right, "OR", sc, elem)
	case *accounts.FilterOr:
		return t.binary(f.Left, f.Right, "OR", sc, elem)
	case accounts.FilterNot:
		return t.not(f.Expr, sc, elem)
	case *accounts.FilterNot:
		return t.not(f.Expr, sc, elem)
	case accounts.FilterCompare:
		return t.compare(f, sc, elem)
	case *accounts.FilterCompare:
		return t.compare(*f, sc, elem)
	case accounts.FilterAny:
		return t.any(f, sc, elem)
	case *accounts.FilterAny:
		return t.any(*f, sc, elem)
	default:
		return "", invalidFilter("unsupported filter expression %T", f)
	}
}

func (t *translator) binary(l, r accounts.Filter, op string, sc scope, elem string) (string, error) {
	if l == nil || r == nil {
		return "", invalidFilter("incomplete %s expression", strings.ToLower(op))
	}
	ls, err := t.filter(l, sc, elem)
	if err != nil {
		return "", err
	}
	rs, err := t.filter(r, sc, elem)
	if err != nil {
		return "", err
	}
	return "(" + ls + " " + op + " " + rs + ")", nil
}

func (t *translator) not(e accounts.Filter, sc scope, elem string) (string, error) {
	if e == nil {
		return "", invalidFilter("incomplete not expression")
	}
	s, err := t.filter(e, sc, elem)
	if err != nil {
		return "", err
	}
	return "(NOT " + s + ")", nil
}

func checkPath(path []string) error {
	if len(path) == 0 {
		return invalidFilter("empty attribute path")
	}
	for _, p := range path {
		if p == "" || badText(p) {
			return invalidFilter("invalid attribute path %q", strings.Join(path, "."))
		}
	}
	return nil
}

func pathKey(path []string) string { return strings.ToLower(strings.Join(path, ".")) }

func isMembers(path []string) bool { return len(path) >= 1 && strings.EqualFold(path[0], "members") }

func (t *translator) compare(f accounts.FilterCompare, sc scope, elem string) (string, error) {
	if err := checkPath(f.Path); err != nil {
		return "", err
	}
	switch sc {
	case scopeMember:
		if len(f.Path) == 1 && strings.EqualFold(f.Path[0], "value") {
			return t.columnCompare(memberValue, f)
		}
		// display, type, $ref: not stored, so nothing matches. Still check
		// the operator and value so a bad filter is reported.
		scratch := &translator{sqlArgs: &sqlArgs{}, res: t.res}
		if _, err := scratch.columnCompare(memberValue, f); err != nil {
			return "", err
		}
		return "FALSE", nil
	case scopeRow:
		if c, ok := t.res.columns[pathKey(f.Path)]; ok {
			return t.columnCompare(c, f)
		}
		if t.res.members && isMembers(f.Path) {
			// members.value eq "x" is members[value eq "x"]; members pr is
			// "has a member".
			if len(f.Path) == 1 {
				if f.Op != accounts.OpPresent {
					return "", invalidFilter("members is multi-valued; compare members.value")
				}
				return "EXISTS (SELECT 1 FROM scim_group_members m WHERE m.group_id = r.id)", nil
			}
			sub := f
			sub.Path = f.Path[1:]
			return t.any(accounts.FilterAny{Path: f.Path[:1], Where: sub}, sc, elem)
		}
		p := t.add(f.Path)
		return t.jsonCompare("(r.document #> "+p+"::text[])", f)
	default: // scopeElement
		var j string
		if len(f.Path) == 1 && strings.EqualFold(f.Path[0], "value") {
			// Multi-valued attributes of simple values: the element itself.
			j = "(CASE WHEN jsonb_typeof(" + elem + ") = 'object' THEN " + elem + " -> 'value' ELSE " + elem + " END)"
		} else {
			j = "(" + elem + " #> " + t.add(f.Path) + "::text[])"
		}
		return t.jsonCompare(j, f)
	}
}

var validOps = map[accounts.FilterOp]bool{
	accounts.OpEq: true, accounts.OpNe: true, accounts.OpCo: true, accounts.OpSw: true, accounts.OpEw: true,
	accounts.OpGt: true, accounts.OpGe: true, accounts.OpLt: true, accounts.OpLe: true, accounts.OpPresent: true,
}

var orderOps = map[accounts.FilterOp]string{
	accounts.OpGt: ">", accounts.OpGe: ">=", accounts.OpLt: "<", accounts.OpLe: "<=",
}

// twoValued makes cond false where it is NULL, and applies ne as "not eq,
// or absent" (RFC 7644).
func twoValued(op accounts.FilterOp, cond string) string {
	if op == accounts.OpNe {
		return "(NOT coalesce(" + cond + ", false))"
	}
	return "coalesce(" + cond + ", false)"
}

// guardedTwoValued is twoValued for a comparison of a column with a
// parameter, written so the planner can use the column's index (a
// coalesce() around it would hide the column): a NOT NULL column needs no
// guard, a nullable one (expr) an IS NOT NULL beside it.
func guardedTwoValued(op accounts.FilterOp, cond string, nullable bool, expr string) string {
	if nullable {
		cond = "(" + cond + " AND " + expr + " IS NOT NULL)"
	} else {
		cond = "(" + cond + ")"
	}
	if op == accounts.OpNe {
		return "(NOT " + cond + ")"
	}
	return cond
}

// likeEscape escapes LIKE's wildcards and its escape character.
var likeEscape = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// textCompare compares the text expression lhs with the string v. fold:
// lhs is a Fold key, so v is folded here; ci: compare lower() of both.
func (t *translator) textCompare(lhs string, op accounts.FilterOp, v string, fold, ci bool) (string, error) {
	if badText(v) {
		return "", invalidFilter("filter values must be valid UTF-8 without NUL characters")
	}
	if fold {
		v = accounts.Fold(v)
	}
	var param string
	switch op {
	case accounts.OpCo:
		param = t.add("%" + likeEscape.Replace(v) + "%")
	case accounts.OpSw:
		param = t.add(likeEscape.Replace(v) + "%")
	case accounts.OpEw:
		param = t.add("%" + likeEscape.Replace(v))
	default:
		param = t.add(v)
	}
	param += "::text"
	if ci && !fold {
		lhs, param = "lower("+lhs+")", "lower("+param+")"
	}
	switch op {
	case accounts.OpEq, accounts.OpNe:
		return lhs + " = " + param, nil
	case accounts.OpCo, accounts.OpSw, accounts.OpEw:
		return lhs + ` LIKE ` + param, nil
	default:
		// Lexical, bytewise, as in every backend.
		return lhs + ` COLLATE "C" ` + orderOps[op] + " " + param + ` COLLATE "C"`, nil
	}
}

func (t *translator) columnCompare(c column, f accounts.FilterCompare) (string, error) {
	if !validOps[f.Op] {
		return "", invalidFilter("unknown operator %q", f.Op)
	}
	name := strings.Join(f.Path, ".")
	if f.Op == accounts.OpPresent {
		if c.kind == colText {
			return "coalesce(" + c.expr + " <> '', false)", nil
		}
		return "TRUE", nil // NOT NULL columns
	}
	switch c.kind {
	case colText, colKey:
		v, ok := f.Value.(string)
		if !ok {
			return "", invalidFilter("%s takes a string value", name)
		}
		var cond string
		var err error
		if c.kind == colKey && !f.CaseExact {
			cond, err = t.textCompare(c.expr, f.Op, v, true, false)
		} else {
			expr := c.expr
			if c.kind == colKey {
				expr = c.raw
			}
			cond, err = t.textCompare(expr, f.Op, v, false, !f.CaseExact)
		}
		if err != nil {
			return "", err
		}
		return guardedTwoValued(f.Op, cond, c.kind == colText, c.expr), nil
	case colBool:
		v, ok := f.Value.(bool)
		if !ok {
			return "", invalidFilter("%s takes a boolean value", name)
		}
		if f.Op != accounts.OpEq && f.Op != accounts.OpNe {
			return "", invalidFilter("operator %q does not apply to a boolean", f.Op)
		}
		return guardedTwoValued(f.Op, c.expr+" = "+t.add(v)+"::boolean", false, ""), nil
	default: // colTime
		s, ok := f.Value.(string)
		if !ok {
			return "", invalidFilter("%s takes a date-time string", name)
		}
		at, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return "", invalidFilter("%s: %q is not an RFC 3339 date-time", name, s)
		}
		p := t.add(at.UTC()) + "::timestamptz"
		switch f.Op {
		case accounts.OpEq, accounts.OpNe:
			return guardedTwoValued(f.Op, c.expr+" = "+p, false, ""), nil
		case accounts.OpGt, accounts.OpGe, accounts.OpLt, accounts.OpLe:
			return guardedTwoValued(f.Op, c.expr+" "+orderOps[f.Op]+" "+p, false, ""), nil
		default:
			return "", invalidFilter("operator %q does not apply to a date-time", f.Op)
		}
	}
}

// jsonCompare compares the jsonb expression j (NULL when absent).
func (t *translator) jsonCompare(j string, f accounts.FilterCompare) (string, error) {
	if !validOps[f.Op] {
		return "", invalidFilter("unknown operator %q", f.Op)
	}
	if f.Op == accounts.OpPresent {
		return "coalesce(" + j + ` NOT IN ('null'::jsonb, '""'::jsonb, '[]'::jsonb, '{}'::jsonb), false)`, nil
	}
	switch v := f.Value.(type) {
	case string:
		cond, err := t.textCompare("("+j+" #>> '{}')", f.Op, v, false, !f.CaseExact)
		if err != nil {
			return "", err
		}
		return twoValued(f.Op, "(jsonb_typeof("+j+") = 'string' AND "+cond+")"), nil
	case bool:
		if f.Op != accounts.OpEq && f.Op != accounts.OpNe {
			return "", invalidFilter("operator %q does not apply to a boolean", f.Op)
		}
		return twoValued(f.Op, j+" = to_jsonb("+t.add(v)+"::boolean)"), nil
	case float64, float32, int, int64, int32:
		n, _ := toFloat(v)
		if math.IsNaN(n) || math.IsInf(n, 0) {
			return "", invalidFilter("invalid number in filter")
		}
		num := "(CASE WHEN jsonb_typeof(" + j + ") = 'number' THEN (" + j + " #>> '{}')::numeric END)"
		p := t.add(n) + "::numeric"
		switch f.Op {
		case accounts.OpEq, accounts.OpNe:
			return twoValued(f.Op, num+" = "+p), nil
		case accounts.OpGt, accounts.OpGe, accounts.OpLt, accounts.OpLe:
			return twoValued(f.Op, num+" "+orderOps[f.Op]+" "+p), nil
		default:
			return "", invalidFilter("operator %q does not apply to a number", f.Op)
		}
	case nil:
		return "", invalidFilter("operator %q needs a value", f.Op)
	default:
		return "", invalidFilter("unsupported filter value of type %T", v)
	}
}

func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case float32:
		return float64(v), true
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	case int32:
		return float64(v), true
	}
	return 0, false
}

func (t *translator) any(f accounts.FilterAny, sc scope, elem string) (string, error) {
	if err := checkPath(f.Path); err != nil {
		return "", err
	}
	if f.Where == nil {
		return "", invalidFilter("empty value filter on %s", strings.Join(f.Path, "."))
	}
	switch {
	case sc == scopeMember:
		return "", invalidFilter("members have no multi-valued attributes")
	case sc == scopeRow && t.res.members && isMembers(f.Path):
		if len(f.Path) != 1 {
			return "", invalidFilter("members has no attribute %s", strings.Join(f.Path[1:], "."))
		}
		w, err := t.filter(f.Where, scopeMember, "")
		if err != nil {
			return "", err
		}
		return "EXISTS (SELECT 1 FROM scim_group_members m WHERE m.group_id = r.id AND " + w + ")", nil
	}
	var src string
	if sc == scopeRow {
		src = "(r.document #> " + t.add(f.Path) + "::text[])"
	} else {
		src = "(" + elem + " #> " + t.add(f.Path) + "::text[])"
	}
	t.depth++
	alias := "e" + strconv.Itoa(t.depth)
	w, err := t.filter(f.Where, scopeElement, alias)
	t.depth--
	if err != nil {
		return "", err
	}
	// A single complex value (not an array) counts as a one-element list.
	return fmt.Sprintf(`EXISTS (SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof(%[1]s) `+
		`WHEN 'array' THEN %[1]s WHEN 'object' THEN jsonb_build_array(%[1]s) ELSE '[]'::jsonb END) AS %[2]s WHERE %[3]s)`,
		src, alias, w), nil
}

// orderBy returns the ORDER BY list for q.
func (t *translator) orderBy(sortBy []string, desc bool) (string, error) {
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	if len(sortBy) == 0 {
		return "r.created_at" + dir + ", " + t.res.idCol + dir, nil
	}
	if err := checkPath(sortBy); err != nil {
		return "", err
	}
	var key string
	if c, ok := t.res.columns[pathKey(sortBy)]; ok {
		key = c.expr
	} else {
		key = `(r.document #>> ` + t.add(sortBy) + `::text[]) COLLATE "C"`
	}
	return key + dir + " NULLS LAST, " + t.res.idCol + dir, nil
}
