package storetest

import (
	"testing"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

func testTokens(t *testing.T, newStore newStoreFunc) {
	t.Run("a token is consumed once and comes back with every field and UsedAt set", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		u := createUser(t, s, "alice")
		want := newToken(u.ID, accounts.PurposeChangeEmail, base())
		want.Data = "alice.new@example.org"
		want = createToken(t, s, want)
		now := at(time.Minute)
		got, err := s.ConsumeToken(ctx, accounts.PurposeChangeEmail, want.TokenHash, now)
		noErr(t, err)
		want.UsedAt = &now
		same(t, "ConsumeToken", got, want)
		_, err = s.ConsumeToken(ctx, accounts.PurposeChangeEmail, want.TokenHash, at(2*time.Minute))
		wantErr(t, err, accounts.ErrNotFound)
	})

	t.Run("Data round trips exactly", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		u := createUser(t, s, "alice")
		for _, tc := range []struct {
			name    string
			purpose accounts.TokenPurpose // one per case: a newer token would void the older
			data    string
		}{
			{"empty", accounts.PurposeVerifyEmail, ""},
			{"JSON", accounts.PurposeMFA, `{"email":"neu@example.de","remember":true}`},
			{"non-ASCII, quotes and a newline", accounts.PurposeChangeEmail, "Grüße, 世界 — \"quoted\"\n"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				want := newToken(u.ID, tc.purpose, base())
				want.Data = tc.data
				want = createToken(t, s, want)
				now := at(time.Minute)
				got, err := s.ConsumeToken(ctx, tc.purpose, want.TokenHash, now)
				noErr(t, err)
				want.UsedAt = &now
				same(t, "ConsumeToken", got, want)
			})
		}
	})

	t.Run("a token is accepted only for its own purpose", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		tok := createToken(t, s, newToken(createUser(t, s, "alice").ID, accounts.PurposeResetPassword, base()))
		_, err := s.ConsumeToken(ctx, accounts.PurposeVerifyEmail, tok.TokenHash, at(time.Minute))
		wantErr(t, err, accounts.ErrNotFound)
		_, err = s.ConsumeToken(ctx, accounts.PurposeResetPassword, tok.TokenHash, at(time.Minute))
		noErr(t, err) // the wrong-purpose attempt did not use it up
	})

	t.Run("an expired or unknown token is ErrNotFound", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		u := createUser(t, s, "alice")
		for _, tc := range []struct {
			name    string
			purpose accounts.TokenPurpose
			hash    []byte
			now     time.Time
			want    error
		}{
			{"a second before expiry is fine", accounts.PurposeVerifyEmail, nil, at(time.Hour - time.Second), nil},
			{"a second after expiry is too late", accounts.PurposeResetPassword, nil, at(time.Hour + time.Second), accounts.ErrNotFound},
			{"an unknown hash is not found", accounts.PurposeResetPassword, newHash(), at(time.Minute), accounts.ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tok := createToken(t, s, newToken(u.ID, tc.purpose, base()))
				if tc.hash == nil {
					tc.hash = tok.TokenHash
				}
				_, err := s.ConsumeToken(ctx, tc.purpose, tc.hash, tc.now)
				if tc.want == nil {
					noErr(t, err)
				} else {
					wantErr(t, err, tc.want)
				}
			})
		}
	})

	t.Run("the newest token wins over older ones of the same user and purpose only", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		alice, bob := createUser(t, s, "alice"), createUser(t, s, "bob")
		older := createToken(t, s, newToken(alice.ID, accounts.PurposeResetPassword, base()))
		otherPurpose := createToken(t, s, newToken(alice.ID, accounts.PurposeVerifyEmail, base()))
		otherUser := createToken(t, s, newToken(bob.ID, accounts.PurposeResetPassword, base()))
		newer := createToken(t, s, newToken(alice.ID, accounts.PurposeResetPassword, at(time.Minute)))

		now := at(2 * time.Minute)
		_, err := s.ConsumeToken(ctx, older.Purpose, older.TokenHash, now)
		wantErr(t, err, accounts.ErrNotFound)
		for _, tok := range []accounts.OneTimeToken{newer, otherPurpose, otherUser} {
			_, err := s.ConsumeToken(ctx, tok.Purpose, tok.TokenHash, now)
			noErr(t, err)
		}
	})
}
