package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/idbridge/idbridge/accounts"
)

// Filter-building shorthands.

func cmp(op accounts.FilterOp, value any, path ...string) accounts.FilterCompare {
	return accounts.FilterCompare{Path: path, Op: op, Value: value}
}

func exact(op accounts.FilterOp, value any, path ...string) accounts.FilterCompare {
	return accounts.FilterCompare{Path: path, Op: op, Value: value, CaseExact: true}
}

func and(l, r accounts.Filter) accounts.Filter { return accounts.FilterAnd{Left: l, Right: r} }
func or(l, r accounts.Filter) accounts.Filter  { return accounts.FilterOr{Left: l, Right: r} }
func not(e accounts.Filter) accounts.Filter    { return accounts.FilterNot{Expr: e} }

func anyEmail(where accounts.Filter) accounts.Filter {
	return accounts.FilterAny{Path: []string{"emails"}, Where: where}
}

// filterUsers stores six SCIM users of team, named by key, with varied
// documents, last modified an hour apart from at(1h), and returns them.
func filterUsers(t *testing.T, s accounts.Store, teamID string) map[string]accounts.SCIMUser {
	t.Helper()
	ids := map[string]string{}
	for _, k := range []string{"alice", "bob", "carol", "dave", "erin", "frank"} {
		ids[k] = createUser(t, s, k).ID
	}
	email := func(typ, value string, primary bool) map[string]any {
		e := map[string]any{"type": typ, "value": value}
		if primary {
			e["primary"] = true
		}
		return e
	}
	specs := []struct {
		key, userName, externalID string
		active                    bool
		doc                       map[string]any
	}{
		{"alice", "alice", "EXT-Alice", true, map[string]any{
			"name":   map[string]any{"givenName": "Alice", "familyName": "Smith"},
			"title":  "Engineer",
			"emails": []any{email("work", "alice@acme.com", true), email("home", "alice.smith@gmail.com", false)},
			enterpriseURN: map[string]any{"department": "Engineering", "employeeNumber": "1001",
				"manager": map[string]any{"value": ids["bob"]}},
			acmeExtensionID: map[string]any{"clearance": 9},
		}},
		{"bob", "Bob", "ext-bob", true, map[string]any{
			"name":          map[string]any{"givenName": "Bob"},
			"title":         "Manager",
			"emails":        []any{email("work", "bob@acme.com", true)},
			enterpriseURN:   map[string]any{"department": "engineering", "employeeNumber": "1002"},
			acmeExtensionID: map[string]any{"clearance": 10},
		}},
		{"carol", "carol", "", false, map[string]any{
			"name":   map[string]any{"givenName": "Carolina"},
			"emails": []any{email("home", "carol@acme.com", false), email("work", "carol@example.org", true)},
			enterpriseURN: map[string]any{"department": "Sales",
				"manager": map[string]any{"value": ids["bob"]}},
			acmeExtensionID: map[string]any{"clearance": 100},
		}},
		{"dave", "d_ve%1", "EXT-dave", true, map[string]any{
			"name": map[string]any{"givenName": "Dave"},
		}},
		{"erin", "davey1", "EXT-erin", false, map[string]any{
			"name":   map[string]any{"givenName": "Erin"},
			"title":  `Ops\Infra`,
			"emails": []any{email("other", "erin@%.example.net", false)},
		}},
		{"frank", "frank", "", true, map[string]any{}},
	}
	users := map[string]accounts.SCIMUser{}
	for i, sp := range specs {
		sp.doc["schemas"] = []string{coreUserSchema}
		sp.doc["userName"], sp.doc["active"] = sp.userName, sp.active
		if sp.externalID != "" {
			sp.doc["externalId"] = sp.externalID
		}
		u := newSCIMUser(teamID, ids[sp.key], sp.userName, at(time.Duration(i)*time.Minute))
		u.ExternalID, u.Active, u.Document = sp.externalID, sp.active, doc(sp.doc)
		u.UpdatedAt = at(time.Duration(i+1) * time.Hour)
		users[sp.key] = storeSCIMUser(t, s, u)
	}
	return users
}

// lastModified is the filter value for at(h hours) as stored: UTC, microseconds.
func lastModified(h int) string {
	return at(time.Duration(h) * time.Hour).UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
}

func testSCIMFilter(t *testing.T, newStore newStoreFunc) {
	t.Run("ListSCIMUsers returns exactly the team's users a filter matches", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, other := createTeam(t, s, "acme"), createTeam(t, s, "other")
		users := filterUsers(t, s, team.ID)
		// Another team's users match most filters below and must never show.
		clone := map[string]any{"name": map[string]any{"givenName": "Alice"},
			"emails":      []any{map[string]any{"type": "work", "value": "alice@acme.com"}},
			enterpriseURN: map[string]any{"department": "Engineering"}, acmeExtensionID: map[string]any{"clearance": 50}}
		for i, name := range []string{"alice", "d_ve%1"} {
			u := newSCIMUser(other.ID, createUser(t, s, "other-"+uuid.NewString()[:8]).ID, name, at(time.Duration(i)*time.Hour))
			u.ExternalID, u.Document = "EXT-Alice", doc(clone)
			u.UpdatedAt = at(time.Duration(i+1) * time.Hour)
			storeSCIMUser(t, s, u)
		}
		bob := users["bob"].UserID
		dept := []string{enterpriseURN, "department"}
		clearance := []string{acmeExtensionID, "clearance"}
		lm := []string{"meta", "lastModified"}

		for _, tc := range []struct {
			name   string
			filter accounts.Filter
			want   []string
		}{
			{"no filter matches every user", nil, []string{"alice", "bob", "carol", "dave", "erin", "frank"}},
			{"userName eq matches in another letter case", cmp(accounts.OpEq, "BOB", "userName"), []string{"bob"}},
			{"userName eq with CaseExact does not match another letter case", exact(accounts.OpEq, "BOB", "userName"), nil},
			{"userName ne matches every other user", cmp(accounts.OpNe, "ALICE", "userName"), []string{"bob", "carol", "dave", "erin", "frank"}},
			{"externalId eq with CaseExact matches its exact value", exact(accounts.OpEq, "EXT-Alice", "externalId"), []string{"alice"}},
			{"externalId eq with CaseExact does not match another letter case", exact(accounts.OpEq, "ext-alice", "externalId"), nil},
			{"externalId eq without CaseExact ignores letter case", cmp(accounts.OpEq, "ext-ALICE", "externalId"), []string{"alice"}},
			{"externalId pr matches users with a non-empty external ID", cmp(accounts.OpPresent, nil, "externalId"), []string{"alice", "bob", "dave", "erin"}},
			{"id eq matches that user", cmp(accounts.OpEq, users["carol"].UserID, "id"), []string{"carol"}},
			{"active eq false matches inactive users", cmp(accounts.OpEq, false, "active"), []string{"carol", "erin"}},
			{"active eq true matches active users", cmp(accounts.OpEq, true, "active"), []string{"alice", "bob", "dave", "frank"}},
			{"an email of one type with one value matches", anyEmail(and(cmp(accounts.OpEq, "work", "type"), cmp(accounts.OpEq, "BOB@acme.com", "value"))), []string{"bob"}},
			{"the conditions on an email must hold for one and the same email", anyEmail(and(cmp(accounts.OpEq, "work", "type"), cmp(accounts.OpEq, "carol@acme.com", "value"))), nil},
			{"a work email on a domain matches", anyEmail(and(cmp(accounts.OpEq, "work", "type"), cmp(accounts.OpEw, "@acme.com", "value"))), []string{"alice", "bob"}},
			{"a primary email matches", anyEmail(cmp(accounts.OpEq, true, "primary")), []string{"alice", "bob", "carol"}},
			{"emails value co ignores letter case", anyEmail(cmp(accounts.OpCo, "@ACME", "value")), []string{"alice", "bob", "carol"}},
			{"emails value sw ignores letter case", anyEmail(cmp(accounts.OpSw, "ALICE.", "value")), []string{"alice"}},
			{"emails value ew ignores letter case", anyEmail(cmp(accounts.OpEw, ".ORG", "value")), []string{"carol"}},
			{"enterprise department eq ignores letter case", cmp(accounts.OpEq, "ENGINEERING", dept...), []string{"alice", "bob"}},
			{"enterprise department eq with CaseExact does not match another letter case", exact(accounts.OpEq, "engineering", dept...), []string{"bob"}},
			{"enterprise manager.value eq matches the managed users", cmp(accounts.OpEq, bob, enterpriseURN, "manager", "value"), []string{"alice", "carol"}},
			{"name.givenName sw ignores letter case", cmp(accounts.OpSw, "CAR", "name", "givenName"), []string{"carol"}},
			{"name.givenName co with CaseExact respects letter case", exact(accounts.OpCo, "li", "name", "givenName"), []string{"alice", "carol"}},
			{"name.givenName co with CaseExact does not match other case", exact(accounts.OpCo, "LI", "name", "givenName"), nil},
			{"pr matches users who have the attribute", cmp(accounts.OpPresent, nil, "title"), []string{"alice", "bob", "erin"}},
			{"pr on an extension attribute", cmp(accounts.OpPresent, nil, dept...), []string{"alice", "bob", "carol"}},
			{"pr inside a multi-valued match", anyEmail(cmp(accounts.OpPresent, nil, "value")), []string{"alice", "bob", "carol", "erin"}},
			{"ne also matches users without the attribute", cmp(accounts.OpNe, "sales", dept...), []string{"alice", "bob", "dave", "erin", "frank"}},
			{"an absent attribute matches no eq, co, sw, gt or lt", or(or(cmp(accounts.OpEq, "x", "nickName"), cmp(accounts.OpCo, "", "nickName")),
				or(cmp(accounts.OpSw, "", "nickName"), or(cmp(accounts.OpGt, "", "nickName"), cmp(accounts.OpLt, "zzz", "nickName")))), nil},
			{"meta.lastModified gt", cmp(accounts.OpGt, lastModified(2), lm...), []string{"carol", "dave", "erin", "frank"}},
			{"meta.lastModified ge includes the equal instant", cmp(accounts.OpGe, lastModified(2), lm...), []string{"bob", "carol", "dave", "erin", "frank"}},
			{"meta.lastModified lt", cmp(accounts.OpLt, lastModified(2), lm...), []string{"alice"}},
			{"meta.lastModified le includes the equal instant", cmp(accounts.OpLe, lastModified(2), lm...), []string{"alice", "bob"}},
			{"meta.lastModified compares instants across zone offsets", cmp(accounts.OpGe, "2026-11-01T14:00:00+01:00", lm...), []string{"bob", "carol", "dave", "erin", "frank"}},
			{"meta.created gt", cmp(accounts.OpGt, at(2*time.Minute).UTC().Format(time.RFC3339Nano), "meta", "created"), []string{"dave", "erin", "frank"}},
			{"a numeric attribute gt compares numbers, not strings", cmp(accounts.OpGt, 9.0, clearance...), []string{"bob", "carol"}},
			{"a numeric attribute ge", cmp(accounts.OpGe, 10.0, clearance...), []string{"bob", "carol"}},
			{"a numeric attribute lt", cmp(accounts.OpLt, 10.0, clearance...), []string{"alice"}},
			{"a numeric attribute le", cmp(accounts.OpLe, 100.0, clearance...), []string{"alice", "bob", "carol"}},
			{"a numeric attribute eq", cmp(accounts.OpEq, 100.0, clearance...), []string{"carol"}},
			{"and of two conditions", and(cmp(accounts.OpEq, true, "active"), cmp(accounts.OpEq, "engineering", dept...)), []string{"alice", "bob"}},
			{"or of two conditions", or(cmp(accounts.OpEq, "alice", "userName"), cmp(accounts.OpEq, "frank", "userName")), []string{"alice", "frank"}},
			{"and over or follows the tree", and(or(cmp(accounts.OpEq, "alice", "userName"), cmp(accounts.OpEq, "carol", "userName")), cmp(accounts.OpEq, false, "active")), []string{"carol"}},
			{"or over and follows the tree", or(cmp(accounts.OpEq, "alice", "userName"), and(cmp(accounts.OpEq, "carol", "userName"), cmp(accounts.OpEq, false, "active"))), []string{"alice", "carol"}},
			{"not of a column condition", not(cmp(accounts.OpEq, true, "active")), []string{"carol", "erin"}},
			{"not matches users without the attribute", not(cmp(accounts.OpEq, "engineering", dept...)), []string{"carol", "dave", "erin", "frank"}},
			{"not of an or", not(or(cmp(accounts.OpSw, "d", "userName"), anyEmail(cmp(accounts.OpPresent, nil, "value")))), []string{"frank"}},
			{"not of a multi-valued match", not(anyEmail(cmp(accounts.OpEq, "work", "type"))), []string{"dave", "erin", "frank"}},
			{"and of a multi-valued match and a not", and(anyEmail(cmp(accounts.OpCo, "acme", "value")), not(cmp(accounts.OpEq, "bob", "userName"))), []string{"alice", "carol"}},
			{"_ in a sw value matches only an underscore", cmp(accounts.OpSw, "d_v", "userName"), []string{"dave"}},
			{"% in a co value matches only a percent sign", cmp(accounts.OpCo, "%", "userName"), []string{"dave"}},
			{"% in an ew value matches only a percent sign", cmp(accounts.OpEw, "%1", "userName"), []string{"dave"}},
			{"% in a document value matches only a percent sign", anyEmail(cmp(accounts.OpCo, "@%.", "value")), []string{"erin"}},
			{"_ in a document value matches only an underscore", cmp(accounts.OpCo, "_", "name", "givenName"), nil},
			{"a backslash in a value matches only a backslash", cmp(accounts.OpCo, `s\I`, "title"), []string{"erin"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				page, err := s.ListSCIMUsers(ctx, accounts.SCIMQuery{TeamID: team.ID, Filter: tc.filter, Count: 100})
				noErr(t, err)
				want := make([]string, len(tc.want))
				for i, k := range tc.want {
					want[i] = users[k].UserID
				}
				got := scimUserIDs(page.Resources)
				if page.Total != len(want) || !slices.Equal(sorted(got), sorted(want)) {
					t.Errorf("Total %d, users %v; want Total %d, users %v", page.Total, keysOf(users, got), len(want), tc.want)
				}
			})
		}
	})

	t.Run("a filtered list pages in creation order with the total of all matches", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		users := filterUsers(t, s, team.ID)
		q := accounts.SCIMQuery{TeamID: team.ID, Filter: cmp(accounts.OpEq, true, "active"), StartIndex: 2, Count: 2}
		page, err := s.ListSCIMUsers(ctx, q)
		noErr(t, err)
		if page.Total != 4 {
			t.Errorf("Total = %d, want 4", page.Total)
		}
		sameSCIMUsers(t, "Resources", page.Resources, []accounts.SCIMUser{users["bob"], users["dave"]})
		q.SortBy, q.SortDescending, q.StartIndex = []string{"userName"}, true, 1
		page, err = s.ListSCIMUsers(ctx, q)
		noErr(t, err)
		sameIDs(t, "sorted by userName descending", scimUserNames(page.Resources), []string{"frank", "d_ve%1"})
	})

	t.Run("a filter the store cannot translate is an error with CodeInvalidFilter", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		filterUsers(t, s, team.ID)
		for _, tc := range []struct {
			name   string
			filter accounts.Filter
		}{
			{"an unparsable meta.lastModified", cmp(accounts.OpGt, "yesterday", "meta", "lastModified")},
			{"an unparsable meta.lastModified under not", not(cmp(accounts.OpEq, "2026-13-45", "meta", "lastModified"))},
			{"an unknown operator", cmp("zz", "x", "userName")},
			{"an unknown operator on a document attribute", cmp("regex", "x", "title")},
			{"an unknown operator inside a multi-valued match", anyEmail(cmp("zz", "work", "type"))},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.ListSCIMUsers(ctx, accounts.SCIMQuery{TeamID: team.ID, Filter: tc.filter, Count: 10})
				if code := accounts.ErrorCode(err); code != accounts.CodeInvalidFilter {
					t.Errorf("ListSCIMUsers = %v (code %q), want an error with code %q", err, code, accounts.CodeInvalidFilter)
				}
			})
		}
		// The store is still usable: PostgreSQL must not be left in an aborted transaction.
		page, err := s.ListSCIMUsers(ctx, accounts.SCIMQuery{TeamID: team.ID, Count: 10})
		noErr(t, err)
		if page.Total != 6 {
			t.Errorf("Total after the refused filters = %d, want 6", page.Total)
		}
	})
}

// keysOf names the fixture users with these IDs, for failure messages.
func keysOf(users map[string]accounts.SCIMUser, ids []string) []string {
	var keys []string
	for _, id := range ids {
		name := fmt.Sprintf("unknown %s", id)
		for k, u := range users {
			if u.UserID == id {
				name = k
			}
		}
		keys = append(keys, name)
	}
	slices.Sort(keys)
	return keys
}
