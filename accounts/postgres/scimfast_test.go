package postgres_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/postgres/pgtest"
)

// The conformance suite lets a store decline ApplySCIMUserUpdate; this one
// must apply it, and decline only what the transaction has to decide.
func TestApplySCIMUserUpdate(t *testing.T) {
	t.Parallel()
	s, ctx := pgtest.NewStore(t), t.Context()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	team := accounts.Team{ID: uuid.NewString(), Slug: "acme", Name: "Acme", Plan: accounts.PlanEnterprise, CreatedAt: now, UpdatedAt: now}
	if err := s.CreateTeam(ctx, &team); err != nil {
		t.Fatal(err)
	}
	newSCIM := func(name string) accounts.SCIMUser {
		u := accounts.User{ID: uuid.NewString(), Username: name, Email: name + "@acme.test", Status: accounts.StatusActive,
			EmailVerifiedAt: &now, ManagedByTeamID: team.ID, CreatedAt: now, UpdatedAt: now}
		su := accounts.SCIMUser{TeamID: team.ID, UserID: u.ID, UserName: name, Active: true, Document: json.RawMessage(`{}`), Version: 1, CreatedAt: now, UpdatedAt: now}
		e := accounts.AuditEvent{ID: uuid.NewString(), TeamID: team.ID, ActorKind: accounts.ActorSCIMToken, ActorID: "tok", Action: "scim.user.create", TargetID: u.ID, CreatedAt: now}
		if err := s.ProvisionSCIMUser(ctx, u, su, e); err != nil {
			t.Fatal(err)
		}
		return su
	}
	ann, bob := newSCIM("ann"), newSCIM("bob")
	sess := accounts.Session{ID: uuid.NewString(), UserID: ann.UserID, TokenHash: accounts.HashToken("x"), CreatedAt: now, LastSeenAt: now,
		IdleExpiresAt: now.Add(time.Hour), AbsExpiresAt: now.Add(time.Hour), AuthMethod: "password"}
	if err := s.CreateSession(ctx, &sess); err != nil {
		t.Fatal(err)
	}
	later := now.Add(time.Minute)
	event := func() accounts.AuditEvent {
		return accounts.AuditEvent{ID: uuid.NewString(), TeamID: team.ID, ActorKind: accounts.ActorSCIMToken, ActorID: "tok",
			Action: "scim.user.update", TargetID: ann.UserID, Details: map[string]string{"version": "2"}, CreatedAt: later}
	}
	off := accounts.SCIMUserFields{UserName: "Ann", ExternalID: "x1", Email: "ann@acme.test", Name: "Ann A", Active: false, Document: json.RawMessage(`{"userName":"Ann"}`)}

	none := &accounts.NoticeRows{}
	got, err := s.ApplySCIMUserUpdate(ctx, accounts.SCIMUserUpdate{Cur: ann, Fields: off, At: later, Event: event(), Deactivation: none})
	if err != nil || got.Version != 2 || got.Active || got.UserName != "Ann" || !got.UpdatedAt.Equal(later) {
		t.Fatalf("ApplySCIMUserUpdate = %+v, %v", got, err)
	}
	u, err := s.GetUser(ctx, ann.UserID)
	if err != nil || u.Status != accounts.StatusDeactivated || u.Username != "Ann" || u.Name != "Ann A" || !u.EmailVerifiedAt.Equal(now) {
		t.Fatalf("account %+v, %v: want deactivated, renamed, verification kept (same email)", u, err)
	}
	if live, err := s.ListSessions(ctx, ann.UserID, now); err != nil || len(live) != 0 {
		t.Fatalf("sessions after deactivation %v, %v; want none", live, err)
	}
	events, err := s.ListAudit(ctx, team.ID, 1)
	if err != nil || len(events) != 1 || events[0].Details["deactivated"] != "true" || events[0].Details["sessions_revoked"] != "1" || events[0].Details["version"] != "2" {
		t.Fatalf("audit %+v, %v", events, err)
	}

	// A stale version, a clash and an unknown user are declined untouched.
	for name, tc := range map[string]struct {
		cur accounts.SCIMUser
		f   accounts.SCIMUserFields
	}{
		"stale version":  {ann, off},
		"username clash": {bob, accounts.SCIMUserFields{UserName: "ANN", Email: "bob@acme.test", Active: true, Document: json.RawMessage(`{}`)}},
		"email clash":    {bob, accounts.SCIMUserFields{UserName: "bob", Email: "Ann@acme.test", Active: true, Document: json.RawMessage(`{}`)}},
		"unknown user":   {accounts.SCIMUser{TeamID: team.ID, UserID: uuid.NewString(), Version: 1}, off},
	} {
		if _, err := s.ApplySCIMUserUpdate(ctx, accounts.SCIMUserUpdate{Cur: tc.cur, Fields: tc.f, At: later, Event: event(), Deactivation: none}); !errors.Is(err, accounts.ErrConflict) {
			t.Errorf("%s: %v, want ErrConflict", name, err)
		}
	}
	if b, err := s.GetSCIMUser(ctx, team.ID, bob.UserID); err != nil || b.Version != 1 || b.UserName != "bob" {
		t.Fatalf("bob after declined updates %+v, %v", b, err)
	}
	if events, _ := s.ListAudit(ctx, team.ID, 10); len(events) != 3 {
		t.Fatalf("%d audit events, want 3 (two creates, one update)", len(events))
	}
	// The connection went back to the pool usable.
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}
