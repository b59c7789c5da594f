package sqlite

import "github.com/idbridge/idbridge/accounts"

// SCIMUserListSQL is the statement ListSCIMUsers runs for a team and
// filter, with its arguments, so tests can EXPLAIN it.
func SCIMUserListSQL(teamID string, f accounts.Filter) (string, []any, error) {
	b := &filterSQL{res: scimUsers}
	where := scimUsers.alias + ".team_id = " + b.arg(teamID)
	w, err := b.where(f, scope{})
	if err != nil {
		return "", nil, err
	}
	return `SELECT ` + scimUserCols + ` FROM ` + scimUsers.from + ` WHERE ` + where + ` AND ` + w, b.args, nil
}
