package postgres

import (
	"context"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

const tokenCols = `id, user_id, purpose, token_hash, data, created_at, expires_at, used_at`

func scanToken(row scanner) (accounts.OneTimeToken, error) {
	var t accounts.OneTimeToken
	var purpose string
	if err := row.Scan(&t.ID, &t.UserID, &purpose, &t.TokenHash, &t.Data, &t.CreatedAt, &t.ExpiresAt, &t.UsedAt); err != nil {
		return accounts.OneTimeToken{}, err
	}
	t.Purpose = accounts.TokenPurpose(purpose)
	t.CreatedAt, t.ExpiresAt, t.UsedAt = t.CreatedAt.UTC(), t.ExpiresAt.UTC(), utcPtr(t.UsedAt)
	return t, nil
}

func (q queries) CreateToken(ctx context.Context, t *accounts.OneTimeToken) error {
	t.CreatedAt, t.ExpiresAt, t.UsedAt = micro(t.CreatedAt), micro(t.ExpiresAt), microPtr(t.UsedAt)
	// One statement, so the new token and the retirement of the old ones
	// commit or fail together. (Two CreateTokens racing for one user and
	// purpose cannot see each other's row and may both stay unused; the
	// service creates tokens from one request at a time per person.)
	_, err := q.db.Exec(ctx, `
		WITH superseded AS (
			UPDATE one_time_tokens SET used_at = $6
			WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL
		)
		INSERT INTO one_time_tokens (`+tokenCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		t.ID, t.UserID, string(t.Purpose), t.TokenHash, t.Data, t.CreatedAt, t.ExpiresAt, t.UsedAt)
	if err != nil {
		return fail("create token", err)
	}
	return nil
}

func (q queries) ConsumeToken(ctx context.Context, purpose accounts.TokenPurpose, hash []byte, now time.Time) (accounts.OneTimeToken, error) {
	// Concurrent consumers queue on the row lock; after the first commits,
	// the others re-check used_at IS NULL, fail it and get no row.
	t, err := scanToken(q.db.QueryRow(ctx, `
		UPDATE one_time_tokens SET used_at = $3
		WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
		RETURNING `+tokenCols,
		hash, string(purpose), micro(now)))
	if err != nil {
		return accounts.OneTimeToken{}, lookupFail("consume token", err)
	}
	return t, nil
}

const scimTokenCols = `id, team_id, name, prefix, token_hash, created_at, last_used_at, expires_at, revoked_at`

func scanSCIMToken(row scanner) (accounts.SCIMToken, error) {
	var t accounts.SCIMToken
	if err := row.Scan(&t.ID, &t.TeamID, &t.Name, &t.Prefix, &t.TokenHash, &t.CreatedAt,
		&t.LastUsedAt, &t.ExpiresAt, &t.RevokedAt); err != nil {
		return accounts.SCIMToken{}, err
	}
	t.CreatedAt = t.CreatedAt.UTC()
	t.LastUsedAt, t.ExpiresAt, t.RevokedAt = utcPtr(t.LastUsedAt), utcPtr(t.ExpiresAt), utcPtr(t.RevokedAt)
	return t, nil
}

func (q queries) CreateSCIMToken(ctx context.Context, t *accounts.SCIMToken) error {
	t.CreatedAt = micro(t.CreatedAt)
	t.LastUsedAt, t.ExpiresAt, t.RevokedAt = microPtr(t.LastUsedAt), microPtr(t.ExpiresAt), microPtr(t.RevokedAt)
	_, err := q.db.Exec(ctx, `
		INSERT INTO scim_tokens (`+scimTokenCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		t.ID, t.TeamID, t.Name, t.Prefix, t.TokenHash, t.CreatedAt, t.LastUsedAt, t.ExpiresAt, t.RevokedAt)
	if err != nil {
		return fail("create scim token", err)
	}
	return nil
}

func (q queries) GetSCIMTokenByHash(ctx context.Context, hash []byte) (accounts.SCIMToken, error) {
	t, err := scanSCIMToken(q.db.QueryRow(ctx, `SELECT `+scimTokenCols+` FROM scim_tokens WHERE token_hash = $1`, hash))
	if err != nil {
		return accounts.SCIMToken{}, lookupFail("get scim token", err)
	}
	return t, nil
}

func (q queries) ListSCIMTokens(ctx context.Context, teamID string) ([]accounts.SCIMToken, error) {
	if badText(teamID) {
		return nil, nil
	}
	rows, err := q.db.Query(ctx, `
		SELECT `+scimTokenCols+` FROM scim_tokens WHERE team_id = $1 ORDER BY created_at DESC, id DESC`, teamID)
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
	if badText(teamID, tokenID) {
		return accounts.ErrNotFound
	}
	tag, err := q.db.Exec(ctx, `
		UPDATE scim_tokens SET revoked_at = $3 WHERE id = $1 AND team_id = $2 AND revoked_at IS NULL`,
		tokenID, teamID, micro(at))
	if err != nil {
		return fail("revoke scim token", err)
	}
	if tag.RowsAffected() == 0 {
		return accounts.ErrNotFound
	}
	return nil
}

func (q queries) TouchSCIMToken(ctx context.Context, id string, at time.Time) error {
	if badText(id) {
		return accounts.ErrNotFound
	}
	tag, err := q.db.Exec(ctx, `UPDATE scim_tokens SET last_used_at = $2 WHERE id = $1`, id, micro(at))
	if err != nil {
		return fail("touch scim token", err)
	}
	if tag.RowsAffected() == 0 {
		return accounts.ErrNotFound
	}
	return nil
}
