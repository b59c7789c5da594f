package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

func testTransactions(t *testing.T, newStore newStoreFunc) {
	t.Run("InTx commits what fn wrote when fn returns nil", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		u := newUser("alice")
		m := newMembership(team.ID, u.ID, base())
		noErr(t, s.InTx(ctx, func(tx accounts.Tx) error {
			if err := tx.CreateUser(ctx, &u); err != nil {
				return err
			}
			return tx.AddMembership(ctx, m)
		}))
		got, err := s.GetUser(ctx, u.ID)
		noErr(t, err)
		same(t, "GetUser", got, u)
		gotM, err := s.GetMembership(ctx, team.ID, u.ID)
		noErr(t, err)
		same(t, "GetMembership", gotM, m)
	})

	t.Run("InTx keeps nothing and returns fn's error unchanged when fn fails", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		u := newUser("alice")
		sess := newSession(u.ID, base())
		errStop := errors.New("seat limit reached")
		err := s.InTx(ctx, func(tx accounts.Tx) error {
			if err := tx.CreateUser(ctx, &u); err != nil {
				return err
			}
			if err := tx.AddMembership(ctx, newMembership(team.ID, u.ID, base())); err != nil {
				return err
			}
			if err := tx.SetPasswordHash(ctx, u.ID, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", base()); err != nil {
				return err
			}
			if err := tx.CreateSession(ctx, &sess); err != nil {
				return err
			}
			return errStop
		})
		if err != errStop { // the contract says unchanged: not wrapped
			t.Errorf("InTx returned %v, want fn's error unchanged", err)
		}
		assertNoAlice(t, s, team.ID, u.ID)
		_, err = s.GetSessionByTokenHash(ctx, sess.TokenHash)
		wantErr(t, err, accounts.ErrNotFound)
		createUser(t, s, "alice") // the username is free again
	})

	t.Run("InTx keeps nothing when fn panics, lets the panic through, and the store stays usable", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		// A leaked transaction would block the writes below; fail instead of hanging.
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		team := createTeam(t, s, "acme")
		u := newUser("alice")
		boom := errors.New("boom")
		func() {
			defer func() {
				if r := recover(); r != boom {
					t.Errorf("recovered %v, want the value fn panicked with", r)
				}
			}()
			_ = s.InTx(ctx, func(tx accounts.Tx) error {
				if err := tx.CreateUser(ctx, &u); err != nil {
					return err
				}
				if err := tx.AddMembership(ctx, newMembership(team.ID, u.ID, base())); err != nil {
					return err
				}
				panic(boom)
			})
			t.Error("InTx returned instead of letting fn's panic through")
		}()
		assertNoAlice(t, s, team.ID, u.ID)
		again := newUser("alice")
		noErr(t, s.CreateUser(ctx, &again))
		noErr(t, s.InTx(ctx, func(tx accounts.Tx) error {
			return tx.AddMembership(ctx, newMembership(team.ID, again.ID, base()))
		}))
	})

	t.Run("an error from a Tx method, returned by fn, rolls back the earlier writes", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		createUser(t, s, "alice")
		err := s.InTx(ctx, func(tx accounts.Tx) error {
			team := newTeam("acme")
			if err := tx.CreateTeam(ctx, &team); err != nil {
				return err
			}
			u := newUser("ALICE")
			u.Email = "someone.else@example.com"
			return tx.CreateUser(ctx, &u)
		})
		wantErr(t, err, accounts.ErrUsernameTaken)
		_, err = s.GetTeamBySlug(ctx, "acme")
		wantErr(t, err, accounts.ErrNotFound)
	})

	t.Run("Tx methods see the transaction's own writes before it commits", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, u := newTeam("acme"), newUser("alice")
		sess := newSession(u.ID, base())
		tok := newToken(u.ID, accounts.PurposeVerifyEmail, base())
		// fn reports with t.Errorf, never t.Fatal: Goexit inside InTx could leak the transaction.
		noErr(t, s.InTx(ctx, func(tx accounts.Tx) error {
			if err := errors.Join(
				tx.CreateTeam(ctx, &team),
				tx.CreateUser(ctx, &u),
				tx.AddMembership(ctx, newMembership(team.ID, u.ID, base())),
				tx.CreateSession(ctx, &sess),
				tx.CreateToken(ctx, &tok),
				tx.AppendAudit(ctx, newAuditEvent(team.ID, base())),
			); err != nil {
				return err
			}
			if got, err := tx.GetTeamBySlug(ctx, "ACME"); err != nil || got.ID != team.ID {
				t.Errorf("GetTeamBySlug in tx = %q, %v; want the team just created", got.ID, err)
			}
			if got, err := tx.GetUserByEmail(ctx, "ALICE@example.com"); err != nil || got.ID != u.ID {
				t.Errorf("GetUserByEmail in tx = %q, %v; want the user just created", got.ID, err)
			}
			if n, err := tx.CountTeamMembers(ctx, team.ID); err != nil || n != 1 {
				t.Errorf("CountTeamMembers in tx = %d, %v; want 1", n, err)
			}
			if got, err := tx.ListSessions(ctx, u.ID, at(time.Minute)); err != nil || len(got) != 1 {
				t.Errorf("ListSessions in tx = %d sessions, %v; want the one just created", len(got), err)
			}
			if _, err := tx.ConsumeToken(ctx, tok.Purpose, tok.TokenHash, at(time.Minute)); err != nil {
				t.Errorf("ConsumeToken in tx: %v", err)
			}
			for want := 1; want <= 2; want++ {
				if n, err := tx.HitRateLimit(ctx, "signin:user:"+u.ID, base()); err != nil || n != want {
					t.Errorf("HitRateLimit in tx = %d, %v; want %d", n, err, want)
				}
			}
			if got, err := tx.ListAudit(ctx, team.ID, 10); err != nil || len(got) != 1 {
				t.Errorf("ListAudit in tx = %d events, %v; want 1", len(got), err)
			}
			updated, err := tx.UpdateTeam(ctx, team.ID, func(tm *accounts.Team) error {
				tm.Name = "Acme Corporation"
				return nil
			})
			if err != nil || updated.Name != "Acme Corporation" {
				t.Errorf("UpdateTeam in tx = %q, %v", updated.Name, err)
			}
			return err
		}))
		_, err := s.ConsumeToken(ctx, tok.Purpose, tok.TokenHash, at(2*time.Minute))
		wantErr(t, err, accounts.ErrNotFound) // consumed inside, and that was committed
		got, err := s.GetTeamBySlug(ctx, "acme")
		noErr(t, err)
		if got.Name != "Acme Corporation" {
			t.Errorf("team name after commit = %q, want the update made in the transaction", got.Name)
		}
	})

	t.Run("UpdateUser inside InTx sees a user created in it and commits with it", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		want := newUser("alice")
		noErr(t, s.InTx(ctx, func(tx accounts.Tx) error {
			created := want
			if err := tx.CreateUser(ctx, &created); err != nil {
				return err
			}
			_, err := tx.UpdateUser(ctx, created.ID, func(u *accounts.User) error {
				u.Name = "Alice Jones"
				return nil
			})
			if err != nil {
				return err
			}
			got, err := tx.GetUser(ctx, created.ID)
			if err != nil {
				return err
			}
			if got.Name != "Alice Jones" {
				t.Errorf("GetUser in tx after UpdateUser: Name = %q", got.Name)
			}
			return nil
		}))
		want.Name = "Alice Jones"
		got, err := s.GetUser(ctx, want.ID)
		noErr(t, err)
		same(t, "GetUser", got, want)
	})

	t.Run("UpdateUser inside a failed InTx is rolled back", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		orig := createUser(t, s, "alice")
		errStop := errors.New("policy refused")
		err := s.InTx(ctx, func(tx accounts.Tx) error {
			if _, err := tx.UpdateUser(ctx, orig.ID, func(u *accounts.User) error {
				u.Name, u.Status = "Changed", accounts.StatusDeactivated
				return nil
			}); err != nil {
				return err
			}
			return errStop
		})
		wantErr(t, err, errStop)
		got, err := s.GetUser(ctx, orig.ID)
		noErr(t, err)
		same(t, "GetUser", got, orig)
	})
}

// assertNoAlice checks that a rolled-back transaction left neither the user
// nor their membership and password.
func assertNoAlice(t *testing.T, s accounts.Store, teamID, userID string) {
	t.Helper()
	ctx := t.Context()
	_, err := s.GetUser(ctx, userID)
	wantErr(t, err, accounts.ErrNotFound)
	_, err = s.GetUserByUsername(ctx, "alice")
	wantErr(t, err, accounts.ErrNotFound)
	_, err = s.GetMembership(ctx, teamID, userID)
	wantErr(t, err, accounts.ErrNotFound)
	if n, err := s.CountTeamMembers(ctx, teamID); err != nil || n != 0 {
		t.Errorf("CountTeamMembers = %d, %v; want 0", n, err)
	}
	_, err = s.GetPasswordHash(ctx, userID)
	wantErr(t, err, accounts.ErrNotFound)
}
