package postgres

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/idbridge/idbridge/accounts"
)

// ProvisionSCIMUser inserts the account, membership, SCIM identity and
// audit event in one statement of data-modifying CTEs: one round trip, and
// atomic without BEGIN and COMMIT. Plain INSERTs (no ON CONFLICT) make a
// clash fail the whole statement, which then wrote nothing.
func (s *Store) ProvisionSCIMUser(ctx context.Context, u accounts.User, su accounts.SCIMUser, e accounts.AuditEvent) error {
	if badText(su.TeamID, u.ID, u.Username, u.Email, u.Name, su.ExternalID, su.UserName) {
		return accounts.ErrConflict
	}
	doc, err := documentJSON(su.Document)
	if err != nil {
		return err
	}
	var details *string
	if len(e.Details) > 0 {
		b, err := json.Marshal(e.Details)
		if err != nil {
			return err
		}
		d := string(b)
		details = &d
	}
	var verified any
	if u.EmailVerifiedAt != nil {
		verified = micro(*u.EmailVerifiedAt)
	}
	var n int
	err = s.pool.QueryRow(ctx, `
		WITH t AS (
			SELECT id, CASE WHEN settings->>'default_role' IN ('admin', 'member')
			                THEN settings->>'default_role' ELSE 'member' END AS role
			FROM teams WHERE id = $1),
		u AS (
			INSERT INTO users (id, username, username_key, name, email, email_key, email_verified_at,
				status, managed_by_team_id, created_at, updated_at)
			SELECT $2, $3, $4, $5, $6, $7, $8, $9, t.id, $10, $11 FROM t RETURNING id),
		m AS (
			INSERT INTO memberships (team_id, user_id, role, source, created_at)
			SELECT t.id, u.id, t.role, 'scim', $10 FROM t, u RETURNING 1),
		s AS (
			INSERT INTO scim_users (user_id, team_id, external_id, user_name, user_name_key, active,
				document, version, created_at, updated_at)
			SELECT u.id, t.id, $12, $13, $14, $15, $16, $17, $18, $19 FROM t, u RETURNING 1),
		a AS (
			INSERT INTO audit_events (id, team_id, actor_kind, actor_id, action, target_id, ip, details, created_at)
			SELECT $20, t.id, $21, $22, $23, u.id, $24, $25, $26 FROM t, u RETURNING 1)
		SELECT (SELECT count(*) FROM s) + (SELECT count(*) FROM m) + (SELECT count(*) FROM a)`,
		su.TeamID, u.ID, u.Username, accounts.Fold(u.Username), u.Name, u.Email, accounts.Fold(u.Email), verified,
		string(u.Status), micro(u.CreatedAt), micro(u.UpdatedAt),
		nullIfEmpty(su.ExternalID), su.UserName, accounts.Fold(su.UserName), su.Active, doc, su.Version,
		micro(su.CreatedAt), micro(su.UpdatedAt),
		e.ID, string(e.ActorKind), e.ActorID, e.Action, e.IP, details, micro(e.CreatedAt)).Scan(&n)
	if err != nil {
		if pe := pgError(err); pe != nil && (pe.Code == uniqueViolation || pe.Code == foreignKeyViolation) {
			return accounts.ErrConflict
		}
		return fail("provision scim user", err)
	}
	if n != 3 {
		return accounts.ErrConflict // no such team
	}
	return nil
}

// ApplySCIMUserUpdate sends BEGIN and one statement that locks and writes
// both rows (checking the version), then the revocation, the audit event,
// a deactivation's notices and COMMIT: two round trips instead of a
// dozen. The revocation is a statement of its own, after the account's row
// lock is held, so it sees every session a concurrent sign-in committed
// before the lock.
func (s *Store) ApplySCIMUserUpdate(ctx context.Context, up accounts.SCIMUserUpdate) (accounts.SCIMUser, error) {
	cur, f, at, e := up.Cur, up.Fields, up.At, up.Event
	if badText(cur.TeamID, cur.UserID, f.UserName, f.Email, f.Name, f.ExternalID) {
		return accounts.SCIMUser{}, accounts.ErrConflict
	}
	doc, err := documentJSON(f.Document)
	if err != nil {
		return accounts.SCIMUser{}, err
	}
	at = micro(at)
	status := accounts.StatusActive
	if !f.Active {
		status = accounts.StatusDeactivated
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return accounts.SCIMUser{}, fail("apply scim user update", err)
	}
	// A connection released inside a transaction is closed by the pool.
	defer conn.Release()

	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(`
		WITH old AS (
			SELECT u.id, u.status, u.email_key, u.email_verified_at
			FROM users u JOIN scim_users su ON su.user_id = u.id
			WHERE su.team_id = $1 AND su.user_id = $2 AND su.version = $3
			FOR UPDATE OF u, su),
		s AS (
			UPDATE scim_users SET external_id = $4, user_name = $5, user_name_key = $6, active = $7,
				document = $8, version = version + 1, updated_at = $9
			FROM old WHERE scim_users.user_id = old.id RETURNING scim_users.version),
		u AS (
			UPDATE users SET username = $5, username_key = $6, name = $10, email = $11, email_key = $12,
				email_verified_at = CASE WHEN old.email_key <> $12 OR old.email_verified_at IS NULL
				                         THEN $9 ELSE old.email_verified_at END,
				status = $13, updated_at = $9
			FROM old WHERE users.id = old.id RETURNING 1)
		SELECT old.status, (SELECT version FROM s), (SELECT count(*) FROM u) FROM old`,
		cur.TeamID, cur.UserID, cur.Version, nullIfEmpty(f.ExternalID), f.UserName, accounts.Fold(f.UserName), f.Active,
		doc, at, f.Name, f.Email, accounts.Fold(f.Email), string(status))
	var was string
	var version int64
	var updated int
	br := conn.SendBatch(ctx, b)
	_, err = br.Exec()
	if err == nil {
		err = br.QueryRow().Scan(&was, &version, &updated)
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err == nil && updated != 1 {
		err = pgx.ErrNoRows
	}
	if err != nil {
		_, _ = conn.Exec(ctx, "ROLLBACK")
		if errors.Is(err, pgx.ErrNoRows) {
			return accounts.SCIMUser{}, accounts.ErrConflict
		}
		if pe := pgError(err); (pe != nil && pe.Code == uniqueViolation) || retryable(err) {
			return accounts.SCIMUser{}, accounts.ErrConflict
		}
		return accounts.SCIMUser{}, fail("apply scim user update", err)
	}

	deactivating := status == accounts.StatusDeactivated && was != string(accounts.StatusDeactivated)
	if deactivating && up.Deactivation == nil {
		_, _ = conn.Exec(ctx, "ROLLBACK")
		return accounts.SCIMUser{}, accounts.ErrConflict // nobody planned how to tell the person
	}
	details := map[string]string{}
	for k, v := range e.Details {
		details[k] = v
	}
	if deactivating {
		details["deactivated"] = "true"
	}
	if status == accounts.StatusActive && was == string(accounts.StatusDeactivated) {
		details["reactivated"] = "true"
	}
	detailsJSON, err := json.Marshal(details)
	if err != nil {
		_, _ = conn.Exec(ctx, "ROLLBACK")
		return accounts.SCIMUser{}, err
	}
	b = &pgx.Batch{}
	b.Queue(`
		WITH r AS (
			UPDATE sessions SET revoked_at = $3, revoked_reason = 'deactivated_by_idp'
			WHERE user_id = $1 AND revoked_at IS NULL AND $2 RETURNING 1)
		INSERT INTO audit_events (id, team_id, actor_kind, actor_id, action, target_id, ip, details, created_at)
		VALUES ($4, $5, $6, $7, $8, $1, $9,
			CASE WHEN $2 THEN $10::jsonb || jsonb_build_object('sessions_revoked', (SELECT count(*) FROM r)::text)
			     ELSE $10::jsonb END, $11)`,
		cur.UserID, deactivating, at, e.ID, e.TeamID, string(e.ActorKind), e.ActorID, e.Action, e.IP,
		string(detailsJSON), micro(e.CreatedAt))
	if deactivating {
		for i := range up.Deactivation.Notifications {
			sql, args := insertNotification(&up.Deactivation.Notifications[i])
			b.Queue(sql, args...)
		}
		for i := range up.Deactivation.Outbox {
			sql, args := insertOutbox(&up.Deactivation.Outbox[i])
			b.Queue(sql, args...)
		}
	}
	b.Queue("COMMIT")
	br = conn.SendBatch(ctx, b)
	for range b.Len() {
		if _, err = br.Exec(); err != nil {
			break
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_, _ = conn.Exec(ctx, "ROLLBACK")
		if retryable(err) {
			return accounts.SCIMUser{}, accounts.ErrConflict
		}
		return accounts.SCIMUser{}, fail("apply scim user update", err)
	}
	out := cur
	out.ExternalID, out.UserName, out.Active, out.Document = f.ExternalID, f.UserName, f.Active, f.Document
	out.Version, out.UpdatedAt = version, at
	return out, nil
}
