package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

// SCIM list queries: accounts.Filter and SortBy translated to one
// parameterised WHERE and ORDER BY. Values are always bound parameters (JSON
// paths included); only the fixed column names and aliases of this file are
// written into the SQL. Parameters are numbered (?N) so that one value can
// appear several times.
//
// Every translated condition is two-valued (true or false, never NULL), so
// NOT and "ne" match resources that lack the attribute, as RFC 7644 wants.
//
// Letter case: columns with a *_key column compare accounts.Fold keys; other
// case-insensitive comparisons use SQLite's lower() and LIKE, which fold
// ASCII letters only, so "É" and "é" differ there.

// colKind is what a column holds.
type colKind int

const (
	colText colKind = iota
	colBool
	colTime // INTEGER unix microseconds; filter values are RFC 3339 strings
)

// column is an attribute the store keeps in a column of its own.
type column struct {
	expr     string // qualified column
	key      string // column of its accounts.Fold key, "" when none
	kind     colKind
	nullable bool // NULL (and never '') when the attribute is absent
}

// scimResource describes how one resource type's attributes are stored.
type scimResource struct {
	from    string            // table and alias
	alias   string            // table alias
	id      string            // id column, the last sort key
	columns map[string]column // lower-cased dotted attribute path → column
	// members is the multi-valued attribute kept in scim_group_members
	// ("members" of a group, "groups" of a user): join joins its rows
	// (alias m) to the resource, and value is the column its "value" reads.
	members, join, value string
}

var scimUsers = &scimResource{
	from: "scim_users su", alias: "su", id: "su.user_id",
	columns: map[string]column{
		"username":          {expr: "su.user_name", key: "su.user_name_key"},
		"externalid":        {expr: "su.external_id", nullable: true},
		"id":                {expr: "su.user_id"},
		"active":            {expr: "su.active", kind: colBool},
		"meta.created":      {expr: "su.created_at", kind: colTime},
		"meta.lastmodified": {expr: "su.updated_at", kind: colTime},
	},
	members: "groups", join: "m.user_id = su.user_id", value: "m.group_id",
}

var scimGroups = &scimResource{
	from: "scim_groups g", alias: "g", id: "g.id",
	columns: map[string]column{
		"displayname":       {expr: "g.display_name", key: "g.display_name_key"},
		"externalid":        {expr: "g.external_id", nullable: true},
		"id":                {expr: "g.id"},
		"meta.created":      {expr: "g.created_at", kind: colTime},
		"meta.lastmodified": {expr: "g.updated_at", kind: colTime},
	},
	members: "members", join: "m.group_id = g.id", value: "m.user_id",
}

func (q queries) ListSCIMUsers(ctx context.Context, sq accounts.SCIMQuery) (accounts.SCIMPage[accounts.SCIMUser], error) {
	page, err := listSCIM(ctx, q, "list SCIM users", scimUsers, scimUserCols, sq, scanSCIMUser)
	if err != nil || !sq.WithGroups || len(page.Resources) == 0 {
		return page, err
	}
	// In-process: a second statement costs no round trip.
	ids := make([]string, len(page.Resources))
	for i, u := range page.Resources {
		ids[i] = u.UserID
	}
	page.Groups, err = q.ListSCIMUsersGroups(ctx, sq.TeamID, ids)
	return page, err
}

func (q queries) ListSCIMGroups(ctx context.Context, sq accounts.SCIMQuery) (accounts.SCIMPage[accounts.SCIMGroup], error) {
	return listSCIM(ctx, q, "list SCIM groups", scimGroups, scimGroupCols, sq, scanSCIMGroup)
}

// listSCIM counts the matches and reads the page in one snapshot.
func listSCIM[T any](ctx context.Context, q queries, op string, res *scimResource, cols string,
	sq accounts.SCIMQuery, scan func(scanner) (T, error)) (accounts.SCIMPage[T], error) {
	var page accounts.SCIMPage[T]
	b := &filterSQL{res: res}
	where := res.alias + ".team_id = " + b.arg(sq.TeamID)
	if sq.Filter != nil {
		w, err := b.where(sq.Filter, scope{})
		if err != nil {
			return page, err
		}
		where += " AND " + w
	}
	countArgs := b.args[:len(b.args):len(b.args)]
	var pageSQL string
	if sq.Count > 0 {
		order, err := b.orderBy(sq)
		if err != nil {
			return page, err
		}
		pageSQL = `SELECT ` + cols + ` FROM ` + res.from + ` WHERE ` + where + ` ORDER BY ` + order +
			` LIMIT ` + b.arg(sq.Count) + ` OFFSET ` + b.arg(max(sq.StartIndex, 1)-1)
	}
	err := q.read(ctx, func(q queries) error {
		if err := q.db.QueryRowContext(ctx, `SELECT count(*) FROM `+res.from+` WHERE `+where,
			countArgs...).Scan(&page.Total); err != nil {
			return fail(op, err)
		}
		if pageSQL == "" || page.Total == 0 {
			return nil
		}
		rows, err := q.db.QueryContext(ctx, pageSQL, b.args...)
		if err != nil {
			return fail(op, err)
		}
		page.Resources, err = collect(rows, scan)
		if err != nil {
			return fail(op, err)
		}
		return nil
	})
	if err != nil {
		return accounts.SCIMPage[T]{}, err
	}
	return page, nil
}

// filterSQL builds SQL text and its arguments.
type filterSQL struct {
	res   *scimResource
	args  []any
	depth int // nesting of EXISTS subqueries, for unique aliases
}

// arg binds v and returns its placeholder.
func (b *filterSQL) arg(v any) string {
	b.args = append(b.args, v)
	return param(len(b.args))
}

// scope is where a condition's attribute paths are resolved: the resource
// (zero scope), one element of a JSON array (elem is the json_each alias),
// or one row of scim_group_members (member is the column of its "value").
type scope struct {
	elem, member string
}

func invalidFilter(format string, args ...any) error {
	return accounts.Errorf(accounts.CodeInvalidFilter, format, args...)
}

func (b *filterSQL) where(f accounts.Filter, sc scope) (string, error) {
	switch f := f.(type) {
	case accounts.FilterAnd:
		return b.binary(f.Left, f.Right, "AND", sc)
	case accounts.FilterOr:
		return b.binary(f.Left, f.Right, "OR", sc)
	case accounts.FilterNot:
		x, err := b.where(f.Expr, sc)
		if err != nil {
			return "", err
		}
		return "NOT " + x, nil
	case accounts.FilterCompare:
		return b.compare(f, sc)
	case accounts.FilterAny:
		return b.any(f, sc)
	default:
		return "", invalidFilter("unsupported filter expression %T", f)
	}
}

func (b *filterSQL) binary(l, r accounts.Filter, op string, sc scope) (string, error) {
	ls, err := b.where(l, sc)
	if err != nil {
		return "", err
	}
	rs, err := b.where(r, sc)
	if err != nil {
		return "", err
	}
	return "(" + ls + " " + op + " " + rs + ")", nil
}

func (b *filterSQL) isMembers(path []string) bool {
	return len(path) > 0 && strings.EqualFold(path[0], b.res.members)
}

func (b *filterSQL) compare(f accounts.FilterCompare, sc scope) (string, error) {
	if len(f.Path) == 0 {
		return "", invalidFilter("a comparison needs an attribute")
	}
	switch {
	case sc.member != "":
		if len(f.Path) != 1 || !strings.EqualFold(f.Path[0], "value") {
			return "", invalidFilter("%s can be filtered on value only", b.res.members)
		}
		return b.compareColumn(column{expr: sc.member}, f)
	case sc.elem != "":
		val, typ, err := b.elemAttr(sc.elem, f.Path)
		if err != nil {
			return "", err
		}
		return b.compareJSON(val, typ, f)
	}
	if c, ok := b.res.columns[strings.ToLower(strings.Join(f.Path, "."))]; ok {
		return b.compareColumn(c, f)
	}
	if b.isMembers(f.Path) {
		// members.value eq "x" is members[value eq "x"]; "members pr"
		// asks for any member.
		switch {
		case len(f.Path) == 1 && f.Op == accounts.OpPresent:
			return b.memberExists(nil)
		case len(f.Path) == 2:
			return b.memberExists(accounts.FilterCompare{Path: f.Path[1:], Op: f.Op, Value: f.Value, CaseExact: f.CaseExact})
		}
		return "", invalidFilter("%s can be filtered on value only", b.res.members)
	}
	p, err := jsonPath(f.Path)
	if err != nil {
		return "", err
	}
	k := b.arg(p)
	doc := b.res.alias + ".document"
	return b.compareJSON("json_extract("+doc+", "+k+")", "json_type("+doc+", "+k+")", f)
}

// elemAttr returns the SQL value and JSON type of path in the json_each
// element e. In an array of simple values, ["value"] is the element itself.
func (b *filterSQL) elemAttr(e string, path []string) (val, typ string, err error) {
	p, err := jsonPath(path)
	if err != nil {
		return "", "", err
	}
	k := b.arg(p)
	obj := e + ".type = 'object'"
	if len(path) == 1 && strings.EqualFold(path[0], "value") {
		return "CASE WHEN " + obj + " THEN json_extract(" + e + ".value, " + k + ") ELSE " + e + ".value END",
			"CASE WHEN " + obj + " THEN json_type(" + e + ".value, " + k + ") ELSE " + e + ".type END", nil
	}
	return "CASE WHEN " + obj + " THEN json_extract(" + e + ".value, " + k + ") END",
		"CASE WHEN " + obj + " THEN json_type(" + e + ".value, " + k + ") END", nil
}

func (b *filterSQL) any(f accounts.FilterAny, sc scope) (string, error) {
	if len(f.Path) == 0 || f.Where == nil {
		return "", invalidFilter("a value filter needs an attribute and a condition")
	}
	switch {
	case sc.member != "":
		return "", invalidFilter("%s has no multi-valued sub-attributes", b.res.members)
	case sc.elem == "" && b.isMembers(f.Path):
		if len(f.Path) != 1 {
			return "", invalidFilter("%s can be filtered on value only", b.res.members)
		}
		return b.memberExists(f.Where)
	}
	// The array at the path, or a single complex value as an array of one.
	p, err := jsonPath(f.Path)
	if err != nil {
		return "", err
	}
	k := b.arg(p)
	doc := b.res.alias + ".document"
	if sc.elem != "" {
		doc = "CASE WHEN " + sc.elem + ".type = 'object' THEN " + sc.elem + ".value END"
	}
	b.depth++
	e := fmt.Sprintf("e%d", b.depth)
	src := "CASE json_type(" + doc + ", " + k + ") WHEN 'array' THEN json_extract(" + doc + ", " + k +
		") WHEN 'object' THEN json_array(json_extract(" + doc + ", " + k + ")) END"
	w, err := b.where(f.Where, scope{elem: e})
	if err != nil {
		return "", err
	}
	return "EXISTS (SELECT 1 FROM json_each(" + src + ") " + e + " WHERE " + w + ")", nil
}

// memberExists matches resources with a member row matching where (any row
// when where is nil).
func (b *filterSQL) memberExists(where accounts.Filter) (string, error) {
	cond := ""
	if where != nil {
		w, err := b.where(where, scope{member: b.res.value})
		if err != nil {
			return "", err
		}
		cond = " AND " + w
	}
	return "EXISTS (SELECT 1 FROM scim_group_members m WHERE " + b.res.join + cond + ")", nil
}

// jsonPath is path as an SQLite JSON path of quoted labels, so that URNs
// (with ':' and '.') stay one label.
func jsonPath(path []string) (string, error) {
	var sb strings.Builder
	sb.WriteString("$")
	for _, seg := range path {
		if seg == "" {
			return "", invalidFilter("empty attribute name")
		}
		sb.WriteString(`."`)
		sb.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(seg))
		sb.WriteString(`"`)
	}
	return sb.String(), nil
}

// not negates positive (the condition of "eq") for "ne".
func not(op accounts.FilterOp, positive string) string {
	if op == accounts.OpNe {
		return "NOT " + positive
	}
	return positive
}

// compareColumn compares a column attribute.
func (b *filterSQL) compareColumn(c column, f accounts.FilterCompare) (string, error) {
	if f.Op == accounts.OpPresent {
		if c.kind == colText {
			if c.nullable {
				return "(" + c.expr + " IS NOT NULL AND " + c.expr + " <> '')", nil
			}
			return "(" + c.expr + " <> '')", nil
		}
		return "1", nil
	}
	if err := checkOp(f.Op); err != nil {
		return "", err
	}
	switch c.kind {
	case colBool:
		v, ok := f.Value.(bool)
		if !ok {
			return "", invalidFilter("%s is a boolean", strings.Join(f.Path, "."))
		}
		if f.Op != accounts.OpEq && f.Op != accounts.OpNe {
			return "", invalidFilter("a boolean supports eq and ne only")
		}
		return not(f.Op, "("+c.expr+" = "+b.arg(v)+")"), nil
	case colTime:
		s, ok := f.Value.(string)
		if !ok {
			return "", invalidFilter("%s is a dateTime", strings.Join(f.Path, "."))
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return "", invalidFilter("%q is not an RFC 3339 dateTime", s)
		}
		op, ok := sqlOrder[f.Op]
		if f.Op == accounts.OpEq || f.Op == accounts.OpNe {
			op, ok = "=", true
		}
		if !ok {
			return "", invalidFilter("a dateTime supports eq, ne, gt, ge, lt and le only")
		}
		return not(f.Op, "("+c.expr+" "+op+" "+b.arg(unixMicro(t))+")"), nil
	}
	s, ok := f.Value.(string)
	if !ok {
		if f.Value == nil {
			return "", invalidFilter("%s needs a value", f.Op)
		}
		return not(f.Op, "0"), nil // a string never equals a number or boolean
	}
	val, folded := c.expr, false
	if !f.CaseExact && c.key != "" {
		val, folded = c.key, true
	}
	guard := ""
	if c.nullable {
		guard = c.expr + " IS NOT NULL"
	}
	return b.compareString(guard, val, f.Op, s, f.CaseExact, folded)
}

// sqlOrder maps the ordering operators to SQL.
var sqlOrder = map[accounts.FilterOp]string{
	accounts.OpGt: ">", accounts.OpGe: ">=", accounts.OpLt: "<", accounts.OpLe: "<=",
}

func checkOp(op accounts.FilterOp) error {
	switch op {
	case accounts.OpEq, accounts.OpNe, accounts.OpCo, accounts.OpSw, accounts.OpEw,
		accounts.OpGt, accounts.OpGe, accounts.OpLt, accounts.OpLe:
		return nil
	}
	return invalidFilter("unknown operator %q", op)
}

// compareString compares the text expression val, not NULL where guard
// holds, with v. folded says val holds Fold keys (compare with Fold(v)).
func (b *filterSQL) compareString(guard, val string, op accounts.FilterOp, v string, caseExact, folded bool) (string, error) {
	ci := !caseExact
	if folded {
		v = accounts.Fold(v)
	}
	var cond string
	switch op {
	case accounts.OpEq, accounts.OpNe, accounts.OpGt, accounts.OpGe, accounts.OpLt, accounts.OpLe:
		sqlOp := "="
		if o, ok := sqlOrder[op]; ok {
			sqlOp = o
		}
		if ci && !folded {
			cond = "lower(" + val + ") " + sqlOp + " lower(" + b.arg(v) + ")"
		} else {
			cond = val + " " + sqlOp + " " + b.arg(v)
		}
	case accounts.OpCo, accounts.OpSw, accounts.OpEw:
		if ci {
			// LIKE ignores ASCII letter case (case_sensitive_like is off).
			pat := escapeLike(v)
			switch op {
			case accounts.OpCo:
				pat = "%" + pat + "%"
			case accounts.OpSw:
				pat += "%"
			default:
				pat = "%" + pat
			}
			cond = val + " LIKE " + b.arg(pat) + ` ESCAPE '\'`
			break
		}
		k := b.arg(v)
		switch op {
		case accounts.OpCo:
			cond = "instr(" + val + ", " + k + ") > 0"
		case accounts.OpSw:
			cond = "instr(" + val + ", " + k + ") = 1"
		default:
			cond = "(length(" + k + ") = 0 OR substr(" + val + ", -length(" + k + ")) = " + k + ")"
		}
	default:
		return "", invalidFilter("unknown operator %q", op)
	}
	if guard != "" {
		cond = guard + " AND " + cond
	}
	return not(op, "("+cond+")"), nil
}

// escapeLike escapes LIKE's wildcards and its escape character '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// compareJSON compares a value read from a document: val is its SQL value
// (JSON true and false read as 1 and 0) and typ its JSON type, NULL when
// absent.
func (b *filterSQL) compareJSON(val, typ string, f accounts.FilterCompare) (string, error) {
	if f.Op == accounts.OpPresent {
		return "(" + typ + " IS NOT NULL AND " + typ + " <> 'null'" +
			" AND NOT (" + typ + " = 'text' AND " + val + " = '')" +
			" AND NOT (" + typ + " IN ('array', 'object') AND " + val + " IN ('[]', '{}')))", nil
	}
	if err := checkOp(f.Op); err != nil {
		return "", err
	}
	switch v := f.Value.(type) {
	case string:
		return b.compareString(typ+" IS 'text'", val, f.Op, v, f.CaseExact, false)
	case bool:
		if f.Op != accounts.OpEq && f.Op != accounts.OpNe {
			return "", invalidFilter("a boolean supports eq and ne only")
		}
		want := "'false'"
		if v {
			want = "'true'"
		}
		return not(f.Op, "("+typ+" IS "+want+")"), nil
	case float64, int, int64:
		op, ok := sqlOrder[f.Op]
		if f.Op == accounts.OpEq || f.Op == accounts.OpNe {
			op, ok = "=", true
		}
		if !ok {
			return "", invalidFilter("a number supports eq, ne, gt, ge, lt and le only")
		}
		return not(f.Op, "(("+typ+" IS 'integer' OR "+typ+" IS 'real') AND "+val+" "+op+" "+b.arg(v)+")"), nil
	case nil:
		return "", invalidFilter("%s needs a value", f.Op)
	default:
		return "", invalidFilter("unsupported value type %T", v)
	}
}

// orderBy is the ORDER BY of q: its SortBy attribute (absent values last),
// then the id; by creation when SortBy is nil.
func (b *filterSQL) orderBy(q accounts.SCIMQuery) (string, error) {
	dir := ""
	if q.SortDescending {
		dir = " DESC"
	}
	if len(q.SortBy) == 0 {
		return b.res.alias + ".created_at" + dir + ", " + b.res.id + dir, nil
	}
	if c, ok := b.res.columns[strings.ToLower(strings.Join(q.SortBy, "."))]; ok {
		expr := c.expr
		if c.key != "" {
			expr = c.key
		}
		if c.nullable {
			return "(" + expr + " IS NULL), " + expr + dir + ", " + b.res.id + dir, nil
		}
		return expr + dir + ", " + b.res.id + dir, nil
	}
	p, err := jsonPath(q.SortBy)
	if err != nil {
		return "", err
	}
	k := b.arg(p)
	doc := b.res.alias + ".document"
	// Strings sort ignoring (ASCII) letter case.
	expr := "CASE json_type(" + doc + ", " + k + ") WHEN 'text' THEN lower(json_extract(" + doc + ", " + k +
		")) WHEN 'null' THEN NULL ELSE json_extract(" + doc + ", " + k + ") END"
	return "(" + expr + " IS NULL), " + expr + dir + ", " + b.res.id + dir, nil
}
