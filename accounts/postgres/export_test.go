package postgres

import "github.com/idbridge/idbridge/accounts"

// SCIMUserListSQL is the statement ListSCIMUsers runs for a team and
// filter, with its arguments, so tests can EXPLAIN it.
func SCIMUserListSQL(teamID string, f accounts.Filter) (string, []any, error) {
	t := &translator{sqlArgs: &sqlArgs{}, res: scimUserResource}
	team := t.add(teamID)
	where, err := t.where(f)
	if err != nil {
		return "", nil, err
	}
	return `SELECT ` + scimUserCols + ` FROM scim_users r WHERE r.team_id = ` + team + ` AND ` + where, t.args, nil
}
