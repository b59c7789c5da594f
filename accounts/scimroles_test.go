package accounts_test

import (
	"testing"

	"github.com/idbridge/idbridge/accounts"
)

func TestRoleGroups(t *testing.T) {
	f := newSCIMFixture(t)
	su, err := f.svc.CreateSCIMUser(f.ctx, f.actor, f.team.ID, aliceFields())
	if err != nil {
		t.Fatal(err)
	}
	role := func() accounts.Role {
		t.Helper()
		m, err := f.st.GetMembership(f.ctx, f.team.ID, su.UserID)
		if err != nil {
			t.Fatal(err)
		}
		return m.Role
	}
	for _, tt := range []struct {
		name, group string
		role        accounts.Role
	}{{"an unknown role is refused", "Admins", "owner"}, {"an empty group name is refused", " ", accounts.RoleAdmin}} {
		t.Run(tt.name, func(t *testing.T) {
			if err := f.svc.SetTeamRoleGroup(f.ctx, accounts.OperatorActor(), f.team.ID, tt.group, tt.role); accounts.ErrorCode(err) != accounts.CodeInvalid {
				t.Fatalf("SetTeamRoleGroup = %v, want %s", err, accounts.CodeInvalid)
			}
		})
	}
	ops, err := f.svc.CreateSCIMGroup(f.ctx, f.actor, f.team.ID, accounts.SCIMGroupFields{DisplayName: "Ops"}, []string{su.UserID})
	if err != nil {
		t.Fatal(err)
	}
	if role() != accounts.RoleMember {
		t.Fatalf("an unmapped group changed the role to %s", role())
	}
	// Mapping a group the user is in applies at once; the team's default
	// role is what the user falls back to when the mapping goes.
	if err := f.svc.SetTeamRoleGroup(f.ctx, accounts.OperatorActor(), f.team.ID, "OPS", accounts.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if role() != accounts.RoleAdmin {
		t.Fatalf("after mapping Ops to admin the role is %s", role())
	}
	team, err := f.svc.Team(f.ctx, f.team.ID)
	if err != nil || len(team.Settings.RoleGroups) != 1 || team.Settings.RoleGroups["OPS"] != accounts.RoleAdmin {
		t.Fatalf("role groups %v, %v", team.Settings.RoleGroups, err)
	}
	if _, err := f.svc.UpdateSCIMGroup(f.ctx, f.actor, f.team.ID, ops.ID, func(cur accounts.SCIMGroup) (accounts.SCIMGroupFields, error) {
		return accounts.SCIMGroupFields{DisplayName: "ops"}, nil
	}, accounts.MemberChange{Remove: []string{su.UserID}}); err != nil {
		t.Fatal(err)
	}
	if role() != accounts.RoleMember {
		t.Fatalf("after leaving the mapped group the role is %s", role())
	}
	if err := f.svc.SetTeamRoleGroup(f.ctx, accounts.OperatorActor(), f.team.ID, "ops", ""); err != nil {
		t.Fatal(err)
	}
	if team, _ := f.svc.Team(f.ctx, f.team.ID); team.Settings.RoleGroups != nil {
		t.Fatalf("removing the only mapping left %v", team.Settings.RoleGroups)
	}
}
