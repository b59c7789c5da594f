package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

const userCols = `id, username, name, email, email_verified_at, status, coalesce(managed_by_team_id, ''), created_at, updated_at`

func scanUser(row scanner) (accounts.User, error) {
	var u accounts.User
	var status string
	if err := row.Scan(&u.ID, &u.Username, &u.Name, &u.Email, &u.EmailVerifiedAt, &status,
		&u.ManagedByTeamID, &u.CreatedAt, &u.UpdatedAt); err != nil {
		return accounts.User{}, err
	}
	u.Status = accounts.Status(status)
	u.EmailVerifiedAt = utcPtr(u.EmailVerifiedAt)
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return u, nil
}

func (q queries) CreateUser(ctx context.Context, u *accounts.User) error {
	u.EmailVerifiedAt = microPtr(u.EmailVerifiedAt)
	u.CreatedAt, u.UpdatedAt = micro(u.CreatedAt), micro(u.UpdatedAt)
	username, email := accounts.Fold(u.Username), accounts.Fold(u.Email)
	for range createAttempts {
		// ON CONFLICT DO NOTHING waits for a concurrent insert of the same
		// name and then skips, so exactly one of racing creates wins and the
		// losers' transactions stay usable.
		tag, err := q.db.Exec(ctx, `
			INSERT INTO users (id, username, username_key, name, email, email_key,
				email_verified_at, status, managed_by_team_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			ON CONFLICT DO NOTHING`,
			u.ID, u.Username, username, u.Name, u.Email, email, u.EmailVerifiedAt,
			string(u.Status), nullIfEmpty(u.ManagedByTeamID), u.CreatedAt, u.UpdatedAt)
		if err != nil {
			return fail("create user", err)
		}
		if tag.RowsAffected() == 1 {
			return nil
		}
		var usernameTaken, emailTaken, id bool
		if err := q.db.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM users WHERE username_key = $1),
			       EXISTS (SELECT 1 FROM users WHERE email_key = $2),
			       EXISTS (SELECT 1 FROM users WHERE id = $3)`,
			username, email, u.ID).Scan(&usernameTaken, &emailTaken, &id); err != nil {
			return fail("create user", err)
		}
		switch {
		case usernameTaken:
			return accounts.ErrUsernameTaken
		case emailTaken:
			return accounts.ErrEmailTaken
		case id:
			return fmt.Errorf("postgres: create user: ID %s is in use", u.ID)
		}
	}
	return accounts.ErrConflict
}

func (q queries) getUser(ctx context.Context, op, where, arg string) (accounts.User, error) {
	if badText(arg) {
		return accounts.User{}, accounts.ErrNotFound
	}
	u, err := scanUser(q.db.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE `+where, arg))
	if err != nil {
		return accounts.User{}, lookupFail(op, err)
	}
	return u, nil
}

func (q queries) GetUser(ctx context.Context, id string) (accounts.User, error) {
	return q.getUser(ctx, "get user", "id = $1", id)
}

func (q queries) GetUserByUsername(ctx context.Context, username string) (accounts.User, error) {
	return q.getUser(ctx, "get user by username", "username_key = $1", accounts.Fold(username))
}

func (q queries) GetUserByEmail(ctx context.Context, email string) (accounts.User, error) {
	return q.getUser(ctx, "get user by email", "email_key = $1", accounts.Fold(email))
}

func (q queries) LockUser(ctx context.Context, id string) (accounts.User, error) {
	return q.getUser(ctx, "lock user", "id = $1 FOR UPDATE", id)
}

func (q queries) UpdateUser(ctx context.Context, id string, fn func(u *accounts.User) error) (accounts.User, error) {
	old, err := q.getUser(ctx, "update user", "id = $1 FOR UPDATE", id)
	if err != nil {
		return accounts.User{}, err
	}
	u := old
	if err := fn(&u); err != nil {
		return accounts.User{}, err
	}
	u.ID, u.CreatedAt = old.ID, old.CreatedAt
	u.EmailVerifiedAt, u.UpdatedAt = microPtr(u.EmailVerifiedAt), micro(u.UpdatedAt)
	// Check for a clash in the same statement rather than let the UPDATE
	// raise a unique violation, which would abort the caller's transaction.
	// A concurrent, uncommitted rename can still raise one; fail maps it.
	var usernameTaken, emailTaken, updated bool
	err = q.db.QueryRow(ctx, `
		WITH clash AS (
			SELECT EXISTS (SELECT 1 FROM users WHERE username_key = $3 AND id <> $1) AS username,
			       EXISTS (SELECT 1 FROM users WHERE email_key = $6 AND id <> $1) AS email
		), updated AS (
			UPDATE users SET username = $2, username_key = $3, name = $4, email = $5, email_key = $6,
				email_verified_at = $7, status = $8, managed_by_team_id = $9, updated_at = $10
			FROM clash
			WHERE users.id = $1 AND NOT clash.username AND NOT clash.email
			RETURNING 1
		)
		SELECT clash.username, clash.email, EXISTS (SELECT 1 FROM updated) FROM clash`,
		u.ID, u.Username, accounts.Fold(u.Username), u.Name, u.Email, accounts.Fold(u.Email),
		u.EmailVerifiedAt, string(u.Status), nullIfEmpty(u.ManagedByTeamID), u.UpdatedAt,
	).Scan(&usernameTaken, &emailTaken, &updated)
	switch {
	case err != nil:
		return accounts.User{}, fail("update user", err)
	case usernameTaken:
		return accounts.User{}, accounts.ErrUsernameTaken
	case emailTaken:
		return accounts.User{}, accounts.ErrEmailTaken
	case !updated:
		return accounts.User{}, accounts.ErrNotFound // unreachable while we hold the row lock
	}
	return u, nil
}

const membershipCols = `team_id, user_id, role, source, created_at`

func scanMembership(row scanner) (accounts.Membership, error) {
	var m accounts.Membership
	var role, source string
	if err := row.Scan(&m.TeamID, &m.UserID, &role, &source, &m.CreatedAt); err != nil {
		return accounts.Membership{}, err
	}
	m.Role, m.Source, m.CreatedAt = accounts.Role(role), accounts.Source(source), m.CreatedAt.UTC()
	return m, nil
}

func (q queries) AddMembership(ctx context.Context, m accounts.Membership) error {
	if badText(m.TeamID, m.UserID) {
		return accounts.ErrNotFound
	}
	// WHERE EXISTS makes a missing team or user "no row" instead of a
	// foreign-key error that would abort the caller's transaction.
	tag, err := q.db.Exec(ctx, `
		INSERT INTO memberships (team_id, user_id, role, source, created_at)
		SELECT $1, $2, $3, $4, $5
		WHERE EXISTS (SELECT 1 FROM teams WHERE id = $1) AND EXISTS (SELECT 1 FROM users WHERE id = $2)
		ON CONFLICT DO NOTHING`,
		m.TeamID, m.UserID, string(m.Role), string(m.Source), micro(m.CreatedAt))
	if err != nil {
		return fail("add membership", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var member bool
	if err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM memberships WHERE team_id = $1 AND user_id = $2)`,
		m.TeamID, m.UserID).Scan(&member); err != nil {
		return fail("add membership", err)
	}
	if member {
		return accounts.ErrAlreadyMember
	}
	return accounts.ErrNotFound
}

func (q queries) GetMembership(ctx context.Context, teamID, userID string) (accounts.Membership, error) {
	if badText(teamID, userID) {
		return accounts.Membership{}, accounts.ErrNotFound
	}
	m, err := scanMembership(q.db.QueryRow(ctx, `
		SELECT `+membershipCols+` FROM memberships WHERE team_id = $1 AND user_id = $2`, teamID, userID))
	if err != nil {
		return accounts.Membership{}, lookupFail("get membership", err)
	}
	return m, nil
}

func (q queries) listMemberships(ctx context.Context, op, where, arg string) ([]accounts.Membership, error) {
	if badText(arg) {
		return nil, nil
	}
	rows, err := q.db.Query(ctx, `SELECT `+membershipCols+` FROM memberships WHERE `+where, arg)
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
	return q.listMemberships(ctx, "list user memberships", "user_id = $1 ORDER BY team_id", userID)
}

func (q queries) ListTeamMembers(ctx context.Context, teamID string) ([]accounts.Membership, error) {
	return q.listMemberships(ctx, "list team members", "team_id = $1 ORDER BY created_at, user_id", teamID)
}

func (q queries) CountTeamMembers(ctx context.Context, teamID string) (int, error) {
	if badText(teamID) {
		return 0, nil
	}
	var n int
	if err := q.db.QueryRow(ctx, `SELECT count(*) FROM memberships WHERE team_id = $1`, teamID).Scan(&n); err != nil {
		return 0, fail("count team members", err)
	}
	return n, nil
}

func (q queries) RemoveMembership(ctx context.Context, teamID, userID string) error {
	if badText(teamID, userID) {
		return accounts.ErrNotFound
	}
	tag, err := q.db.Exec(ctx, `DELETE FROM memberships WHERE team_id = $1 AND user_id = $2`, teamID, userID)
	if err != nil {
		return fail("remove membership", err)
	}
	if tag.RowsAffected() == 0 {
		return accounts.ErrNotFound
	}
	return nil
}

func (q queries) SetPasswordHash(ctx context.Context, userID, hash string, at time.Time) error {
	if badText(userID) {
		return accounts.ErrNotFound
	}
	tag, err := q.db.Exec(ctx, `
		INSERT INTO passwords (user_id, hash, updated_at)
		SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM users WHERE id = $1)
		ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at`,
		userID, hash, micro(at))
	if err != nil {
		return fail("set password hash", err)
	}
	if tag.RowsAffected() == 0 {
		return accounts.ErrNotFound
	}
	return nil
}

func (q queries) DeletePasswordHash(ctx context.Context, userID string) error {
	if badText(userID) {
		return nil
	}
	if _, err := q.db.Exec(ctx, `DELETE FROM passwords WHERE user_id = $1`, userID); err != nil {
		return fail("delete password hash", err)
	}
	return nil
}

func (q queries) GetPasswordHash(ctx context.Context, userID string) (string, error) {
	if badText(userID) {
		return "", accounts.ErrNotFound
	}
	var hash string
	if err := q.db.QueryRow(ctx, `SELECT hash FROM passwords WHERE user_id = $1`, userID).Scan(&hash); err != nil {
		return "", lookupFail("get password hash", err)
	}
	return hash, nil
}
