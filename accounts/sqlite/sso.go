package sqlite

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
	var protocol, config string
	if err := row.Scan(&c.ID, &c.TeamID, &protocol, &c.Name, &c.Enabled, &config,
		timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt}); err != nil {
		return accounts.SSOConnection{}, err
	}
	c.Protocol = accounts.SSOProtocol(protocol)
	if err := ssoconfig.Decode(&c, []byte(config)); err != nil {
		return accounts.SSOConnection{}, err
	}
	return c, nil
}

func (q queries) CreateSSOConnection(ctx context.Context, c *accounts.SSOConnection) error {
	c.CreatedAt, c.UpdatedAt = micro(c.CreatedAt), micro(c.UpdatedAt)
	config, err := ssoconfig.Encode(c)
	if err != nil {
		return fmt.Errorf("sqlite: create sso connection: %w", err)
	}
	_, err = q.db.ExecContext(ctx, `
		INSERT INTO sso_connections (id, team_id, protocol, name, enabled, config, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, nullIfEmpty(c.TeamID), string(c.Protocol), c.Name, c.Enabled, config,
		unixMicro(c.CreatedAt), unixMicro(c.UpdatedAt))
	if err != nil {
		return fail("create sso connection", err)
	}
	return nil
}

func (q queries) GetSSOConnection(ctx context.Context, id string) (accounts.SSOConnection, error) {
	c, err := scanConnection(q.db.QueryRowContext(ctx, `SELECT `+connectionCols+` FROM sso_connections WHERE id = ?`, id))
	if err != nil {
		return accounts.SSOConnection{}, lookupFail("get sso connection", err)
	}
	return c, nil
}

func (q queries) ListSSOConnections(ctx context.Context, teamID string) ([]accounts.SSOConnection, error) {
	rows, err := q.db.QueryContext(ctx, `
		SELECT `+connectionCols+` FROM sso_connections
		WHERE team_id IS ? ORDER BY created_at, id`, nullIfEmpty(teamID))
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
	var c accounts.SSOConnection
	// The transaction holds SQLite's write lock from BEGIN.
	err := q.atomic(ctx, func(q queries) error {
		old, err := q.GetSSOConnection(ctx, id)
		if err != nil {
			return err
		}
		c = old
		if err := fn(&c); err != nil {
			return err
		}
		c.ID, c.TeamID, c.Protocol, c.CreatedAt = old.ID, old.TeamID, old.Protocol, old.CreatedAt
		c.UpdatedAt = micro(c.UpdatedAt)
		config, err := ssoconfig.Encode(&c)
		if err != nil {
			return fmt.Errorf("sqlite: update sso connection: %w", err)
		}
		if _, err := q.db.ExecContext(ctx, `
			UPDATE sso_connections SET name = ?, enabled = ?, config = ?, updated_at = ? WHERE id = ?`,
			c.Name, c.Enabled, config, unixMicro(c.UpdatedAt), c.ID); err != nil {
			return fail("update sso connection", err)
		}
		return nil
	})
	if err != nil {
		return accounts.SSOConnection{}, err
	}
	return c, nil
}

func (q queries) CreateExternalIdentity(ctx context.Context, e accounts.ExternalIdentity) error {
	_, err := q.db.ExecContext(ctx, `
		INSERT INTO external_identities (connection_id, subject, user_id, created_at) VALUES (?, ?, ?, ?)`,
		e.ConnectionID, e.Subject, e.UserID, unixMicro(e.CreatedAt))
	if err != nil {
		return fail("create external identity", err)
	}
	return nil
}

func (q queries) GetExternalIdentity(ctx context.Context, connectionID, subject string) (accounts.ExternalIdentity, error) {
	var e accounts.ExternalIdentity
	err := q.db.QueryRowContext(ctx, `
		SELECT connection_id, subject, user_id, created_at FROM external_identities
		WHERE connection_id = ? AND subject = ?`, connectionID, subject).
		Scan(&e.ConnectionID, &e.Subject, &e.UserID, timeCol{&e.CreatedAt})
	if err != nil {
		return accounts.ExternalIdentity{}, lookupFail("get external identity", err)
	}
	return e, nil
}

const flowCols = `id, connection_id, binding_hash, return_to, nonce, pkce_verifier, created_at, expires_at, used_at`

func scanFlow(row scanner) (accounts.SSOFlow, error) {
	var f accounts.SSOFlow
	if err := row.Scan(&f.ID, &f.ConnectionID, &f.BindingHash, &f.ReturnTo, &f.Nonce, &f.PKCEVerifier,
		timeCol{&f.CreatedAt}, timeCol{&f.ExpiresAt}, nullTimeCol{&f.UsedAt}); err != nil {
		return accounts.SSOFlow{}, err
	}
	return f, nil
}

func (q queries) CreateSSOFlow(ctx context.Context, f *accounts.SSOFlow) error {
	f.CreatedAt, f.ExpiresAt, f.UsedAt = micro(f.CreatedAt), micro(f.ExpiresAt), microPtr(f.UsedAt)
	_, err := q.db.ExecContext(ctx, `INSERT INTO sso_flows (`+flowCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.ID, f.ConnectionID, f.BindingHash, f.ReturnTo, f.Nonce, f.PKCEVerifier,
		unixMicro(f.CreatedAt), unixMicro(f.ExpiresAt), nullUnixMicro(f.UsedAt))
	if err != nil {
		return fail("create sso flow", err)
	}
	return nil
}

func (q queries) ConsumeSSOFlow(ctx context.Context, id string, bindingHash []byte, now time.Time) (accounts.SSOFlow, error) {
	// One write statement: concurrent consumers queue on the write lock and
	// every one after the first finds used_at set.
	f, err := scanFlow(q.db.QueryRowContext(ctx, `
		UPDATE sso_flows SET used_at = ?1
		WHERE id = ?2 AND binding_hash = ?3 AND used_at IS NULL AND expires_at > ?1
		RETURNING `+flowCols, unixMicro(now), id, bindingHash))
	if err != nil {
		return accounts.SSOFlow{}, lookupFail("consume sso flow", err)
	}
	return f, nil
}

func (q queries) RecordAssertion(ctx context.Context, connectionID, assertionID string, expiresAt time.Time) error {
	_, err := q.db.ExecContext(ctx, `
		INSERT INTO saml_assertions (connection_id, assertion_id, expires_at) VALUES (?, ?, ?)`,
		connectionID, assertionID, unixMicro(expiresAt))
	if err != nil {
		return fail("record assertion", err)
	}
	return nil
}
