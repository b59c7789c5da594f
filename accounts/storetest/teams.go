package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/idbridge/idbridge/accounts"
)

func testTeams(t *testing.T, newStore newStoreFunc) {
	t.Run("a created team reads back by ID and by slug in any letter case", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		want := createTeam(t, s, "acme")
		got, err := s.GetTeam(ctx, want.ID)
		noErr(t, err)
		same(t, "GetTeam", got, want)
		for _, slug := range []string{"acme", "ACME", "Acme"} {
			got, err := s.GetTeamBySlug(ctx, slug)
			noErr(t, err)
			same(t, "GetTeamBySlug("+slug+")", got, want)
		}
	})

	t.Run("an unknown team ID or slug is ErrNotFound", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		createTeam(t, s, "acme")
		_, err := s.GetTeam(ctx, uuid.NewString())
		wantErr(t, err, accounts.ErrNotFound)
		_, err = s.GetTeamBySlug(ctx, "acme-2")
		wantErr(t, err, accounts.ErrNotFound)
	})

	t.Run("team settings round trip exactly", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		for _, tc := range []struct {
			name     string
			settings accounts.TeamSettings
		}{
			{"zero settings", accounts.TeamSettings{}},
			{"every setting, durations included", fullSettings()},
		} {
			t.Run(tc.name, func(t *testing.T) {
				want := newTeam("team-" + uuid.NewString()[:8])
				want.Settings = tc.settings
				noErr(t, s.CreateTeam(ctx, &want))
				got, err := s.GetTeam(ctx, want.ID)
				noErr(t, err)
				same(t, "GetTeam", got, want)
			})
		}
	})

	t.Run("ListTeams returns every team ordered by slug", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		got, err := s.ListTeams(ctx)
		noErr(t, err)
		if len(got) != 0 {
			t.Fatalf("ListTeams on an empty store returned %d teams", len(got))
		}
		charlie := createTeam(t, s, "charlie")
		alpha := createTeam(t, s, "alpha")
		bravo := createTeam(t, s, "bravo")
		got, err = s.ListTeams(ctx)
		noErr(t, err)
		same(t, "ListTeams", got, []accounts.Team{alpha, bravo, charlie})
	})

	t.Run("slugs are unique in any letter case", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		createTeam(t, s, "acme")
		for _, slug := range []string{"acme", "ACME", "Acme"} {
			t.Run(slug, func(t *testing.T) {
				tm := newTeam(slug)
				wantErr(t, s.CreateTeam(ctx, &tm), accounts.ErrSlugTaken)
				_, err := s.GetTeam(ctx, tm.ID)
				wantErr(t, err, accounts.ErrNotFound)
			})
		}
	})

	t.Run("UpdateTeam applies fn to the stored team and persists name, plan, settings and UpdatedAt", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		orig := createTeam(t, s, "acme")
		var seen accounts.Team
		got, err := s.UpdateTeam(ctx, orig.ID, func(tm *accounts.Team) error {
			seen = *tm
			tm.Name = "Acme Corporation"
			tm.Plan = accounts.PlanEnterprise
			tm.Settings = fullSettings()
			tm.UpdatedAt = at(time.Hour)
			return nil
		})
		noErr(t, err)
		same(t, "team passed to fn", seen, orig)
		want := orig
		want.Name, want.Plan, want.Settings, want.UpdatedAt = "Acme Corporation", accounts.PlanEnterprise, fullSettings(), at(time.Hour)
		same(t, "UpdateTeam result", got, want)
		got, err = s.GetTeam(ctx, orig.ID)
		noErr(t, err)
		same(t, "GetTeam after UpdateTeam", got, want)
	})

	t.Run("UpdateTeam ignores changes to ID, slug and CreatedAt", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		orig := createTeam(t, s, "acme")
		_, err := s.UpdateTeam(ctx, orig.ID, func(tm *accounts.Team) error {
			tm.ID, tm.Slug, tm.CreatedAt = uuid.NewString(), "renamed", at(time.Hour)
			return nil
		})
		noErr(t, err)
		got, err := s.GetTeam(ctx, orig.ID)
		noErr(t, err)
		same(t, "GetTeam", got, orig)
		_, err = s.GetTeamBySlug(ctx, "renamed")
		wantErr(t, err, accounts.ErrNotFound)
	})

	t.Run("UpdateTeam writes nothing when fn fails and returns fn's error", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		orig := createTeam(t, s, "acme")
		errStop := errors.New("seat limit below member count")
		_, err := s.UpdateTeam(ctx, orig.ID, func(tm *accounts.Team) error {
			tm.Name, tm.Settings, tm.UpdatedAt = "Changed", fullSettings(), at(time.Hour)
			return errStop
		})
		wantErr(t, err, errStop)
		got, err := s.GetTeam(ctx, orig.ID)
		noErr(t, err)
		same(t, "GetTeam", got, orig)
	})

	t.Run("UpdateTeam of an unknown team is ErrNotFound and does not call fn", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		createTeam(t, s, "acme")
		called := false
		_, err := s.UpdateTeam(ctx, uuid.NewString(), func(*accounts.Team) error { called = true; return nil })
		wantErr(t, err, accounts.ErrNotFound)
		if called {
			t.Error("fn was called for a team that does not exist")
		}
	})
}
