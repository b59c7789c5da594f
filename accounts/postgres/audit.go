package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

const auditCols = `id, team_id, actor_kind, actor_id, action, target_id, ip, details, created_at`

func scanAudit(row scanner) (accounts.AuditEvent, error) {
	var e accounts.AuditEvent
	var kind string
	var details []byte
	if err := row.Scan(&e.ID, &e.TeamID, &kind, &e.ActorID, &e.Action, &e.TargetID, &e.IP, &details, &e.CreatedAt); err != nil {
		return accounts.AuditEvent{}, err
	}
	e.ActorKind, e.CreatedAt = accounts.ActorKind(kind), e.CreatedAt.UTC()
	if len(details) > 0 {
		if err := json.Unmarshal(details, &e.Details); err != nil {
			return accounts.AuditEvent{}, fmt.Errorf("audit event %s details: %w", e.ID, err)
		}
	}
	if len(e.Details) == 0 {
		e.Details = nil
	}
	return e, nil
}

func (q queries) AppendAudit(ctx context.Context, es ...accounts.AuditEvent) error {
	if len(es) == 0 {
		return nil
	}
	var sql strings.Builder
	sql.WriteString(`INSERT INTO audit_events (` + auditCols + `) VALUES `)
	args := make([]any, 0, 9*len(es))
	for i, e := range es {
		var details *string // NULL when empty, so reads give back nil
		if len(e.Details) > 0 {
			b, err := json.Marshal(e.Details)
			if err != nil {
				return fmt.Errorf("postgres: append audit: %w", err)
			}
			s := string(b)
			details = &s
		}
		if i > 0 {
			sql.WriteString(", ")
		}
		n := len(args)
		fmt.Fprintf(&sql, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9)
		args = append(args, e.ID, e.TeamID, string(e.ActorKind), e.ActorID, e.Action, e.TargetID, e.IP, details, micro(e.CreatedAt))
	}
	if _, err := q.db.Exec(ctx, sql.String(), args...); err != nil {
		return fail("append audit", err)
	}
	return nil
}

func (q queries) ListAudit(ctx context.Context, teamID string, limit int) ([]accounts.AuditEvent, error) {
	if badText(teamID) || limit <= 0 {
		return nil, nil
	}
	rows, err := q.db.Query(ctx, `
		SELECT `+auditCols+` FROM audit_events WHERE team_id = $1
		ORDER BY created_at DESC, id DESC LIMIT $2`, teamID, limit)
	if err != nil {
		return nil, fail("list audit", err)
	}
	es, err := collect(rows, scanAudit)
	if err != nil {
		return nil, fail("list audit", err)
	}
	return es, nil
}

func (q queries) HitRateLimit(ctx context.Context, key string, windowStart time.Time) (int, error) {
	// One upsert: concurrent hits serialise on the row and each sees its own
	// increment.
	var n int
	err := q.db.QueryRow(ctx, `
		INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1)
		ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1
		RETURNING count`, key, micro(windowStart)).Scan(&n)
	if err != nil {
		return 0, fail("hit rate limit", err)
	}
	return n, nil
}

func (q queries) PurgeExpired(ctx context.Context, cutoff time.Time) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `
		WITH s AS (
			DELETE FROM sessions
			WHERE revoked_at < $1 OR idle_expires_at < $1 OR abs_expires_at < $1
			RETURNING 1
		), t AS (
			DELETE FROM one_time_tokens WHERE used_at < $1 OR expires_at < $1
			RETURNING 1
		), r AS (
			DELETE FROM rate_limits WHERE window_start < $1
			RETURNING 1
		), c AS (
			DELETE FROM captcha_solutions WHERE expires_at < $1
			RETURNING 1
		), o AS (
			DELETE FROM outbox WHERE sent_at < $1 OR failed_at < $1
			RETURNING 1
		), f AS (
			DELETE FROM sso_flows WHERE used_at < $1 OR expires_at < $1
			RETURNING 1
		), a AS (
			DELETE FROM saml_assertions WHERE expires_at < $1
			RETURNING 1
		)
		SELECT (SELECT count(*) FROM s) + (SELECT count(*) FROM t) + (SELECT count(*) FROM r)
			+ (SELECT count(*) FROM c) + (SELECT count(*) FROM o) + (SELECT count(*) FROM f) + (SELECT count(*) FROM a)`,
		micro(cutoff)).Scan(&n)
	if err != nil {
		return 0, fail("purge expired", err)
	}
	return n, nil
}
