package postgres

import (
	"context"
	"encoding/json"

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
