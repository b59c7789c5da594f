package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/idbridge/idbridge/accounts"
	"github.com/jackc/pgx/v5"
)

// documentJSON is a resource document as a jsonb parameter: a string, so
// it is jsonb whatever the protocol; nil or empty is {}.
func documentJSON(doc json.RawMessage) (string, error) {
	if len(doc) == 0 {
		return "{}", nil
	}
	if !json.Valid(doc) {
		return "", accounts.InvalidField("document", "the resource document is not valid JSON")
	}
	return string(doc), nil
}

// ---- users ----

const scimUserCols = `r.user_id, r.team_id, coalesce(r.external_id, ''), r.user_name, r.active, r.document, r.version, r.created_at, r.updated_at`

func scanSCIMUser(row scanner, extra ...any) (accounts.SCIMUser, error) {
	var u accounts.SCIMUser
	var doc []byte
	dest := append([]any{&u.UserID, &u.TeamID, &u.ExternalID, &u.UserName, &u.Active, &doc, &u.Version,
		&u.CreatedAt, &u.UpdatedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return accounts.SCIMUser{}, err
	}
	u.Document = json.RawMessage(doc)
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return u, nil
}

func (q queries) CreateSCIMUser(ctx context.Context, u *accounts.SCIMUser) error {
	if badText(u.TeamID, u.UserID) {
		return accounts.ErrNotFound
	}
	u.CreatedAt, u.UpdatedAt = micro(u.CreatedAt), micro(u.UpdatedAt)
	doc, err := documentJSON(u.Document)
	if err != nil {
		return err
	}
	key := accounts.Fold(u.UserName)
	for range createAttempts {
		// WHERE EXISTS and ON CONFLICT DO NOTHING: a missing team or user or
		// a clash is "no row", not an error that aborts the transaction.
		tag, err := q.db.Exec(ctx, `
			INSERT INTO scim_users (user_id, team_id, external_id, user_name, user_name_key, active,
				document, version, created_at, updated_at)
			SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
			WHERE EXISTS (SELECT 1 FROM teams WHERE id = $2) AND EXISTS (SELECT 1 FROM users WHERE id = $1)
			ON CONFLICT DO NOTHING`,
			u.UserID, u.TeamID, nullIfEmpty(u.ExternalID), u.UserName, key, u.Active,
			doc, u.Version, u.CreatedAt, u.UpdatedAt)
		if err != nil {
			return fail("create scim user", err)
		}
		if tag.RowsAffected() == 1 {
			return nil
		}
		var team, user, taken, managed bool
		if err := q.db.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM teams WHERE id = $1),
			       EXISTS (SELECT 1 FROM users WHERE id = $2),
			       EXISTS (SELECT 1 FROM scim_users WHERE team_id = $1 AND user_name_key = $3),
			       EXISTS (SELECT 1 FROM scim_users WHERE user_id = $2)`,
			u.TeamID, u.UserID, key).Scan(&team, &user, &taken, &managed); err != nil {
			return fail("create scim user", err)
		}
		switch {
		case !team || !user:
			return accounts.ErrNotFound
		case taken:
			return accounts.ErrUsernameTaken
		case managed:
			return accounts.ErrManagedElsewhere
		}
	}
	return accounts.ErrConflict
}

func (q queries) getSCIMUser(ctx context.Context, op, teamID, userID, suffix string) (accounts.SCIMUser, error) {
	if badText(teamID, userID) {
		return accounts.SCIMUser{}, accounts.ErrNotFound
	}
	u, err := scanSCIMUser(q.db.QueryRow(ctx, `
		SELECT `+scimUserCols+` FROM scim_users r WHERE r.team_id = $1 AND r.user_id = $2`+suffix,
		teamID, userID))
	if err != nil {
		return accounts.SCIMUser{}, lookupFail(op, err)
	}
	return u, nil
}

func (q queries) GetSCIMUser(ctx context.Context, teamID, userID string) (accounts.SCIMUser, error) {
	return q.getSCIMUser(ctx, "get scim user", teamID, userID, "")
}

func (q queries) UpdateSCIMUser(ctx context.Context, teamID, userID string, fn func(u *accounts.SCIMUser) error) (accounts.SCIMUser, error) {
	old, err := q.getSCIMUser(ctx, "update scim user", teamID, userID, " FOR UPDATE")
	if err != nil {
		return accounts.SCIMUser{}, err
	}
	u := old
	if err := fn(&u); err != nil {
		return accounts.SCIMUser{}, err
	}
	doc, err := documentJSON(u.Document)
	if err != nil {
		return accounts.SCIMUser{}, err
	}
	// The clash check is part of the UPDATE, so a clash is "no row" rather
	// than a unique violation that aborts the caller's transaction (a
	// concurrent, uncommitted rename can still raise one; fail maps it).
	// We hold the row lock, so no row means a clash.
	got, err := scanSCIMUser(q.db.QueryRow(ctx, `
		UPDATE scim_users r SET external_id = $3, user_name = $4, user_name_key = $5, active = $6,
			document = $7, version = r.version + 1, updated_at = $8
		WHERE r.team_id = $1 AND r.user_id = $2 AND NOT EXISTS (
			SELECT 1 FROM scim_users o WHERE o.team_id = $1 AND o.user_name_key = $5 AND o.user_id <> $2)
		RETURNING `+scimUserCols,
		old.TeamID, old.UserID, nullIfEmpty(u.ExternalID), u.UserName, accounts.Fold(u.UserName), u.Active,
		doc, micro(u.UpdatedAt)))
	if errors.Is(err, pgx.ErrNoRows) {
		return accounts.SCIMUser{}, accounts.ErrUsernameTaken
	}
	if err != nil {
		return accounts.SCIMUser{}, fail("update scim user", err)
	}
	return got, nil
}

func (q queries) DeleteSCIMUser(ctx context.Context, teamID, userID string) error {
	if badText(teamID, userID) {
		return accounts.ErrNotFound
	}
	// Group memberships go with it (ON DELETE CASCADE).
	tag, err := q.db.Exec(ctx, `DELETE FROM scim_users WHERE team_id = $1 AND user_id = $2`, teamID, userID)
	if err != nil {
		return fail("delete scim user", err)
	}
	if tag.RowsAffected() == 0 {
		return accounts.ErrNotFound
	}
	return nil
}

func (q queries) ListSCIMUsers(ctx context.Context, sq accounts.SCIMQuery) (accounts.SCIMPage[accounts.SCIMUser], error) {
	return listSCIM(ctx, q, "list scim users", scimUserResource, "scim_users", scimUserCols, sq, scanSCIMUser)
}

// pageUserGroups is, for each row of a users page, its groups as a JSON
// array of [user id, group id, displayName], ordered as
// ListSCIMUsersGroups orders them: one index probe per row on the page.
const pageUserGroups = `(SELECT coalesce(json_agg(json_build_array(m.user_id, g.id, g.display_name)
	ORDER BY g.display_name COLLATE "C", g.id), '[]')
	FROM scim_group_members m JOIN scim_groups g ON g.id = m.group_id
	WHERE m.user_id = page.user_id AND g.team_id = page.team_id)`

// scanPageGroups appends the groups of one page row (pageUserGroups).
func scanPageGroups(raw []byte, to []accounts.SCIMUserGroup) ([]accounts.SCIMUserGroup, error) {
	var rows [][3]string
	if err := json.Unmarshal(raw, &rows); err != nil {
		return to, err
	}
	for _, r := range rows {
		to = append(to, accounts.SCIMUserGroup{UserID: r[0], GroupID: r[1], DisplayName: r[2]})
	}
	return to, nil
}

// ---- groups ----

const scimGroupCols = `r.id, r.team_id, coalesce(r.external_id, ''), r.display_name, r.document, r.version, r.created_at, r.updated_at`

func scanSCIMGroup(row scanner, extra ...any) (accounts.SCIMGroup, error) {
	var g accounts.SCIMGroup
	var doc []byte
	dest := append([]any{&g.ID, &g.TeamID, &g.ExternalID, &g.DisplayName, &doc, &g.Version,
		&g.CreatedAt, &g.UpdatedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return accounts.SCIMGroup{}, err
	}
	g.Document = json.RawMessage(doc)
	g.CreatedAt, g.UpdatedAt = g.CreatedAt.UTC(), g.UpdatedAt.UTC()
	return g, nil
}

func (q queries) CreateSCIMGroup(ctx context.Context, g *accounts.SCIMGroup) error {
	if badText(g.TeamID) {
		return accounts.ErrNotFound
	}
	g.CreatedAt, g.UpdatedAt = micro(g.CreatedAt), micro(g.UpdatedAt)
	doc, err := documentJSON(g.Document)
	if err != nil {
		return err
	}
	key := accounts.Fold(g.DisplayName)
	for range createAttempts {
		tag, err := q.db.Exec(ctx, `
			INSERT INTO scim_groups (id, team_id, external_id, display_name, display_name_key,
				document, version, created_at, updated_at)
			SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9
			WHERE EXISTS (SELECT 1 FROM teams WHERE id = $2)
			ON CONFLICT DO NOTHING`,
			g.ID, g.TeamID, nullIfEmpty(g.ExternalID), g.DisplayName, key, doc, g.Version, g.CreatedAt, g.UpdatedAt)
		if err != nil {
			return fail("create scim group", err)
		}
		if tag.RowsAffected() == 1 {
			return nil
		}
		var team, taken, id bool
		if err := q.db.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM teams WHERE id = $1),
			       EXISTS (SELECT 1 FROM scim_groups WHERE team_id = $1 AND display_name_key = $2),
			       EXISTS (SELECT 1 FROM scim_groups WHERE id = $3)`,
			g.TeamID, key, g.ID).Scan(&team, &taken, &id); err != nil {
			return fail("create scim group", err)
		}
		switch {
		case !team:
			return accounts.ErrNotFound
		case taken:
			return accounts.ErrGroupNameTaken
		case id:
			return fmt.Errorf("postgres: create scim group: ID %s is in use", g.ID)
		}
	}
	return accounts.ErrConflict
}

func (q queries) getSCIMGroup(ctx context.Context, op, teamID, groupID, suffix string) (accounts.SCIMGroup, error) {
	if badText(teamID, groupID) {
		return accounts.SCIMGroup{}, accounts.ErrNotFound
	}
	g, err := scanSCIMGroup(q.db.QueryRow(ctx, `
		SELECT `+scimGroupCols+` FROM scim_groups r WHERE r.team_id = $1 AND r.id = $2`+suffix,
		teamID, groupID))
	if err != nil {
		return accounts.SCIMGroup{}, lookupFail(op, err)
	}
	return g, nil
}

func (q queries) GetSCIMGroup(ctx context.Context, teamID, groupID string) (accounts.SCIMGroup, error) {
	return q.getSCIMGroup(ctx, "get scim group", teamID, groupID, "")
}

func (q queries) UpdateSCIMGroup(ctx context.Context, teamID, groupID string, fn func(g *accounts.SCIMGroup) error) (accounts.SCIMGroup, error) {
	old, err := q.getSCIMGroup(ctx, "update scim group", teamID, groupID, " FOR UPDATE")
	if err != nil {
		return accounts.SCIMGroup{}, err
	}
	g := old
	if err := fn(&g); err != nil {
		return accounts.SCIMGroup{}, err
	}
	doc, err := documentJSON(g.Document)
	if err != nil {
		return accounts.SCIMGroup{}, err
	}
	got, err := scanSCIMGroup(q.db.QueryRow(ctx, `
		UPDATE scim_groups r SET external_id = $3, display_name = $4, display_name_key = $5,
			document = $6, version = r.version + 1, updated_at = $7
		WHERE r.team_id = $1 AND r.id = $2 AND NOT EXISTS (
			SELECT 1 FROM scim_groups o WHERE o.team_id = $1 AND o.display_name_key = $5 AND o.id <> $2)
		RETURNING `+scimGroupCols,
		old.TeamID, old.ID, nullIfEmpty(g.ExternalID), g.DisplayName, accounts.Fold(g.DisplayName),
		doc, micro(g.UpdatedAt)))
	if errors.Is(err, pgx.ErrNoRows) {
		return accounts.SCIMGroup{}, accounts.ErrGroupNameTaken
	}
	if err != nil {
		return accounts.SCIMGroup{}, fail("update scim group", err)
	}
	return got, nil
}

func (q queries) DeleteSCIMGroup(ctx context.Context, teamID, groupID string) error {
	if badText(teamID, groupID) {
		return accounts.ErrNotFound
	}
	// Member rows go with it (ON DELETE CASCADE).
	tag, err := q.db.Exec(ctx, `DELETE FROM scim_groups WHERE team_id = $1 AND id = $2`, teamID, groupID)
	if err != nil {
		return fail("delete scim group", err)
	}
	if tag.RowsAffected() == 0 {
		return accounts.ErrNotFound
	}
	return nil
}

func (q queries) ListSCIMGroups(ctx context.Context, sq accounts.SCIMQuery) (accounts.SCIMPage[accounts.SCIMGroup], error) {
	return listSCIM(ctx, q, "list scim groups", scimGroupResource, "scim_groups", scimGroupCols, sq, scanSCIMGroup)
}

// listSCIM runs a SCIMQuery over table (alias r): the page and the total
// in one statement, so one snapshot. The total costs nothing when the page
// is not full (it is then the offset plus the rows on it: a filter that
// finds one user counts nothing); only a full page counts the matches, in
// a scan of its own that reads no documents and sorts nothing. (A window
// count(*) OVER () made every page read, sort and count every match: 1.4 s
// for a first page of a 100,000-user team.)
func listSCIM[T any](ctx context.Context, q queries, op string, res resource, table, cols string,
	sq accounts.SCIMQuery, scan func(scanner, ...any) (T, error)) (accounts.SCIMPage[T], error) {
	var page accounts.SCIMPage[T]
	t := &translator{sqlArgs: &sqlArgs{}, res: res}
	teamParam := t.add(sq.TeamID)
	where, err := t.where(sq.Filter)
	if err != nil {
		return page, err
	}
	order, err := t.orderBy(sq.SortBy, sq.SortDescending)
	if err != nil {
		return page, err
	}
	if badText(sq.TeamID) {
		return page, nil
	}
	from := ` FROM ` + table + ` r WHERE r.team_id = ` + teamParam + ` AND ` + where
	count := func() error {
		if err := q.db.QueryRow(ctx, `SELECT count(*)`+from, t.args...).Scan(&page.Total); err != nil {
			return fail(op, err)
		}
		return nil
	}
	if sq.Count <= 0 {
		return page, count()
	}
	start := max(sq.StartIndex, 1)
	filterArgs := len(t.args)
	limit := t.add(int64(sq.Count))
	offset := t.add(int64(start - 1))
	groups := ""
	if sq.WithGroups && table == "scim_users" {
		groups = pageUserGroups + ", "
	}
	rows, err := q.db.Query(ctx, `
		WITH page AS MATERIALIZED (
			SELECT `+cols+`, row_number() OVER (ORDER BY `+order+`) AS ord`+from+`
			ORDER BY `+order+` LIMIT `+limit+` OFFSET `+offset+`),
		n AS (SELECT count(*) AS n FROM page)
		SELECT page.*, `+groups+`CASE WHEN n.n < `+limit+` THEN `+offset+` + n.n ELSE (SELECT count(*)`+from+`) END
		FROM page, n ORDER BY page.ord`, t.args...)
	if err != nil {
		return page, fail(op, err)
	}
	var ord, total int64
	var groupsJSON []byte
	dest := []any{&ord, &total}
	if groups != "" {
		dest = []any{&ord, &groupsJSON, &total}
	}
	page.Resources, err = collect(rows, func(s scanner) (T, error) {
		v, err := scan(s, dest...)
		if err == nil && groups != "" {
			page.Groups, err = scanPageGroups(groupsJSON, page.Groups)
		}
		return v, err
	})
	if err != nil {
		return accounts.SCIMPage[T]{}, fail(op, err)
	}
	page.Total = int(total)
	if len(page.Resources) == 0 && start > 1 {
		// Past the end: no row to carry the count.
		t.args = t.args[:filterArgs]
		return page, count()
	}
	return page, nil
}

// ---- members ----

// unknownMember is the ErrNotFound that names the first user that is not a
// SCIM user of the team.
func unknownMember(id string) error {
	return &accounts.Error{Code: accounts.CodeNotFound, Field: "members",
		Message: "no SCIM user with id " + strconv.Quote(id) + " in this team"}
}

// setMembers adds userIDs to the group, and with replace also removes every
// other member, in one statement. Nothing changes when a user is unknown.
func (q queries) setMembers(ctx context.Context, op, teamID, groupID string, userIDs []string, replace bool) (int, error) {
	if badText(teamID, groupID) {
		return 0, accounts.ErrNotFound
	}
	// An ID PostgreSQL cannot take as text is unknown; the statement
	// checks the IDs before it and changes nothing.
	bad := slices.IndexFunc(userIDs, func(id string) bool { return badText(id) })
	ids := userIDs
	if bad >= 0 {
		ids = userIDs[:bad]
	}
	if ids == nil {
		ids = []string{}
	}
	var group bool
	var missing *string
	var added int
	err := q.db.QueryRow(ctx, `
		WITH grp AS (
			SELECT id FROM scim_groups WHERE team_id = $1 AND id = $2
		), missing AS (
			SELECT i.id FROM unnest($3::text[]) WITH ORDINALITY AS i (id, n)
			WHERE NOT EXISTS (SELECT 1 FROM scim_users su WHERE su.team_id = $1 AND su.user_id = i.id)
			ORDER BY i.n LIMIT 1
		), removed AS (
			DELETE FROM scim_group_members m USING grp
			WHERE $4 AND m.group_id = grp.id AND NOT (m.user_id = ANY ($3::text[]))
				AND NOT EXISTS (SELECT 1 FROM missing) AND NOT $5
		), added AS (
			INSERT INTO scim_group_members (group_id, user_id, team_id)
			SELECT grp.id, su.user_id, $1 FROM grp
			JOIN scim_users su ON su.team_id = $1 AND su.user_id = ANY ($3::text[])
			WHERE NOT EXISTS (SELECT 1 FROM missing) AND NOT $5
			ON CONFLICT DO NOTHING
			RETURNING 1
		)
		SELECT EXISTS (SELECT 1 FROM grp), (SELECT id FROM missing), (SELECT count(*) FROM added)`,
		teamID, groupID, ids, replace, bad >= 0).Scan(&group, &missing, &added)
	switch {
	case err != nil:
		return 0, fail(op, err)
	case !group:
		return 0, accounts.ErrNotFound
	case missing != nil:
		return 0, unknownMember(*missing)
	case bad >= 0:
		return 0, unknownMember(userIDs[bad])
	}
	return added, nil
}

func (q queries) AddSCIMGroupMembers(ctx context.Context, teamID, groupID string, userIDs []string) (int, error) {
	return q.setMembers(ctx, "add scim group members", teamID, groupID, userIDs, false)
}

func (q queries) ReplaceSCIMGroupMembers(ctx context.Context, teamID, groupID string, userIDs []string) error {
	_, err := q.setMembers(ctx, "replace scim group members", teamID, groupID, userIDs, true)
	return err
}

func (q queries) RemoveSCIMGroupMembers(ctx context.Context, teamID, groupID string, userIDs []string) (int, error) {
	if badText(teamID, groupID) {
		return 0, accounts.ErrNotFound
	}
	ids := make([]string, 0, len(userIDs))
	for _, id := range userIDs {
		if !badText(id) { // could not be a member
			ids = append(ids, id)
		}
	}
	var group bool
	var removed int
	err := q.db.QueryRow(ctx, `
		WITH grp AS (
			SELECT id FROM scim_groups WHERE team_id = $1 AND id = $2
		), removed AS (
			DELETE FROM scim_group_members m USING grp
			WHERE m.group_id = grp.id AND m.user_id = ANY ($3::text[])
			RETURNING 1
		)
		SELECT EXISTS (SELECT 1 FROM grp), (SELECT count(*) FROM removed)`,
		teamID, groupID, ids).Scan(&group, &removed)
	switch {
	case err != nil:
		return 0, fail("remove scim group members", err)
	case !group:
		return 0, accounts.ErrNotFound
	}
	return removed, nil
}

func (q queries) ListSCIMGroupMembers(ctx context.Context, teamID, groupID string) ([]string, error) {
	if badText(teamID, groupID) {
		return nil, accounts.ErrNotFound
	}
	var group bool
	var ids []string
	err := q.db.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM scim_groups WHERE team_id = $1 AND id = $2),
		       coalesce((SELECT array_agg(m.user_id ORDER BY m.user_id)
		                 FROM scim_group_members m JOIN scim_groups g ON g.id = m.group_id
		                 WHERE g.team_id = $1 AND g.id = $2), '{}')`,
		teamID, groupID).Scan(&group, &ids)
	switch {
	case err != nil:
		return nil, fail("list scim group members", err)
	case !group:
		return nil, accounts.ErrNotFound
	}
	return ids, nil
}

func (q queries) ListSCIMGroupMemberRefs(ctx context.Context, teamID, groupID string) ([]accounts.SCIMMember, error) {
	if badText(teamID, groupID) {
		return nil, accounts.ErrNotFound
	}
	// One row with NULLs for a group without members; none for no group.
	rows, err := q.db.Query(ctx, `
		SELECT m.user_id, coalesce(nullif(u.document->>'displayName', ''), u.user_name)
		FROM scim_groups g
		LEFT JOIN scim_group_members m ON m.group_id = g.id
		LEFT JOIN scim_users u ON u.user_id = m.user_id AND u.team_id = g.team_id
		WHERE g.team_id = $1 AND g.id = $2
		ORDER BY m.user_id`, teamID, groupID)
	if err != nil {
		return nil, fail("list scim group member refs", err)
	}
	found := false
	refs, err := collect(rows, func(s scanner) (accounts.SCIMMember, error) {
		var id, display *string
		found = true
		err := s.Scan(&id, &display)
		if id == nil || err != nil {
			return accounts.SCIMMember{}, err
		}
		m := accounts.SCIMMember{UserID: *id}
		if display != nil {
			m.Display = *display
		}
		return m, nil
	})
	if err != nil {
		return nil, fail("list scim group member refs", err)
	}
	if !found {
		return nil, accounts.ErrNotFound
	}
	out := refs[:0]
	for _, m := range refs {
		if m.UserID != "" {
			out = append(out, m)
		}
	}
	return out, nil
}

func (q queries) ListUserSCIMGroups(ctx context.Context, teamID, userID string) ([]accounts.SCIMGroup, error) {
	if badText(teamID, userID) {
		return nil, nil
	}
	rows, err := q.db.Query(ctx, `
		SELECT `+scimGroupCols+` FROM scim_groups r
		JOIN scim_group_members m ON m.group_id = r.id
		WHERE r.team_id = $1 AND m.user_id = $2
		ORDER BY r.display_name COLLATE "C", r.id`, teamID, userID)
	if err != nil {
		return nil, fail("list user scim groups", err)
	}
	gs, err := collect(rows, func(s scanner) (accounts.SCIMGroup, error) { return scanSCIMGroup(s) })
	if err != nil {
		return nil, fail("list user scim groups", err)
	}
	return gs, nil
}

func (q queries) SetMembershipRole(ctx context.Context, teamID, userID string, role accounts.Role) error {
	if badText(teamID, userID) {
		return accounts.ErrNotFound
	}
	tag, err := q.db.Exec(ctx, `UPDATE memberships SET role = $3 WHERE team_id = $1 AND user_id = $2`, teamID, userID, string(role))
	if err != nil {
		return fail("set membership role", err)
	}
	if tag.RowsAffected() == 0 {
		return accounts.ErrNotFound
	}
	return nil
}

func (q queries) ListSCIMUsersGroups(ctx context.Context, teamID string, userIDs []string) ([]accounts.SCIMUserGroup, error) {
	if badText(teamID) || len(userIDs) == 0 {
		return nil, nil
	}
	ids := make([]string, 0, len(userIDs))
	for _, id := range userIDs {
		if !badText(id) {
			ids = append(ids, id)
		}
	}
	rows, err := q.db.Query(ctx, `
		SELECT m.user_id, g.id, g.display_name
		FROM scim_group_members m JOIN scim_groups g ON g.id = m.group_id
		WHERE g.team_id = $1 AND m.user_id = ANY($2::text[])
		ORDER BY m.user_id, g.display_name COLLATE "C", g.id`, teamID, ids)
	if err != nil {
		return nil, fail("list scim users groups", err)
	}
	out, err := collect(rows, func(s scanner) (accounts.SCIMUserGroup, error) {
		var g accounts.SCIMUserGroup
		err := s.Scan(&g.UserID, &g.GroupID, &g.DisplayName)
		return g, err
	})
	if err != nil {
		return nil, fail("list scim users groups", err)
	}
	return out, nil
}
