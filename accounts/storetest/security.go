package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/idbridge/idbridge/accounts"
)

func testSecurity(t *testing.T, newStore newStoreFunc) {
	t.Run("a TOTP credential round trips and enabling it keeps every field", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		u := createUser(t, s, "alice")
		_, err := s.GetTOTP(ctx, u.ID)
		wantErr(t, err, accounts.ErrNotFound)
		pending := accounts.TOTPCredential{UserID: u.ID, Secret: "k1.sealed", CreatedAt: base()}
		noErr(t, s.PutTOTP(ctx, pending))
		got, err := s.GetTOTP(ctx, u.ID)
		noErr(t, err)
		pending.CreatedAt = base().UTC().Truncate(time.Microsecond)
		same(t, "GetTOTP pending", got, pending)
		on := at(time.Minute)
		enabled := pending
		enabled.EnabledAt, enabled.LastStep = &on, 59000000
		noErr(t, s.PutTOTP(ctx, enabled))
		got, err = s.GetTOTP(ctx, u.ID)
		noErr(t, err)
		onUTC := on.UTC().Truncate(time.Microsecond)
		enabled.EnabledAt = &onUTC
		same(t, "GetTOTP enabled", got, enabled)
		noErr(t, s.DeleteTOTP(ctx, u.ID))
		wantErr(t, s.DeleteTOTP(ctx, u.ID), accounts.ErrNotFound)
	})

	t.Run("a TOTP step is accepted once, only forward, and only when enabled", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		u := createUser(t, s, "alice")
		noErr(t, s.PutTOTP(ctx, accounts.TOTPCredential{UserID: u.ID, Secret: "x", LastStep: 10, CreatedAt: base()}))
		wantErr(t, s.UseTOTPStep(ctx, u.ID, 11), accounts.ErrNotFound) // pending
		on := base()
		noErr(t, s.PutTOTP(ctx, accounts.TOTPCredential{UserID: u.ID, Secret: "x", EnabledAt: &on, LastStep: 10, CreatedAt: base()}))
		wantErr(t, s.UseTOTPStep(ctx, u.ID, 10), accounts.ErrNotFound)
		noErr(t, s.UseTOTPStep(ctx, u.ID, 12))
		wantErr(t, s.UseTOTPStep(ctx, u.ID, 11), accounts.ErrNotFound)
		wantErr(t, s.UseTOTPStep(ctx, u.ID, 12), accounts.ErrNotFound)
		errs := race(10, func(int) error { return s.UseTOTPStep(ctx, u.ID, 13) })
		exactlyOne(t, errs, accounts.ErrNotFound)
	})

	t.Run("exactly one of 20 concurrent redemptions of one recovery code succeeds", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		u := createUser(t, s, "alice")
		code := accounts.HashToken("abcde-fghij")
		other := accounts.HashToken("klmno-pqrst")
		noErr(t, s.ReplaceRecoveryCodes(ctx, u.ID, [][]byte{code, other}, base()))
		errs := race(20, func(int) error { return s.UseRecoveryCode(ctx, u.ID, code, at(time.Minute)) })
		exactlyOne(t, errs, accounts.ErrNotFound)
		n, err := s.CountRecoveryCodes(ctx, u.ID)
		noErr(t, err)
		if n != 1 {
			t.Errorf("CountRecoveryCodes = %d, want 1", n)
		}
	})

	t.Run("replacing recovery codes kills the old set", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		u, bob := createUser(t, s, "alice"), createUser(t, s, "bob")
		old, fresh := accounts.HashToken("old"), accounts.HashToken("new")
		noErr(t, s.ReplaceRecoveryCodes(ctx, u.ID, [][]byte{old}, base()))
		noErr(t, s.ReplaceRecoveryCodes(ctx, bob.ID, [][]byte{old}, base()))
		noErr(t, s.ReplaceRecoveryCodes(ctx, u.ID, [][]byte{fresh}, at(time.Minute)))
		wantErr(t, s.UseRecoveryCode(ctx, u.ID, old, at(2*time.Minute)), accounts.ErrNotFound)
		noErr(t, s.UseRecoveryCode(ctx, u.ID, fresh, at(2*time.Minute)))
		noErr(t, s.UseRecoveryCode(ctx, bob.ID, old, at(2*time.Minute))) // another user's set is untouched
		noErr(t, s.ReplaceRecoveryCodes(ctx, u.ID, nil, at(3*time.Minute)))
		n, err := s.CountRecoveryCodes(ctx, u.ID)
		noErr(t, err)
		if n != 0 {
			t.Errorf("CountRecoveryCodes after clearing = %d, want 0", n)
		}
	})

	t.Run("GetToken reads without using up, and RetireTokens retires only the named purposes", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		u := createUser(t, s, "alice")
		reset := createToken(t, s, newToken(u.ID, accounts.PurposeResetPassword, base()))
		mfa := createToken(t, s, newToken(u.ID, accounts.PurposeMFA, base()))
		verify := createToken(t, s, newToken(u.ID, accounts.PurposeVerifyEmail, base()))
		got, err := s.GetToken(ctx, accounts.PurposeResetPassword, reset.TokenHash, at(time.Minute))
		noErr(t, err)
		same(t, "GetToken", got, reset)
		_, err = s.GetToken(ctx, accounts.PurposeResetPassword, reset.TokenHash, at(2*time.Hour))
		wantErr(t, err, accounts.ErrNotFound)
		n, err := s.RetireTokens(ctx, u.ID, []accounts.TokenPurpose{accounts.PurposeResetPassword, accounts.PurposeMFA, accounts.PurposeChangeEmail}, at(time.Minute))
		noErr(t, err)
		if n != 2 {
			t.Errorf("RetireTokens = %d, want 2", n)
		}
		for _, tok := range []accounts.OneTimeToken{reset, mfa} {
			_, err := s.GetToken(ctx, tok.Purpose, tok.TokenHash, at(2*time.Minute))
			wantErr(t, err, accounts.ErrNotFound)
		}
		_, err = s.ConsumeToken(ctx, verify.Purpose, verify.TokenHash, at(2*time.Minute))
		noErr(t, err)
	})

	t.Run("a re-authentication is stored on a live session and counted sessions tell devices apart", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		u := createUser(t, s, "alice")
		sess := createSession(t, s, newSession(u.ID, base()))
		noErr(t, s.ReauthenticateSession(ctx, sess.ID, at(time.Minute)))
		got, err := s.GetSessionByTokenHash(ctx, sess.TokenHash)
		noErr(t, err)
		if got.ReauthenticatedAt == nil || !got.ReauthenticatedAt.Equal(at(time.Minute).Truncate(time.Microsecond)) {
			t.Errorf("ReauthenticatedAt = %v, want %v", got.ReauthenticatedAt, at(time.Minute))
		}
		wantErr(t, s.ReauthenticateSession(ctx, uuid.NewString(), at(time.Minute)), accounts.ErrNotFound)
		_, err = s.RevokeSessions(ctx, u.ID, "", "test", at(2*time.Minute))
		noErr(t, err)
		wantErr(t, s.ReauthenticateSession(ctx, sess.ID, at(3*time.Minute)), accounts.ErrNotFound)
		all, same, err := s.CountSessions(ctx, u.ID, sess.UserAgent)
		noErr(t, err)
		if all != 1 || same != 1 {
			t.Errorf("CountSessions = %d, %d; want 1, 1", all, same)
		}
		all, same, err = s.CountSessions(ctx, u.ID, "curl/8")
		noErr(t, err)
		if all != 1 || same != 0 {
			t.Errorf("CountSessions(other agent) = %d, %d; want 1, 0", all, same)
		}
	})

	t.Run("a captcha solution is spent once", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		key := newHash()
		noErr(t, s.UseCaptchaSolution(ctx, key, at(time.Hour)))
		errs := race(5, func(int) error { return s.UseCaptchaSolution(ctx, key, at(time.Hour)) })
		for _, err := range errs {
			wantErr(t, err, accounts.ErrConflict)
		}
		n, err := s.PurgeExpired(ctx, at(2*time.Hour))
		noErr(t, err)
		if n != 1 {
			t.Errorf("PurgeExpired = %d, want 1 (the expired solution)", n)
		}
		noErr(t, s.UseCaptchaSolution(ctx, key, at(3*time.Hour)))
	})
}

func testNotifications(t *testing.T, newStore newStoreFunc) {
	t.Run("preferences are upserted per cell", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		u := createUser(t, s, "alice")
		got, err := s.GetNotificationPrefs(ctx, u.ID)
		noErr(t, err)
		if len(got) != 0 {
			t.Fatalf("fresh prefs = %v, want none", got)
		}
		noErr(t, s.SetNotificationPrefs(ctx, u.ID, []accounts.NotificationPref{
			{Category: accounts.CategoryUsage, Channel: accounts.ChannelEmail, Enabled: false},
			{Category: accounts.CategoryComments, Channel: accounts.ChannelSlack, Enabled: true},
		}, base()))
		noErr(t, s.SetNotificationPrefs(ctx, u.ID, []accounts.NotificationPref{
			{Category: accounts.CategoryUsage, Channel: accounts.ChannelEmail, Enabled: true},
		}, at(time.Minute)))
		got, err = s.GetNotificationPrefs(ctx, u.ID)
		noErr(t, err)
		same(t, "GetNotificationPrefs", got, []accounts.NotificationPref{
			{Category: accounts.CategoryComments, Channel: accounts.ChannelSlack, Enabled: true},
			{Category: accounts.CategoryUsage, Channel: accounts.ChannelEmail, Enabled: true},
		})
	})

	t.Run("the inbox lists newest first, counts unread and marks all read", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		u, bob := createUser(t, s, "alice"), createUser(t, s, "bob")
		var want []accounts.Notification
		for i := range 3 {
			n := accounts.Notification{ID: uuid.NewString(), UserID: u.ID, Category: accounts.CategorySecurity,
				Title: fmt.Sprintf("t%d", i), Body: "b", Link: "/settings", CreatedAt: at(time.Duration(i) * time.Minute)}
			noErr(t, s.CreateNotification(ctx, &n))
			want = append([]accounts.Notification{n}, want...)
		}
		noErr(t, s.CreateNotification(ctx, &accounts.Notification{ID: uuid.NewString(), UserID: bob.ID, Category: accounts.CategoryUsage, CreatedAt: base()}))
		got, err := s.ListNotifications(ctx, u.ID, 2)
		noErr(t, err)
		same(t, "ListNotifications", got, want[:2])
		n, err := s.CountUnreadNotifications(ctx, u.ID)
		noErr(t, err)
		if n != 3 {
			t.Errorf("unread = %d, want 3", n)
		}
		marked, err := s.MarkNotificationsRead(ctx, u.ID, at(time.Hour))
		noErr(t, err)
		n, _ = s.CountUnreadNotifications(ctx, u.ID)
		if marked != 3 || n != 0 {
			t.Errorf("marked %d, unread after %d; want 3, 0", marked, n)
		}
		if n, _ := s.CountUnreadNotifications(ctx, bob.ID); n != 1 {
			t.Errorf("bob's unread = %d, want 1", n)
		}
	})

	t.Run("a Slack webhook is upserted per team", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		tm := createTeam(t, s, "acme")
		_, err := s.GetSlackWebhook(ctx, tm.ID)
		wantErr(t, err, accounts.ErrNotFound)
		noErr(t, s.PutSlackWebhook(ctx, accounts.SlackWebhook{TeamID: tm.ID, URL: "sealed1", UpdatedBy: "u1", UpdatedAt: base()}))
		w := accounts.SlackWebhook{TeamID: tm.ID, URL: "sealed2", UpdatedBy: "u2", UpdatedAt: at(time.Minute)}
		noErr(t, s.PutSlackWebhook(ctx, w))
		got, err := s.GetSlackWebhook(ctx, tm.ID)
		noErr(t, err)
		w.UpdatedAt = w.UpdatedAt.UTC().Truncate(time.Microsecond)
		same(t, "GetSlackWebhook", got, w)
	})

	t.Run("an outbox message is claimed, leased, retried and completed only by its claimer", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		m := newOutbox(base())
		noErr(t, s.EnqueueOutbox(ctx, &m))
		none, err := s.ClaimOutbox(ctx, "early", at(-time.Minute), time.Minute, 10)
		noErr(t, err)
		if len(none) != 0 {
			t.Fatalf("claimed %d messages before they were due", len(none))
		}
		got, err := s.ClaimOutbox(ctx, "a", at(time.Second), time.Minute, 10)
		noErr(t, err)
		if len(got) != 1 || got[0].ID != m.ID || got[0].Attempts != 1 || got[0].ClaimID != "a" {
			t.Fatalf("ClaimOutbox = %+v, want the message with one attempt", got)
		}
		again, err := s.ClaimOutbox(ctx, "b", at(30*time.Second), time.Minute, 10)
		noErr(t, err)
		if len(again) != 0 {
			t.Fatalf("a leased message was claimed again")
		}
		wantErr(t, s.CompleteOutbox(ctx, m.ID, "b", at(40*time.Second), false), accounts.ErrNotFound)
		noErr(t, s.RetryOutbox(ctx, m.ID, "a", at(5*time.Minute), "connection refused", false))
		early, err := s.ClaimOutbox(ctx, "c", at(4*time.Minute), time.Minute, 10)
		noErr(t, err)
		if len(early) != 0 {
			t.Fatalf("a message was claimed before its retry time")
		}
		got, err = s.ClaimOutbox(ctx, "c", at(5*time.Minute), time.Minute, 10)
		noErr(t, err)
		if len(got) != 1 || got[0].Attempts != 2 || got[0].LastError != "connection refused" {
			t.Fatalf("retry claim = %+v", got)
		}
		noErr(t, s.CompleteOutbox(ctx, m.ID, "c", at(6*time.Minute), false))
		wantErr(t, s.CompleteOutbox(ctx, m.ID, "c", at(6*time.Minute), false), accounts.ErrNotFound)
		list, err := s.ListOutbox(ctx, accounts.ChannelEmail, 10)
		noErr(t, err)
		if len(list) != 1 || list[0].SentAt == nil || list[0].Body != m.Body {
			t.Fatalf("ListOutbox = %+v, want the sent message with its body", list)
		}
		none, _ = s.ClaimOutbox(ctx, "d", at(time.Hour), time.Minute, 10)
		if len(none) != 0 {
			t.Fatalf("a sent message was claimed again")
		}
		pending := newOutbox(at(time.Hour))
		noErr(t, s.EnqueueOutbox(ctx, &pending))
		n, err := s.PurgeExpired(ctx, at(2*time.Hour))
		noErr(t, err)
		if n != 1 {
			t.Errorf("PurgeExpired = %d, want 1 (the sent message; the pending one stays)", n)
		}
		list, err = s.ListOutbox(ctx, accounts.ChannelEmail, 10)
		noErr(t, err)
		if len(list) != 1 || list[0].ID != pending.ID {
			t.Errorf("after purge the outbox holds %+v, want only the pending message", list)
		}
	})

	t.Run("a message given up on is not claimed again", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		m := newOutbox(base())
		noErr(t, s.EnqueueOutbox(ctx, &m))
		_, err := s.ClaimOutbox(ctx, "a", at(time.Second), time.Minute, 10)
		noErr(t, err)
		noErr(t, s.RetryOutbox(ctx, m.ID, "a", at(2*time.Second), "550 no such user", true))
		got, err := s.ClaimOutbox(ctx, "b", at(time.Hour), time.Minute, 10)
		noErr(t, err)
		if len(got) != 0 {
			t.Fatalf("a failed message was claimed again")
		}
		list, err := s.ListOutbox(ctx, m.Channel, 10)
		noErr(t, err)
		if len(list) != 1 || list[0].Body != "" || list[0].FailedAt == nil {
			t.Fatalf("a message given up on is kept as %+v, want it failed with its body emptied", list)
		}
	})

	t.Run("8 concurrent claimers over 40 messages deliver each exactly once", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		for i := range 40 {
			m := newOutbox(at(time.Duration(i) * time.Millisecond))
			noErr(t, s.EnqueueOutbox(ctx, &m))
		}
		var mu sync.Mutex
		delivered := map[string]int{}
		errs := race(8, func(i int) error {
			claim := fmt.Sprintf("worker-%d", i)
			for {
				ms, err := s.ClaimOutbox(ctx, claim, at(time.Minute), time.Hour, 3)
				if err != nil {
					return err
				}
				if len(ms) == 0 {
					return nil
				}
				for _, m := range ms {
					if err := s.CompleteOutbox(ctx, m.ID, claim, at(time.Minute), true); err != nil {
						return err
					}
					mu.Lock()
					delivered[m.ID]++
					mu.Unlock()
				}
			}
		})
		for _, err := range errs {
			noErr(t, err)
		}
		if len(delivered) != 40 {
			t.Errorf("%d distinct messages delivered, want 40", len(delivered))
		}
		for id, n := range delivered {
			if n != 1 {
				t.Errorf("message %s delivered %d times", id, n)
			}
		}
		list, err := s.ListOutbox(ctx, accounts.ChannelEmail, 100)
		noErr(t, err)
		for _, m := range list {
			if m.SentAt == nil || m.Body != "" || m.Subject != "Hello" {
				t.Errorf("after redacted completion: %+v, want sent, subject kept, body empty", m)
			}
		}
	})
}

func newOutbox(created time.Time) accounts.OutboxMessage {
	return accounts.OutboxMessage{ID: uuid.NewString(), Channel: accounts.ChannelEmail, Recipient: "alice@example.com",
		Subject: "Hello", Body: "Body", CreatedAt: created, NextAttemptAt: created}
}
