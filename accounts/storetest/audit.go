package storetest

import (
	"testing"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

func testAudit(t *testing.T, newStore newStoreFunc) {
	t.Run("ListAudit returns a team's events newest first, up to limit", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		events := make([]accounts.AuditEvent, 5) // events[i] happened at minute i
		for _, i := range []int{2, 0, 4, 1, 3} {
			events[i] = newAuditEvent(team.ID, at(time.Duration(i)*time.Minute))
			noErr(t, s.AppendAudit(ctx, events[i]))
		}
		for _, tc := range []struct {
			limit int
			want  []accounts.AuditEvent
		}{
			{1, []accounts.AuditEvent{events[4]}},
			{3, []accounts.AuditEvent{events[4], events[3], events[2]}},
			{10, []accounts.AuditEvent{events[4], events[3], events[2], events[1], events[0]}},
		} {
			got, err := s.ListAudit(ctx, team.ID, tc.limit)
			noErr(t, err)
			same(t, "ListAudit", got, tc.want)
		}
	})

	t.Run("AppendAudit writes several events in one call, and none when one of them clashes", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		a, b := newAuditEvent(team.ID, at(0)), newAuditEvent(team.ID, at(time.Minute))
		b.Details = map[string]string{"reference": "ABC"}
		noErr(t, s.AppendAudit(ctx, a, b))
		noErr(t, s.AppendAudit(ctx))
		got, err := s.ListAudit(ctx, team.ID, 10)
		noErr(t, err)
		same(t, "ListAudit", got, []accounts.AuditEvent{b, a})
		c := newAuditEvent(team.ID, at(2*time.Minute))
		if err := s.AppendAudit(ctx, c, a); err == nil {
			t.Fatal("AppendAudit with an event ID that exists: no error")
		}
		got, err = s.ListAudit(ctx, team.ID, 10)
		noErr(t, err)
		same(t, "ListAudit after a clash", got, []accounts.AuditEvent{b, a})
	})

	t.Run("ListAudit is scoped to one team, and an empty team ID lists events outside any team", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		a, b := createTeam(t, s, "alpha"), createTeam(t, s, "bravo")
		want := map[string][]accounts.AuditEvent{}
		for i, teamID := range []string{a.ID, b.ID, "", a.ID, ""} {
			e := newAuditEvent(teamID, at(time.Duration(i)*time.Minute))
			noErr(t, s.AppendAudit(ctx, e))
			want[teamID] = append([]accounts.AuditEvent{e}, want[teamID]...)
		}
		for _, teamID := range []string{a.ID, b.ID, ""} {
			got, err := s.ListAudit(ctx, teamID, 10)
			noErr(t, err)
			same(t, "ListAudit(team "+teamID+")", got, want[teamID])
		}
	})

	t.Run("an event round trips with every field and its details", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		for i, tc := range []struct {
			name    string
			details map[string]string
		}{
			{"no details", nil},
			{"one detail", map[string]string{"slug": "acme"}},
			{"several, with an empty value and non-ASCII", map[string]string{
				"username": "jürgen", "role": "admin", "source": "", "note": `"quoted" & <tagged>`}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				want := newAuditEvent(team.ID, at(time.Duration(i)*time.Hour))
				want.ActorKind, want.Details = accounts.ActorSCIMToken, tc.details
				noErr(t, s.AppendAudit(ctx, want))
				got, err := s.ListAudit(ctx, team.ID, 1)
				noErr(t, err)
				same(t, "ListAudit", got, []accounts.AuditEvent{want})
			})
		}
	})
}
