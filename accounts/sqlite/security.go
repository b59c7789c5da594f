package sqlite

import (
	"context"
	"strings"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

// affectedOrNotFound turns "no row changed" into ErrNotFound.
func affectedOrNotFound(op string, res interface{ RowsAffected() (int64, error) }, err error) error {
	if err != nil {
		return fail(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fail(op, err)
	}
	if n == 0 {
		return accounts.ErrNotFound
	}
	return nil
}

func (q queries) ReauthenticateSession(ctx context.Context, sessionID string, at time.Time) error {
	res, err := q.db.ExecContext(ctx, `UPDATE sessions SET reauthenticated_at = ? WHERE id = ? AND revoked_at IS NULL`,
		unixMicro(at), sessionID)
	return affectedOrNotFound("reauthenticate session", res, err)
}

func (q queries) CountSessions(ctx context.Context, userID, userAgent string) (all, withAgent int, err error) {
	err = q.db.QueryRowContext(ctx, `
		SELECT count(*), coalesce(sum(user_agent = ?2), 0) FROM sessions WHERE user_id = ?1`,
		userID, userAgent).Scan(&all, &withAgent)
	if err != nil {
		return 0, 0, fail("count sessions", err)
	}
	return all, withAgent, nil
}

func (q queries) GetToken(ctx context.Context, purpose accounts.TokenPurpose, hash []byte, now time.Time) (accounts.OneTimeToken, error) {
	t, err := scanToken(q.db.QueryRowContext(ctx, `
		SELECT `+tokenCols+` FROM one_time_tokens
		WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?`,
		hash, string(purpose), unixMicro(now)))
	if err != nil {
		return accounts.OneTimeToken{}, lookupFail("get token", err)
	}
	return t, nil
}

func (q queries) RetireTokens(ctx context.Context, userID string, purposes []accounts.TokenPurpose, at time.Time) (int, error) {
	if len(purposes) == 0 {
		return 0, nil
	}
	args := []any{unixMicro(at), userID}
	marks := make([]string, len(purposes))
	for i, p := range purposes {
		marks[i] = "?"
		args = append(args, string(p))
	}
	res, err := q.db.ExecContext(ctx, `
		UPDATE one_time_tokens SET used_at = ?
		WHERE user_id = ? AND used_at IS NULL AND purpose IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return 0, fail("retire tokens", err)
	}
	return rowsAffected("retire tokens", res)
}

func (q queries) PutTOTP(ctx context.Context, c accounts.TOTPCredential) error {
	_, err := q.db.ExecContext(ctx, `
		INSERT INTO totp_credentials (user_id, secret, enabled_at, last_step, created_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, enabled_at = excluded.enabled_at,
			last_step = excluded.last_step, created_at = excluded.created_at`,
		c.UserID, c.Secret, nullUnixMicro(c.EnabledAt), c.LastStep, unixMicro(c.CreatedAt))
	if err != nil {
		return fail("put totp", err)
	}
	return nil
}

func (q queries) GetTOTP(ctx context.Context, userID string) (accounts.TOTPCredential, error) {
	var c accounts.TOTPCredential
	err := q.db.QueryRowContext(ctx, `
		SELECT user_id, secret, enabled_at, last_step, created_at FROM totp_credentials WHERE user_id = ?`,
		userID).Scan(&c.UserID, &c.Secret, nullTimeCol{&c.EnabledAt}, &c.LastStep, timeCol{&c.CreatedAt})
	if err != nil {
		return accounts.TOTPCredential{}, lookupFail("get totp", err)
	}
	return c, nil
}

func (q queries) DeleteTOTP(ctx context.Context, userID string) error {
	res, err := q.db.ExecContext(ctx, `DELETE FROM totp_credentials WHERE user_id = ?`, userID)
	return affectedOrNotFound("delete totp", res, err)
}

func (q queries) UseTOTPStep(ctx context.Context, userID string, step int64) error {
	// One write statement: writers are serialised, so the second caller for
	// a step finds last_step already there.
	res, err := q.db.ExecContext(ctx, `
		UPDATE totp_credentials SET last_step = ?2
		WHERE user_id = ?1 AND enabled_at IS NOT NULL AND last_step < ?2`, userID, step)
	return affectedOrNotFound("use totp step", res, err)
}

func (q queries) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes [][]byte, at time.Time) error {
	return q.atomic(ctx, func(q queries) error {
		if _, err := q.db.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
			return fail("replace recovery codes", err)
		}
		for _, h := range hashes {
			if _, err := q.db.ExecContext(ctx, `INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)`,
				userID, h, unixMicro(at)); err != nil {
				return fail("replace recovery codes", err)
			}
		}
		return nil
	})
}

func (q queries) UseRecoveryCode(ctx context.Context, userID string, hash []byte, at time.Time) error {
	res, err := q.db.ExecContext(ctx, `
		UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL`,
		unixMicro(at), userID, hash)
	return affectedOrNotFound("use recovery code", res, err)
}

func (q queries) CountRecoveryCodes(ctx context.Context, userID string) (int, error) {
	var n int
	if err := q.db.QueryRowContext(ctx, `SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL`, userID).Scan(&n); err != nil {
		return 0, fail("count recovery codes", err)
	}
	return n, nil
}

func (q queries) UseCaptchaSolution(ctx context.Context, key []byte, expires time.Time) error {
	res, err := q.db.ExecContext(ctx, `INSERT INTO captcha_solutions (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`,
		key, unixMicro(expires))
	if err := affectedOrNotFound("use captcha solution", res, err); err != nil {
		if accounts.ErrorCode(err) == accounts.CodeNotFound {
			return accounts.ErrConflict
		}
		return err
	}
	return nil
}
