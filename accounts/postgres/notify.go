package postgres

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

func (q queries) GetNotificationPrefs(ctx context.Context, userID string) ([]accounts.NotificationPref, error) {
	if badText(userID) {
		return nil, nil
	}
	rows, err := q.db.Query(ctx, `
		SELECT category, channel, enabled FROM notification_prefs WHERE user_id = $1
		ORDER BY category, channel`, userID)
	if err != nil {
		return nil, fail("get notification prefs", err)
	}
	ps, err := collect(rows, func(r scanner) (accounts.NotificationPref, error) {
		var p accounts.NotificationPref
		var cat, ch string
		err := r.Scan(&cat, &ch, &p.Enabled)
		p.Category, p.Channel = accounts.NotificationCategory(cat), accounts.NotificationChannel(ch)
		return p, err
	})
	if err != nil {
		return nil, fail("get notification prefs", err)
	}
	return ps, nil
}

func (q queries) SetNotificationPrefs(ctx context.Context, userID string, prefs []accounts.NotificationPref, at time.Time) error {
	cats, chans, on := make([]string, len(prefs)), make([]string, len(prefs)), make([]bool, len(prefs))
	for i, p := range prefs {
		cats[i], chans[i], on[i] = string(p.Category), string(p.Channel), p.Enabled
	}
	_, err := q.db.Exec(ctx, `
		INSERT INTO notification_prefs (user_id, category, channel, enabled, updated_at)
		SELECT $1, c, ch, e, $5 FROM unnest($2::text[], $3::text[], $4::boolean[]) AS p(c, ch, e)
		ON CONFLICT (user_id, category, channel) DO UPDATE SET enabled = EXCLUDED.enabled, updated_at = EXCLUDED.updated_at`,
		userID, cats, chans, on, micro(at))
	if err != nil {
		return fail("set notification prefs", err)
	}
	return nil
}

const notificationCols = `id, user_id, category, title, body, link, created_at, read_at`

func scanNotification(r scanner) (accounts.Notification, error) {
	var n accounts.Notification
	var cat string
	if err := r.Scan(&n.ID, &n.UserID, &cat, &n.Title, &n.Body, &n.Link, &n.CreatedAt, &n.ReadAt); err != nil {
		return n, err
	}
	n.Category, n.CreatedAt, n.ReadAt = accounts.NotificationCategory(cat), n.CreatedAt.UTC(), utcPtr(n.ReadAt)
	return n, nil
}

// insertNotification is the statement that inserts n, and its arguments.
func insertNotification(n *accounts.Notification) (string, []any) {
	n.CreatedAt, n.ReadAt = micro(n.CreatedAt), microPtr(n.ReadAt)
	return `INSERT INTO notifications (` + notificationCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		[]any{n.ID, n.UserID, string(n.Category), n.Title, n.Body, n.Link, n.CreatedAt, n.ReadAt}
}

func (q queries) CreateNotification(ctx context.Context, n *accounts.Notification) error {
	sql, args := insertNotification(n)
	_, err := q.db.Exec(ctx, sql, args...)
	if err != nil {
		return fail("create notification", err)
	}
	return nil
}

func (q queries) ListNotifications(ctx context.Context, userID string, limit int) ([]accounts.Notification, error) {
	if badText(userID) {
		return nil, nil
	}
	rows, err := q.db.Query(ctx, `SELECT `+notificationCols+` FROM notifications WHERE user_id = $1
		ORDER BY created_at DESC, id DESC LIMIT $2`, userID, limit)
	if err != nil {
		return nil, fail("list notifications", err)
	}
	ns, err := collect(rows, scanNotification)
	if err != nil {
		return nil, fail("list notifications", err)
	}
	return ns, nil
}

func (q queries) CountUnreadNotifications(ctx context.Context, userID string) (int, error) {
	if badText(userID) {
		return 0, nil
	}
	var n int
	if err := q.db.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, userID).Scan(&n); err != nil {
		return 0, fail("count unread notifications", err)
	}
	return n, nil
}

func (q queries) MarkNotificationsRead(ctx context.Context, userID string, at time.Time) (int, error) {
	if badText(userID) {
		return 0, nil
	}
	tag, err := q.db.Exec(ctx, `UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL`, userID, micro(at))
	if err != nil {
		return 0, fail("mark notifications read", err)
	}
	return int(tag.RowsAffected()), nil
}

const outboxCols = `id, channel, recipient, subject, body, created_at, next_attempt_at, attempts, claim_id,
	claimed_until, sent_at, failed_at, last_error`

func scanOutbox(r scanner) (accounts.OutboxMessage, error) {
	var m accounts.OutboxMessage
	var ch string
	if err := r.Scan(&m.ID, &ch, &m.Recipient, &m.Subject, &m.Body, &m.CreatedAt, &m.NextAttemptAt, &m.Attempts,
		&m.ClaimID, &m.ClaimedUntil, &m.SentAt, &m.FailedAt, &m.LastError); err != nil {
		return m, err
	}
	m.Channel = accounts.NotificationChannel(ch)
	m.CreatedAt, m.NextAttemptAt = m.CreatedAt.UTC(), m.NextAttemptAt.UTC()
	m.ClaimedUntil, m.SentAt, m.FailedAt = utcPtr(m.ClaimedUntil), utcPtr(m.SentAt), utcPtr(m.FailedAt)
	return m, nil
}

// insertOutbox is the statement that inserts m, and its arguments.
func insertOutbox(m *accounts.OutboxMessage) (string, []any) {
	m.CreatedAt, m.NextAttemptAt = micro(m.CreatedAt), micro(m.NextAttemptAt)
	m.ClaimedUntil, m.SentAt, m.FailedAt = microPtr(m.ClaimedUntil), microPtr(m.SentAt), microPtr(m.FailedAt)
	return `INSERT INTO outbox (` + outboxCols + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		[]any{m.ID, string(m.Channel), m.Recipient, m.Subject, m.Body, m.CreatedAt, m.NextAttemptAt, m.Attempts,
			m.ClaimID, m.ClaimedUntil, m.SentAt, m.FailedAt, m.LastError}
}

func (q queries) EnqueueOutbox(ctx context.Context, m *accounts.OutboxMessage) error {
	sql, args := insertOutbox(m)
	_, err := q.db.Exec(ctx, sql, args...)
	if err != nil {
		return fail("enqueue outbox", err)
	}
	return nil
}

func (q queries) ClaimOutbox(ctx context.Context, claimID string, now time.Time, lease time.Duration, limit int) ([]accounts.OutboxMessage, error) {
	// SKIP LOCKED: replicas claiming at once each take different rows
	// instead of queueing on the same ones.
	rows, err := q.db.Query(ctx, `
		WITH due AS (
			SELECT id FROM outbox
			WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $2
				AND (claimed_until IS NULL OR claimed_until <= $2)
			ORDER BY next_attempt_at, id
			LIMIT $4
			FOR UPDATE SKIP LOCKED
		)
		UPDATE outbox o SET claim_id = $1, claimed_until = $3, attempts = o.attempts + 1
		FROM due WHERE o.id = due.id
		RETURNING `+prefixCols("o.", outboxCols),
		claimID, micro(now), micro(now.Add(lease)), limit)
	if err != nil {
		return nil, fail("claim outbox", err)
	}
	ms, err := collect(rows, scanOutbox)
	if err != nil {
		return nil, fail("claim outbox", err)
	}
	sortOutbox(ms)
	return ms, nil
}

func (q queries) CompleteOutbox(ctx context.Context, id, claimID string, at time.Time, redact bool) error {
	tag, err := q.db.Exec(ctx, `
		UPDATE outbox SET sent_at = $3, claimed_until = NULL, last_error = '',
			body = CASE WHEN $4 THEN '' ELSE body END
		WHERE id = $1 AND claim_id = $2 AND sent_at IS NULL AND failed_at IS NULL`, id, claimID, micro(at), redact)
	if err != nil {
		return fail("complete outbox", err)
	}
	if tag.RowsAffected() == 0 {
		return accounts.ErrNotFound
	}
	return nil
}

func (q queries) RetryOutbox(ctx context.Context, id, claimID string, next time.Time, lastError string, failed bool) error {
	tag, err := q.db.Exec(ctx, `
		UPDATE outbox SET claimed_until = NULL, last_error = $4,
			body = CASE WHEN $5 THEN '' ELSE body END,
			next_attempt_at = CASE WHEN $5 THEN next_attempt_at ELSE $3 END,
			failed_at = CASE WHEN $5 THEN $3::timestamptz ELSE NULL END
		WHERE id = $1 AND claim_id = $2 AND sent_at IS NULL AND failed_at IS NULL`,
		id, claimID, micro(next), lastError, failed)
	if err != nil {
		return fail("retry outbox", err)
	}
	if tag.RowsAffected() == 0 {
		return accounts.ErrNotFound
	}
	return nil
}

func (q queries) ListOutbox(ctx context.Context, channel accounts.NotificationChannel, limit int) ([]accounts.OutboxMessage, error) {
	rows, err := q.db.Query(ctx, `SELECT `+outboxCols+` FROM outbox WHERE channel = $1
		ORDER BY created_at DESC, id DESC LIMIT $2`, string(channel), limit)
	if err != nil {
		return nil, fail("list outbox", err)
	}
	ms, err := collect(rows, scanOutbox)
	if err != nil {
		return nil, fail("list outbox", err)
	}
	return ms, nil
}

func (q queries) PutSlackWebhook(ctx context.Context, w accounts.SlackWebhook) error {
	_, err := q.db.Exec(ctx, `
		INSERT INTO slack_webhooks (team_id, url, updated_by, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (team_id) DO UPDATE SET url = EXCLUDED.url, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`,
		w.TeamID, w.URL, w.UpdatedBy, micro(w.UpdatedAt))
	if err != nil {
		return fail("put slack webhook", err)
	}
	return nil
}

func (q queries) GetSlackWebhook(ctx context.Context, teamID string) (accounts.SlackWebhook, error) {
	if badText(teamID) {
		return accounts.SlackWebhook{}, accounts.ErrNotFound
	}
	var w accounts.SlackWebhook
	err := q.db.QueryRow(ctx, `SELECT team_id, url, updated_by, updated_at FROM slack_webhooks WHERE team_id = $1`, teamID).
		Scan(&w.TeamID, &w.URL, &w.UpdatedBy, &w.UpdatedAt)
	if err != nil {
		return accounts.SlackWebhook{}, lookupFail("get slack webhook", err)
	}
	w.UpdatedAt = w.UpdatedAt.UTC()
	return w, nil
}

// prefixCols qualifies each column of a column list with prefix.
func prefixCols(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = prefix + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// sortOutbox puts claimed messages in due order: RETURNING has none.
func sortOutbox(ms []accounts.OutboxMessage) {
	slices.SortFunc(ms, func(a, b accounts.OutboxMessage) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}
