package accounts_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

type scimFixture struct {
	ctx   context.Context
	st    accounts.Store
	svc   *accounts.Service
	clock *clock
	team  accounts.Team
	actor accounts.Actor
}

func newSCIMFixture(t *testing.T) scimFixture {
	t.Helper()
	f := scimFixture{ctx: context.Background(), st: newStore(t), clock: &clock{time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)},
		actor: accounts.Actor{Kind: accounts.ActorSCIMToken, ID: "tok"}}
	f.svc = newService(t, f.st, f.clock, accounts.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	var err error
	f.team, err = f.svc.CreateTeam(f.ctx, accounts.CreateTeamInput{Slug: "acme", Name: "Acme", Plan: accounts.PlanEnterprise})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func aliceFields() accounts.SCIMUserFields {
	return accounts.SCIMUserFields{
		UserName: "alice@acme.test", ExternalID: "00u1", Email: "alice@acme.test", Name: "Alice Smith",
		Active: true, Password: "idp-sent passphrase", Document: json.RawMessage(`{"userName":"alice@acme.test","active":true}`),
	}
}

func TestSCIMProvisioningLifecycle(t *testing.T) {
	f := newSCIMFixture(t)
	su, err := f.svc.CreateSCIMUser(f.ctx, f.actor, f.team.ID, aliceFields())
	if err != nil {
		t.Fatal(err)
	}
	u, err := f.st.GetUser(f.ctx, su.UserID)
	if err != nil || u.ManagedByTeamID != f.team.ID || u.EmailVerifiedAt == nil || u.Name != "Alice Smith" || !u.Active() {
		t.Fatalf("account %+v, %v: want an active, managed, verified account", u, err)
	}
	m, err := f.st.GetMembership(f.ctx, f.team.ID, u.ID)
	if err != nil || m.Source != accounts.SourceSCIM || m.Role != accounts.RoleMember {
		t.Fatalf("membership %+v, %v", m, err)
	}
	if _, err := f.svc.Authenticate(f.ctx, "alice@acme.test", "idp-sent passphrase", "192.0.2.1"); err != nil {
		t.Fatalf("the IdP-sent password does not sign in: %v", err)
	}
	// A retried create clashes on userName and email alike; either answer
	// becomes SCIM's 409 uniqueness.
	if _, err := f.svc.CreateSCIMUser(f.ctx, f.actor, f.team.ID, aliceFields()); !errors.Is(err, accounts.ErrUsernameTaken) && !errors.Is(err, accounts.ErrEmailTaken) {
		t.Fatalf("a retried create: %v, want a uniqueness error", err)
	}

	// Deactivation revokes every session in the same write.
	for range 2 {
		if _, _, err := f.svc.StartSession(f.ctx, accounts.StartSessionInput{UserID: u.ID}); err != nil {
			t.Fatal(err)
		}
	}
	su, err = f.svc.UpdateSCIMUser(f.ctx, f.actor, f.team.ID, u.ID, func(cur accounts.SCIMUser) (accounts.SCIMUserFields, error) {
		fl := aliceFields()
		fl.Active, fl.Password = false, ""
		return fl, nil
	})
	if err != nil || su.Active || su.Version != 2 {
		t.Fatalf("deactivate: %+v, %v", su, err)
	}
	if sessions, _ := f.svc.Sessions(f.ctx, u.ID); len(sessions) != 0 {
		t.Fatalf("%d sessions survived deactivation", len(sessions))
	}
	if u, _ = f.st.GetUser(f.ctx, u.ID); u.Active() {
		t.Fatal("account still active")
	}
	if _, _, err := f.svc.StartSession(f.ctx, accounts.StartSessionInput{UserID: u.ID}); accounts.ErrorCode(err) != accounts.CodeAccountDeactivated {
		t.Fatalf("session for a deactivated account: %v", err)
	}
	if n := signedOutByTeam(t, f, u.ID); n != 1 {
		t.Fatalf("%d 'signed out by your team' notices after deactivation, want 1", n)
	}
	mail, err := f.svc.SentMail(f.ctx, 10)
	if err != nil || len(mail) != 1 || mail[0].Recipient != "alice@acme.test" || mail[0].Subject != "You were signed out by your team" {
		t.Fatalf("outbox after deactivation %+v, %v; want one email telling alice", mail, err)
	}

	// A failing fn (e.g. a stale If-Match) writes nothing.
	stale := errors.New("stale version")
	if _, err := f.svc.UpdateSCIMUser(f.ctx, f.actor, f.team.ID, u.ID, func(accounts.SCIMUser) (accounts.SCIMUserFields, error) {
		return accounts.SCIMUserFields{}, stale
	}); !errors.Is(err, stale) {
		t.Fatalf("fn error: %v", err)
	}
	// Reactivation with a renamed email.
	su, err = f.svc.UpdateSCIMUser(f.ctx, f.actor, f.team.ID, u.ID, func(cur accounts.SCIMUser) (accounts.SCIMUserFields, error) {
		if cur.Version != 2 {
			t.Errorf("fn saw version %d, want 2 (the failed write must not count)", cur.Version)
		}
		fl := aliceFields()
		fl.Email, fl.Password = "alice.smith@acme.test", ""
		return fl, nil
	})
	if err != nil || !su.Active || su.Version != 3 {
		t.Fatalf("reactivate: %+v, %v", su, err)
	}
	if u, _ = f.st.GetUser(f.ctx, u.ID); !u.Active() || u.Email != "alice.smith@acme.test" {
		t.Fatalf("account after reactivation: %+v", u)
	}

	// Deprovisioning: identity and membership go, the account stays, deactivated.
	if _, _, err := f.svc.StartSession(f.ctx, accounts.StartSessionInput{UserID: u.ID}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteSCIMUser(f.ctx, f.actor, f.team.ID, u.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SCIMUser(f.ctx, f.team.ID, u.ID); !errors.Is(err, accounts.ErrNotFound) {
		t.Fatalf("SCIM user after delete: %v", err)
	}
	if _, err := f.st.GetMembership(f.ctx, f.team.ID, u.ID); !errors.Is(err, accounts.ErrNotFound) {
		t.Fatalf("membership after delete: %v", err)
	}
	if u, err = f.st.GetUser(f.ctx, u.ID); err != nil || u.Active() {
		t.Fatalf("account after delete: %+v, %v; want it kept and deactivated", u, err)
	}
	if sessions, _ := f.svc.Sessions(f.ctx, u.ID); len(sessions) != 0 {
		t.Fatalf("%d sessions survived deprovisioning", len(sessions))
	}
	if n := signedOutByTeam(t, f, u.ID); n != 2 {
		t.Fatalf("%d 'signed out by your team' notices after deprovisioning, want 2", n)
	}
	events, _ := f.st.ListAudit(f.ctx, f.team.ID, 10)
	if len(events) == 0 || events[0].Action != "scim.user.delete" || events[0].ActorKind != accounts.ActorSCIMToken {
		t.Fatalf("audit: %+v", events)
	}
}

func TestSCIMUserFieldsAreValidated(t *testing.T) {
	f := newSCIMFixture(t)
	tests := []struct {
		name  string
		edit  func(*accounts.SCIMUserFields)
		field string
	}{
		{"a userName with spaces", func(fl *accounts.SCIMUserFields) { fl.UserName = "alice smith" }, "userName"},
		{"no email", func(fl *accounts.SCIMUserFields) { fl.Email = "" }, "emails"},
		{"a common password", func(fl *accounts.SCIMUserFields) { fl.Password = "password1" }, "password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fl := aliceFields()
			tt.edit(&fl)
			_, err := f.svc.CreateSCIMUser(f.ctx, f.actor, f.team.ID, fl)
			var e *accounts.Error
			if !errors.As(err, &e) || e.Field != tt.field {
				t.Fatalf("got %v, want an error naming %q", err, tt.field)
			}
		})
	}
	if page, err := f.svc.ListSCIMUsers(f.ctx, accounts.SCIMQuery{TeamID: f.team.ID, Count: 10}); err != nil || page.Total != 0 {
		t.Fatalf("refused creates left %d SCIM users (%v)", page.Total, err)
	}
}

func TestSCIMGroupMembers(t *testing.T) {
	f := newSCIMFixture(t)
	var ids []string
	for _, name := range []string{"ann", "ben", "cat"} {
		fl := aliceFields()
		fl.UserName, fl.Email, fl.ExternalID, fl.Password = name, name+"@acme.test", name, ""
		su, err := f.svc.CreateSCIMUser(f.ctx, f.actor, f.team.ID, fl)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, su.UserID)
	}
	g, err := f.svc.CreateSCIMGroup(f.ctx, f.actor, f.team.ID, accounts.SCIMGroupFields{DisplayName: "Engineering"}, ids[:2])
	if err != nil {
		t.Fatal(err)
	}
	keep := func(cur accounts.SCIMGroup) (accounts.SCIMGroupFields, error) {
		return accounts.SCIMGroupFields{DisplayName: cur.DisplayName, ExternalID: cur.ExternalID, Document: cur.Document}, nil
	}
	g, err = f.svc.UpdateSCIMGroup(f.ctx, f.actor, f.team.ID, g.ID, keep, accounts.MemberChange{Add: ids[2:], Remove: ids[:1]})
	if err != nil || g.Version != 2 {
		t.Fatalf("member change: %+v, %v", g, err)
	}
	members, err := f.svc.SCIMGroupMembers(f.ctx, f.team.ID, g.ID)
	if err != nil || len(members) != 2 || !contains(members, ids[1]) || !contains(members, ids[2]) {
		t.Fatalf("members %v, %v; want ben and cat", members, err)
	}
	// An unknown member fails the whole write: the rename does not happen either.
	_, err = f.svc.UpdateSCIMGroup(f.ctx, f.actor, f.team.ID, g.ID, func(cur accounts.SCIMGroup) (accounts.SCIMGroupFields, error) {
		return accounts.SCIMGroupFields{DisplayName: "Renamed"}, nil
	}, accounts.MemberChange{Add: []string{"no-such-user"}})
	if !errors.Is(err, accounts.ErrNotFound) {
		t.Fatalf("unknown member: %v", err)
	}
	if g, _ = f.svc.SCIMGroup(f.ctx, f.team.ID, g.ID); g.DisplayName != "Engineering" || g.Version != 2 {
		t.Fatalf("group after a refused write: %+v", g)
	}
	if _, err := f.svc.CreateSCIMGroup(f.ctx, f.actor, f.team.ID, accounts.SCIMGroupFields{DisplayName: "ENGINEERING"}, nil); !errors.Is(err, accounts.ErrGroupNameTaken) {
		t.Fatalf("duplicate group: %v", err)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// signedOutByTeam counts the in-app notices telling the person their team
// signed them out.
func signedOutByTeam(t *testing.T, f scimFixture, userID string) int {
	t.Helper()
	inbox, err := f.svc.Inbox(f.ctx, userID, 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range inbox.Notifications {
		if m.Title == "You were signed out by your team" {
			n++
		}
	}
	return n
}
