package accounts_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/sqlite"
)

// newStore returns a migrated embedded store; the service's behaviour is the
// same on every backend (the conformance suite holds them to one contract),
// and the end-to-end tests in cmd/idbridge run it on PostgreSQL too.
func newStore(t *testing.T) accounts.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "svc.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st
}

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func newService(t *testing.T, st accounts.Store, c *clock, argon accounts.Argon2Params) *accounts.Service {
	t.Helper()
	svc, err := accounts.NewService(accounts.ServiceParams{Store: st, Now: c.Now, Argon2: argon})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func TestAuthenticateRehashesWhenParametersChange(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	c := &clock{time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	old := accounts.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	u, err := newService(t, st, c, old).SignUp(ctx, accounts.SignUpInput{Username: "bob", Email: "bob@example.com", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	stronger := old
	stronger.Time = 2
	svc := newService(t, st, c, stronger)
	if _, err := svc.Authenticate(ctx, "bob", "wrong password!", "192.0.2.1"); !errors.Is(err, accounts.ErrInvalidCredentials) {
		t.Fatalf("wrong password: %v", err)
	}
	if h, _ := st.GetPasswordHash(ctx, u.ID); !strings.Contains(h, "t=1,") {
		t.Fatalf("a failed sign-in rehashed the password: %s", h)
	}
	if _, err := svc.Authenticate(ctx, "BOB", "correct horse battery", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	h, _ := st.GetPasswordHash(ctx, u.ID)
	if !strings.Contains(h, "$m=1024,t=2,p=1$") {
		t.Fatalf("hash after sign-in %q: want the new parameters", h)
	}
	if _, err := svc.Authenticate(ctx, "bob@EXAMPLE.com", "correct horse battery", "192.0.2.1"); err != nil {
		t.Fatalf("sign-in after rehash: %v", err)
	}
}

func TestSessionLifetimes(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	c := &clock{time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	svc := newService(t, st, c, accounts.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	team, err := svc.CreateTeam(ctx, accounts.CreateTeamInput{Slug: "strict", Name: "Strict", Settings: accounts.TeamSettings{SessionIdleTimeout: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	member, err := svc.CreateMember(ctx, accounts.CreateMemberInput{TeamID: team.ID, Username: "carol", Email: "carol@strict.test"})
	if err != nil {
		t.Fatal(err)
	}
	loner, err := svc.SignUp(ctx, accounts.SignUpInput{Username: "dave", Email: "dave@example.com", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	def := accounts.DefaultSessionConfig()
	tests := []struct {
		name       string
		userID     string
		persistent bool
		idle, abs  time.Duration
	}{
		{"a default session gets the default profile", loner.ID, false, def.Default.Idle, def.Default.Absolute},
		{"keep me signed in gets the persistent profile", loner.ID, true, def.Persistent.Idle, def.Persistent.Absolute},
		{"a team's shorter idle timeout applies to its members", member.ID, false, time.Hour, def.Default.Absolute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token, s, err := svc.StartSession(ctx, accounts.StartSessionInput{UserID: tt.userID, Persistent: tt.persistent, AuthMethod: "password"})
			if err != nil {
				t.Fatal(err)
			}
			if got := s.IdleExpiresAt.Sub(s.CreatedAt); got != tt.idle {
				t.Errorf("idle %v, want %v", got, tt.idle)
			}
			if got := s.AbsExpiresAt.Sub(s.CreatedAt); got != tt.abs {
				t.Errorf("absolute %v, want %v", got, tt.abs)
			}
			stored, err := st.GetSessionByTokenHash(ctx, accounts.HashToken(token))
			if err != nil || stored.ID != s.ID || !bytes.Equal(stored.TokenHash, accounts.HashToken(token)) || len(token) < 43 {
				t.Fatalf("stored session %+v, %v", stored, err)
			}
		})
	}

	// Use within the touch interval writes nothing; after it, idle expiry moves.
	_, s, _ := svc.StartSession(ctx, accounts.StartSessionInput{UserID: member.ID})
	c.now = c.now.Add(30 * time.Second)
	if err := svc.TouchSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.GetSessionByTokenHash(ctx, s.TokenHash); !got.LastSeenAt.Equal(s.LastSeenAt) {
		t.Fatalf("touched within the interval: last seen %v", got.LastSeenAt)
	}
	c.now = c.now.Add(10 * time.Minute)
	if err := svc.TouchSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	got, _ := st.GetSessionByTokenHash(ctx, s.TokenHash)
	if !got.LastSeenAt.Equal(c.now) || !got.IdleExpiresAt.Equal(c.now.Add(time.Hour)) {
		t.Fatalf("after touch: last seen %v idle until %v; want %v and +1h (the team's idle timeout)", got.LastSeenAt, got.IdleExpiresAt, c.now)
	}
}

func TestSetPasswordRevokesEverySession(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	c := &clock{time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	svc := newService(t, st, c, accounts.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	u, err := svc.SignUp(ctx, accounts.SignUpInput{Username: "bob", Email: "bob@example.com", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, _, err := svc.StartSession(ctx, accounts.StartSessionInput{UserID: u.ID}); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.SetPassword(ctx, accounts.OperatorActor(), u.ID, "password"); accounts.ErrorCode(err) != accounts.CodeWeakPassword {
		t.Fatalf("a common password was accepted: %v", err)
	}
	if n, _ := svc.Sessions(ctx, u.ID); len(n) != 3 {
		t.Fatalf("a refused change revoked sessions: %d left", len(n))
	}
	if err := svc.SetPassword(ctx, accounts.OperatorActor(), u.ID, "a whole new passphrase"); err != nil {
		t.Fatal(err)
	}
	if n, _ := svc.Sessions(ctx, u.ID); len(n) != 0 {
		t.Fatalf("%d sessions survived a password change", len(n))
	}
	if _, err := svc.Authenticate(ctx, "bob", "correct horse battery", "192.0.2.1"); !errors.Is(err, accounts.ErrInvalidCredentials) {
		t.Fatalf("old password still works: %v", err)
	}
	events, err := st.ListAudit(ctx, "", 10)
	if err != nil || len(events) == 0 || events[0].Action != "user.password_set" || events[0].Details["sessions_revoked"] != "3" {
		t.Fatalf("audit: %+v, %v", events, err)
	}
}

func TestAuthenticateSCIMToken(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	c := &clock{time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	svc := newService(t, st, c, accounts.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	team, err := svc.CreateTeam(ctx, accounts.CreateTeamInput{Slug: "acme", Name: "Acme", Plan: accounts.PlanEnterprise})
	if err != nil {
		t.Fatal(err)
	}
	token, rec, err := svc.CreateSCIMToken(ctx, accounts.CreateSCIMTokenInput{TeamID: team.ID, Name: "okta", ExpiresIn: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := svc.AuthenticateSCIMToken(ctx, token); err != nil || got.TeamID != team.ID {
		t.Fatalf("fresh token: %+v, %v", got, err)
	}
	for name, bearer := range map[string]string{
		"empty":          "",
		"wrong prefix":   "Bearer " + token,
		"one char off":   token[:len(token)-1] + "x",
		"another secret": accounts.SCIMTokenPrefix + strings.Repeat("A", 43),
	} {
		if _, err := svc.AuthenticateSCIMToken(ctx, bearer); !errors.Is(err, accounts.ErrBadSCIMToken) {
			t.Errorf("%s: got %v, want ErrBadSCIMToken", name, err)
		}
	}
	c.now = c.now.Add(time.Hour)
	if _, err := svc.AuthenticateSCIMToken(ctx, token); !errors.Is(err, accounts.ErrBadSCIMToken) {
		t.Fatalf("expired token accepted: %v", err)
	}

	live, rec2, err := svc.CreateSCIMToken(ctx, accounts.CreateSCIMTokenInput{TeamID: team.ID, Name: "entra"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AuthenticateSCIMToken(ctx, live); err != nil {
		t.Fatalf("live token refused: %v", err)
	}
	if err := svc.RevokeSCIMToken(ctx, accounts.OperatorActor(), team.ID, rec2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AuthenticateSCIMToken(ctx, live); !errors.Is(err, accounts.ErrBadSCIMToken) {
		t.Fatalf("revoked token accepted: %v", err)
	}
	if err := svc.RevokeSCIMToken(ctx, accounts.OperatorActor(), "other-team", rec.ID); accounts.ErrorCode(err) != accounts.CodeNotFound {
		t.Fatalf("another team revoked the token: %v", err)
	}
}

func TestStartSessionRefusesAChangedPasswordOrADeactivatedUser(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	c := &clock{time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	svc := newService(t, st, c, accounts.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if _, err := svc.SignUp(ctx, accounts.SignUpInput{Username: "bob", Email: "bob@example.com", Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	auth, err := svc.Authenticate(ctx, "bob", "correct horse battery", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	// The password changes between verification and session start.
	if err := svc.SetPassword(ctx, accounts.OperatorActor(), auth.User.ID, "a whole new passphrase"); err != nil {
		t.Fatal(err)
	}
	_, _, err = svc.StartSession(ctx, accounts.StartSessionInput{UserID: auth.User.ID, PasswordHash: auth.PasswordHash})
	if !errors.Is(err, accounts.ErrInvalidCredentials) {
		t.Fatalf("session started with a stale password: %v", err)
	}

	auth, err = svc.Authenticate(ctx, "bob", "a whole new passphrase", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateUser(ctx, auth.User.ID, func(u *accounts.User) error { u.Status = accounts.StatusDeactivated; return nil }); err != nil {
		t.Fatal(err)
	}
	_, _, err = svc.StartSession(ctx, accounts.StartSessionInput{UserID: auth.User.ID, PasswordHash: auth.PasswordHash})
	if accounts.ErrorCode(err) != accounts.CodeAccountDeactivated {
		t.Fatalf("session started for a deactivated user: %v", err)
	}
	if n, _ := svc.Sessions(ctx, auth.User.ID); len(n) != 0 {
		t.Fatalf("%d sessions exist", len(n))
	}
}

func TestSignInWithAnEmailLikeUsername(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	c := &clock{time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	svc := newService(t, st, c, accounts.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	u, err := svc.SignUp(ctx, accounts.SignUpInput{Username: "carol@x.io", Email: "carol@y.io", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	for _, login := range []string{"carol@x.io", "CAROL@Y.IO"} {
		auth, err := svc.Authenticate(ctx, login, "correct horse battery", "192.0.2.1")
		if err != nil || auth.User.ID != u.ID {
			t.Errorf("login %q: %+v, %v", login, auth.User, err)
		}
	}
	if _, err := svc.Authenticate(ctx, strings.Repeat("a", 300)+"@example.com", "x", "192.0.2.1"); !errors.Is(err, accounts.ErrInvalidCredentials) {
		t.Fatalf("an over-long login: %v", err)
	}
}
