package accounts

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
)

// Notice is one event a person hears about, through the channels their
// preferences allow for its category.
type Notice struct {
	Category NotificationCategory
	Title    string
	Body     string
	Link     string // path under the base URL, optional
}

func securityNotice(title, body string) Notice {
	return Notice{Category: CategorySecurity, Title: title, Body: body, Link: "/settings/account"}
}

// signedOutByTeamNotice tells a person their team's identity provider
// deactivated or removed them, which ended every session.
func signedOutByTeamNotice() Notice {
	return securityNotice("You were signed out by your team",
		"Your team's identity provider deactivated your account or removed you from the team, so every session of yours was signed out. Contact your Team Admin if you still need access.")
}

// Mail is one email to send.
type Mail struct {
	To      string
	Subject string
	Body    string // plain text
}

// Mailer sends email (SMTP in production, the dev mailbox in development).
type Mailer interface {
	SendMail(ctx context.Context, m Mail) error
}

// SlackPoster posts a message to a Slack incoming webhook.
type SlackPoster interface {
	PostSlack(ctx context.Context, webhookURL, text string) error
}

// DefaultNotificationPref says whether a category reaches a channel when
// the person chose nothing: email and in-app for everything but comments
// (in-app only); Slack only when asked for.
func DefaultNotificationPref(cat NotificationCategory, ch NotificationChannel) bool {
	switch ch {
	case ChannelInApp:
		return true
	case ChannelEmail:
		return cat != CategoryComments
	}
	return false
}

func validCategory(c NotificationCategory) bool {
	for _, k := range NotificationCategories {
		if k == c {
			return true
		}
	}
	return false
}

func validChannel(c NotificationChannel) bool {
	for _, k := range NotificationChannels {
		if k == c {
			return true
		}
	}
	return false
}

// NotificationPrefs returns the whole category × channel grid for the user,
// saved choices over defaults, in NotificationCategories × NotificationChannels
// order.
func (s *Service) NotificationPrefs(ctx context.Context, userID string) ([]NotificationPref, error) {
	return notificationPrefs(ctx, s.store, userID)
}

func notificationPrefs(ctx context.Context, tx Tx, userID string) ([]NotificationPref, error) {
	saved, err := tx.GetNotificationPrefs(ctx, userID)
	if err != nil {
		return nil, err
	}
	set := map[[2]string]bool{}
	for _, p := range saved {
		set[[2]string{string(p.Category), string(p.Channel)}] = p.Enabled
	}
	var out []NotificationPref
	for _, cat := range NotificationCategories {
		for _, ch := range NotificationChannels {
			on, ok := set[[2]string{string(cat), string(ch)}]
			if !ok {
				on = DefaultNotificationPref(cat, ch)
			}
			out = append(out, NotificationPref{Category: cat, Channel: ch, Enabled: on})
		}
	}
	return out, nil
}

// SetNotificationPrefs saves the given cells of the grid (others keep their
// value) and returns the whole grid. Returns CodeInvalid for an unknown
// category or channel.
func (s *Service) SetNotificationPrefs(ctx context.Context, c Caller, prefs []NotificationPref) ([]NotificationPref, error) {
	for _, p := range prefs {
		if !validCategory(p.Category) {
			return nil, InvalidField("category", "unknown category %q; use security, usage, monitors or comments", p.Category)
		}
		if !validChannel(p.Channel) {
			return nil, InvalidField("channel", "unknown channel %q; use email, in_app or slack", p.Channel)
		}
	}
	userID := c.Session.UserID
	err := s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.SetNotificationPrefs(ctx, userID, prefs, s.Now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, c.actor(), "", "notifications.update", userID, nil)
	})
	if err != nil {
		return nil, err
	}
	return s.NotificationPrefs(ctx, userID)
}

// Inbox is a page of the in-app inbox and the unread count.
type Inbox struct {
	Notifications []Notification
	Unread        int
}

// Inbox returns up to limit (1..100, default 50) of the user's newest
// notifications and how many are unread.
func (s *Service) Inbox(ctx context.Context, userID string, limit int) (Inbox, error) {
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	ns, err := s.store.ListNotifications(ctx, userID, limit)
	if err != nil {
		return Inbox{}, err
	}
	n, err := s.store.CountUnreadNotifications(ctx, userID)
	if err != nil {
		return Inbox{}, err
	}
	return Inbox{Notifications: ns, Unread: n}, nil
}

// MarkInboxRead marks every notification of the user read.
func (s *Service) MarkInboxRead(ctx context.Context, userID string) error {
	_, err := s.store.MarkNotificationsRead(ctx, userID, s.Now())
	return err
}

// notify delivers n to u inside tx, as the user's preferences say: an
// inbox row, an outbox email, and an outbox Slack message per team of the
// user that has a webhook. Written in the event's transaction, so the
// event and its notifications commit together.
func (s *Service) notify(ctx context.Context, tx Tx, u User, n Notice) error {
	prefs, err := notificationPrefs(ctx, tx, u.ID)
	if err != nil {
		return err
	}
	rows, slack, err := s.noticeRows(prefs, u, n)
	if err != nil {
		return err
	}
	for i := range rows.Notifications {
		if err := tx.CreateNotification(ctx, &rows.Notifications[i]); err != nil {
			return err
		}
	}
	for i := range rows.Outbox {
		if err := tx.EnqueueOutbox(ctx, &rows.Outbox[i]); err != nil {
			return err
		}
	}
	if !slack {
		return nil
	}
	teams, err := tx.ListUserMemberships(ctx, u.ID)
	if err != nil {
		return err
	}
	for _, m := range teams {
		if _, err := tx.GetSlackWebhook(ctx, m.TeamID); err != nil {
			if ErrorCode(err) == CodeNotFound {
				continue
			}
			return err
		}
		if err := s.enqueue(ctx, tx, ChannelSlack, m.TeamID, n.Title, u.Username+": "+n.Title+". "+n.Body); err != nil {
			return err
		}
	}
	return nil
}

// noticeRows is what n becomes for u under prefs in the inbox and by
// email; slack reports that the preferences also ask for Slack, whose
// messages depend on the user's teams' webhooks.
func (s *Service) noticeRows(prefs []NotificationPref, u User, n Notice) (rows NoticeRows, slack bool, err error) {
	for _, p := range prefs {
		if p.Category != n.Category || !p.Enabled {
			continue
		}
		switch p.Channel {
		case ChannelInApp:
			id, err := newID()
			if err != nil {
				return NoticeRows{}, false, err
			}
			rows.Notifications = append(rows.Notifications, Notification{ID: id, UserID: u.ID, Category: n.Category,
				Title: n.Title, Body: n.Body, Link: n.Link, CreatedAt: s.Now()})
		case ChannelEmail:
			body := "Hello " + u.Username + ",\n\n" + n.Body + "\n"
			if n.Link != "" {
				body += "\n" + s.link(n.Link) + "\n"
			}
			m, err := s.outboxMessage(ChannelEmail, u.Email, n.Title, body)
			if err != nil {
				return NoticeRows{}, false, err
			}
			rows.Outbox = append(rows.Outbox, m)
		case ChannelSlack:
			slack = true
		}
	}
	return rows, slack, nil
}

// enqueue writes one outbox message inside tx, due now.
func (s *Service) enqueue(ctx context.Context, tx Tx, ch NotificationChannel, to, subject, body string) error {
	m, err := s.outboxMessage(ch, to, subject, body)
	if err != nil {
		return err
	}
	return tx.EnqueueOutbox(ctx, &m)
}

// outboxMessage is one outbox message, due now.
func (s *Service) outboxMessage(ch NotificationChannel, to, subject, body string) (OutboxMessage, error) {
	id, err := newID()
	if err != nil {
		return OutboxMessage{}, err
	}
	now := s.Now()
	return OutboxMessage{ID: id, Channel: ch, Recipient: to, Subject: subject, Body: body,
		CreatedAt: now, NextAttemptAt: now}, nil
}

// link is an absolute URL under the configured base URL.
func (s *Service) link(path string) string { return s.baseURL + path }

// OutboxConfig tunes delivery: a message is tried MaxAttempts times, the
// n-th retry BaseBackoff·2^(n-1) later (at most MaxBackoff), each attempt
// holding its claim for Lease.
type OutboxConfig struct {
	MaxAttempts int
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	Lease       time.Duration
	Batch       int
}

// DefaultOutboxConfig: 8 attempts from 30 s apart up to 1 h apart, 2 min
// leases, 20 messages a batch.
func DefaultOutboxConfig() OutboxConfig {
	return OutboxConfig{MaxAttempts: 8, BaseBackoff: 30 * time.Second, MaxBackoff: time.Hour, Lease: 2 * time.Minute, Batch: 20}
}

// Delivery is how DeliverOutbox reaches the outside world.
type Delivery struct {
	Mail  Mailer
	Slack SlackPoster
	// KeepBodies keeps what was sent readable in the outbox (the
	// development mailbox shows it). Otherwise a delivered message's body,
	// which may carry a sign-in or reset link, is emptied.
	KeepBodies bool
}

// DeliverOutbox claims one batch of due messages and delivers each: on
// success it is marked sent; on failure it is retried with exponential
// backoff until MaxAttempts, then marked failed. Replicas may run it at
// once: a claimed message is leased to one of them. Returns how many it
// sent.
func (s *Service) DeliverOutbox(ctx context.Context, d Delivery) (int, error) {
	claim, err := newID()
	if err != nil {
		return 0, err
	}
	ms, err := s.store.ClaimOutbox(ctx, claim, s.Now(), s.outbox.Lease, s.outbox.Batch)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, m := range ms {
		derr := s.deliver(ctx, d, m)
		now := s.Now()
		if derr == nil {
			if err := s.store.CompleteOutbox(ctx, m.ID, claim, now, !d.KeepBodies); err != nil && ErrorCode(err) != CodeNotFound {
				return sent, err
			}
			sent++
			continue
		}
		failed := m.Attempts >= s.outbox.MaxAttempts
		next := now.Add(s.backoff(m.Attempts))
		if failed {
			next = now
		}
		msg := cleanText(derr.Error(), 500)
		if err := s.store.RetryOutbox(ctx, m.ID, claim, next, msg, failed); err != nil && ErrorCode(err) != CodeNotFound {
			return sent, err
		}
	}
	return sent, nil
}

// backoff is the wait after the attempt-th failed attempt.
func (s *Service) backoff(attempt int) time.Duration {
	d := float64(s.outbox.BaseBackoff) * math.Pow(2, float64(attempt-1))
	if d > float64(s.outbox.MaxBackoff) {
		return s.outbox.MaxBackoff
	}
	return time.Duration(d)
}

func (s *Service) deliver(ctx context.Context, d Delivery, m OutboxMessage) error {
	switch m.Channel {
	case ChannelEmail:
		if d.Mail == nil {
			return fmt.Errorf("no mailer configured")
		}
		return d.Mail.SendMail(ctx, Mail{To: m.Recipient, Subject: m.Subject, Body: m.Body})
	case ChannelSlack:
		if d.Slack == nil || s.sealer == nil {
			return fmt.Errorf("no Slack delivery configured")
		}
		w, err := s.store.GetSlackWebhook(ctx, m.Recipient)
		if err != nil {
			return fmt.Errorf("slack webhook of team %s: %w", m.Recipient, err)
		}
		url, err := s.sealer.Open(w.URL, "slack:"+w.TeamID)
		if err != nil {
			return fmt.Errorf("open slack webhook: %w", err)
		}
		return d.Slack.PostSlack(ctx, string(url), m.Body)
	}
	return fmt.Errorf("unknown channel %q", m.Channel)
}

// SentMail returns up to limit emails of the outbox, newest first, sent or
// not: the development mailbox reads it.
func (s *Service) SentMail(ctx context.Context, limit int) ([]OutboxMessage, error) {
	return s.store.ListOutbox(ctx, ChannelEmail, limit)
}

// SetSlackWebhook stores a team's Slack incoming-webhook URL, sealed. The
// edge checks the URL's scheme and host before calling. Only an admin of
// the team may set it (CodeForbidden); CodeInvalid for an empty URL.
func (s *Service) SetSlackWebhook(ctx context.Context, c Caller, teamID, rawURL string) error {
	if s.sealer == nil {
		return fmt.Errorf("accounts: no Sealer configured for webhook URLs")
	}
	rawURL = strings.TrimSpace(rawURL)
	if rawURL == "" || len(rawURL) > 2048 {
		return InvalidField("url", "send the Slack incoming-webhook URL (at most 2048 characters)")
	}
	sealed, err := s.sealer.Seal([]byte(rawURL), "slack:"+teamID)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		m, err := tx.GetMembership(ctx, teamID, c.Session.UserID)
		if ErrorCode(err) == CodeNotFound || (err == nil && m.Role != RoleAdmin) {
			return &Error{Code: CodeForbidden, Message: "only an admin of this team may set its Slack webhook"}
		}
		if err != nil {
			return err
		}
		if err := tx.PutSlackWebhook(ctx, SlackWebhook{TeamID: teamID, URL: sealed, UpdatedBy: c.Session.UserID, UpdatedAt: s.Now()}); err != nil {
			return err
		}
		return s.audit(ctx, tx, c.actor(), teamID, "team.slack_webhook_set", teamID, nil)
	})
}
