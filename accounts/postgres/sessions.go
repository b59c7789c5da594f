package postgres

import (
	"context"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

const sessionCols = `id, user_id, token_hash, created_at, last_seen_at, idle_expires_at, abs_expires_at,
	persistent, user_agent, ip, auth_method, revoked_at, revoked_reason, reauthenticated_at`

func scanSession(row scanner) (accounts.Session, error) {
	var s accounts.Session
	if err := row.Scan(&s.ID, &s.UserID, &s.TokenHash, &s.CreatedAt, &s.LastSeenAt, &s.IdleExpiresAt,
		&s.AbsExpiresAt, &s.Persistent, &s.UserAgent, &s.IP, &s.AuthMethod, &s.RevokedAt, &s.RevokedReason, &s.ReauthenticatedAt); err != nil {
		return accounts.Session{}, err
	}
	s.CreatedAt, s.LastSeenAt = s.CreatedAt.UTC(), s.LastSeenAt.UTC()
	s.IdleExpiresAt, s.AbsExpiresAt = s.IdleExpiresAt.UTC(), s.AbsExpiresAt.UTC()
	s.RevokedAt, s.ReauthenticatedAt = utcPtr(s.RevokedAt), utcPtr(s.ReauthenticatedAt)
	return s, nil
}

func (q queries) CreateSession(ctx context.Context, s *accounts.Session) error {
	s.CreatedAt, s.LastSeenAt = micro(s.CreatedAt), micro(s.LastSeenAt)
	s.IdleExpiresAt, s.AbsExpiresAt = micro(s.IdleExpiresAt), micro(s.AbsExpiresAt)
	s.RevokedAt, s.ReauthenticatedAt = microPtr(s.RevokedAt), microPtr(s.ReauthenticatedAt)
	// A plain INSERT: sign-in is a hot path, an unknown user is a caller bug
	// (fail maps it to ErrNotFound) and a duplicate 256-bit token hash does
	// not happen.
	_, err := q.db.Exec(ctx, `
		INSERT INTO sessions (`+sessionCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		s.ID, s.UserID, s.TokenHash, s.CreatedAt, s.LastSeenAt, s.IdleExpiresAt, s.AbsExpiresAt,
		s.Persistent, s.UserAgent, s.IP, s.AuthMethod, s.RevokedAt, s.RevokedReason, s.ReauthenticatedAt)
	if err != nil {
		return fail("create session", err)
	}
	return nil
}

func (q queries) GetSessionByTokenHash(ctx context.Context, hash []byte) (accounts.Session, error) {
	s, err := scanSession(q.db.QueryRow(ctx, `SELECT `+sessionCols+` FROM sessions WHERE token_hash = $1`, hash))
	if err != nil {
		return accounts.Session{}, lookupFail("get session", err)
	}
	return s, nil
}

func (q queries) TouchSession(ctx context.Context, id string, lastSeen, idleExpires time.Time) error {
	if badText(id) {
		return accounts.ErrNotFound
	}
	// Only a live session moves: touching must never revive one that was
	// revoked or has expired. The SELECT tells "left alone" from "no such
	// session" in the same round trip.
	var found bool
	err := q.db.QueryRow(ctx, `
		WITH touched AS (
			UPDATE sessions SET last_seen_at = $2, idle_expires_at = $3
			WHERE id = $1 AND revoked_at IS NULL AND idle_expires_at > $2 AND abs_expires_at > $2
		)
		SELECT EXISTS (SELECT 1 FROM sessions WHERE id = $1)`,
		id, micro(lastSeen), micro(idleExpires)).Scan(&found)
	if err != nil {
		return fail("touch session", err)
	}
	if !found {
		return accounts.ErrNotFound
	}
	return nil
}

func (q queries) ListSessions(ctx context.Context, userID string, now time.Time) ([]accounts.Session, error) {
	if badText(userID) {
		return nil, nil
	}
	rows, err := q.db.Query(ctx, `
		SELECT `+sessionCols+` FROM sessions
		WHERE user_id = $1 AND revoked_at IS NULL AND idle_expires_at > $2 AND abs_expires_at > $2
		ORDER BY created_at DESC, id DESC`, userID, now)
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
	if badText(userID, sessionID) {
		return accounts.ErrNotFound
	}
	tag, err := q.db.Exec(ctx, `
		UPDATE sessions SET revoked_at = $3, revoked_reason = $4
		WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL`,
		sessionID, userID, micro(at), reason)
	if err != nil {
		return fail("revoke session", err)
	}
	if tag.RowsAffected() == 0 {
		return accounts.ErrNotFound
	}
	return nil
}

func (q queries) RevokeSessions(ctx context.Context, userID, exceptID, reason string, at time.Time) (int, error) {
	if badText(userID) {
		return 0, nil
	}
	if badText(exceptID) {
		exceptID = "" // it matches no session, so nothing is excepted
	}
	tag, err := q.db.Exec(ctx, `
		UPDATE sessions SET revoked_at = $3, revoked_reason = $4
		WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL`,
		userID, exceptID, micro(at), reason)
	if err != nil {
		return 0, fail("revoke sessions", err)
	}
	return int(tag.RowsAffected()), nil
}
