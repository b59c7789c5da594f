package storetest

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/idbridge/idbridge/accounts"
)

func testSCIMGroups(t *testing.T, newStore newStoreFunc) {
	t.Run("a created SCIM group reads back with every field and its document as an equivalent JSON value", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		want := newSCIMGroup(team.ID, "Engineering Leads", at(time.Minute))
		want.ExternalID, want.Version, want.UpdatedAt = "00g9xyz", 4, at(time.Hour)
		want.Document = doc(map[string]any{"schemas": []string{groupSchema}, "displayName": "Engineering Leads",
			"urn:example:ext": map[string]any{"costCenter": "42", "tags": []any{"a", 1.5, true, nil}}})
		noErr(t, s.CreateSCIMGroup(ctx, &want))
		got, err := s.GetSCIMGroup(ctx, team.ID, want.ID)
		noErr(t, err)
		sameSCIMGroup(t, "GetSCIMGroup", got, want)
		plain := createSCIMGroup(t, s, team.ID, "Plain", base())
		got, err = s.GetSCIMGroup(ctx, team.ID, plain.ID)
		noErr(t, err)
		sameSCIMGroup(t, "GetSCIMGroup without an external ID", got, plain)
	})

	t.Run("another team's group, an unknown group and an unknown team are ErrNotFound", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, other := createTeam(t, s, "acme"), createTeam(t, s, "other")
		g := createSCIMGroup(t, s, team.ID, "Admins", base())
		for _, tc := range []struct{ name, teamID, groupID string }{
			{"another team's", other.ID, g.ID},
			{"unknown group", team.ID, uuid.NewString()},
			{"unknown team", uuid.NewString(), g.ID},
		} {
			if _, err := s.GetSCIMGroup(ctx, tc.teamID, tc.groupID); !errors.Is(err, accounts.ErrNotFound) {
				t.Errorf("GetSCIMGroup of %s: %v, want ErrNotFound", tc.name, err)
			}
		}
		bad := newSCIMGroup(uuid.NewString(), "Admins", base())
		wantErr(t, s.CreateSCIMGroup(ctx, &bad), accounts.ErrNotFound)
	})

	t.Run("displayName is unique within a team in any letter case but not across teams", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, other := createTeam(t, s, "acme"), createTeam(t, s, "other")
		createSCIMGroup(t, s, team.ID, "Admins", base())
		for _, name := range []string{"Admins", "admins", "ADMINS"} {
			g := newSCIMGroup(team.ID, name, base())
			wantErr(t, s.CreateSCIMGroup(ctx, &g), accounts.ErrGroupNameTaken)
			_, err := s.GetSCIMGroup(ctx, team.ID, g.ID)
			wantErr(t, err, accounts.ErrNotFound)
		}
		createSCIMGroup(t, s, other.ID, "admins", base())
	})

	t.Run("UpdateSCIMGroup applies fn to the stored group, writes every updatable field and adds exactly one to Version", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, other := createTeam(t, s, "acme"), createTeam(t, s, "other")
		orig := createSCIMGroup(t, s, team.ID, "Admins", base())
		var seen accounts.SCIMGroup
		change := func(g *accounts.SCIMGroup) {
			g.ExternalID, g.DisplayName, g.UpdatedAt = "ext-9", "Administrators", at(time.Hour)
			g.Document = doc(map[string]any{"displayName": "Administrators", "x": []any{1.0}})
		}
		got, err := s.UpdateSCIMGroup(ctx, team.ID, orig.ID, func(g *accounts.SCIMGroup) error {
			seen = *g
			change(g)
			g.Version, g.TeamID, g.ID, g.CreatedAt = 50, other.ID, uuid.NewString(), at(time.Hour) // ignored
			return nil
		})
		noErr(t, err)
		sameSCIMGroup(t, "group passed to fn", seen, orig)
		want := orig
		change(&want)
		want.Version = orig.Version + 1
		sameSCIMGroup(t, "UpdateSCIMGroup result", got, want)
		read, err := s.GetSCIMGroup(ctx, team.ID, orig.ID)
		noErr(t, err)
		sameSCIMGroup(t, "GetSCIMGroup", read, want)
		got, err = s.UpdateSCIMGroup(ctx, team.ID, orig.ID, func(g *accounts.SCIMGroup) error {
			g.DisplayName, g.ExternalID = "ADMINISTRATORS", "" // its own name in other case
			return nil
		})
		noErr(t, err)
		if got.Version != orig.Version+2 || got.DisplayName != "ADMINISTRATORS" || got.ExternalID != "" {
			t.Errorf("second UpdateSCIMGroup = version %d %q %q, want %d, ADMINISTRATORS, no external ID",
				got.Version, got.DisplayName, got.ExternalID, orig.Version+2)
		}
		createSCIMGroup(t, s, team.ID, "admins", base()) // the old name is free again
	})

	t.Run("UpdateSCIMGroup to another group's displayName in other case is ErrGroupNameTaken and writes nothing", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		createSCIMGroup(t, s, team.ID, "Admins", base())
		orig := createSCIMGroup(t, s, team.ID, "Engineering", base())
		_, err := s.UpdateSCIMGroup(ctx, team.ID, orig.ID, func(g *accounts.SCIMGroup) error {
			g.DisplayName, g.ExternalID, g.Document = "ADMINS", "x", doc(map[string]any{"displayName": "ADMINS"})
			return nil
		})
		wantErr(t, err, accounts.ErrGroupNameTaken)
		got, err := s.GetSCIMGroup(ctx, team.ID, orig.ID)
		noErr(t, err)
		sameSCIMGroup(t, "GetSCIMGroup", got, orig)
	})

	t.Run("UpdateSCIMGroup writes nothing when fn fails and returns fn's error unchanged", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		orig := createSCIMGroup(t, s, team.ID, "Admins", base())
		errStop := errors.New("precondition failed")
		_, err := s.UpdateSCIMGroup(ctx, team.ID, orig.ID, func(g *accounts.SCIMGroup) error {
			g.DisplayName = "Changed"
			return errStop
		})
		if err != errStop {
			t.Errorf("UpdateSCIMGroup returned %v, want fn's error unchanged", err)
		}
		got, err := s.GetSCIMGroup(ctx, team.ID, orig.ID)
		noErr(t, err)
		sameSCIMGroup(t, "GetSCIMGroup", got, orig)
	})

	t.Run("UpdateSCIMGroup of an unknown or another team's group is ErrNotFound and does not call fn", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, other := createTeam(t, s, "acme"), createTeam(t, s, "other")
		g := createSCIMGroup(t, s, team.ID, "Admins", base())
		for _, tc := range []struct{ name, teamID, groupID string }{
			{"unknown group", team.ID, uuid.NewString()},
			{"another team's group", other.ID, g.ID},
		} {
			called := false
			_, err := s.UpdateSCIMGroup(ctx, tc.teamID, tc.groupID, func(*accounts.SCIMGroup) error { called = true; return nil })
			if !errors.Is(err, accounts.ErrNotFound) || called {
				t.Errorf("UpdateSCIMGroup of %s: %v, fn called %v; want ErrNotFound without calling fn", tc.name, err, called)
			}
		}
	})

	t.Run("DeleteSCIMGroup removes the group and its member rows; a second delete is ErrNotFound", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, other := createTeam(t, s, "acme"), createTeam(t, s, "other")
		u := createSCIMUser(t, s, team.ID, "alice", base())
		g, keep := createSCIMGroup(t, s, team.ID, "Admins", base()), createSCIMGroup(t, s, team.ID, "Staff", base())
		addSCIMMembers(t, s, team.ID, g.ID, u.UserID)
		addSCIMMembers(t, s, team.ID, keep.ID, u.UserID)

		wantErr(t, s.DeleteSCIMGroup(ctx, other.ID, g.ID), accounts.ErrNotFound)
		noErr(t, s.DeleteSCIMGroup(ctx, team.ID, g.ID))
		_, err := s.GetSCIMGroup(ctx, team.ID, g.ID)
		wantErr(t, err, accounts.ErrNotFound)
		_, err = s.ListSCIMGroupMembers(ctx, team.ID, g.ID)
		wantErr(t, err, accounts.ErrNotFound)
		gs, err := s.ListUserSCIMGroups(ctx, team.ID, u.UserID)
		noErr(t, err)
		sameSCIMGroups(t, "ListUserSCIMGroups", gs, []accounts.SCIMGroup{keep})
		wantErr(t, s.DeleteSCIMGroup(ctx, team.ID, g.ID), accounts.ErrNotFound)

		// A group recreated with the same ID and name starts without members.
		again := g
		noErr(t, s.CreateSCIMGroup(ctx, &again))
		sameIDs(t, "members of the recreated group", members(t, s, team.ID, g.ID), nil)
		sameIDs(t, "members of the other group", members(t, s, team.ID, keep.ID), []string{u.UserID})
	})

	t.Run("ListSCIMGroups pages in creation order and filters by displayName, externalId and member", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, other := createTeam(t, s, "acme"), createTeam(t, s, "other")
		alice, bob := createSCIMUser(t, s, team.ID, "alice", base()), createSCIMUser(t, s, team.ID, "bob", base())
		foreigner := createSCIMUser(t, s, other.ID, "alice", base())
		staff := createSCIMGroup(t, s, team.ID, "Staff", at(3*time.Minute))
		admins := newSCIMGroup(team.ID, "Admins", at(time.Minute))
		admins.ExternalID = "EXT-admins"
		noErr(t, s.CreateSCIMGroup(ctx, &admins))
		empty := createSCIMGroup(t, s, team.ID, "Empty", at(2*time.Minute))
		foreign := newSCIMGroup(other.ID, "Admins", base())
		foreign.ExternalID = "EXT-admins"
		noErr(t, s.CreateSCIMGroup(ctx, &foreign))
		addSCIMMembers(t, s, team.ID, staff.ID, alice.UserID, bob.UserID)
		addSCIMMembers(t, s, team.ID, admins.ID, alice.UserID)
		addSCIMMembers(t, s, other.ID, foreign.ID, foreigner.UserID)
		member := func(id string) accounts.Filter {
			return accounts.FilterAny{Path: []string{"members"}, Where: cmp(accounts.OpEq, id, "value")}
		}
		all := []accounts.SCIMGroup{admins, empty, staff}

		for _, tc := range []struct {
			name         string
			filter       accounts.Filter
			sortBy       []string
			desc         bool
			start, count int
			total        int
			want         []accounts.SCIMGroup
		}{
			{"no filter, in creation order", nil, nil, false, 1, 10, 3, all},
			{"the second page of one", nil, nil, false, 2, 1, 3, all[1:2]},
			{"a page past the end", nil, nil, false, 4, 10, 3, nil},
			{"Count 0 returns only the total", nil, nil, false, 1, 0, 3, nil},
			{"sorted by displayName descending", nil, []string{"displayName"}, true, 1, 10, 3, []accounts.SCIMGroup{staff, empty, admins}},
			{"displayName eq ignores letter case", cmp(accounts.OpEq, "aDMINS", "displayName"), nil, false, 1, 10, 1, []accounts.SCIMGroup{admins}},
			{"displayName sw", cmp(accounts.OpSw, "e", "displayName"), nil, false, 1, 10, 1, []accounts.SCIMGroup{empty}},
			{"externalId eq", exact(accounts.OpEq, "EXT-admins", "externalId"), nil, false, 1, 10, 1, []accounts.SCIMGroup{admins}},
			{"id eq", cmp(accounts.OpEq, staff.ID, "id"), nil, false, 1, 10, 1, []accounts.SCIMGroup{staff}},
			{"groups with a member", member(alice.UserID), nil, false, 1, 10, 2, []accounts.SCIMGroup{admins, staff}},
			{"groups with another member", member(bob.UserID), nil, false, 1, 10, 1, []accounts.SCIMGroup{staff}},
			{"groups without a member", not(member(alice.UserID)), nil, false, 1, 10, 1, []accounts.SCIMGroup{empty}},
			{"another team's member matches none of this team's groups", member(foreigner.UserID), nil, false, 1, 10, 0, nil},
			{"member and displayName", and(member(alice.UserID), cmp(accounts.OpNe, "staff", "displayName")), nil, false, 1, 10, 1, []accounts.SCIMGroup{admins}},
			{"meta.lastModified ge", cmp(accounts.OpGe, at(2*time.Minute).UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano), "meta", "lastModified"), nil, false, 1, 10, 2, []accounts.SCIMGroup{empty, staff}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				page, err := s.ListSCIMGroups(ctx, accounts.SCIMQuery{TeamID: team.ID, Filter: tc.filter,
					SortBy: tc.sortBy, SortDescending: tc.desc, StartIndex: tc.start, Count: tc.count})
				noErr(t, err)
				if page.Total != tc.total {
					t.Errorf("Total = %d, want %d", page.Total, tc.total)
				}
				sameSCIMGroups(t, "Resources", page.Resources, tc.want)
			})
		}
		_, err := s.ListSCIMGroups(ctx, accounts.SCIMQuery{TeamID: team.ID, Count: 10,
			Filter: cmp(accounts.OpGt, "not a time", "meta", "lastModified")})
		if code := accounts.ErrorCode(err); code != accounts.CodeInvalidFilter {
			t.Errorf("ListSCIMGroups with an unparsable meta.lastModified = %v, want code %q", err, accounts.CodeInvalidFilter)
		}
	})

	testSCIMGroupMembers(t, newStore)
	testSCIMGroupMemberRefs(t, newStore)
}

func testSCIMGroupMembers(t *testing.T, newStore newStoreFunc) {
	t.Run("AddSCIMGroupMembers adds 1,000 users, listed in ascending order, and adding them again adds none", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		g := createSCIMGroup(t, s, team.ID, "Everyone", base())
		ids := createSCIMUsers(t, s, team.ID, 1000)
		rand.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })

		n, err := s.AddSCIMGroupMembers(ctx, team.ID, g.ID, ids[:400])
		if err != nil || n != 400 {
			t.Fatalf("AddSCIMGroupMembers of 400 = %d, %v; want 400", n, err)
		}
		n, err = s.AddSCIMGroupMembers(ctx, team.ID, g.ID, ids)
		if err != nil || n != 600 {
			t.Fatalf("AddSCIMGroupMembers of all 1,000 with 400 members already = %d, %v; want 600", n, err)
		}
		sameIDs(t, "ListSCIMGroupMembers", members(t, s, team.ID, g.ID), sorted(ids))
		n, err = s.AddSCIMGroupMembers(ctx, team.ID, g.ID, ids)
		if err != nil || n != 0 {
			t.Errorf("AddSCIMGroupMembers of members only = %d, %v; want 0", n, err)
		}
		if got := members(t, s, team.ID, g.ID); len(got) != 1000 {
			t.Errorf("group has %d members after adding members again, want 1000", len(got))
		}
	})

	t.Run("AddSCIMGroupMembers counts a user listed twice once and adds nothing for an empty list", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		g := createSCIMGroup(t, s, team.ID, "Admins", base())
		u := createSCIMUser(t, s, team.ID, "alice", base())
		n, err := s.AddSCIMGroupMembers(ctx, team.ID, g.ID, nil)
		if err != nil || n != 0 {
			t.Errorf("AddSCIMGroupMembers of no users = %d, %v; want 0", n, err)
		}
		n, err = s.AddSCIMGroupMembers(ctx, team.ID, g.ID, []string{u.UserID, u.UserID})
		if err != nil || n != 1 {
			t.Errorf("AddSCIMGroupMembers of one user twice = %d, %v; want 1", n, err)
		}
		sameIDs(t, "ListSCIMGroupMembers", members(t, s, team.ID, g.ID), []string{u.UserID})
	})

	t.Run("AddSCIMGroupMembers and ReplaceSCIMGroupMembers with an id that is not a SCIM user of the team change nothing and name it", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, other := createTeam(t, s, "acme"), createTeam(t, s, "other")
		g := createSCIMGroup(t, s, team.ID, "Admins", base())
		member := createSCIMUser(t, s, team.ID, "alice", base())
		fresh := createSCIMUser(t, s, team.ID, "bob", base())
		addSCIMMembers(t, s, team.ID, g.ID, member.UserID)
		for _, tc := range []struct{ name, id string }{
			{"an unknown id", uuid.NewString()},
			{"an account without a SCIM identity", createUser(t, s, "carol").ID},
			{"another team's SCIM user", createSCIMUser(t, s, other.ID, "dave", base()).UserID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ids := []string{fresh.UserID, tc.id, uuid.NewString()}
				n, err := s.AddSCIMGroupMembers(ctx, team.ID, g.ID, ids)
				wantErr(t, err, accounts.ErrNotFound)
				if err != nil && !strings.Contains(err.Error(), tc.id) {
					t.Errorf("AddSCIMGroupMembers error %q does not name the first unknown id %s", err, tc.id)
				}
				if n != 0 {
					t.Errorf("AddSCIMGroupMembers returned %d added with an error", n)
				}
				sameIDs(t, "members after the refused add", members(t, s, team.ID, g.ID), []string{member.UserID})
				err = s.ReplaceSCIMGroupMembers(ctx, team.ID, g.ID, ids)
				wantErr(t, err, accounts.ErrNotFound)
				sameIDs(t, "members after the refused replace", members(t, s, team.ID, g.ID), []string{member.UserID})
			})
		}
	})

	t.Run("member operations on an unknown or another team's group are ErrNotFound", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, other := createTeam(t, s, "acme"), createTeam(t, s, "other")
		g := createSCIMGroup(t, s, team.ID, "Admins", base())
		u := createSCIMUser(t, s, team.ID, "alice", base())
		ou := createSCIMUser(t, s, other.ID, "bob", base())
		for _, tc := range []struct{ name, teamID, groupID, userID string }{
			{"unknown group", team.ID, uuid.NewString(), u.UserID},
			{"another team's group", other.ID, g.ID, ou.UserID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.AddSCIMGroupMembers(ctx, tc.teamID, tc.groupID, []string{tc.userID})
				wantErr(t, err, accounts.ErrNotFound)
				_, err = s.RemoveSCIMGroupMembers(ctx, tc.teamID, tc.groupID, []string{tc.userID})
				wantErr(t, err, accounts.ErrNotFound)
				wantErr(t, s.ReplaceSCIMGroupMembers(ctx, tc.teamID, tc.groupID, []string{tc.userID}), accounts.ErrNotFound)
				_, err = s.ListSCIMGroupMembers(ctx, tc.teamID, tc.groupID)
				wantErr(t, err, accounts.ErrNotFound)
			})
		}
		sameIDs(t, "members of the group", members(t, s, team.ID, g.ID), nil)
	})

	t.Run("RemoveSCIMGroupMembers removes only the listed members and counts them", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		g, g2 := createSCIMGroup(t, s, team.ID, "Admins", base()), createSCIMGroup(t, s, team.ID, "Staff", base())
		ids := createSCIMUsers(t, s, team.ID, 5)
		outsider := createSCIMUser(t, s, team.ID, "outsider", base())
		addSCIMMembers(t, s, team.ID, g.ID, ids...)
		addSCIMMembers(t, s, team.ID, g2.ID, ids...)

		n, err := s.RemoveSCIMGroupMembers(ctx, team.ID, g.ID, []string{ids[1], outsider.UserID, uuid.NewString(), ids[3]})
		if err != nil || n != 2 {
			t.Errorf("RemoveSCIMGroupMembers of two members, a non-member and an unknown id = %d, %v; want 2", n, err)
		}
		sameIDs(t, "members left", members(t, s, team.ID, g.ID), sorted([]string{ids[0], ids[2], ids[4]}))
		sameIDs(t, "members of the other group", members(t, s, team.ID, g2.ID), sorted(ids))
		n, err = s.RemoveSCIMGroupMembers(ctx, team.ID, g.ID, []string{ids[1]})
		if err != nil || n != 0 {
			t.Errorf("RemoveSCIMGroupMembers of a removed member = %d, %v; want 0", n, err)
		}
		n, err = s.RemoveSCIMGroupMembers(ctx, team.ID, g.ID, nil)
		if err != nil || n != 0 {
			t.Errorf("RemoveSCIMGroupMembers of no users = %d, %v; want 0", n, err)
		}
	})

	t.Run("ReplaceSCIMGroupMembers makes the list the whole membership", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		g, g2 := createSCIMGroup(t, s, team.ID, "Admins", base()), createSCIMGroup(t, s, team.ID, "Staff", base())
		ids := createSCIMUsers(t, s, team.ID, 6)
		addSCIMMembers(t, s, team.ID, g.ID, ids[:3]...)
		addSCIMMembers(t, s, team.ID, g2.ID, ids[:3]...)
		for _, want := range [][]string{
			{ids[2], ids[3], ids[5]}, // keeps one, drops two, adds two
			{ids[0], ids[1], ids[2], ids[3], ids[4], ids[5]},
			{ids[4], ids[4]}, // a duplicate
			nil,
			{ids[1]},
		} {
			noErr(t, s.ReplaceSCIMGroupMembers(ctx, team.ID, g.ID, want))
			sameIDs(t, "members after ReplaceSCIMGroupMembers", members(t, s, team.ID, g.ID), sorted(slices.Compact(sorted(want))))
		}
		sameIDs(t, "members of the other group", members(t, s, team.ID, g2.ID), sorted(ids[:3]))
	})

	t.Run("ListUserSCIMGroups returns the team's groups of a user ordered by displayName", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		u, v := createSCIMUser(t, s, team.ID, "alice", base()), createSCIMUser(t, s, team.ID, "bob", base())
		var want []accounts.SCIMGroup
		for i, name := range []string{"Sales", "Admins", "Zeta", "Marketing"} {
			g := createSCIMGroup(t, s, team.ID, name, at(time.Duration(i)*time.Minute))
			if name != "Marketing" {
				addSCIMMembers(t, s, team.ID, g.ID, u.UserID)
				want = append(want, g)
			} else {
				addSCIMMembers(t, s, team.ID, g.ID, v.UserID)
			}
		}
		slices.SortFunc(want, func(a, b accounts.SCIMGroup) int { return strings.Compare(a.DisplayName, b.DisplayName) })
		got, err := s.ListUserSCIMGroups(ctx, team.ID, u.UserID)
		noErr(t, err)
		sameSCIMGroups(t, "ListUserSCIMGroups", got, want)
		got, err = s.ListUserSCIMGroups(ctx, createTeam(t, s, "other").ID, u.UserID)
		noErr(t, err)
		if len(got) != 0 {
			t.Errorf("ListUserSCIMGroups in another team = %v, want none", scimGroupNames(got))
		}
		got, err = s.ListUserSCIMGroups(ctx, team.ID, createSCIMUser(t, s, team.ID, "carol", base()).UserID)
		noErr(t, err)
		if len(got) != 0 {
			t.Errorf("ListUserSCIMGroups of a user in no group = %v, want none", scimGroupNames(got))
		}
	})

	t.Run("concurrent AddSCIMGroupMembers of overlapping users add each user once", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		g := createSCIMGroup(t, s, team.ID, "Everyone", base())
		ids := createSCIMUsers(t, s, team.ID, 20)
		added := make([]int, 8)
		errs := race(len(added), func(i int) error {
			var err error
			added[i], err = s.AddSCIMGroupMembers(ctx, team.ID, g.ID, ids[i%4:]) // overlapping suffixes
			return err
		})
		for _, err := range errs {
			noErr(t, err)
		}
		total := 0
		for _, n := range added {
			total += n
		}
		if total != len(ids) {
			t.Errorf("concurrent adds reported %v added, %d in all; want %d in all", added, total, len(ids))
		}
		sameIDs(t, "ListSCIMGroupMembers", members(t, s, team.ID, g.ID), sorted(ids))
	})
}
