package scim

import (
	"reflect"
	"testing"

	"github.com/elimity-com/scim/schema"
	"github.com/idbridge/idbridge/accounts"
	"github.com/scim2/filter-parser/v2"
)

func TestToFilter(t *testing.T) {
	users := newResolver(schema.CoreUserSchema(), schema.ExtensionEnterpriseUser())
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	tests := []struct {
		name, filter string
		want         accounts.Filter
	}{
		{"attribute names take the schema's spelling", `USERNAME eq "Bob"`,
			accounts.FilterCompare{Path: []string{"userName"}, Op: accounts.OpEq, Value: "Bob"}},
		{"externalId is case-exact", `externalid eq "x"`,
			accounts.FilterCompare{Path: []string{"externalId"}, Op: accounts.OpEq, Value: "x", CaseExact: true}},
		{"sub-attributes join the path", `name.givenname sw "A"`,
			accounts.FilterCompare{Path: []string{"name", "givenName"}, Op: accounts.OpSw, Value: "A"}},
		{"value paths become FilterAny", `emails[type eq "work" and value co "@acme"]`,
			accounts.FilterAny{Path: []string{"emails"}, Where: accounts.FilterAnd{
				Left:  accounts.FilterCompare{Path: []string{"type"}, Op: accounts.OpEq, Value: "work"},
				Right: accounts.FilterCompare{Path: []string{"value"}, Op: accounts.OpCo, Value: "@acme"}}}},
		{"a multi-valued sub-attribute without brackets is FilterAny", `emails.value eq "a@b.c"`,
			accounts.FilterAny{Path: []string{"emails"}, Where: accounts.FilterCompare{Path: []string{"value"}, Op: accounts.OpEq, Value: "a@b.c"}}},
		{"extension attributes are prefixed with their URN", ent + `:department eq "R&D"`,
			accounts.FilterCompare{Path: []string{ent, "department"}, Op: accounts.OpEq, Value: "R&D"}},
		{"not, or and booleans", `not (active eq true) or meta.lastModified gt "2026-01-01T00:00:00Z"`,
			accounts.FilterOr{
				Left:  accounts.FilterNot{Expr: accounts.FilterCompare{Path: []string{"active"}, Op: accounts.OpEq, Value: true}},
				Right: accounts.FilterCompare{Path: []string{"meta", "lastModified"}, Op: accounts.OpGt, Value: "2026-01-01T00:00:00Z"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := filter.ParseFilter([]byte(tt.filter))
			if err != nil {
				t.Fatal(err)
			}
			got, err := users.toFilter(e)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
	e, _ := filter.ParseFilter([]byte(`nosuch eq "x"`))
	if _, err := users.toFilter(e); accounts.ErrorCode(err) != accounts.CodeInvalidFilter {
		t.Fatalf("unknown attribute: %v, want invalid_filter", err)
	}
}

func TestParseFilterJoinsSubAttributesOfValuePaths(t *testing.T) {
	users := newResolver(schema.CoreUserSchema(), schema.ExtensionEnterpriseUser())
	work := accounts.FilterCompare{Path: []string{"type"}, Op: accounts.OpEq, Value: "work"}
	tests := []struct {
		name, filter string
		want         accounts.Filter
	}{
		{"a sub-attribute after the brackets joins the value filter", `emails[type eq "work"].value eq "a@b.c"`,
			accounts.FilterAny{Path: []string{"emails"}, Where: accounts.FilterAnd{Left: work,
				Right: accounts.FilterCompare{Path: []string{"value"}, Op: accounts.OpEq, Value: "a@b.c"}}}},
		{"pr takes no value", `emails[type eq "work"].value pr`,
			accounts.FilterAny{Path: []string{"emails"}, Where: accounts.FilterAnd{Left: work,
				Right: accounts.FilterCompare{Path: []string{"value"}, Op: accounts.OpPresent}}}},
		{"brackets inside strings are not syntax, and the rest of the filter stays", `userName eq "a].b" or emails[type eq "work"].value sw "x]"`,
			accounts.FilterOr{Left: accounts.FilterCompare{Path: []string{"userName"}, Op: accounts.OpEq, Value: "a].b"},
				Right: accounts.FilterAny{Path: []string{"emails"}, Where: accounts.FilterAnd{Left: work,
					Right: accounts.FilterCompare{Path: []string{"value"}, Op: accounts.OpSw, Value: "x]"}}}}},
		{"a value path without a sub-attribute is as written", `emails[type eq "work"]`,
			accounts.FilterAny{Path: []string{"emails"}, Where: work}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := parseFilter(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			got, err := users.toFilter(e)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v, want %#v", got, tt.want)
			}
		})
	}
	if _, err := parseFilter(`emails[type eq "work"].value zz "x"`); err == nil {
		t.Fatal("an unknown operator after a value path parsed")
	}
}

func TestSimpleFiltersParseAsTheParserDoes(t *testing.T) {
	for _, f := range []string{
		`userName eq "Alice@Example.com"`,
		`USERNAME EQ "x"`,
		`displayName sw "Eng"`,
		`name.givenName co "an"`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "R&D"`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "42"`,
	} {
		t.Run(f, func(t *testing.T) {
			got, ok := parseSimpleFilter(f)
			if !ok {
				t.Fatal("not taken as simple")
			}
			want, err := filter.ParseFilter([]byte(f))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got %#v, want %#v", got, want)
			}
		})
	}
	// JSON escapes, which the parser refuses, are strings as RFC 7644 says.
	if e, ok := parseSimpleFilter(`externalId eq "00u1\"q\" \u00e9"`); !ok || e.(*filter.AttributeExpression).CompareValue != "00u1\"q\" é" {
		t.Errorf("escaped string: %#v, %v", e, ok)
	}
	for _, f := range []string{
		`userName eq "a" or userName eq "b"`, `userName pr`, `active eq true`, `emails[type eq "work"]`,
		`userName eq "unterminated`, `userName zz "x"`, `1userName eq "x"`, `userName eq "a" and`, `meta.lastModified gt 5`,
	} {
		if _, ok := parseSimpleFilter(f); ok {
			t.Errorf("%s was taken as simple", f)
		}
	}
}
