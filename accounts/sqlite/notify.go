package sqlite

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

func (q queries) GetNotificationPrefs(ctx context.Context, userID string) ([]accounts.NotificationPref, error) {
	rows, err := q.db.QueryContext(ctx, `
		SELECT category, channel, enabled FROM notification_prefs WHERE user_id = ?
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
	return q.atomic(ctx, func(q queries) error {
		for _, p := range prefs {
			if _, err := q.db.ExecContext(ctx, `
				INSERT INTO notification_prefs (user_id, category, channel, enabled, updated_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (user_id, category, channel) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at`,
				userID, string(p.Category), string(p.Channel), p.Enabled, unixMicro(at)); err != nil {
				return fail("set notification prefs", err)
			}
		}
		return nil
	})
}

const notificationCols = `id, user_id, category, title, body, link, created_at, read_at`

func scanNotification(r scanner) (accounts.Notification, error) {
	var n accounts.Notification
	var cat string
	err := r.Scan(&n.ID, &n.UserID, &cat, &n.Title, &n.Body, &n.Link, timeCol{&n.CreatedAt}, nullTimeCol{&n.ReadAt})
	n.Category = accounts.NotificationCategory(cat)
	return n, err
}

func (q queries) CreateNotification(ctx context.Context, n *accounts.Notification) error {
	n.CreatedAt, n.ReadAt = micro(n.CreatedAt), microPtr(n.ReadAt)
	_, err := q.db.ExecContext(ctx, `INSERT INTO notifications (`+notificationCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		n.ID, n.UserID, string(n.Category), n.Title, n.Body, n.Link, unixMicro(n.CreatedAt), nullUnixMicro(n.ReadAt))
	if err != nil {
		return fail("create notification", err)
	}
	return nil
}

func (q queries) ListNotifications(ctx context.Context, userID string, limit int) ([]accounts.Notification, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT `+notificationCols+` FROM notifications WHERE user_id = ?
		ORDER BY created_at DESC, id DESC LIMIT ?`, userID, limit)
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
	var n int
	if err := q.db.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE user_id = ? AND read_at IS NULL`, userID).Scan(&n); err != nil {
		return 0, fail("count unread notifications", err)
	}
	return n, nil
}

func (q queries) MarkNotificationsRead(ctx context.Context, userID string, at time.Time) (int, error) {
	res, err := q.db.ExecContext(ctx, `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL`, unixMicro(at), userID)
	if err != nil {
		return 0, fail("mark notifications read", err)
	}
	return rowsAffected("mark notifications read", res)
}

const outboxCols = `id, channel, recipient, subject, body, created_at, next_attempt_at, attempts, claim_id,
	claimed_until, sent_at, failed_at, last_error`

func scanOutbox(r scanner) (accounts.OutboxMessage, error) {
	var m accounts.OutboxMessage
	var ch string
	err := r.Scan(&m.ID, &ch, &m.Recipient, &m.Subject, &m.Body, timeCol{&m.CreatedAt}, timeCol{&m.NextAttemptAt},
		&m.Attempts, &m.ClaimID, nullTimeCol{&m.ClaimedUntil}, nullTimeCol{&m.SentAt}, nullTimeCol{&m.FailedAt}, &m.LastError)
	m.Channel = accounts.NotificationChannel(ch)
	return m, err
}

func (q queries) EnqueueOutbox(ctx context.Context, m *accounts.OutboxMessage) error {
	m.CreatedAt, m.NextAttemptAt = micro(m.CreatedAt), micro(m.NextAttemptAt)
	m.ClaimedUntil, m.SentAt, m.FailedAt = microPtr(m.ClaimedUntil), microPtr(m.SentAt), microPtr(m.FailedAt)
	_, err := q.db.ExecContext(ctx, `INSERT INTO outbox (`+outboxCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, string(m.Channel), m.Recipient, m.Subject, m.Body, unixMicro(m.CreatedAt), unixMicro(m.NextAttemptAt),
		m.Attempts, m.ClaimID, nullUnixMicro(m.ClaimedUntil), nullUnixMicro(m.SentAt), nullUnixMicro(m.FailedAt), m.LastError)
	if err != nil {
		return fail("enqueue outbox", err)
	}
	return nil
}

func (q queries) ClaimOutbox(ctx context.Context, claimID string, now time.Time, lease time.Duration, limit int) ([]accounts.OutboxMessage, error) {
	// One write statement: SQLite runs one writer at a time, so the
	// subquery's choice and the lease are taken together, and a concurrent
	// claimer sees the lease.
	var ms []accounts.OutboxMessage
	err := q.atomic(ctx, func(q queries) error {
		rows, err := q.db.QueryContext(ctx, `
			UPDATE outbox SET claim_id = ?1, claimed_until = ?3, attempts = attempts + 1
			WHERE id IN (
				SELECT id FROM outbox
				WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?2
					AND (claimed_until IS NULL OR claimed_until <= ?2)
				ORDER BY next_attempt_at, id LIMIT ?4)
			RETURNING `+outboxCols,
			claimID, unixMicro(now), unixMicro(now.Add(lease)), limit)
		if err != nil {
			return fail("claim outbox", err)
		}
		ms, err = collect(rows, scanOutbox)
		if err != nil {
			return fail("claim outbox", err)
		}
		return nil
	})
	sortOutbox(ms)
	return ms, err
}

func (q queries) CompleteOutbox(ctx context.Context, id, claimID string, at time.Time, redact bool) error {
	res, err := q.db.ExecContext(ctx, `
		UPDATE outbox SET sent_at = ?1, claimed_until = NULL, last_error = '',
			body = CASE WHEN ?4 THEN '' ELSE body END
		WHERE id = ?2 AND claim_id = ?3 AND sent_at IS NULL AND failed_at IS NULL`, unixMicro(at), id, claimID, redact)
	return affectedOrNotFound("complete outbox", res, err)
}

func (q queries) RetryOutbox(ctx context.Context, id, claimID string, next time.Time, lastError string, failed bool) error {
	res, err := q.db.ExecContext(ctx, `
		UPDATE outbox SET claimed_until = NULL, last_error = ?4,
			body = CASE WHEN ?5 THEN '' ELSE body END,
			next_attempt_at = CASE WHEN ?5 THEN next_attempt_at ELSE ?3 END,
			failed_at = CASE WHEN ?5 THEN ?3 ELSE NULL END
		WHERE id = ?1 AND claim_id = ?2 AND sent_at IS NULL AND failed_at IS NULL`,
		id, claimID, unixMicro(next), lastError, failed)
	return affectedOrNotFound("retry outbox", res, err)
}

func (q queries) ListOutbox(ctx context.Context, channel accounts.NotificationChannel, limit int) ([]accounts.OutboxMessage, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT `+outboxCols+` FROM outbox WHERE channel = ?
		ORDER BY created_at DESC, id DESC LIMIT ?`, string(channel), limit)
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
	_, err := q.db.ExecContext(ctx, `
		INSERT INTO slack_webhooks (team_id, url, updated_by, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (team_id) DO UPDATE SET url = excluded.url, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		w.TeamID, w.URL, w.UpdatedBy, unixMicro(w.UpdatedAt))
	if err != nil {
		return fail("put slack webhook", err)
	}
	return nil
}

func (q queries) GetSlackWebhook(ctx context.Context, teamID string) (accounts.SlackWebhook, error) {
	var w accounts.SlackWebhook
	err := q.db.QueryRowContext(ctx, `SELECT team_id, url, updated_by, updated_at FROM slack_webhooks WHERE team_id = ?`, teamID).
		Scan(&w.TeamID, &w.URL, &w.UpdatedBy, timeCol{&w.UpdatedAt})
	if err != nil {
		return accounts.SlackWebhook{}, lookupFail("get slack webhook", err)
	}
	return w, nil
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
