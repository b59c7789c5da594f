package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/idbridge/idbridge/accounts"
)

// provisioning is what ProvisionSCIMUser writes for one new account.
func provisioning(teamID, username string) (accounts.User, accounts.SCIMUser, accounts.AuditEvent) {
	u := newUser(username)
	verified := base()
	u.EmailVerifiedAt, u.ManagedByTeamID = &verified, teamID
	su := newSCIMUser(teamID, u.ID, username, base())
	e := accounts.AuditEvent{ID: uuid.NewString(), TeamID: teamID, ActorKind: accounts.ActorSCIMToken, ActorID: "tok",
		Action: "scim.user.create", TargetID: u.ID, IP: "192.0.2.1", Details: map[string]string{"userName": username}, CreatedAt: base()}
	return u, su, e
}

func testSCIMProvision(t *testing.T, newStore newStoreFunc) {
	t.Run("ProvisionSCIMUser writes the account, a scim membership with the team's default role, the identity and the event", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		_, err := s.UpdateTeam(ctx, team.ID, func(tm *accounts.Team) error {
			tm.Settings.DefaultRole = accounts.RoleAdmin
			return nil
		})
		noErr(t, err)
		u, su, e := provisioning(team.ID, "alice")
		noErr(t, s.ProvisionSCIMUser(ctx, u, su, e))

		got, err := s.GetUser(ctx, u.ID)
		noErr(t, err)
		same(t, "GetUser", got, u)
		m, err := s.GetMembership(ctx, team.ID, u.ID)
		noErr(t, err)
		same(t, "GetMembership", m, accounts.Membership{TeamID: team.ID, UserID: u.ID, Role: accounts.RoleAdmin, Source: accounts.SourceSCIM, CreatedAt: u.CreatedAt})
		gs, err := s.GetSCIMUser(ctx, team.ID, u.ID)
		noErr(t, err)
		if gs.UserName != su.UserName || gs.Version != 1 || !gs.Active {
			t.Errorf("GetSCIMUser = %+v, want %+v", gs, su)
		}
		events, err := s.ListAudit(ctx, team.ID, 10)
		noErr(t, err)
		if len(events) != 1 || events[0].ID != e.ID || events[0].TargetID != u.ID || events[0].Details["userName"] != "alice" {
			t.Errorf("audit %+v, want the event %+v", events, e)
		}
	})

	t.Run("ProvisionSCIMUser writes nothing and returns ErrConflict on a clash or a missing team", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		u, su, e := provisioning(team.ID, "alice")
		noErr(t, s.ProvisionSCIMUser(ctx, u, su, e))

		again, asu, ae := provisioning(team.ID, "ALICE") // the username in another case
		wantErr(t, s.ProvisionSCIMUser(ctx, again, asu, ae), accounts.ErrConflict)
		sameEmail, ssu, se := provisioning(team.ID, "bob")
		sameEmail.Email = "Alice@example.com"
		wantErr(t, s.ProvisionSCIMUser(ctx, sameEmail, ssu, se), accounts.ErrConflict)
		lost, lsu, le := provisioning(uuid.NewString(), "carol")
		wantErr(t, s.ProvisionSCIMUser(ctx, lost, lsu, le), accounts.ErrConflict)

		for _, id := range []string{again.ID, sameEmail.ID, lost.ID} {
			_, err := s.GetUser(ctx, id)
			wantErr(t, err, accounts.ErrNotFound)
		}
		events, err := s.ListAudit(ctx, team.ID, 10)
		noErr(t, err)
		if len(events) != 1 {
			t.Errorf("%d audit events after refused provisioning, want 1", len(events))
		}
		n, err := s.CountTeamMembers(ctx, team.ID)
		noErr(t, err)
		if n != 1 {
			t.Errorf("%d members after refused provisioning, want 1", n)
		}
	})
}

func testSCIMApplyUpdate(t *testing.T, newStore newStoreFunc) {
	t.Run("ApplySCIMUserUpdate applies a deactivation whole, notices included, or declines with ErrConflict and writes nothing", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		u, su, e := provisioning(team.ID, "alice")
		noErr(t, s.ProvisionSCIMUser(ctx, u, su, e))
		f := accounts.SCIMUserFields{UserName: "alice", Email: u.Email, Name: "Alice", Active: false, Document: doc(map[string]any{"userName": "alice"})}
		ev := accounts.AuditEvent{ID: uuid.NewString(), TeamID: team.ID, ActorKind: accounts.ActorSCIMToken, ActorID: "tok",
			Action: "scim.user.update", TargetID: u.ID, Details: map[string]string{"version": "2"}, CreatedAt: at(time.Minute)}
		notice := accounts.Notification{ID: uuid.NewString(), UserID: u.ID, Category: accounts.CategorySecurity,
			Title: "You were signed out by your team", CreatedAt: at(time.Minute)}
		mail := accounts.OutboxMessage{ID: uuid.NewString(), Channel: accounts.ChannelEmail, Recipient: u.Email,
			Subject: notice.Title, Body: "Hello", CreatedAt: at(time.Minute), NextAttemptAt: at(time.Minute)}
		up := accounts.SCIMUserUpdate{Cur: su, Fields: f, At: at(time.Minute), Event: ev,
			Deactivation: &accounts.NoticeRows{Notifications: []accounts.Notification{notice}, Outbox: []accounts.OutboxMessage{mail}}}
		// Without a plan for telling the person, a deactivation is declined.
		if _, err := s.ApplySCIMUserUpdate(ctx, accounts.SCIMUserUpdate{Cur: su, Fields: f, At: at(time.Minute), Event: ev}); !errors.Is(err, accounts.ErrConflict) {
			t.Fatalf("ApplySCIMUserUpdate of a deactivation without notices = %v, want ErrConflict", err)
		}
		got, err := s.ApplySCIMUserUpdate(ctx, up)
		acct, gerr := s.GetUser(ctx, u.ID)
		noErr(t, gerr)
		cur, gerr := s.GetSCIMUser(ctx, team.ID, u.ID)
		noErr(t, gerr)
		inbox, gerr := s.ListNotifications(ctx, u.ID, 10)
		noErr(t, gerr)
		outbox, gerr := s.ListOutbox(ctx, accounts.ChannelEmail, 10)
		noErr(t, gerr)
		switch {
		case err == nil:
			if got.Version != 2 || cur.Version != 2 || cur.Active || acct.Status != accounts.StatusDeactivated {
				t.Errorf("applied: returned %+v, stored %+v, account %+v", got, cur, acct)
			}
			if len(inbox) != 1 || inbox[0].ID != notice.ID || len(outbox) != 1 || outbox[0].ID != mail.ID {
				t.Errorf("applied: inbox %+v, outbox %+v; want the notice and the email", inbox, outbox)
			}
		case errors.Is(err, accounts.ErrConflict):
			if cur.Version != 1 || !cur.Active || acct.Status != accounts.StatusActive || len(inbox) != 0 || len(outbox) != 0 {
				t.Errorf("declined but wrote: stored %+v, account %+v, inbox %+v, outbox %+v", cur, acct, inbox, outbox)
			}
		default:
			t.Fatalf("ApplySCIMUserUpdate = %v, want nil or ErrConflict", err)
		}
		// A version that moved on is never applied.
		up.Cur, up.At = accounts.SCIMUser{TeamID: team.ID, UserID: u.ID, Version: 99}, at(time.Hour)
		if _, err := s.ApplySCIMUserUpdate(ctx, up); !errors.Is(err, accounts.ErrConflict) {
			t.Errorf("ApplySCIMUserUpdate at a stale version = %v, want ErrConflict", err)
		}
	})
}
