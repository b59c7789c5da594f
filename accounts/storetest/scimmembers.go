package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

func testSCIMGroupMemberRefs(t *testing.T, newStore newStoreFunc) {
	t.Run("ListSCIMUsersGroups lists the team's groups of several users in one read, by user, then displayName", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, other := createTeam(t, s, "acme"), createTeam(t, s, "other")
		ann, ben, cat := createSCIMUser(t, s, team.ID, "ann", base()), createSCIMUser(t, s, team.ID, "ben", base()), createSCIMUser(t, s, team.ID, "cat", base())
		ops, admins := createSCIMGroup(t, s, team.ID, "ops", base()), createSCIMGroup(t, s, team.ID, "Admins", base())
		addSCIMMembers(t, s, team.ID, ops.ID, ann.UserID, ben.UserID)
		addSCIMMembers(t, s, team.ID, admins.ID, ann.UserID)
		outsider := createSCIMUser(t, s, other.ID, "dan", base())
		elsewhere := createSCIMGroup(t, s, other.ID, "Elsewhere", base())
		addSCIMMembers(t, s, other.ID, elsewhere.ID, outsider.UserID)

		got, err := s.ListSCIMUsersGroups(ctx, team.ID, []string{cat.UserID, ben.UserID, ann.UserID, outsider.UserID, "no-such-user"})
		noErr(t, err)
		want := []accounts.SCIMUserGroup{
			{UserID: ann.UserID, GroupID: admins.ID, DisplayName: "Admins"},
			{UserID: ann.UserID, GroupID: ops.ID, DisplayName: "ops"},
			{UserID: ben.UserID, GroupID: ops.ID, DisplayName: "ops"},
		}
		slices.SortStableFunc(want, func(a, b accounts.SCIMUserGroup) int { return strings.Compare(a.UserID, b.UserID) })
		if !slices.Equal(got, want) {
			t.Errorf("ListSCIMUsersGroups = %v, want %v", got, want)
		}
		got, err = s.ListSCIMUsersGroups(ctx, team.ID, nil)
		if err != nil || len(got) != 0 {
			t.Errorf("ListSCIMUsersGroups of no users = %v, %v; want none", got, err)
		}
	})

	t.Run("ListSCIMUsers with WithGroups returns the page's users' groups as ListSCIMUsersGroups does", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, other := createTeam(t, s, "acme"), createTeam(t, s, "other")
		ann, ben := createSCIMUser(t, s, team.ID, "ann", base()), createSCIMUser(t, s, team.ID, "ben", base().Add(time.Second))
		cat := createSCIMUser(t, s, team.ID, "cat", base().Add(2*time.Second))
		ops, admins := createSCIMGroup(t, s, team.ID, "ops", base()), createSCIMGroup(t, s, team.ID, "Admins", base())
		addSCIMMembers(t, s, team.ID, ops.ID, ann.UserID, ben.UserID, cat.UserID)
		addSCIMMembers(t, s, team.ID, admins.ID, ann.UserID)
		elsewhere := createSCIMGroup(t, s, other.ID, "Elsewhere", base())
		addSCIMMembers(t, s, other.ID, elsewhere.ID, createSCIMUser(t, s, other.ID, "dan", base()).UserID)

		// The first page of two: cat's membership is not on it.
		page, err := s.ListSCIMUsers(ctx, accounts.SCIMQuery{TeamID: team.ID, Count: 2, WithGroups: true})
		noErr(t, err)
		want, err := s.ListSCIMUsersGroups(ctx, team.ID, []string{ann.UserID, ben.UserID})
		noErr(t, err)
		slices.SortStableFunc(page.Groups, func(a, b accounts.SCIMUserGroup) int { return strings.Compare(a.UserID, b.UserID) })
		if page.Total != 3 || len(page.Resources) != 2 || len(want) != 3 || !slices.Equal(page.Groups, want) {
			t.Errorf("page total %d, %d users, groups %v; want 3, 2, %v", page.Total, len(page.Resources), page.Groups, want)
		}
		page, err = s.ListSCIMUsers(ctx, accounts.SCIMQuery{TeamID: team.ID, Count: 2})
		if err != nil || len(page.Groups) != 0 {
			t.Errorf("without WithGroups: groups %v, %v; want none", page.Groups, err)
		}
	})

	t.Run("ListSCIMGroupMemberRefs lists members in ascending id order with displayName, else userName", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		g := createSCIMGroup(t, s, team.ID, "Admins", base())
		empty := createSCIMGroup(t, s, team.ID, "Nobody", base())
		alice := newSCIMUser(team.ID, "", "alice", base())
		acct := newAccount()
		noErr(t, s.CreateUser(ctx, &acct))
		alice.UserID = acct.ID
		alice.Document = doc(map[string]any{"userName": "alice", "displayName": "Alice Smith"})
		storeSCIMUser(t, s, alice)
		bob := createSCIMUser(t, s, team.ID, "bob", base())
		addSCIMMembers(t, s, team.ID, g.ID, bob.UserID, alice.UserID)

		got, err := s.ListSCIMGroupMemberRefs(ctx, team.ID, g.ID)
		noErr(t, err)
		want := []accounts.SCIMMember{{UserID: alice.UserID, Display: "Alice Smith"}, {UserID: bob.UserID, Display: "bob"}}
		slices.SortFunc(want, func(a, b accounts.SCIMMember) int { return strings.Compare(a.UserID, b.UserID) })
		if !slices.Equal(got, want) {
			t.Errorf("ListSCIMGroupMemberRefs = %v, want %v", got, want)
		}
		got, err = s.ListSCIMGroupMemberRefs(ctx, team.ID, empty.ID)
		if err != nil || len(got) != 0 {
			t.Errorf("ListSCIMGroupMemberRefs of a group without members = %v, %v; want none", got, err)
		}
	})

	t.Run("ListSCIMGroupMemberRefs of an unknown or another team's group is ErrNotFound", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, other := createTeam(t, s, "acme"), createTeam(t, s, "other")
		g := createSCIMGroup(t, s, team.ID, "Admins", base())
		_, err := s.ListSCIMGroupMemberRefs(ctx, other.ID, g.ID)
		wantErr(t, err, accounts.ErrNotFound)
		_, err = s.ListSCIMGroupMemberRefs(ctx, team.ID, "no-such-group")
		wantErr(t, err, accounts.ErrNotFound)
	})
}
