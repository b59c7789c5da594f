package storetest

import (
	"testing"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

func testPasswords(t *testing.T, newStore newStoreFunc) {
	t.Run("a user without a password has none", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		withPassword, without := createUser(t, s, "alice"), createUser(t, s, "bob")
		noErr(t, s.SetPasswordHash(ctx, withPassword.ID, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", base()))
		_, err := s.GetPasswordHash(ctx, without.ID)
		wantErr(t, err, accounts.ErrNotFound)
	})

	t.Run("SetPasswordHash stores a hash and replaces it, for that user only", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		alice, bob := createUser(t, s, "alice"), createUser(t, s, "bob")
		const first, second, bobs = "$argon2id$v=19$m=19456,t=2,p=1$first$hash",
			"$argon2id$v=19$m=65536,t=3,p=1$second$hash", "$argon2id$v=19$m=19456,t=2,p=1$bob$hash"
		for _, tc := range []struct {
			user, hash string
			at         time.Time
		}{{alice.ID, first, base()}, {bob.ID, bobs, base()}, {alice.ID, second, at(time.Hour)}} {
			noErr(t, s.SetPasswordHash(ctx, tc.user, tc.hash, tc.at))
		}
		for _, tc := range []struct{ user, want string }{{alice.ID, second}, {bob.ID, bobs}} {
			got, err := s.GetPasswordHash(ctx, tc.user)
			noErr(t, err)
			if got != tc.want {
				t.Errorf("GetPasswordHash = %q, want %q", got, tc.want)
			}
		}
	})

	t.Run("DeletePasswordHash removes that user's password only, and twice is fine", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		alice, bob := createUser(t, s, "alice"), createUser(t, s, "bob")
		const hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"
		noErr(t, s.SetPasswordHash(ctx, alice.ID, hash, base()))
		noErr(t, s.SetPasswordHash(ctx, bob.ID, hash, base()))
		noErr(t, s.DeletePasswordHash(ctx, alice.ID))
		noErr(t, s.DeletePasswordHash(ctx, alice.ID))
		_, err := s.GetPasswordHash(ctx, alice.ID)
		wantErr(t, err, accounts.ErrNotFound)
		if got, err := s.GetPasswordHash(ctx, bob.ID); err != nil || got != hash {
			t.Errorf("bob's password after alice's was deleted: %q, %v", got, err)
		}
	})
}
