package sqlite

import (
	"context"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

const sessionCols = `id, user_id, token_hash, created_at, last_seen_at, idle_expires_at, abs_expires_at,
	persistent, user_agent, ip, auth_method, revoked_at, revoked_reason, reauthenticated_at`

func scanSession(row scanner) (accounts.Session, error) {
	var s accounts.Session
	if err := row.Scan(&s.ID, &s.UserID, &s.TokenHash, timeCol{&s.CreatedAt}, timeCol{&s.LastSeenAt},
		timeCol{&s.IdleExpiresAt}, timeCol{&s.AbsExpiresAt}, &s.Persistent, &s.UserAgent, &s.IP,
		&s.AuthMethod, nullTimeCol{&s.RevokedAt}, &s.RevokedReason, nullTimeCol{&s.ReauthenticatedAt}); err != nil {
		return accounts.Session{}, err
	}
	return s, nil
}

func (q queries) CreateSession(ctx context.Context, s *accounts.Session) error {
	s.CreatedAt, s.LastSeenAt = micro(s.CreatedAt), micro(s.LastSeenAt)
	s.IdleExpiresAt, s.AbsExpiresAt = micro(s.IdleExpiresAt), micro(s.AbsExpiresAt)
	s.RevokedAt, s.ReauthenticatedAt = microPtr(s.RevokedAt), microPtr(s.ReauthenticatedAt)
	_, err := q.db.ExecContext(ctx, `
		INSERT INTO sessions (`+sessionCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.UserID, s.TokenHash, unixMicro(s.CreatedAt), unixMicro(s.LastSeenAt),
		unixMicro(s.IdleExpiresAt), unixMicro(s.AbsExpiresAt), s.Persistent, s.UserAgent, s.IP,
		s.AuthMethod, nullUnixMicro(s.RevokedAt), s.RevokedReason, nullUnixMicro(s.ReauthenticatedAt))
	if err != nil {
		return fail("create session", err)
	}
	return nil
}

func (q queries) GetSessionByTokenHash(ctx context.Context, hash []byte) (accounts.Session, error) {
	s, err := scanSession(q.db.QueryRowContext(ctx, `SELECT `+sessionCols+` FROM sessions WHERE token_hash = ?`, hash))
	if err != nil {
		return accounts.Session{}, lookupFail("get session", err)
	}
	return s, nil
}

func (q queries) TouchSession(ctx context.Context, id string, lastSeen, idleExpires time.Time) error {
	// Only a live session moves: touching must never revive one that was
	// revoked or has expired. A session that is there but not live is left
	// alone without an error; one that is not there at all is ErrNotFound.
	// The two statements need not be atomic: sessions are never un-deleted.
	res, err := q.db.ExecContext(ctx, `
		UPDATE sessions SET last_seen_at = ?1, idle_expires_at = ?2
		WHERE id = ?3 AND revoked_at IS NULL AND idle_expires_at > ?1 AND abs_expires_at > ?1`,
		unixMicro(lastSeen), unixMicro(idleExpires), id)
	if err != nil {
		return fail("touch session", err)
	}
	if n, err := rowsAffected("touch session", res); err != nil || n > 0 {
		return err
	}
	var found bool
	if err := q.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM sessions WHERE id = ?)`, id).Scan(&found); err != nil {
		return fail("touch session", err)
	}
	if !found {
		return accounts.ErrNotFound
	}
	return nil
}

func (q queries) ListSessions(ctx context.Context, userID string, now time.Time) ([]accounts.Session, error) {
	// The same test as Session.Live: a session is dead at the instant it
	// reaches either expiry.
	rows, err := q.db.QueryContext(ctx, `
		SELECT `+sessionCols+` FROM sessions
		WHERE user_id = ?1 AND revoked_at IS NULL AND idle_expires_at > ?2 AND abs_expires_at > ?2
		ORDER BY created_at DESC, id DESC`, userID, unixMicro(now))
	if err != nil {
		return nil, fail("list sessions", err)
	}
	ss, err := collect(rows, scanSession)
	if err != nil {
		return nil, fail("list sessions", err)
	}
	return ss, nil
}

func (q queries) RevokeSession(ctx context.Context, userID, sessionID, reason string, at time.Time) error {
	res, err := q.db.ExecContext(ctx, `
		UPDATE sessions SET revoked_at = ?, revoked_reason = ?
		WHERE id = ? AND user_id = ? AND revoked_at IS NULL`,
		unixMicro(at), reason, sessionID, userID)
	if err != nil {
		return fail("revoke session", err)
	}
	n, err := rowsAffected("revoke session", res)
	if err != nil {
		return err
	}
	if n == 0 {
		return accounts.ErrNotFound
	}
	return nil
}

func (q queries) RevokeSessions(ctx context.Context, userID, exceptID, reason string, at time.Time) (int, error) {
	res, err := q.db.ExecContext(ctx, `
		UPDATE sessions SET revoked_at = ?, revoked_reason = ?
		WHERE user_id = ? AND id <> ? AND revoked_at IS NULL`,
		unixMicro(at), reason, userID, exceptID)
	if err != nil {
		return 0, fail("revoke sessions", err)
	}
	return rowsAffected("revoke sessions", res)
}

const tokenCols = `id, user_id, purpose, token_hash, data, created_at, expires_at, used_at`

func scanToken(row scanner) (accounts.OneTimeToken, error) {
	var t accounts.OneTimeToken
	var purpose string
	if err := row.Scan(&t.ID, &t.UserID, &purpose, &t.TokenHash, &t.Data,
		timeCol{&t.CreatedAt}, timeCol{&t.ExpiresAt}, nullTimeCol{&t.UsedAt}); err != nil {
		return accounts.OneTimeToken{}, err
	}
	t.Purpose = accounts.TokenPurpose(purpose)
	return t, nil
}

func (q queries) CreateToken(ctx context.Context, t *accounts.OneTimeToken) error {
	t.CreatedAt, t.ExpiresAt, t.UsedAt = micro(t.CreatedAt), micro(t.ExpiresAt), microPtr(t.UsedAt)
	// Insert first: if that fails (unknown user), nothing has been retired,
	// even inside a caller's transaction that goes on after the error.
	return q.atomic(ctx, func(q queries) error {
		if _, err := q.db.ExecContext(ctx, `
			INSERT INTO one_time_tokens (`+tokenCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			t.ID, t.UserID, string(t.Purpose), t.TokenHash, t.Data,
			unixMicro(t.CreatedAt), unixMicro(t.ExpiresAt), nullUnixMicro(t.UsedAt)); err != nil {
			return fail("create token", err)
		}
		if _, err := q.db.ExecContext(ctx, `
			UPDATE one_time_tokens SET used_at = ?
			WHERE user_id = ? AND purpose = ? AND used_at IS NULL AND id <> ?`,
			unixMicro(t.CreatedAt), t.UserID, string(t.Purpose), t.ID); err != nil {
			return fail("create token", err)
		}
		return nil
	})
}

func (q queries) ConsumeToken(ctx context.Context, purpose accounts.TokenPurpose, hash []byte, now time.Time) (accounts.OneTimeToken, error) {
	// One write statement: concurrent consumers queue on the write lock and
	// every one after the first finds used_at set and gets no row.
	t, err := scanToken(q.db.QueryRowContext(ctx, `
		UPDATE one_time_tokens SET used_at = ?1
		WHERE token_hash = ?2 AND purpose = ?3 AND used_at IS NULL AND expires_at > ?1
		RETURNING `+tokenCols,
		unixMicro(now), hash, string(purpose)))
	if err != nil {
		return accounts.OneTimeToken{}, lookupFail("consume token", err)
	}
	return t, nil
}

const scimTokenCols = `id, team_id, name, prefix, token_hash, created_at, last_used_at, expires_at, revoked_at`

func scanSCIMToken(row scanner) (accounts.SCIMToken, error) {
	var t accounts.SCIMToken
	if err := row.Scan(&t.ID, &t.TeamID, &t.Name, &t.Prefix, &t.TokenHash, timeCol{&t.CreatedAt},
		nullTimeCol{&t.LastUsedAt}, nullTimeCol{&t.ExpiresAt}, nullTimeCol{&t.RevokedAt}); err != nil {
		return accounts.SCIMToken{}, err
	}
	return t, nil
}

func (q queries) CreateSCIMToken(ctx context.Context, t *accounts.SCIMToken) error {
	t.CreatedAt = micro(t.CreatedAt)
	t.LastUsedAt, t.ExpiresAt, t.RevokedAt = microPtr(t.LastUsedAt), microPtr(t.ExpiresAt), microPtr(t.RevokedAt)
	_, err := q.db.ExecContext(ctx, `
		INSERT INTO scim_tokens (`+scimTokenCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.TeamID, t.Name, t.Prefix, t.TokenHash, unixMicro(t.CreatedAt),
		nullUnixMicro(t.LastUsedAt), nullUnixMicro(t.ExpiresAt), nullUnixMicro(t.RevokedAt))
	if err != nil {
		return fail("create scim token", err)
	}
	return nil
}

func (q queries) GetSCIMTokenByHash(ctx context.Context, hash []byte) (accounts.SCIMToken, error) {
	t, err := scanSCIMToken(q.db.QueryRowContext(ctx, `SELECT `+scimTokenCols+` FROM scim_tokens WHERE token_hash = ?`, hash))
	if err != nil {
		return accounts.SCIMToken{}, lookupFail("get scim token", err)
	}
	return t, nil
}

func (q queries) ListSCIMTokens(ctx context.Context, teamID string) ([]accounts.SCIMToken, error) {
	rows, err := q.db.QueryContext(ctx, `
		SELECT `+scimTokenCols+` FROM scim_tokens WHERE team_id = ? ORDER BY created_at DESC, id DESC`, teamID)
	if err != nil {
		return nil, fail("list scim tokens", err)
	}
	ts, err := collect(rows, scanSCIMToken)
	if err != nil {
		return nil, fail("list scim tokens", err)
	}
	return ts, nil
}

func (q queries) RevokeSCIMToken(ctx context.Context, teamID, tokenID string, at time.Time) error {
	res, err := q.db.ExecContext(ctx, `
		UPDATE scim_tokens SET revoked_at = ? WHERE id = ? AND team_id = ? AND revoked_at IS NULL`,
		unixMicro(at), tokenID, teamID)
	if err != nil {
		return fail("revoke scim token", err)
	}
	n, err := rowsAffected("revoke scim token", res)
	if err != nil {
		return err
	}
	if n == 0 {
		return accounts.ErrNotFound
	}
	return nil
}

func (q queries) TouchSCIMToken(ctx context.Context, id string, at time.Time) error {
	res, err := q.db.ExecContext(ctx, `UPDATE scim_tokens SET last_used_at = ? WHERE id = ?`, unixMicro(at), id)
	if err != nil {
		return fail("touch scim token", err)
	}
	n, err := rowsAffected("touch scim token", res)
	if err != nil {
		return err
	}
	if n == 0 {
		return accounts.ErrNotFound
	}
	return nil
}
