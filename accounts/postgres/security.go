package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/idbridge/idbridge/accounts"
	"github.com/jackc/pgx/v5"
)

func (q queries) ReauthenticateSession(ctx context.Context, sessionID string, at time.Time) error {
	if badText(sessionID) {
		return accounts.ErrNotFound
	}
	tag, err := q.db.Exec(ctx, `UPDATE sessions SET reauthenticated_at = $2 WHERE id = $1 AND revoked_at IS NULL`, sessionID, micro(at))
	if err != nil {
		return fail("reauthenticate session", err)
	}
	if tag.RowsAffected() == 0 {
		return accounts.ErrNotFound
	}
	return nil
}

func (q queries) CountSessions(ctx context.Context, userID, userAgent string) (all, withAgent int, err error) {
	if badText(userID, userAgent) {
		return 0, 0, nil
	}
	err = q.db.QueryRow(ctx, `
		SELECT count(*), count(*) FILTER (WHERE user_agent = $2) FROM sessions WHERE user_id = $1`,
		userID, userAgent).Scan(&all, &withAgent)
	if err != nil {
		return 0, 0, fail("count sessions", err)
	}
	return all, withAgent, nil
}

func (q queries) GetToken(ctx context.Context, purpose accounts.TokenPurpose, hash []byte, now time.Time) (accounts.OneTimeToken, error) {
	t, err := scanToken(q.db.QueryRow(ctx, `
		SELECT `+tokenCols+` FROM one_time_tokens
		WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3`,
		hash, string(purpose), micro(now)))
	if err != nil {
		return accounts.OneTimeToken{}, lookupFail("get token", err)
	}
	return t, nil
}

func (q queries) RetireTokens(ctx context.Context, userID string, purposes []accounts.TokenPurpose, at time.Time) (int, error) {
	if badText(userID) || len(purposes) == 0 {
		return 0, nil
	}
	ps := make([]string, len(purposes))
	for i, p := range purposes {
		ps[i] = string(p)
	}
	tag, err := q.db.Exec(ctx, `
		UPDATE one_time_tokens SET used_at = $3
		WHERE user_id = $1 AND purpose = ANY($2) AND used_at IS NULL`, userID, ps, micro(at))
	if err != nil {
		return 0, fail("retire tokens", err)
	}
	return int(tag.RowsAffected()), nil
}

func (q queries) PutTOTP(ctx context.Context, c accounts.TOTPCredential) error {
	_, err := q.db.Exec(ctx, `
		INSERT INTO totp_credentials (user_id, secret, enabled_at, last_step, created_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, enabled_at = EXCLUDED.enabled_at,
			last_step = EXCLUDED.last_step, created_at = EXCLUDED.created_at`,
		c.UserID, c.Secret, microPtr(c.EnabledAt), c.LastStep, micro(c.CreatedAt))
	if err != nil {
		return fail("put totp", err)
	}
	return nil
}

func (q queries) GetTOTP(ctx context.Context, userID string) (accounts.TOTPCredential, error) {
	if badText(userID) {
		return accounts.TOTPCredential{}, accounts.ErrNotFound
	}
	var c accounts.TOTPCredential
	err := q.db.QueryRow(ctx, `
		SELECT user_id, secret, enabled_at, last_step, created_at FROM totp_credentials WHERE user_id = $1`,
		userID).Scan(&c.UserID, &c.Secret, &c.EnabledAt, &c.LastStep, &c.CreatedAt)
	if err != nil {
		return accounts.TOTPCredential{}, lookupFail("get totp", err)
	}
	c.EnabledAt, c.CreatedAt = utcPtr(c.EnabledAt), c.CreatedAt.UTC()
	return c, nil
}

func (q queries) DeleteTOTP(ctx context.Context, userID string) error {
	if badText(userID) {
		return accounts.ErrNotFound
	}
	tag, err := q.db.Exec(ctx, `DELETE FROM totp_credentials WHERE user_id = $1`, userID)
	if err != nil {
		return fail("delete totp", err)
	}
	if tag.RowsAffected() == 0 {
		return accounts.ErrNotFound
	}
	return nil
}

func (q queries) UseTOTPStep(ctx context.Context, userID string, step int64) error {
	if badText(userID) {
		return accounts.ErrNotFound
	}
	// Concurrent callers queue on the row lock and re-check last_step after
	// the first commits, so one step is accepted once.
	tag, err := q.db.Exec(ctx, `
		UPDATE totp_credentials SET last_step = $2
		WHERE user_id = $1 AND enabled_at IS NOT NULL AND last_step < $2`, userID, step)
	if err != nil {
		return fail("use totp step", err)
	}
	if tag.RowsAffected() == 0 {
		return accounts.ErrNotFound
	}
	return nil
}

func (q queries) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes [][]byte, at time.Time) error {
	if badText(userID) {
		return accounts.ErrNotFound
	}
	_, err := q.db.Exec(ctx, `
		WITH gone AS (DELETE FROM recovery_codes WHERE user_id = $1)
		INSERT INTO recovery_codes (user_id, code_hash, created_at)
		SELECT $1, h, $3 FROM unnest($2::bytea[]) AS h`, userID, hashes, micro(at))
	if err != nil {
		return fail("replace recovery codes", err)
	}
	return nil
}

func (q queries) UseRecoveryCode(ctx context.Context, userID string, hash []byte, at time.Time) error {
	if badText(userID) {
		return accounts.ErrNotFound
	}
	tag, err := q.db.Exec(ctx, `
		UPDATE recovery_codes SET used_at = $3
		WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`, userID, hash, micro(at))
	if err != nil {
		return fail("use recovery code", err)
	}
	if tag.RowsAffected() == 0 {
		return accounts.ErrNotFound
	}
	return nil
}

func (q queries) CountRecoveryCodes(ctx context.Context, userID string) (int, error) {
	if badText(userID) {
		return 0, nil
	}
	var n int
	if err := q.db.QueryRow(ctx, `SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`, userID).Scan(&n); err != nil {
		return 0, fail("count recovery codes", err)
	}
	return n, nil
}

func (q queries) UseCaptchaSolution(ctx context.Context, key []byte, expires time.Time) error {
	var k []byte
	err := q.db.QueryRow(ctx, `
		INSERT INTO captcha_solutions (key, expires_at) VALUES ($1, $2)
		ON CONFLICT (key) DO NOTHING RETURNING key`, key, micro(expires)).Scan(&k)
	if errors.Is(err, pgx.ErrNoRows) {
		return accounts.ErrConflict
	}
	if err != nil {
		return fail("use captcha solution", err)
	}
	return nil
}
