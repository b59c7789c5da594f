package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/idbridge/idbridge/accounts"
)

// runTeamRoleGroup maps a SCIM group's displayName to a team role:
// idbridge team role-group --team acme --group Admins --role admin|member|none.
func runTeamRoleGroup(ctx context.Context, c cli, args []string) error {
	fs := newFlags(c, "team role-group")
	db := dbFlag(fs)
	team := fs.String("team", "", "team slug or id")
	group := fs.String("group", "", "SCIM group displayName (any letter case)")
	role := fs.String("role", "", "admin, member, or none to remove the mapping")
	if err := parseFlags(c, fs, args); err != nil {
		return err
	}
	if err := required("team", *team, "group", *group, "role", *role); err != nil {
		return err
	}
	r := accounts.Role(strings.ToLower(*role))
	switch r {
	case "none":
		r = ""
	case accounts.RoleAdmin, accounts.RoleMember:
	default:
		return usagef("--role must be admin, member or none")
	}
	return withTeam(ctx, *db, *team, func(svc *accounts.Service, t accounts.Team) error {
		if err := svc.SetTeamRoleGroup(ctx, accounts.OperatorActor(), t.ID, *group, r); err != nil {
			return err
		}
		if r == "" {
			fmt.Fprintf(c.stdout, "members of %q no longer get a role from it in %s\n", *group, t.Slug)
		} else {
			fmt.Fprintf(c.stdout, "members of %q are %s in %s\n", *group, r, t.Slug)
		}
		return nil
	})
}
