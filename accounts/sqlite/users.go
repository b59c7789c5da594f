package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

const userCols = `id, username, name, email, email_verified_at, status, managed_by_team_id, created_at, updated_at`

func scanUser(row scanner) (accounts.User, error) {
	var u accounts.User
	var status string
	var managedBy sql.NullString
	if err := row.Scan(&u.ID, &u.Username, &u.Name, &u.Email, nullTimeCol{&u.EmailVerifiedAt}, &status,
		&managedBy, timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt}); err != nil {
		return accounts.User{}, err
	}
	u.Status, u.ManagedByTeamID = accounts.Status(status), managedBy.String
	return u, nil
}

func (q queries) CreateUser(ctx context.Context, u *accounts.User) error {
	u.EmailVerifiedAt = microPtr(u.EmailVerifiedAt)
	u.CreatedAt, u.UpdatedAt = micro(u.CreatedAt), micro(u.UpdatedAt)
	// Concurrent creates queue on SQLite's write lock; the UNIQUE index on
	// the folded name then refuses all but the first.
	_, err := q.db.ExecContext(ctx, `
		INSERT INTO users (id, username, username_key, name, email, email_key, email_verified_at,
			status, managed_by_team_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Username, accounts.Fold(u.Username), u.Name, u.Email, accounts.Fold(u.Email),
		nullUnixMicro(u.EmailVerifiedAt), string(u.Status), nullIfEmpty(u.ManagedByTeamID),
		unixMicro(u.CreatedAt), unixMicro(u.UpdatedAt))
	if err != nil {
		return fail("create user", err)
	}
	return nil
}

// getUser reads the user whose column (a constant of ours, never input)
// equals arg.
func (q queries) getUser(ctx context.Context, op, column, arg string) (accounts.User, error) {
	u, err := scanUser(q.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE `+column+` = ?`, arg))
	if err != nil {
		return accounts.User{}, lookupFail(op, err)
	}
	return u, nil
}

func (q queries) GetUser(ctx context.Context, id string) (accounts.User, error) {
	return q.getUser(ctx, "get user", "id", id)
}

func (q queries) GetUserByUsername(ctx context.Context, username string) (accounts.User, error) {
	return q.getUser(ctx, "get user by username", "username_key", accounts.Fold(username))
}

func (q queries) GetUserByEmail(ctx context.Context, email string) (accounts.User, error) {
	return q.getUser(ctx, "get user by email", "email_key", accounts.Fold(email))
}

// LockUser is a plain read: every SQLite write transaction holds the
// database's write lock from BEGIN, which already serialises writers.
func (q queries) LockUser(ctx context.Context, id string) (accounts.User, error) {
	return q.GetUser(ctx, id)
}

func (q queries) UpdateUser(ctx context.Context, id string, fn func(u *accounts.User) error) (accounts.User, error) {
	var u accounts.User
	// The transaction holds SQLite's write lock from BEGIN, so nobody can
	// change the user between our read and our write.
	err := q.atomic(ctx, func(q queries) error {
		old, err := q.GetUser(ctx, id)
		if err != nil {
			return err
		}
		u = old
		if err := fn(&u); err != nil {
			return err
		}
		u.ID, u.CreatedAt = old.ID, old.CreatedAt
		u.EmailVerifiedAt, u.UpdatedAt = microPtr(u.EmailVerifiedAt), micro(u.UpdatedAt)
		if _, err := q.db.ExecContext(ctx, `
			UPDATE users SET username = ?, username_key = ?, name = ?, email = ?, email_key = ?,
				email_verified_at = ?, status = ?, managed_by_team_id = ?, updated_at = ?
			WHERE id = ?`,
			u.Username, accounts.Fold(u.Username), u.Name, u.Email, accounts.Fold(u.Email),
			nullUnixMicro(u.EmailVerifiedAt), string(u.Status), nullIfEmpty(u.ManagedByTeamID),
			unixMicro(u.UpdatedAt), u.ID); err != nil {
			return fail("update user", err)
		}
		return nil
	})
	if err != nil {
		return accounts.User{}, err
	}
	return u, nil
}

const membershipCols = `team_id, user_id, role, source, created_at`

func scanMembership(row scanner) (accounts.Membership, error) {
	var m accounts.Membership
	var role, source string
	if err := row.Scan(&m.TeamID, &m.UserID, &role, &source, timeCol{&m.CreatedAt}); err != nil {
		return accounts.Membership{}, err
	}
	m.Role, m.Source = accounts.Role(role), accounts.Source(source)
	return m, nil
}

func (q queries) AddMembership(ctx context.Context, m accounts.Membership) error {
	// The primary key reports a second membership (ErrAlreadyMember), the
	// foreign keys an unknown team or user (ErrNotFound).
	_, err := q.db.ExecContext(ctx, `
		INSERT INTO memberships (`+membershipCols+`) VALUES (?, ?, ?, ?, ?)`,
		m.TeamID, m.UserID, string(m.Role), string(m.Source), unixMicro(m.CreatedAt))
	if err != nil {
		return fail("add membership", err)
	}
	return nil
}

func (q queries) GetMembership(ctx context.Context, teamID, userID string) (accounts.Membership, error) {
	m, err := scanMembership(q.db.QueryRowContext(ctx, `
		SELECT `+membershipCols+` FROM memberships WHERE team_id = ? AND user_id = ?`, teamID, userID))
	if err != nil {
		return accounts.Membership{}, lookupFail("get membership", err)
	}
	return m, nil
}

func (q queries) listMemberships(ctx context.Context, op, query, arg string) ([]accounts.Membership, error) {
	rows, err := q.db.QueryContext(ctx, query, arg)
	if err != nil {
		return nil, fail(op, err)
	}
	ms, err := collect(rows, scanMembership)
	if err != nil {
		return nil, fail(op, err)
	}
	return ms, nil
}

func (q queries) ListUserMemberships(ctx context.Context, userID string) ([]accounts.Membership, error) {
	return q.listMemberships(ctx, "list user memberships", `
		SELECT `+membershipCols+` FROM memberships WHERE user_id = ? ORDER BY team_id`, userID)
}

func (q queries) ListTeamMembers(ctx context.Context, teamID string) ([]accounts.Membership, error) {
	return q.listMemberships(ctx, "list team members", `
		SELECT `+membershipCols+` FROM memberships WHERE team_id = ? ORDER BY created_at, user_id`, teamID)
}

func (q queries) CountTeamMembers(ctx context.Context, teamID string) (int, error) {
	var n int
	if err := q.db.QueryRowContext(ctx, `SELECT count(*) FROM memberships WHERE team_id = ?`, teamID).Scan(&n); err != nil {
		return 0, fail("count team members", err)
	}
	return n, nil
}

func (q queries) RemoveMembership(ctx context.Context, teamID, userID string) error {
	res, err := q.db.ExecContext(ctx, `DELETE FROM memberships WHERE team_id = ? AND user_id = ?`, teamID, userID)
	if err != nil {
		return fail("remove membership", err)
	}
	n, err := rowsAffected("remove membership", res)
	if err != nil {
		return err
	}
	if n == 0 {
		return accounts.ErrNotFound
	}
	return nil
}

func (q queries) SetPasswordHash(ctx context.Context, userID, hash string, at time.Time) error {
	_, err := q.db.ExecContext(ctx, `
		INSERT INTO passwords (user_id, hash, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at`,
		userID, hash, unixMicro(at))
	if err != nil {
		return fail("set password hash", err)
	}
	return nil
}

func (q queries) DeletePasswordHash(ctx context.Context, userID string) error {
	if _, err := q.db.ExecContext(ctx, `DELETE FROM passwords WHERE user_id = ?`, userID); err != nil {
		return fail("delete password hash", err)
	}
	return nil
}

func (q queries) GetPasswordHash(ctx context.Context, userID string) (string, error) {
	var hash string
	if err := q.db.QueryRowContext(ctx, `SELECT hash FROM passwords WHERE user_id = ?`, userID).Scan(&hash); err != nil {
		return "", lookupFail("get password hash", err)
	}
	return hash, nil
}
