package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/idbridge/idbridge/accounts"
)

func testMemberships(t *testing.T, newStore newStoreFunc) {
	t.Run("an added membership reads back with every field", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, u := createTeam(t, s, "acme"), createUser(t, s, "alice")
		want := accounts.Membership{TeamID: team.ID, UserID: u.ID, Role: accounts.RoleAdmin,
			Source: accounts.SourceSCIM, CreatedAt: at(time.Minute)}
		noErr(t, s.AddMembership(ctx, want))
		got, err := s.GetMembership(ctx, team.ID, u.ID)
		noErr(t, err)
		same(t, "GetMembership", got, want)
	})

	t.Run("ListUserMemberships returns a user's memberships ordered by team ID", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		u, other := createUser(t, s, "alice"), createUser(t, s, "bob")
		var want []accounts.Membership
		for _, slug := range []string{"alpha", "bravo", "charlie"} {
			want = append(want, newMembership(createTeam(t, s, slug).ID, u.ID, base()))
		}
		slices.SortFunc(want, func(a, b accounts.Membership) int { return strings.Compare(a.TeamID, b.TeamID) })
		for _, m := range slices.Backward(want) { // highest team ID first: insertion order is not the answer
			noErr(t, s.AddMembership(ctx, m))
		}
		addMember(t, s, want[0].TeamID, other.ID, base())

		got, err := s.ListUserMemberships(ctx, u.ID)
		noErr(t, err)
		same(t, "ListUserMemberships", got, want)
		got, err = s.ListUserMemberships(ctx, createUser(t, s, "carol").ID)
		noErr(t, err)
		if len(got) != 0 {
			t.Errorf("ListUserMemberships of a user in no team returned %d", len(got))
		}
	})

	t.Run("ListTeamMembers returns a team's memberships ordered by creation time", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, other := createTeam(t, s, "acme"), createTeam(t, s, "other")
		second := addMember(t, s, team.ID, createUser(t, s, "second").ID, at(2*time.Minute))
		first := addMember(t, s, team.ID, createUser(t, s, "first").ID, at(time.Minute))
		third := addMember(t, s, team.ID, createUser(t, s, "third").ID, at(3*time.Minute))
		addMember(t, s, other.ID, first.UserID, base())

		got, err := s.ListTeamMembers(ctx, team.ID)
		noErr(t, err)
		same(t, "ListTeamMembers", got, []accounts.Membership{first, second, third})
		got, err = s.ListTeamMembers(ctx, createTeam(t, s, "empty").ID)
		noErr(t, err)
		if len(got) != 0 {
			t.Errorf("ListTeamMembers of an empty team returned %d", len(got))
		}
	})

	t.Run("CountTeamMembers counts only the team's memberships", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, other, empty := createTeam(t, s, "acme"), createTeam(t, s, "other"), createTeam(t, s, "empty")
		for _, name := range []string{"alice", "bob", "carol"} {
			addMember(t, s, team.ID, createUser(t, s, name).ID, base())
		}
		addMember(t, s, other.ID, createUser(t, s, "dave").ID, base())
		for _, tc := range []struct {
			team string
			want int
		}{{team.ID, 3}, {other.ID, 1}, {empty.ID, 0}} {
			n, err := s.CountTeamMembers(ctx, tc.team)
			noErr(t, err)
			if n != tc.want {
				t.Errorf("CountTeamMembers = %d, want %d", n, tc.want)
			}
		}
	})

	t.Run("adding a user to a team twice is ErrAlreadyMember and keeps the first membership", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, u := createTeam(t, s, "acme"), createUser(t, s, "alice")
		first := addMember(t, s, team.ID, u.ID, base())
		again := accounts.Membership{TeamID: team.ID, UserID: u.ID, Role: accounts.RoleAdmin,
			Source: accounts.SourceJIT, CreatedAt: at(time.Hour)}
		wantErr(t, s.AddMembership(ctx, again), accounts.ErrAlreadyMember)
		got, err := s.GetMembership(ctx, team.ID, u.ID)
		noErr(t, err)
		same(t, "GetMembership", got, first)
	})

	t.Run("adding a membership for an unknown team or user is ErrNotFound", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, u := createTeam(t, s, "acme"), createUser(t, s, "alice")
		for _, tc := range []struct{ name, team, user string }{
			{"unknown team", uuid.NewString(), u.ID},
			{"unknown user", team.ID, uuid.NewString()},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantErr(t, s.AddMembership(ctx, newMembership(tc.team, tc.user, base())), accounts.ErrNotFound)
			})
		}
		n, err := s.CountTeamMembers(ctx, team.ID)
		noErr(t, err)
		if n != 0 {
			t.Errorf("CountTeamMembers = %d after refused adds, want 0", n)
		}
	})

	t.Run("RemoveMembership deletes one membership and leaves the others", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		a, b := createTeam(t, s, "alpha"), createTeam(t, s, "bravo")
		alice, bob := createUser(t, s, "alice"), createUser(t, s, "bob")
		addMember(t, s, a.ID, alice.ID, base())
		inB := addMember(t, s, b.ID, alice.ID, base())
		bobInA := addMember(t, s, a.ID, bob.ID, at(time.Minute))

		noErr(t, s.RemoveMembership(ctx, a.ID, alice.ID))
		_, err := s.GetMembership(ctx, a.ID, alice.ID)
		wantErr(t, err, accounts.ErrNotFound)
		got, err := s.ListUserMemberships(ctx, alice.ID)
		noErr(t, err)
		same(t, "alice's memberships", got, []accounts.Membership{inB})
		got, err = s.ListTeamMembers(ctx, a.ID)
		noErr(t, err)
		same(t, "team alpha's members", got, []accounts.Membership{bobInA})
	})

	t.Run("a membership that does not exist is ErrNotFound to get and to remove", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		a, b := createTeam(t, s, "alpha"), createTeam(t, s, "bravo")
		alice, bob := createUser(t, s, "alice"), createUser(t, s, "bob")
		addMember(t, s, b.ID, alice.ID, base())
		addMember(t, s, a.ID, bob.ID, base())
		removed := createUser(t, s, "carol")
		addMember(t, s, a.ID, removed.ID, base())
		noErr(t, s.RemoveMembership(ctx, a.ID, removed.ID))
		for _, tc := range []struct{ name, team, user string }{
			{"member of another team only", a.ID, alice.ID},
			{"already removed", a.ID, removed.ID},
			{"unknown team", uuid.NewString(), bob.ID},
			{"unknown user", a.ID, uuid.NewString()},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.GetMembership(ctx, tc.team, tc.user)
				wantErr(t, err, accounts.ErrNotFound)
				wantErr(t, s.RemoveMembership(ctx, tc.team, tc.user), accounts.ErrNotFound)
			})
		}
		n, err := s.CountTeamMembers(ctx, a.ID)
		noErr(t, err)
		if n != 1 {
			t.Errorf("CountTeamMembers = %d, want 1 (bob)", n)
		}
	})
}
