package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/idbridge/idbridge/accounts"
)

func testUsers(t *testing.T, newStore newStoreFunc) {
	t.Run("a created user reads back by ID, username and email in any letter case, keeping their case", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		want := newUser("Alice.Smith")
		want.Email = "Alice.Smith@example.com"
		noErr(t, s.CreateUser(ctx, &want))
		createUser(t, s, "bob")

		got, err := s.GetUser(ctx, want.ID)
		noErr(t, err)
		same(t, "GetUser", got, want)
		for _, name := range []string{"Alice.Smith", "alice.smith", "ALICE.SMITH"} {
			got, err := s.GetUserByUsername(ctx, name)
			noErr(t, err)
			same(t, "GetUserByUsername("+name+")", got, want)
		}
		for _, email := range []string{"Alice.Smith@example.com", "alice.smith@example.com", "ALICE.SMITH@EXAMPLE.COM"} {
			got, err := s.GetUserByEmail(ctx, email)
			noErr(t, err)
			same(t, "GetUserByEmail("+email+")", got, want)
		}
	})

	t.Run("an unknown ID, username or email is ErrNotFound", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		createUser(t, s, "alice")
		_, err := s.GetUser(ctx, uuid.NewString())
		wantErr(t, err, accounts.ErrNotFound)
		_, err = s.GetUserByUsername(ctx, "alice2")
		wantErr(t, err, accounts.ErrNotFound)
		_, err = s.GetUserByEmail(ctx, "alice@example.org")
		wantErr(t, err, accounts.ErrNotFound)
	})

	t.Run("times round trip in UTC at microsecond precision", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		u := newUser("alice")
		u.EmailVerifiedAt = new(at(time.Second))
		noErr(t, s.CreateUser(ctx, &u))
		got, err := s.GetUser(ctx, u.ID)
		noErr(t, err)
		want := time.Date(2026, 11, 1, 11, 0, 0, 123456000, time.UTC)
		for name, tm := range map[string]time.Time{"CreatedAt": got.CreatedAt, "UpdatedAt": got.UpdatedAt} {
			if !tm.Equal(want) || tm.Location() != time.UTC {
				t.Errorf("%s = %s, want exactly %s", name, showTime(tm), showTime(want))
			}
		}
		if v := got.EmailVerifiedAt; v == nil || !v.Equal(want.Add(time.Second)) || v.Location() != time.UTC {
			t.Errorf("EmailVerifiedAt = %v, want %s", v, showTime(want.Add(time.Second)))
		}
	})

	t.Run("nullable and optional fields round trip", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		for _, tc := range []struct {
			name  string
			setup func(u *accounts.User)
		}{
			{"unverified, unmanaged, active", func(*accounts.User) {}},
			{"verified, managed by a team, deactivated", func(u *accounts.User) {
				u.EmailVerifiedAt = new(at(time.Minute))
				u.ManagedByTeamID = team.ID
				u.Status = accounts.StatusDeactivated
			}},
			{"no display name", func(u *accounts.User) { u.Name = "" }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				want := newUser("user-" + uuid.NewString()[:8])
				tc.setup(&want)
				noErr(t, s.CreateUser(ctx, &want))
				got, err := s.GetUser(ctx, want.ID)
				noErr(t, err)
				same(t, "GetUser", got, want)
			})
		}
	})

	t.Run("usernames are unique in any letter case", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		createUser(t, s, "alice")
		for _, name := range []string{"alice", "Alice", "ALICE"} {
			t.Run(name, func(t *testing.T) {
				u := newUser(name)
				u.Email = uuid.NewString() + "@example.com"
				wantErr(t, s.CreateUser(ctx, &u), accounts.ErrUsernameTaken)
				_, err := s.GetUser(ctx, u.ID)
				wantErr(t, err, accounts.ErrNotFound)
			})
		}
	})

	t.Run("email addresses are unique in any letter case", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		createUser(t, s, "alice")
		for _, email := range []string{"alice@example.com", "Alice@Example.com", "ALICE@EXAMPLE.COM"} {
			t.Run(email, func(t *testing.T) {
				u := newUser("user-" + uuid.NewString()[:8])
				u.Email = email
				wantErr(t, s.CreateUser(ctx, &u), accounts.ErrEmailTaken)
				_, err := s.GetUser(ctx, u.ID)
				wantErr(t, err, accounts.ErrNotFound)
			})
		}
	})

	t.Run("UpdateUser applies fn to the stored user and writes every updatable field", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		orig := createUser(t, s, "alice")
		var seen accounts.User
		change := func(u *accounts.User) {
			u.Username, u.Name, u.Email = "Alice.Jones", "Alice Jones", "Alice.Jones@example.org"
			u.EmailVerifiedAt = new(at(time.Hour))
			u.Status = accounts.StatusDeactivated
			u.ManagedByTeamID = team.ID
			u.UpdatedAt = at(2 * time.Hour)
		}
		got, err := s.UpdateUser(ctx, orig.ID, func(u *accounts.User) error {
			seen = *u
			change(u)
			return nil
		})
		noErr(t, err)
		same(t, "user passed to fn", seen, orig)
		want := orig
		change(&want)
		same(t, "UpdateUser result", got, want)
		got, err = s.GetUser(ctx, orig.ID)
		noErr(t, err)
		same(t, "GetUser", got, want)
		got, err = s.GetUserByUsername(ctx, "alice.jones")
		noErr(t, err)
		same(t, "GetUserByUsername(new name)", got, want)
		got, err = s.GetUserByEmail(ctx, "alice.jones@example.org")
		noErr(t, err)
		same(t, "GetUserByEmail(new email)", got, want)
		_, err = s.GetUserByUsername(ctx, "alice")
		wantErr(t, err, accounts.ErrNotFound)
		_, err = s.GetUserByEmail(ctx, "alice@example.com")
		wantErr(t, err, accounts.ErrNotFound)
	})

	t.Run("UpdateUser clears nullable fields", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		want := newUser("alice")
		want.EmailVerifiedAt, want.ManagedByTeamID = new(base()), team.ID
		noErr(t, s.CreateUser(ctx, &want))
		_, err := s.UpdateUser(ctx, want.ID, func(u *accounts.User) error {
			u.EmailVerifiedAt, u.ManagedByTeamID = nil, ""
			return nil
		})
		noErr(t, err)
		want.EmailVerifiedAt, want.ManagedByTeamID = nil, ""
		got, err := s.GetUser(ctx, want.ID)
		noErr(t, err)
		same(t, "GetUser", got, want)
	})

	t.Run("UpdateUser ignores changes to ID and CreatedAt", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		orig := createUser(t, s, "alice")
		_, err := s.UpdateUser(ctx, orig.ID, func(u *accounts.User) error {
			u.ID, u.CreatedAt = uuid.NewString(), at(time.Hour)
			return nil
		})
		noErr(t, err)
		got, err := s.GetUser(ctx, orig.ID)
		noErr(t, err)
		same(t, "GetUser", got, orig)
	})

	t.Run("a user may change the letter case of their own username and email", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		orig := createUser(t, s, "alice")
		got, err := s.UpdateUser(ctx, orig.ID, func(u *accounts.User) error {
			u.Username, u.Email = "Alice", "ALICE@example.com"
			return nil
		})
		noErr(t, err)
		want := orig
		want.Username, want.Email = "Alice", "ALICE@example.com"
		same(t, "UpdateUser result", got, want)
	})

	t.Run("UpdateUser to another user's username or email in other case is refused and writes nothing", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		createUser(t, s, "bob")
		for _, tc := range []struct {
			name   string
			change func(u *accounts.User)
			want   error
		}{
			{"username", func(u *accounts.User) { u.Username = "BOB" }, accounts.ErrUsernameTaken},
			{"email", func(u *accounts.User) { u.Email = "Bob@Example.com" }, accounts.ErrEmailTaken},
		} {
			t.Run(tc.name, func(t *testing.T) {
				orig := createUser(t, s, "user-"+uuid.NewString()[:8])
				_, err := s.UpdateUser(ctx, orig.ID, func(u *accounts.User) error {
					u.Name, u.UpdatedAt = "Changed", at(time.Hour)
					tc.change(u)
					return nil
				})
				wantErr(t, err, tc.want)
				got, err := s.GetUser(ctx, orig.ID)
				noErr(t, err)
				same(t, "GetUser", got, orig)
			})
		}
	})

	t.Run("UpdateUser writes nothing when fn fails and returns fn's error", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		orig := createUser(t, s, "alice")
		errStop := errors.New("managed by identity provider")
		_, err := s.UpdateUser(ctx, orig.ID, func(u *accounts.User) error {
			u.Name, u.Email, u.Status = "Changed", "changed@example.com", accounts.StatusDeactivated
			return errStop
		})
		wantErr(t, err, errStop)
		got, err := s.GetUser(ctx, orig.ID)
		noErr(t, err)
		same(t, "GetUser", got, orig)
	})

	t.Run("UpdateUser of an unknown user is ErrNotFound and does not call fn", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		createUser(t, s, "alice")
		called := false
		_, err := s.UpdateUser(ctx, uuid.NewString(), func(*accounts.User) error { called = true; return nil })
		wantErr(t, err, accounts.ErrNotFound)
		if called {
			t.Error("fn was called for a user that does not exist")
		}
	})
}
