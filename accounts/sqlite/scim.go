package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/idbridge/idbridge/accounts"
)

// SCIM users and groups. A SCIM user's key is its user ID (an account has at
// most one SCIM identity); the team ID in every lookup keeps teams apart.

const scimUserCols = `su.team_id, su.user_id, su.external_id, su.user_name, su.active, su.document,
	su.version, su.created_at, su.updated_at`

func scanSCIMUser(row scanner) (accounts.SCIMUser, error) {
	var u accounts.SCIMUser
	var ext sql.NullString
	var doc string
	if err := row.Scan(&u.TeamID, &u.UserID, &ext, &u.UserName, &u.Active, &doc, &u.Version,
		timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt}); err != nil {
		return accounts.SCIMUser{}, err
	}
	u.ExternalID, u.Document = ext.String, json.RawMessage(doc)
	return u, nil
}

const scimGroupCols = `g.team_id, g.id, g.external_id, g.display_name, g.document, g.version,
	g.created_at, g.updated_at`

func scanSCIMGroup(row scanner) (accounts.SCIMGroup, error) {
	var g accounts.SCIMGroup
	var ext sql.NullString
	var doc string
	if err := row.Scan(&g.TeamID, &g.ID, &ext, &g.DisplayName, &doc, &g.Version,
		timeCol{&g.CreatedAt}, timeCol{&g.UpdatedAt}); err != nil {
		return accounts.SCIMGroup{}, err
	}
	g.ExternalID, g.Document = ext.String, json.RawMessage(doc)
	return g, nil
}

// document is the column value of a resource document: the text as given,
// '{}' when empty.
func document(d json.RawMessage) string {
	if len(d) == 0 {
		return "{}"
	}
	return string(d)
}

func (q queries) CreateSCIMUser(ctx context.Context, u *accounts.SCIMUser) error {
	u.CreatedAt, u.UpdatedAt = micro(u.CreatedAt), micro(u.UpdatedAt)
	// The primary key on user_id reports a second SCIM identity
	// (ErrManagedElsewhere), UNIQUE (team_id, user_name_key) a userName
	// clash, the foreign keys an unknown team or user.
	_, err := q.db.ExecContext(ctx, `
		INSERT INTO scim_users (team_id, user_id, external_id, user_name, user_name_key, active,
			document, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.TeamID, u.UserID, nullIfEmpty(u.ExternalID), u.UserName, accounts.Fold(u.UserName), u.Active,
		document(u.Document), u.Version, unixMicro(u.CreatedAt), unixMicro(u.UpdatedAt))
	if err != nil {
		return fail("create SCIM user", err)
	}
	return nil
}

func (q queries) GetSCIMUser(ctx context.Context, teamID, userID string) (accounts.SCIMUser, error) {
	u, err := scanSCIMUser(q.db.QueryRowContext(ctx, `
		SELECT `+scimUserCols+` FROM scim_users su WHERE su.user_id = ? AND su.team_id = ?`, userID, teamID))
	if err != nil {
		return accounts.SCIMUser{}, lookupFail("get SCIM user", err)
	}
	return u, nil
}

func (q queries) UpdateSCIMUser(ctx context.Context, teamID, userID string, fn func(u *accounts.SCIMUser) error) (accounts.SCIMUser, error) {
	var u accounts.SCIMUser
	// The transaction holds SQLite's write lock from BEGIN, so nobody can
	// change the user between our read and our write.
	err := q.atomic(ctx, func(q queries) error {
		old, err := q.GetSCIMUser(ctx, teamID, userID)
		if err != nil {
			return err
		}
		u = old
		if err := fn(&u); err != nil {
			return err
		}
		u.TeamID, u.UserID, u.CreatedAt = old.TeamID, old.UserID, old.CreatedAt
		u.Version, u.UpdatedAt = old.Version+1, micro(u.UpdatedAt)
		if _, err := q.db.ExecContext(ctx, `
			UPDATE scim_users SET external_id = ?, user_name = ?, user_name_key = ?, active = ?,
				document = ?, version = ?, updated_at = ?
			WHERE user_id = ?`,
			nullIfEmpty(u.ExternalID), u.UserName, accounts.Fold(u.UserName), u.Active,
			document(u.Document), u.Version, unixMicro(u.UpdatedAt), u.UserID); err != nil {
			return fail("update SCIM user", err)
		}
		return nil
	})
	if err != nil {
		return accounts.SCIMUser{}, err
	}
	return u, nil
}

// DeleteSCIMUser deletes the SCIM identity; its group memberships go with it
// (ON DELETE CASCADE on scim_group_members.user_id).
func (q queries) DeleteSCIMUser(ctx context.Context, teamID, userID string) error {
	res, err := q.db.ExecContext(ctx, `DELETE FROM scim_users WHERE user_id = ? AND team_id = ?`, userID, teamID)
	if err != nil {
		return fail("delete SCIM user", err)
	}
	return mustAffect("delete SCIM user", res)
}

// mustAffect is ErrNotFound when a write changed no row.
func mustAffect(op string, res sql.Result) error {
	n, err := rowsAffected(op, res)
	if err != nil {
		return err
	}
	if n == 0 {
		return accounts.ErrNotFound
	}
	return nil
}

func (q queries) CreateSCIMGroup(ctx context.Context, g *accounts.SCIMGroup) error {
	g.CreatedAt, g.UpdatedAt = micro(g.CreatedAt), micro(g.UpdatedAt)
	_, err := q.db.ExecContext(ctx, `
		INSERT INTO scim_groups (team_id, id, external_id, display_name, display_name_key, document,
			version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		g.TeamID, g.ID, nullIfEmpty(g.ExternalID), g.DisplayName, accounts.Fold(g.DisplayName),
		document(g.Document), g.Version, unixMicro(g.CreatedAt), unixMicro(g.UpdatedAt))
	if err != nil {
		return fail("create SCIM group", err)
	}
	return nil
}

func (q queries) GetSCIMGroup(ctx context.Context, teamID, groupID string) (accounts.SCIMGroup, error) {
	g, err := scanSCIMGroup(q.db.QueryRowContext(ctx, `
		SELECT `+scimGroupCols+` FROM scim_groups g WHERE g.id = ? AND g.team_id = ?`, groupID, teamID))
	if err != nil {
		return accounts.SCIMGroup{}, lookupFail("get SCIM group", err)
	}
	return g, nil
}

func (q queries) UpdateSCIMGroup(ctx context.Context, teamID, groupID string, fn func(g *accounts.SCIMGroup) error) (accounts.SCIMGroup, error) {
	var g accounts.SCIMGroup
	err := q.atomic(ctx, func(q queries) error {
		old, err := q.GetSCIMGroup(ctx, teamID, groupID)
		if err != nil {
			return err
		}
		g = old
		if err := fn(&g); err != nil {
			return err
		}
		g.TeamID, g.ID, g.CreatedAt = old.TeamID, old.ID, old.CreatedAt
		g.Version, g.UpdatedAt = old.Version+1, micro(g.UpdatedAt)
		if _, err := q.db.ExecContext(ctx, `
			UPDATE scim_groups SET external_id = ?, display_name = ?, display_name_key = ?,
				document = ?, version = ?, updated_at = ?
			WHERE id = ?`,
			nullIfEmpty(g.ExternalID), g.DisplayName, accounts.Fold(g.DisplayName),
			document(g.Document), g.Version, unixMicro(g.UpdatedAt), g.ID); err != nil {
			return fail("update SCIM group", err)
		}
		return nil
	})
	if err != nil {
		return accounts.SCIMGroup{}, err
	}
	return g, nil
}

// DeleteSCIMGroup deletes the group; its member rows go with it (ON DELETE
// CASCADE).
func (q queries) DeleteSCIMGroup(ctx context.Context, teamID, groupID string) error {
	res, err := q.db.ExecContext(ctx, `DELETE FROM scim_groups WHERE id = ? AND team_id = ?`, groupID, teamID)
	if err != nil {
		return fail("delete SCIM group", err)
	}
	return mustAffect("delete SCIM group", res)
}

// idsJSON is userIDs as one JSON array parameter, which json_each expands,
// so any number of IDs is one statement with one parameter.
func idsJSON(userIDs []string) (string, error) {
	if userIDs == nil {
		userIDs = []string{}
	}
	b, err := json.Marshal(userIDs)
	return string(b), err
}

// checkGroup is ErrNotFound unless the team has the group.
func (q queries) checkGroup(ctx context.Context, op, teamID, groupID string) error {
	var ok bool
	if err := q.db.QueryRowContext(ctx, `
		SELECT EXISTS (SELECT 1 FROM scim_groups WHERE id = ? AND team_id = ?)`, groupID, teamID).Scan(&ok); err != nil {
		return fail(op, err)
	}
	if !ok {
		return accounts.ErrNotFound
	}
	return nil
}

// checkMembers is ErrNotFound unless the team has the group and every ID in
// the JSON array ids is a SCIM user of the team; the error for an unknown
// user names the first one.
func (q queries) checkMembers(ctx context.Context, op, teamID, groupID, ids string) error {
	if err := q.checkGroup(ctx, op, teamID, groupID); err != nil {
		return err
	}
	var unknown string
	err := q.db.QueryRowContext(ctx, `
		SELECT j.value FROM json_each(?) j
		WHERE NOT EXISTS (SELECT 1 FROM scim_users su WHERE su.user_id = j.value AND su.team_id = ?)
		ORDER BY j.key LIMIT 1`, ids, teamID).Scan(&unknown)
	switch {
	case err == nil:
		return accounts.Errorf(accounts.CodeNotFound, "user %s is not a SCIM user of this team", unknown)
	case errors.Is(err, sql.ErrNoRows):
		return nil
	default:
		return fail(op, err)
	}
}

// insertMembers adds the users in the JSON array ids that are not members
// yet, in one statement, and returns how many it added.
func (q queries) insertMembers(ctx context.Context, op, teamID, groupID, ids string) (int, error) {
	res, err := q.db.ExecContext(ctx, `
		INSERT OR IGNORE INTO scim_group_members (group_id, user_id, team_id)
		SELECT ?, su.user_id, su.team_id FROM json_each(?) j
		JOIN scim_users su ON su.user_id = j.value AND su.team_id = ?`, groupID, ids, teamID)
	if err != nil {
		return 0, fail(op, err)
	}
	return rowsAffected(op, res)
}

func (q queries) AddSCIMGroupMembers(ctx context.Context, teamID, groupID string, userIDs []string) (int, error) {
	const op = "add SCIM group members"
	ids, err := idsJSON(userIDs)
	if err != nil {
		return 0, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	var n int
	err = q.atomic(ctx, func(q queries) error {
		if err := q.checkMembers(ctx, op, teamID, groupID, ids); err != nil {
			return err
		}
		n, err = q.insertMembers(ctx, op, teamID, groupID, ids)
		return err
	})
	return n, err
}

func (q queries) RemoveSCIMGroupMembers(ctx context.Context, teamID, groupID string, userIDs []string) (int, error) {
	const op = "remove SCIM group members"
	ids, err := idsJSON(userIDs)
	if err != nil {
		return 0, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	var n int
	err = q.atomic(ctx, func(q queries) error {
		if err := q.checkGroup(ctx, op, teamID, groupID); err != nil {
			return err
		}
		res, err := q.db.ExecContext(ctx, `
			DELETE FROM scim_group_members
			WHERE group_id = ? AND user_id IN (SELECT value FROM json_each(?))`, groupID, ids)
		if err != nil {
			return fail(op, err)
		}
		n, err = rowsAffected(op, res)
		return err
	})
	return n, err
}

func (q queries) ReplaceSCIMGroupMembers(ctx context.Context, teamID, groupID string, userIDs []string) error {
	const op = "replace SCIM group members"
	ids, err := idsJSON(userIDs)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return q.atomic(ctx, func(q queries) error {
		// Checks first: on an unknown ID nothing changes, inside a
		// caller's InTx too.
		if err := q.checkMembers(ctx, op, teamID, groupID, ids); err != nil {
			return err
		}
		if _, err := q.db.ExecContext(ctx, `
			DELETE FROM scim_group_members
			WHERE group_id = ? AND user_id NOT IN (SELECT value FROM json_each(?))`, groupID, ids); err != nil {
			return fail(op, err)
		}
		_, err := q.insertMembers(ctx, op, teamID, groupID, ids)
		return err
	})
}

func (q queries) ListSCIMGroupMembers(ctx context.Context, teamID, groupID string) ([]string, error) {
	const op = "list SCIM group members"
	var ids []string
	err := q.read(ctx, func(q queries) error {
		if err := q.checkGroup(ctx, op, teamID, groupID); err != nil {
			return err
		}
		rows, err := q.db.QueryContext(ctx, `
			SELECT user_id FROM scim_group_members WHERE group_id = ? ORDER BY user_id`, groupID)
		if err != nil {
			return fail(op, err)
		}
		ids, err = collect(rows, func(r scanner) (string, error) {
			var id string
			err := r.Scan(&id)
			return id, err
		})
		if err != nil {
			return fail(op, err)
		}
		return nil
	})
	return ids, err
}

func (q queries) ListSCIMGroupMemberRefs(ctx context.Context, teamID, groupID string) ([]accounts.SCIMMember, error) {
	const op = "list SCIM group member refs"
	var refs []accounts.SCIMMember
	err := q.read(ctx, func(q queries) error {
		if err := q.checkGroup(ctx, op, teamID, groupID); err != nil {
			return err
		}
		rows, err := q.db.QueryContext(ctx, `
			SELECT m.user_id, coalesce(nullif(json_extract(u.document, '$.displayName'), ''), u.user_name, '')
			FROM scim_group_members m
			LEFT JOIN scim_users u ON u.user_id = m.user_id AND u.team_id = ?
			WHERE m.group_id = ? ORDER BY m.user_id`, teamID, groupID)
		if err != nil {
			return fail(op, err)
		}
		refs, err = collect(rows, func(r scanner) (accounts.SCIMMember, error) {
			var m accounts.SCIMMember
			err := r.Scan(&m.UserID, &m.Display)
			return m, err
		})
		if err != nil {
			return fail(op, err)
		}
		return nil
	})
	return refs, err
}

func (q queries) ListUserSCIMGroups(ctx context.Context, teamID, userID string) ([]accounts.SCIMGroup, error) {
	const op = "list user SCIM groups"
	rows, err := q.db.QueryContext(ctx, `
		SELECT `+scimGroupCols+` FROM scim_group_members m
		JOIN scim_groups g ON g.id = m.group_id
		WHERE m.user_id = ? AND g.team_id = ?
		ORDER BY g.display_name, g.id`, userID, teamID)
	if err != nil {
		return nil, fail(op, err)
	}
	gs, err := collect(rows, scanSCIMGroup)
	if err != nil {
		return nil, fail(op, err)
	}
	return gs, nil
}

// read runs fn so that its statements see one snapshot: in the surrounding
// transaction if there is one, otherwise in a read-only (deferred)
// transaction of its own, which in WAL mode neither takes nor waits for the
// write lock.
func (q queries) read(ctx context.Context, fn func(q queries) error) error {
	if q.pool == nil {
		return fn(q)
	}
	tx, err := q.pool.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(queries{db: tx}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// param is a numbered placeholder, so one argument can appear several times.
func param(n int) string { return "?" + strconv.Itoa(n) }

func (q queries) SetMembershipRole(ctx context.Context, teamID, userID string, role accounts.Role) error {
	const op = "set membership role"
	res, err := q.db.ExecContext(ctx, `UPDATE memberships SET role = ? WHERE team_id = ? AND user_id = ?`, string(role), teamID, userID)
	if err != nil {
		return fail(op, err)
	}
	n, err := rowsAffected(op, res)
	if err != nil {
		return err
	}
	if n == 0 {
		return accounts.ErrNotFound
	}
	return nil
}

func (q queries) ListSCIMUsersGroups(ctx context.Context, teamID string, userIDs []string) ([]accounts.SCIMUserGroup, error) {
	const op = "list SCIM users groups"
	if len(userIDs) == 0 {
		return nil, nil
	}
	ids, err := idsJSON(userIDs)
	if err != nil {
		return nil, err
	}
	rows, err := q.db.QueryContext(ctx, `
		SELECT m.user_id, g.id, g.display_name
		FROM scim_group_members m JOIN scim_groups g ON g.id = m.group_id
		WHERE g.team_id = ? AND m.user_id IN (SELECT value FROM json_each(?))
		ORDER BY m.user_id, g.display_name, g.id`, teamID, ids)
	if err != nil {
		return nil, fail(op, err)
	}
	out, err := collect(rows, func(r scanner) (accounts.SCIMUserGroup, error) {
		var g accounts.SCIMUserGroup
		err := r.Scan(&g.UserID, &g.GroupID, &g.DisplayName)
		return g, err
	})
	if err != nil {
		return nil, fail(op, err)
	}
	return out, nil
}
