package accounts

// Filter is a backend-neutral query over a SCIM resource document (RFC 7644
// §3.4.2.2), built by the scim edge from the filter string and translated by
// each store into parameterised SQL. Paths name attributes inside the
// resource document, schema URNs of extensions included, e.g.
// ["userName"], ["name", "givenName"],
// ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "department"].
//
// Attributes stores keep in columns (userName, externalId, id, active,
// meta.*, displayName and members for groups) match in any letter case;
// paths into the document match JSON keys exactly, so the edge spells
// them as the schema does. externalId is caseExact (RFC 7643): the edge
// sets CaseExact for it, which is what lets "externalId eq" use its index.
type Filter interface{ isFilter() }

// FilterOp is a SCIM comparison operator.
type FilterOp string

const (
	OpEq      FilterOp = "eq"
	OpNe      FilterOp = "ne"
	OpCo      FilterOp = "co"
	OpSw      FilterOp = "sw"
	OpEw      FilterOp = "ew"
	OpGt      FilterOp = "gt"
	OpGe      FilterOp = "ge"
	OpLt      FilterOp = "lt"
	OpLe      FilterOp = "le"
	OpPresent FilterOp = "pr"
)

// FilterAnd matches when both sides match.
type FilterAnd struct{ Left, Right Filter }

// FilterOr matches when either side matches.
type FilterOr struct{ Left, Right Filter }

// FilterNot matches when Expr does not.
type FilterNot struct{ Expr Filter }

// FilterCompare compares one single-valued attribute with Value.
//
// Value is a string, bool, float64 or nil (with OpPresent). Strings are
// compared ignoring letter case unless CaseExact. For gt/ge/lt/le, strings
// compare lexically (RFC 3339 timestamps therefore compare in time order)
// and numbers numerically. An absent attribute matches nothing but "ne"
// (RFC 7644: "ne" is true when the attribute has no value) — and "not".
type FilterCompare struct {
	Path      []string
	Op        FilterOp
	Value     any
	CaseExact bool
}

// FilterAny matches when at least one element of the multi-valued attribute
// at Path matches Where, whose paths are relative to the element
// (emails[type eq "work" and value co "@acme"] is
// FilterAny{Path: ["emails"], Where: FilterAnd{…["type"]…, …["value"]…}}).
// For multi-valued attributes of simple values, Where's path is ["value"].
type FilterAny struct {
	Path  []string
	Where Filter
}

func (FilterAnd) isFilter()     {}
func (FilterOr) isFilter()      {}
func (FilterNot) isFilter()     {}
func (FilterCompare) isFilter() {}
func (FilterAny) isFilter()     {}
