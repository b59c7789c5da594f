package accounts

import (
	"context"
	"slices"
	"strings"
)

// roleRank orders roles by privilege; unknown roles rank lowest.
func roleRank(r Role) int {
	switch r {
	case RoleAdmin:
		return 2
	case RoleMember:
		return 1
	}
	return 0
}

// mappedRole returns the role a group displayName maps to, in any letter
// case, and whether it maps to one.
func (ts TeamSettings) mappedRole(displayName string) (Role, bool) {
	for name, role := range ts.RoleGroups {
		if strings.EqualFold(name, displayName) && role.Valid() {
			return role, true
		}
	}
	return "", false
}

// defaultRole is the role of a member no mapped group decides.
func (ts TeamSettings) defaultRole() Role {
	if ts.DefaultRole.Valid() {
		return ts.DefaultRole
	}
	return RoleMember
}

// groupRoles tracks, through one group write, what role mapping needs:
// the group's display name before the write and, when that name maps to a
// role, its members before the write. A team without role groups costs one
// read per group write and nothing more.
type groupRoles struct {
	team          Team
	groupID       string
	before        string
	membersBefore []string
}

func newGroupRoles(ctx context.Context, tx Tx, teamID, groupID string) (*groupRoles, error) {
	team, err := tx.GetTeam(ctx, teamID)
	if err != nil {
		return nil, err
	}
	return &groupRoles{team: team, groupID: groupID}, nil
}

// active reports whether the team maps any group to a role.
func (gr *groupRoles) active() bool { return len(gr.team.Settings.RoleGroups) > 0 }

// snapshot records the group's name and, if it maps to a role, its
// members, before the write changes them.
func (gr *groupRoles) snapshot(ctx context.Context, tx Tx, displayName string) error {
	gr.before = displayName
	if _, ok := gr.team.Settings.mappedRole(displayName); !ok || !gr.active() {
		return nil
	}
	var err error
	gr.membersBefore, err = tx.ListSCIMGroupMembers(ctx, gr.team.ID, gr.groupID)
	return err
}

// sync brings the roles of the group's members before and after the write
// (after is "" when the group is gone) in line with the team's role groups.
func (s *Service) syncGroupRoles(ctx context.Context, tx Tx, actor Actor, gr *groupRoles, after string) error {
	_, was := gr.team.Settings.mappedRole(gr.before)
	_, is := gr.team.Settings.mappedRole(after)
	if !was && !is {
		return nil
	}
	users := slices.Clone(gr.membersBefore)
	if after != "" {
		now, err := tx.ListSCIMGroupMembers(ctx, gr.team.ID, gr.groupID)
		if err != nil {
			return err
		}
		users = append(users, now...)
	}
	return s.syncRoles(ctx, tx, actor, gr.team, users)
}

// syncRoles sets each user's role in the team to the most privileged role
// of the mapped groups they are in, or the default role, and audits every
// change. Users who are not members of the team are skipped.
func (s *Service) syncRoles(ctx context.Context, tx Tx, actor Actor, team Team, userIDs []string) error {
	slices.Sort(userIDs)
	for _, userID := range slices.Compact(userIDs) {
		m, err := tx.GetMembership(ctx, team.ID, userID)
		if ErrorCode(err) == CodeNotFound {
			continue
		}
		if err != nil {
			return err
		}
		groups, err := tx.ListUserSCIMGroups(ctx, team.ID, userID)
		if err != nil {
			return err
		}
		role, because := team.Settings.defaultRole(), ""
		for _, g := range groups {
			if r, ok := team.Settings.mappedRole(g.DisplayName); ok && (because == "" || roleRank(r) > roleRank(role)) {
				role, because = r, g.DisplayName
			}
		}
		if role == m.Role {
			continue
		}
		if err := tx.SetMembershipRole(ctx, team.ID, userID, role); err != nil {
			return err
		}
		details := map[string]string{"from": string(m.Role), "to": string(role), "group": because}
		if because == "" {
			details["group"], details["default"] = "", "true"
		}
		if err := s.audit(ctx, tx, actor, team.ID, "team.role_change", userID, details); err != nil {
			return err
		}
	}
	return nil
}

// SetTeamRoleGroup maps the SCIM group displayName (any letter case) to
// role for the team, or removes the mapping when role is "", and applies
// it at once to the members of the team's group of that name, all in one
// transaction with an audit event for the mapping and for every role it
// changed.
func (s *Service) SetTeamRoleGroup(ctx context.Context, actor Actor, teamID, group string, role Role) error {
	group = strings.TrimSpace(group)
	if group == "" || len(group) > 256 {
		return InvalidField("group", "a group displayName has 1 to 256 characters")
	}
	if role != "" && !role.Valid() {
		return InvalidField("role", "role must be admin, member or none")
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		team, err := tx.UpdateTeam(ctx, teamID, func(t *Team) error {
			groups := map[string]Role{}
			for name, r := range t.Settings.RoleGroups {
				if !strings.EqualFold(name, group) {
					groups[name] = r
				}
			}
			if role != "" {
				groups[group] = role
			}
			if len(groups) == 0 {
				groups = nil
			}
			t.Settings.RoleGroups, t.UpdatedAt = groups, s.Now()
			return nil
		})
		if err != nil {
			return err
		}
		if err := s.audit(ctx, tx, actor, teamID, "team.role_group.set", "", map[string]string{"group": group, "role": string(role)}); err != nil {
			return err
		}
		page, err := tx.ListSCIMGroups(ctx, SCIMQuery{TeamID: teamID, Count: 1,
			Filter: FilterCompare{Path: []string{"displayName"}, Op: OpEq, Value: group}})
		if err != nil || len(page.Resources) == 0 {
			return err
		}
		members, err := tx.ListSCIMGroupMembers(ctx, teamID, page.Resources[0].ID)
		if err != nil {
			return err
		}
		return s.syncRoles(ctx, tx, actor, team, members)
	})
}
