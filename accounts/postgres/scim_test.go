package postgres_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/postgres/pgtest"
)

const enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// The filter translator against real rows; the conformance suite checks
// the contract, this checks the SQL corners (ne on absent attributes,
// LIKE escapes, extension URNs, arrays of simple values, members).
func TestSCIMFilters(t *testing.T) {
	t.Parallel()
	s, ctx := pgtest.NewStore(t), t.Context()
	now := time.Date(2026, 1, 2, 3, 4, 5, 678901234, time.UTC)
	team := accounts.Team{ID: uuid.NewString(), Slug: "acme", Name: "Acme", Plan: accounts.PlanFree, CreatedAt: now, UpdatedAt: now}
	if err := s.CreateTeam(ctx, &team); err != nil {
		t.Fatal(err)
	}
	docs := map[string]map[string]any{
		"Alice": {"userName": "Alice", "name": map[string]any{"givenName": "Alice"}, "title": "50%_off\\",
			"emails":   []any{map[string]any{"type": "work", "value": "alice@acme.com", "primary": true}},
			enterprise: map[string]any{"department": "R&D", "level": 3}, "tags": []any{"a", "b"}},
		"bob":   {"userName": "bob", "emails": []any{map[string]any{"type": "home", "value": "bob@home.org"}}, "tags": []any{}, "title": ""},
		"carol": {"userName": "carol", enterprise: map[string]any{"department": "Sales", "level": 10}, "x": nil},
	}
	ids := map[string]string{}
	for i, name := range []string{"Alice", "bob", "carol"} {
		u := accounts.User{ID: uuid.NewString(), Username: "u" + name, Email: name + "@example.com", Status: accounts.StatusActive, CreatedAt: now, UpdatedAt: now}
		if err := s.CreateUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(docs[name])
		at := now.Add(time.Duration(i) * time.Hour)
		su := accounts.SCIMUser{TeamID: team.ID, UserID: u.ID, UserName: name, ExternalID: "ext-" + name, Active: name != "bob",
			Document: b, Version: 1, CreatedAt: at, UpdatedAt: at}
		if err := s.CreateSCIMUser(ctx, &su); err != nil {
			t.Fatal(err)
		}
		ids[name] = u.ID
	}
	cmp := func(op accounts.FilterOp, v any, path ...string) accounts.FilterCompare {
		return accounts.FilterCompare{Path: path, Op: op, Value: v}
	}
	for _, c := range []struct {
		name   string
		filter accounts.Filter
		want   []string
	}{
		{"userName eq any case", cmp(accounts.OpEq, "ALICE", "userName"), []string{"Alice"}},
		{"userName sw", cmp(accounts.OpSw, "c", "userName"), []string{"carol"}},
		{"userName ne", cmp(accounts.OpNe, "bob", "userName"), []string{"Alice", "carol"}},
		{"userName gt", cmp(accounts.OpGt, "B", "userName"), []string{"bob", "carol"}},
		{"externalId exact", accounts.FilterCompare{Path: []string{"externalId"}, Op: accounts.OpEq, Value: "EXT-bob", CaseExact: true}, nil},
		{"externalId ci", cmp(accounts.OpEq, "EXT-bob", "externalId"), []string{"bob"}},
		{"id", cmp(accounts.OpEq, ids["carol"], "id"), []string{"carol"}},
		{"active", cmp(accounts.OpEq, false, "active"), []string{"bob"}},
		{"meta.created gt", cmp(accounts.OpGt, now.Format(time.RFC3339Nano), "meta", "created"), []string{"bob", "carol"}},
		{"meta.lastModified le", cmp(accounts.OpLe, now.Add(time.Hour).Format(time.RFC3339), "meta", "lastModified"), []string{"Alice"}},
		{"nested", cmp(accounts.OpEq, "alice", "name", "givenName"), []string{"Alice"}},
		{"nested ne absent", cmp(accounts.OpNe, "alice", "name", "givenName"), []string{"bob", "carol"}},
		{"enterprise", cmp(accounts.OpEq, "r&d", enterprise, "department"), []string{"Alice"}},
		{"number gt", cmp(accounts.OpGt, 5.0, enterprise, "level"), []string{"carol"}},
		{"number eq", cmp(accounts.OpEq, 3.0, enterprise, "level"), []string{"Alice"}},
		{"string on number", cmp(accounts.OpEq, "3", enterprise, "level"), nil},
		{"co escapes", cmp(accounts.OpCo, "%_", "title"), []string{"Alice"}},
		{"ew backslash", cmp(accounts.OpEw, `\`, "title"), []string{"Alice"}},
		{"co literal", cmp(accounts.OpCo, "0%", "title"), []string{"Alice"}},
		{"pr title", cmp(accounts.OpPresent, nil, "title"), []string{"Alice"}},
		{"pr tags", cmp(accounts.OpPresent, nil, "tags"), []string{"Alice"}},
		{"pr null", cmp(accounts.OpPresent, nil, "x"), nil},
		{"pr externalId", cmp(accounts.OpPresent, nil, "externalId"), []string{"Alice", "bob", "carol"}},
		{"emails any", accounts.FilterAny{Path: []string{"emails"}, Where: accounts.FilterAnd{
			Left: cmp(accounts.OpEq, "work", "type"), Right: cmp(accounts.OpCo, "@ACME", "value")}}, []string{"Alice"}},
		{"emails bool", accounts.FilterAny{Path: []string{"emails"}, Where: cmp(accounts.OpEq, true, "primary")}, []string{"Alice"}},
		{"tags value", accounts.FilterAny{Path: []string{"tags"}, Where: cmp(accounts.OpEq, "B", "value")}, []string{"Alice"}},
		{"not", accounts.FilterNot{Expr: accounts.FilterAny{Path: []string{"emails"}, Where: cmp(accounts.OpPresent, nil, "value")}}, []string{"carol"}},
		{"or", accounts.FilterOr{Left: cmp(accounts.OpEq, "bob", "userName"), Right: cmp(accounts.OpEq, "Sales", enterprise, "department")}, []string{"bob", "carol"}},
	} {
		page, err := s.ListSCIMUsers(ctx, accounts.SCIMQuery{TeamID: team.ID, Filter: c.filter, Count: 10})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		var got []string
		for _, u := range page.Resources {
			got = append(got, u.UserName)
		}
		if !slices.Equal(got, c.want) || page.Total != len(c.want) {
			t.Errorf("%s: got %v (total %d), want %v", c.name, got, page.Total, c.want)
		}
	}
	for _, f := range []accounts.Filter{
		cmp("zz", "x", "userName"),
		cmp(accounts.OpEq, "yesterday", "meta", "created"),
		cmp(accounts.OpGt, true, "active"),
		cmp(accounts.OpCo, 1.0, "title"),
		cmp(accounts.OpEq, nil, "title"),
		cmp(accounts.OpEq, "a\x00", "title"),
		cmp(accounts.OpEq, "x"),
	} {
		_, err := s.ListSCIMUsers(ctx, accounts.SCIMQuery{TeamID: team.ID, Filter: f, Count: 10})
		if accounts.ErrorCode(err) != accounts.CodeInvalidFilter {
			t.Errorf("%#v: err = %v, want invalid filter", f, err)
		}
	}

	// Sorting and paging.
	page, err := s.ListSCIMUsers(ctx, accounts.SCIMQuery{TeamID: team.ID, SortBy: []string{enterprise, "department"}, SortDescending: true, StartIndex: 1, Count: 2})
	if err != nil || page.Total != 3 || len(page.Resources) != 2 || page.Resources[0].UserName != "carol" || page.Resources[1].UserName != "Alice" {
		t.Errorf("sorted page = %+v, %v", page, err)
	}
	page, err = s.ListSCIMUsers(ctx, accounts.SCIMQuery{TeamID: team.ID, StartIndex: 7, Count: 2})
	if err != nil || page.Total != 3 || len(page.Resources) != 0 {
		t.Errorf("page past the end = %+v, %v", page, err)
	}

	// Groups and members.
	g := accounts.SCIMGroup{TeamID: team.ID, ID: uuid.NewString(), DisplayName: "Admins", Version: 1, CreatedAt: now, UpdatedAt: now}
	g2 := accounts.SCIMGroup{TeamID: team.ID, ID: uuid.NewString(), DisplayName: "empty", Version: 1, CreatedAt: now, UpdatedAt: now}
	for _, g := range []*accounts.SCIMGroup{&g, &g2} {
		if err := s.CreateSCIMGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	unknown := uuid.NewString()
	if n, err := s.AddSCIMGroupMembers(ctx, team.ID, g.ID, []string{ids["Alice"], unknown, "\xff"}); !errors.Is(err, accounts.ErrNotFound) || n != 0 {
		t.Errorf("Add with unknown = %d, %v", n, err)
	} else if want := unknown; !containsQuoted(err.Error(), want) {
		t.Errorf("Add with unknown: %v does not name %s", err, want)
	}
	if n, err := s.AddSCIMGroupMembers(ctx, team.ID, g.ID, []string{ids["Alice"], ids["bob"], ids["Alice"]}); err != nil || n != 2 {
		t.Errorf("Add = %d, %v", n, err)
	}
	for _, c := range []struct {
		f    accounts.Filter
		want []string
	}{
		{accounts.FilterAny{Path: []string{"members"}, Where: cmp(accounts.OpEq, ids["bob"], "value")}, []string{"Admins"}},
		{cmp(accounts.OpEq, ids["carol"], "members", "value"), nil},
		{cmp(accounts.OpPresent, nil, "members"), []string{"Admins"}},
		{accounts.FilterNot{Expr: cmp(accounts.OpPresent, nil, "members")}, []string{"empty"}},
		{accounts.FilterAny{Path: []string{"members"}, Where: cmp(accounts.OpEq, "x", "display")}, nil},
		{cmp(accounts.OpEq, "ADMINS", "displayName"), []string{"Admins"}},
	} {
		page, err := s.ListSCIMGroups(ctx, accounts.SCIMQuery{TeamID: team.ID, Filter: c.f, Count: 10, SortBy: []string{"displayName"}})
		var got []string
		for _, g := range page.Resources {
			got = append(got, g.DisplayName)
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("groups %#v = %v, %v; want %v", c.f, got, err, c.want)
		}
	}
	if err := s.ReplaceSCIMGroupMembers(ctx, team.ID, g.ID, []string{ids["carol"], ids["bob"]}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListSCIMGroupMembers(ctx, team.ID, g.ID)
	if want := slices.Sorted(slices.Values([]string{ids["carol"], ids["bob"]})); err != nil || !slices.Equal(got, want) {
		t.Errorf("members after replace = %v, %v; want %v", got, err, want)
	}
	if err := s.DeleteSCIMUser(ctx, team.ID, ids["carol"]); err != nil {
		t.Fatal(err)
	}
	if n, err := s.RemoveSCIMGroupMembers(ctx, team.ID, g.ID, []string{ids["bob"], ids["carol"], "\x00"}); err != nil || n != 1 {
		t.Errorf("Remove = %d, %v", n, err)
	}
	if got, err := s.ListSCIMGroupMembers(ctx, team.ID, g.ID); err != nil || len(got) != 0 {
		t.Errorf("members at the end = %v, %v", got, err)
	}
}

func containsQuoted(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// Clashes and malformed IDs must leave the caller's transaction usable.
func TestSCIMClashesKeepTheTransactionUsable(t *testing.T) {
	t.Parallel()
	s, ctx := pgtest.NewStore(t), t.Context()
	now := time.Now()
	team := accounts.Team{ID: uuid.NewString(), Slug: "acme", Name: "Acme", Plan: accounts.PlanFree, CreatedAt: now, UpdatedAt: now}
	other := accounts.Team{ID: uuid.NewString(), Slug: "other", Name: "Other", Plan: accounts.PlanFree, CreatedAt: now, UpdatedAt: now}
	for _, tm := range []*accounts.Team{&team, &other} {
		if err := s.CreateTeam(ctx, tm); err != nil {
			t.Fatal(err)
		}
	}
	var users []accounts.User
	for _, n := range []string{"a", "b"} {
		u := accounts.User{ID: uuid.NewString(), Username: n, Email: n + "@example.com", Status: accounts.StatusActive, CreatedAt: now, UpdatedAt: now}
		if err := s.CreateUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	err := s.InTx(ctx, func(tx accounts.Tx) error {
		a := accounts.SCIMUser{TeamID: team.ID, UserID: users[0].ID, UserName: "a", Active: true, Version: 1, CreatedAt: now, UpdatedAt: now}
		b := a
		b.UserID, b.UserName = users[1].ID, "B"
		if err := tx.CreateSCIMUser(ctx, &a); err != nil {
			return err
		}
		if err := tx.CreateSCIMUser(ctx, &b); err != nil {
			return err
		}
		dupName := b
		dupName.UserName = "A"
		elsewhere := a
		elsewhere.TeamID, elsewhere.UserName = other.ID, "zzz"
		g := accounts.SCIMGroup{TeamID: team.ID, ID: uuid.NewString(), DisplayName: "G", Version: 1, CreatedAt: now, UpdatedAt: now}
		g2 := g
		g2.ID, g2.DisplayName = uuid.NewString(), "g"
		_, upErr := tx.UpdateSCIMUser(ctx, team.ID, b.UserID, func(u *accounts.SCIMUser) error { u.UserName = "A"; return nil })
		for _, c := range []struct {
			name      string
			err, want error
		}{
			{"CreateSCIMUser dup name", tx.CreateSCIMUser(ctx, &dupName), accounts.ErrUsernameTaken},
			{"CreateSCIMUser elsewhere", tx.CreateSCIMUser(ctx, &elsewhere), accounts.ErrManagedElsewhere},
			{"UpdateSCIMUser clash", upErr, accounts.ErrUsernameTaken},
			{"CreateSCIMGroup", tx.CreateSCIMGroup(ctx, &g), nil},
			{"CreateSCIMGroup dup", tx.CreateSCIMGroup(ctx, &g2), accounts.ErrGroupNameTaken},
			{"GetSCIMUser bad", second(tx.GetSCIMUser(ctx, "\xff", "\x00")), accounts.ErrNotFound},
			{"GetSCIMGroup bad", second(tx.GetSCIMGroup(ctx, team.ID, "\x00")), accounts.ErrNotFound},
			{"AddSCIMGroupMembers bad", second(tx.AddSCIMGroupMembers(ctx, team.ID, g.ID, []string{"\x00"})), accounts.ErrNotFound},
			{"AddSCIMGroupMembers other group", second(tx.AddSCIMGroupMembers(ctx, other.ID, g.ID, []string{a.UserID})), accounts.ErrNotFound},
			{"DeleteSCIMGroup bad", tx.DeleteSCIMGroup(ctx, "\xff", "x"), accounts.ErrNotFound},
		} {
			if c.want == nil && c.err != nil || c.want != nil && !errors.Is(c.err, c.want) {
				t.Errorf("%s = %v, want %v", c.name, c.err, c.want)
			}
		}
		got, err := tx.UpdateSCIMUser(ctx, team.ID, a.UserID, func(u *accounts.SCIMUser) error {
			u.Version = 99
			u.Document = json.RawMessage(`{"k": [1, 2]}`)
			return nil
		})
		if err != nil || got.Version != 2 {
			t.Errorf("UpdateSCIMUser = %+v, %v; want version 2", got, err)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("InTx: %v", err)
	}
}
