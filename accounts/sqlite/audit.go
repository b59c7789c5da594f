package sqlite

import (
	"context"
	"database/sql"
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
	var details sql.NullString
	if err := row.Scan(&e.ID, &e.TeamID, &kind, &e.ActorID, &e.Action, &e.TargetID, &e.IP,
		&details, timeCol{&e.CreatedAt}); err != nil {
		return accounts.AuditEvent{}, err
	}
	e.ActorKind = accounts.ActorKind(kind)
	if details.Valid {
		if err := json.Unmarshal([]byte(details.String), &e.Details); err != nil {
			return accounts.AuditEvent{}, fmt.Errorf("audit event %s details: %w", e.ID, err)
		}
	}
	if len(e.Details) == 0 {
		e.Details = nil // no details read back as nil, however they were written
	}
	return e, nil
}

func (q queries) AppendAudit(ctx context.Context, es ...accounts.AuditEvent) error {
	if len(es) == 0 {
		return nil
	}
	sql := `INSERT INTO audit_events (` + auditCols + `) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?), ", len(es)), ", ")
	args := make([]any, 0, 9*len(es))
	for _, e := range es {
		var details any // NULL when empty, so reads give back nil
		if len(e.Details) > 0 {
			b, err := json.Marshal(e.Details)
			if err != nil {
				return fmt.Errorf("sqlite: append audit: %w", err)
			}
			details = string(b)
		}
		args = append(args, e.ID, e.TeamID, string(e.ActorKind), e.ActorID, e.Action, e.TargetID, e.IP, details,
			unixMicro(e.CreatedAt))
	}
	if _, err := q.db.ExecContext(ctx, sql, args...); err != nil {
		return fail("append audit", err)
	}
	return nil
}

func (q queries) ListAudit(ctx context.Context, teamID string, limit int) ([]accounts.AuditEvent, error) {
	if limit <= 0 {
		return nil, nil // SQLite reads a negative LIMIT as "no limit"
	}
	rows, err := q.db.QueryContext(ctx, `
		SELECT `+auditCols+` FROM audit_events WHERE team_id = ?
		ORDER BY created_at DESC, id DESC LIMIT ?`, teamID, limit)
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
	// One write statement: concurrent hits queue on the write lock and each
	// sees its own increment.
	var n int
	err := q.db.QueryRowContext(ctx, `
		INSERT INTO rate_limits (key, window_start, count) VALUES (?, ?, 1)
		ON CONFLICT (key, window_start) DO UPDATE SET count = count + 1
		RETURNING count`, key, unixMicro(windowStart)).Scan(&n)
	if err != nil {
		return 0, fail("hit rate limit", err)
	}
	return n, nil
}

func (q queries) PurgeExpired(ctx context.Context, cutoff time.Time) (int, error) {
	c := unixMicro(cutoff)
	var total int
	// One transaction: one wait for the write lock instead of three.
	err := q.atomic(ctx, func(q queries) error {
		for _, d := range []struct{ op, query string }{
			{"purge sessions", `DELETE FROM sessions
				WHERE revoked_at < ?1 OR idle_expires_at < ?1 OR abs_expires_at < ?1`},
			{"purge one-time tokens", `DELETE FROM one_time_tokens WHERE used_at < ?1 OR expires_at < ?1`},
			{"purge rate limits", `DELETE FROM rate_limits WHERE window_start < ?1`},
			{"purge captcha solutions", `DELETE FROM captcha_solutions WHERE expires_at < ?1`},
			{"purge outbox", `DELETE FROM outbox WHERE sent_at < ?1 OR failed_at < ?1`},
			{"purge sso flows", `DELETE FROM sso_flows WHERE used_at < ?1 OR expires_at < ?1`},
			{"purge saml assertions", `DELETE FROM saml_assertions WHERE expires_at < ?1`},
		} {
			res, err := q.db.ExecContext(ctx, d.query, c)
			if err != nil {
				return fail(d.op, err)
			}
			n, err := rowsAffected(d.op, res)
			if err != nil {
				return err
			}
			total += n
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return total, nil
}
