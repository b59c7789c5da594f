package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/idbridge/idbridge/accounts"
)

func testSessions(t *testing.T, newStore newStoreFunc) {
	t.Run("a created session reads back by token hash with every field", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		u := createUser(t, s, "alice")
		want := newSession(u.ID, base())
		want.Persistent, want.AuthMethod, want.IP = true, "sso:okta", "2001:db8::1"
		want = createSession(t, s, want)
		createSession(t, s, newSession(u.ID, base()))
		got, err := s.GetSessionByTokenHash(ctx, want.TokenHash)
		noErr(t, err)
		same(t, "GetSessionByTokenHash", got, want)
	})

	t.Run("GetSessionByTokenHash returns revoked and expired sessions too", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		u := createUser(t, s, "alice")
		revoked := createSession(t, s, newSession(u.ID, base()))
		noErr(t, s.RevokeSession(ctx, u.ID, revoked.ID, "signed out", at(time.Minute)))
		revoked.RevokedAt, revoked.RevokedReason = new(at(time.Minute)), "signed out"
		expired := newSession(u.ID, at(-48*time.Hour))
		expired.AbsExpiresAt = at(-24 * time.Hour)
		expired = createSession(t, s, expired)
		for _, want := range []accounts.Session{revoked, expired} {
			got, err := s.GetSessionByTokenHash(ctx, want.TokenHash)
			noErr(t, err)
			same(t, "GetSessionByTokenHash", got, want)
		}
	})

	t.Run("an unknown token hash is ErrNotFound", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		createSession(t, s, newSession(createUser(t, s, "alice").ID, base()))
		_, err := s.GetSessionByTokenHash(ctx, newHash())
		wantErr(t, err, accounts.ErrNotFound)
	})

	t.Run("TouchSession moves LastSeenAt and IdleExpiresAt and nothing else", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		u := createUser(t, s, "alice")
		want := createSession(t, s, newSession(u.ID, base()))
		other := createSession(t, s, newSession(u.ID, base()))
		noErr(t, s.TouchSession(ctx, want.ID, at(5*time.Minute), at(65*time.Minute)))
		want.LastSeenAt, want.IdleExpiresAt = at(5*time.Minute), at(65*time.Minute)
		got, err := s.GetSessionByTokenHash(ctx, want.TokenHash)
		noErr(t, err)
		same(t, "touched session", got, want)
		got, err = s.GetSessionByTokenHash(ctx, other.TokenHash)
		noErr(t, err)
		same(t, "untouched session", got, other)
	})

	t.Run("TouchSession leaves a revoked session alone without an error", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		u := createUser(t, s, "alice")
		want := createSession(t, s, newSession(u.ID, base()))
		noErr(t, s.RevokeSession(ctx, u.ID, want.ID, "signed out", at(time.Minute)))
		want.RevokedAt, want.RevokedReason = new(at(time.Minute)), "signed out"
		noErr(t, s.TouchSession(ctx, want.ID, at(5*time.Minute), at(65*time.Minute)))
		got, err := s.GetSessionByTokenHash(ctx, want.TokenHash)
		noErr(t, err)
		same(t, "revoked session after touch", got, want)
	})

	t.Run("ListSessions returns only the user's live sessions, newest first", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		u, other := createUser(t, s, "alice"), createUser(t, s, "bob")
		now := at(10 * time.Minute)
		middle := createSession(t, s, newSession(u.ID, at(time.Minute)))
		newest := createSession(t, s, newSession(u.ID, at(2*time.Minute)))
		oldest := createSession(t, s, newSession(u.ID, base()))

		revoked := createSession(t, s, newSession(u.ID, at(3*time.Minute)))
		noErr(t, s.RevokeSession(ctx, u.ID, revoked.ID, "signed out", at(4*time.Minute)))
		idleExpired := newSession(u.ID, at(-2*time.Hour))
		createSession(t, s, idleExpired)
		absExpired := newSession(u.ID, at(5*time.Minute))
		absExpired.AbsExpiresAt = now.Add(-time.Second)
		createSession(t, s, absExpired)
		createSession(t, s, newSession(other.ID, at(6*time.Minute)))

		got, err := s.ListSessions(ctx, u.ID, now)
		noErr(t, err)
		same(t, "ListSessions", got, []accounts.Session{newest, middle, oldest})
	})

	t.Run("a session expires at the instant its idle or absolute expiry is reached, as Session.Live says", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		u := createUser(t, s, "alice")
		now := at(10 * time.Minute).Truncate(time.Microsecond)
		idleNow := newSession(u.ID, base())
		idleNow.IdleExpiresAt = now
		absNow := newSession(u.ID, base())
		absNow.AbsExpiresAt = now
		live := newSession(u.ID, base())
		live.IdleExpiresAt, live.AbsExpiresAt = now.Add(time.Microsecond), now.Add(time.Microsecond)
		var want []accounts.Session
		for _, sess := range []accounts.Session{idleNow, absNow, live} {
			createSession(t, s, sess)
			if sess.Live(now) {
				want = append(want, sess)
			}
		}
		got, err := s.ListSessions(ctx, u.ID, now)
		noErr(t, err)
		same(t, "ListSessions", got, want)
	})

	t.Run("RevokeSession records when and why and the session is no longer listed", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		u := createUser(t, s, "alice")
		want := createSession(t, s, newSession(u.ID, base()))
		kept := createSession(t, s, newSession(u.ID, base()))
		noErr(t, s.RevokeSession(ctx, u.ID, want.ID, "signed out elsewhere", at(time.Minute)))
		want.RevokedAt, want.RevokedReason = new(at(time.Minute)), "signed out elsewhere"
		got, err := s.GetSessionByTokenHash(ctx, want.TokenHash)
		noErr(t, err)
		same(t, "revoked session", got, want)
		list, err := s.ListSessions(ctx, u.ID, at(2*time.Minute))
		noErr(t, err)
		same(t, "ListSessions", list, []accounts.Session{kept})
	})

	t.Run("revoking another user's session is ErrNotFound and leaves it live", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		alice, bob := createUser(t, s, "alice"), createUser(t, s, "bob")
		bobs := createSession(t, s, newSession(bob.ID, base()))
		createSession(t, s, newSession(alice.ID, base()))
		wantErr(t, s.RevokeSession(ctx, alice.ID, bobs.ID, "signed out", at(time.Minute)), accounts.ErrNotFound)
		wantErr(t, s.RevokeSession(ctx, alice.ID, uuid.NewString(), "signed out", at(time.Minute)), accounts.ErrNotFound)
		got, err := s.GetSessionByTokenHash(ctx, bobs.TokenHash)
		noErr(t, err)
		same(t, "bob's session", got, bobs)
	})

	t.Run("revoking a session twice is ErrNotFound the second time and keeps the first revocation", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		u := createUser(t, s, "alice")
		want := createSession(t, s, newSession(u.ID, base()))
		noErr(t, s.RevokeSession(ctx, u.ID, want.ID, "signed out", at(time.Minute)))
		wantErr(t, s.RevokeSession(ctx, u.ID, want.ID, "password changed", at(time.Hour)), accounts.ErrNotFound)
		want.RevokedAt, want.RevokedReason = new(at(time.Minute)), "signed out"
		got, err := s.GetSessionByTokenHash(ctx, want.TokenHash)
		noErr(t, err)
		same(t, "revoked session", got, want)
	})

	t.Run("RevokeSessions revokes every other unrevoked session of the user and counts them", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		u, other := createUser(t, s, "alice"), createUser(t, s, "bob")
		current := createSession(t, s, newSession(u.ID, at(3*time.Minute)))
		a := createSession(t, s, newSession(u.ID, base()))
		b := createSession(t, s, newSession(u.ID, at(time.Minute)))
		earlier := createSession(t, s, newSession(u.ID, base()))
		noErr(t, s.RevokeSession(ctx, u.ID, earlier.ID, "signed out", at(2*time.Minute)))
		earlier.RevokedAt, earlier.RevokedReason = new(at(2*time.Minute)), "signed out"
		bobs := createSession(t, s, newSession(other.ID, base()))

		n, err := s.RevokeSessions(ctx, u.ID, current.ID, "password changed", at(5*time.Minute))
		noErr(t, err)
		if n != 2 {
			t.Errorf("RevokeSessions = %d, want 2", n)
		}
		for _, sess := range []*accounts.Session{&a, &b} {
			sess.RevokedAt, sess.RevokedReason = new(at(5*time.Minute)), "password changed"
		}
		for _, want := range []accounts.Session{current, a, b, earlier, bobs} {
			got, err := s.GetSessionByTokenHash(ctx, want.TokenHash)
			noErr(t, err)
			same(t, "session", got, want)
		}
		list, err := s.ListSessions(ctx, u.ID, at(6*time.Minute))
		noErr(t, err)
		same(t, "ListSessions", list, []accounts.Session{current})
	})

	t.Run("RevokeSessions without an exception revokes them all, and then none", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		u := createUser(t, s, "alice")
		for i := range 3 {
			createSession(t, s, newSession(u.ID, at(time.Duration(i)*time.Minute)))
		}
		for _, want := range []int{3, 0} {
			n, err := s.RevokeSessions(ctx, u.ID, "", "deactivated by SCIM", at(5*time.Minute))
			noErr(t, err)
			if n != want {
				t.Errorf("RevokeSessions = %d, want %d", n, want)
			}
		}
		list, err := s.ListSessions(ctx, u.ID, at(6*time.Minute))
		noErr(t, err)
		if len(list) != 0 {
			t.Errorf("ListSessions returned %d sessions after revoking all", len(list))
		}
	})
}
