package storetest

import (
	"testing"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

func testPurge(t *testing.T, newStore newStoreFunc) {
	t.Run("PurgeExpired deletes what can never be used again and keeps the rest", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		u := createUser(t, s, "alice")
		cutoff := at(24 * time.Hour)
		session := func(created, idle, abs time.Time) accounts.Session {
			sess := newSession(u.ID, created)
			sess.IdleExpiresAt, sess.AbsExpiresAt = idle, abs
			return createSession(t, s, sess)
		}
		far := at(30 * 24 * time.Hour)
		liveSession := session(at(23*time.Hour), at(25*time.Hour), far)
		idleExpired := session(base(), at(time.Hour), far)
		absExpired := session(base(), at(48*time.Hour), at(12*time.Hour))
		revokedBefore := session(at(20*time.Hour), at(48*time.Hour), far)
		noErr(t, s.RevokeSession(ctx, u.ID, revokedBefore.ID, "signed out", at(21*time.Hour)))
		revokedAfter := session(at(20*time.Hour), at(48*time.Hour), far)
		noErr(t, s.RevokeSession(ctx, u.ID, revokedAfter.ID, "signed out", at(25*time.Hour)))

		// One purpose each, so that no token voids another.
		liveToken := createToken(t, s, newToken(u.ID, accounts.PurposeResetPassword, at(23*time.Hour+30*time.Minute)))
		createToken(t, s, newToken(u.ID, accounts.PurposeVerifyEmail, base()))
		usedBefore := createToken(t, s, newToken(u.ID, accounts.PurposeChangeEmail, at(20*time.Hour)))
		_, err := s.ConsumeToken(ctx, usedBefore.Purpose, usedBefore.TokenHash, at(20*time.Hour+time.Minute))
		noErr(t, err)
		usedAfter := createToken(t, s, newToken(u.ID, accounts.PurposeRecoverUsername, at(23*time.Hour+30*time.Minute)))
		_, err = s.ConsumeToken(ctx, usedAfter.Purpose, usedAfter.TokenHash, at(24*time.Hour+time.Minute))
		noErr(t, err)

		oldWindow, newWindow := base(), at(25*time.Hour)
		for _, w := range []time.Time{oldWindow, oldWindow, newWindow} {
			_, err := s.HitRateLimit(ctx, "signin:user:alice", w)
			noErr(t, err)
		}

		// 3 sessions, 2 tokens (expired, used before cutoff), 1 rate-limit window.
		for _, want := range []int{6, 0} {
			n, err := s.PurgeExpired(ctx, cutoff)
			noErr(t, err)
			if n != want {
				t.Errorf("PurgeExpired = %d, want %d", n, want)
			}
		}

		for _, gone := range []accounts.Session{idleExpired, absExpired, revokedBefore} {
			_, err := s.GetSessionByTokenHash(ctx, gone.TokenHash)
			wantErr(t, err, accounts.ErrNotFound)
		}
		for _, kept := range []accounts.Session{liveSession, revokedAfter} {
			_, err := s.GetSessionByTokenHash(ctx, kept.TokenHash)
			noErr(t, err)
		}
		_, err = s.ConsumeToken(ctx, liveToken.Purpose, liveToken.TokenHash, cutoff)
		noErr(t, err)
		for _, tc := range []struct {
			start time.Time
			want  int
		}{{oldWindow, 1}, {newWindow, 2}} {
			n, err := s.HitRateLimit(ctx, "signin:user:alice", tc.start)
			noErr(t, err)
			if n != tc.want {
				t.Errorf("HitRateLimit after purge = %d, want %d", n, tc.want)
			}
		}
	})

	t.Run("PurgeExpired on a store with nothing expired deletes nothing", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		u := createUser(t, s, "alice")
		live := createSession(t, s, newSession(u.ID, base()))
		createToken(t, s, newToken(u.ID, accounts.PurposeVerifyEmail, base()))
		_, err := s.HitRateLimit(ctx, "signup:ip:192.0.2.1", base())
		noErr(t, err)
		n, err := s.PurgeExpired(ctx, base().Add(-time.Minute))
		noErr(t, err)
		if n != 0 {
			t.Errorf("PurgeExpired = %d, want 0", n)
		}
		_, err = s.GetSessionByTokenHash(ctx, live.TokenHash)
		noErr(t, err)
	})
}
