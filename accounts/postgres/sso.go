package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/internal/ssoconfig"
)

const connectionCols = `id, coalesce(team_id, ''), protocol, name, enabled, config, created_at, updated_at`

func scanConnection(row scanner) (accounts.SSOConnection, error) {
	var c accounts.SSOConnection
	var protocol string
	var config []byte
	if err := row.Scan(&c.ID, &c.TeamID, &protocol, &c.Name, &c.Enabled, &config, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return accounts.SSOConnection{}, err
	}
	c.Protocol = accounts.SSOProtocol(protocol)
	if err := ssoconfig.Decode(&c, config); err != nil {
		return accounts.SSOConnection{}, err
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, nil
}

func (q queries) CreateSSOConnection(ctx context.Context, c *accounts.SSOConnection) error {
	c.CreatedAt, c.UpdatedAt = micro(c.CreatedAt), micro(c.UpdatedAt)
	config, err := ssoconfig.Encode(c)
	if err != nil {
		return fmt.Errorf("postgres: create sso connection: %w", err)
	}
	tag, err := q.db.Exec(ctx, `
		INSERT INTO sso_connections (id, team_id, protocol, name, enabled, config, created_at, updated_at)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8
		WHERE $2::text IS NULL OR EXISTS (SELECT 1 FROM teams WHERE id = $2)`,
		c.ID, nullIfEmpty(c.TeamID), string(c.Protocol), c.Name, c.Enabled, config, c.CreatedAt, c.UpdatedAt)
	if err != nil {
		return fail("create sso connection", err)
	}
	if tag.RowsAffected() == 0 {
		return accounts.ErrNotFound
	}
	return nil
}

func (q queries) GetSSOConnection(ctx context.Context, id string) (accounts.SSOConnection, error) {
	if badText(id) {
		return accounts.SSOConnection{}, accounts.ErrNotFound
	}
	c, err := scanConnection(q.db.QueryRow(ctx, `SELECT `+connectionCols+` FROM sso_connections WHERE id = $1`, id))
	if err != nil {
		return accounts.SSOConnection{}, lookupFail("get sso connection", err)
	}
	return c, nil
}

func (q queries) ListSSOConnections(ctx context.Context, teamID string) ([]accounts.SSOConnection, error) {
	if badText(teamID) {
		return nil, nil
	}
	rows, err := q.db.Query(ctx, `
		SELECT `+connectionCols+` FROM sso_connections
		WHERE team_id IS NOT DISTINCT FROM $1 ORDER BY created_at, id`, nullIfEmpty(teamID))
	if err != nil {
		return nil, fail("list sso connections", err)
	}
	cs, err := collect(rows, scanConnection)
	if err != nil {
		return nil, fail("list sso connections", err)
	}
	return cs, nil
}

func (q queries) UpdateSSOConnection(ctx context.Context, id string, fn func(c *accounts.SSOConnection) error) (accounts.SSOConnection, error) {
	if badText(id) {
		return accounts.SSOConnection{}, accounts.ErrNotFound
	}
	old, err := scanConnection(q.db.QueryRow(ctx, `SELECT `+connectionCols+` FROM sso_connections WHERE id = $1 FOR UPDATE`, id))
	if err != nil {
		return accounts.SSOConnection{}, lookupFail("update sso connection", err)
	}
	c := old
	if err := fn(&c); err != nil {
		return accounts.SSOConnection{}, err
	}
	c.ID, c.TeamID, c.Protocol, c.CreatedAt = old.ID, old.TeamID, old.Protocol, old.CreatedAt
	c.UpdatedAt = micro(c.UpdatedAt)
	config, err := ssoconfig.Encode(&c)
	if err != nil {
		return accounts.SSOConnection{}, fmt.Errorf("postgres: update sso connection: %w", err)
	}
	if _, err := q.db.Exec(ctx, `
		UPDATE sso_connections SET name = $2, enabled = $3, config = $4, updated_at = $5 WHERE id = $1`,
		c.ID, c.Name, c.Enabled, config, c.UpdatedAt); err != nil {
		return accounts.SSOConnection{}, fail("update sso connection", err)
	}
	return c, nil
}

func (q queries) CreateExternalIdentity(ctx context.Context, e accounts.ExternalIdentity) error {
	// WHERE EXISTS and ON CONFLICT DO NOTHING keep a clash or an unknown
	// reference from aborting the caller's transaction.
	tag, err := q.db.Exec(ctx, `
		INSERT INTO external_identities (connection_id, subject, user_id, created_at)
		SELECT $1, $2, $3, $4
		WHERE EXISTS (SELECT 1 FROM sso_connections WHERE id = $1)
		  AND EXISTS (SELECT 1 FROM users WHERE id = $3)
		ON CONFLICT DO NOTHING`,
		e.ConnectionID, e.Subject, e.UserID, micro(e.CreatedAt))
	if err != nil {
		return fail("create external identity", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var linked bool
	if err := q.db.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM external_identities WHERE connection_id = $1 AND subject = $2)`,
		e.ConnectionID, e.Subject).Scan(&linked); err != nil {
		return fail("create external identity", err)
	}
	if linked {
		return accounts.ErrIdentityLinked
	}
	return accounts.ErrNotFound
}

func (q queries) GetExternalIdentity(ctx context.Context, connectionID, subject string) (accounts.ExternalIdentity, error) {
	if badText(connectionID, subject) {
		return accounts.ExternalIdentity{}, accounts.ErrNotFound
	}
	var e accounts.ExternalIdentity
	err := q.db.QueryRow(ctx, `
		SELECT connection_id, subject, user_id, created_at FROM external_identities
		WHERE connection_id = $1 AND subject = $2`, connectionID, subject).
		Scan(&e.ConnectionID, &e.Subject, &e.UserID, &e.CreatedAt)
	if err != nil {
		return accounts.ExternalIdentity{}, lookupFail("get external identity", err)
	}
	e.CreatedAt = e.CreatedAt.UTC()
	return e, nil
}

const flowCols = `id, connection_id, binding_hash, return_to, nonce, pkce_verifier, created_at, expires_at, used_at`

func scanFlow(row scanner) (accounts.SSOFlow, error) {
	var f accounts.SSOFlow
	if err := row.Scan(&f.ID, &f.ConnectionID, &f.BindingHash, &f.ReturnTo, &f.Nonce, &f.PKCEVerifier,
		&f.CreatedAt, &f.ExpiresAt, &f.UsedAt); err != nil {
		return accounts.SSOFlow{}, err
	}
	f.CreatedAt, f.ExpiresAt, f.UsedAt = f.CreatedAt.UTC(), f.ExpiresAt.UTC(), utcPtr(f.UsedAt)
	return f, nil
}

func (q queries) CreateSSOFlow(ctx context.Context, f *accounts.SSOFlow) error {
	f.CreatedAt, f.ExpiresAt, f.UsedAt = micro(f.CreatedAt), micro(f.ExpiresAt), microPtr(f.UsedAt)
	_, err := q.db.Exec(ctx, `INSERT INTO sso_flows (`+flowCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		f.ID, f.ConnectionID, f.BindingHash, f.ReturnTo, f.Nonce, f.PKCEVerifier, f.CreatedAt, f.ExpiresAt, f.UsedAt)
	if err != nil {
		return fail("create sso flow", err)
	}
	return nil
}

func (q queries) ConsumeSSOFlow(ctx context.Context, id string, bindingHash []byte, now time.Time) (accounts.SSOFlow, error) {
	if badText(id) {
		return accounts.SSOFlow{}, accounts.ErrNotFound
	}
	// One UPDATE: the row lock makes a concurrent consumer wait, re-check
	// used_at and find nothing.
	f, err := scanFlow(q.db.QueryRow(ctx, `
		UPDATE sso_flows SET used_at = $3
		WHERE id = $1 AND binding_hash = $2 AND used_at IS NULL AND expires_at > $3
		RETURNING `+flowCols, id, bindingHash, micro(now)))
	if err != nil {
		return accounts.SSOFlow{}, lookupFail("consume sso flow", err)
	}
	return f, nil
}

func (q queries) RecordAssertion(ctx context.Context, connectionID, assertionID string, expiresAt time.Time) error {
	if badText(connectionID, assertionID) {
		return &accounts.Error{Code: accounts.CodeInvalid, Message: "text must be valid UTF-8 without NUL characters"}
	}
	tag, err := q.db.Exec(ctx, `
		INSERT INTO saml_assertions (connection_id, assertion_id, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, connectionID, assertionID, micro(expiresAt))
	if err != nil {
		return fail("record assertion", err)
	}
	if tag.RowsAffected() == 0 {
		return accounts.ErrReplayed
	}
	return nil
}
