package storetest

import (
	"testing"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

func testSCIMRoles(t *testing.T, newStore newStoreFunc) {
	t.Run("SetMembershipRole changes only that membership's role", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, other := createTeam(t, s, "acme"), createTeam(t, s, "other")
		u := createUser(t, s, "alice")
		m := accounts.Membership{TeamID: team.ID, UserID: u.ID, Role: accounts.RoleMember, Source: accounts.SourceSCIM, CreatedAt: at(time.Minute)}
		noErr(t, s.AddMembership(ctx, m))
		o := accounts.Membership{TeamID: other.ID, UserID: u.ID, Role: accounts.RoleMember, Source: accounts.SourceInvite, CreatedAt: at(time.Minute)}
		noErr(t, s.AddMembership(ctx, o))

		noErr(t, s.SetMembershipRole(ctx, team.ID, u.ID, accounts.RoleAdmin))
		got, err := s.GetMembership(ctx, team.ID, u.ID)
		noErr(t, err)
		m.Role = accounts.RoleAdmin
		same(t, "GetMembership after SetMembershipRole", got, m)
		got, err = s.GetMembership(ctx, other.ID, u.ID)
		noErr(t, err)
		same(t, "the other team's membership", got, o)
	})

	t.Run("SetMembershipRole of a user outside the team is ErrNotFound", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, u := createTeam(t, s, "acme"), createUser(t, s, "alice")
		wantErr(t, s.SetMembershipRole(ctx, team.ID, u.ID, accounts.RoleAdmin), accounts.ErrNotFound)
		wantErr(t, s.SetMembershipRole(ctx, team.ID, "no-such-user", accounts.RoleAdmin), accounts.ErrNotFound)
	})
}
