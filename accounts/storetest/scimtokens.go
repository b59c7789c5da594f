package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/idbridge/idbridge/accounts"
)

func testSCIMTokens(t *testing.T, newStore newStoreFunc) {
	t.Run("a created SCIM token reads back by hash with every field", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		for _, tc := range []struct {
			name    string
			expires *time.Time
		}{
			{"without expiry", nil},
			{"with expiry", new(at(90 * 24 * time.Hour))},
		} {
			t.Run(tc.name, func(t *testing.T) {
				want := newSCIMToken(team.ID, base())
				want.ExpiresAt = tc.expires
				want = createSCIMToken(t, s, want)
				got, err := s.GetSCIMTokenByHash(ctx, want.TokenHash)
				noErr(t, err)
				same(t, "GetSCIMTokenByHash", got, want)
			})
		}
		_, err := s.GetSCIMTokenByHash(ctx, newHash())
		wantErr(t, err, accounts.ErrNotFound)
	})

	t.Run("ListSCIMTokens returns all of a team's tokens, revoked ones too, newest first", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, other := createTeam(t, s, "acme"), createTeam(t, s, "other")
		middle := createSCIMToken(t, s, newSCIMToken(team.ID, at(time.Hour)))
		newest := createSCIMToken(t, s, newSCIMToken(team.ID, at(2*time.Hour)))
		oldest := createSCIMToken(t, s, newSCIMToken(team.ID, base()))
		createSCIMToken(t, s, newSCIMToken(other.ID, at(3*time.Hour)))
		noErr(t, s.RevokeSCIMToken(ctx, team.ID, middle.ID, at(4*time.Hour)))
		middle.RevokedAt = new(at(4 * time.Hour))

		got, err := s.ListSCIMTokens(ctx, team.ID)
		noErr(t, err)
		same(t, "ListSCIMTokens", got, []accounts.SCIMToken{newest, middle, oldest})
		got, err = s.ListSCIMTokens(ctx, createTeam(t, s, "empty").ID)
		noErr(t, err)
		if len(got) != 0 {
			t.Errorf("ListSCIMTokens of a team without tokens returned %d", len(got))
		}
	})

	t.Run("RevokeSCIMToken records when, and the token still reads back but is unusable", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		want := createSCIMToken(t, s, newSCIMToken(team.ID, base()))
		kept := createSCIMToken(t, s, newSCIMToken(team.ID, base()))
		noErr(t, s.RevokeSCIMToken(ctx, team.ID, want.ID, at(time.Hour)))
		want.RevokedAt = new(at(time.Hour))
		got, err := s.GetSCIMTokenByHash(ctx, want.TokenHash)
		noErr(t, err)
		same(t, "revoked token", got, want)
		if got.Usable(at(2 * time.Hour)) {
			t.Error("a revoked token reads back as usable")
		}
		got, err = s.GetSCIMTokenByHash(ctx, kept.TokenHash)
		noErr(t, err)
		same(t, "the other token", got, kept)
	})

	t.Run("revoking another team's, an unknown or a revoked SCIM token is ErrNotFound", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team, other := createTeam(t, s, "acme"), createTeam(t, s, "other")
		others := createSCIMToken(t, s, newSCIMToken(other.ID, base()))
		revoked := createSCIMToken(t, s, newSCIMToken(team.ID, base()))
		noErr(t, s.RevokeSCIMToken(ctx, team.ID, revoked.ID, at(time.Minute)))
		revoked.RevokedAt = new(at(time.Minute))
		for _, tc := range []struct{ name, id string }{
			{"another team's", others.ID},
			{"unknown", uuid.NewString()},
			{"already revoked", revoked.ID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantErr(t, s.RevokeSCIMToken(ctx, team.ID, tc.id, at(time.Hour)), accounts.ErrNotFound)
			})
		}
		for _, want := range []accounts.SCIMToken{others, revoked} {
			got, err := s.GetSCIMTokenByHash(ctx, want.TokenHash)
			noErr(t, err)
			same(t, "token", got, want)
		}
	})

	t.Run("TouchSCIMToken records the latest use", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		want := createSCIMToken(t, s, newSCIMToken(team.ID, base()))
		other := createSCIMToken(t, s, newSCIMToken(team.ID, base()))
		noErr(t, s.TouchSCIMToken(ctx, want.ID, at(time.Minute)))
		noErr(t, s.TouchSCIMToken(ctx, want.ID, at(time.Hour)))
		want.LastUsedAt = new(at(time.Hour))
		for _, w := range []accounts.SCIMToken{want, other} {
			got, err := s.GetSCIMTokenByHash(ctx, w.TokenHash)
			noErr(t, err)
			same(t, "token", got, w)
		}
	})
}
