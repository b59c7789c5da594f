package accounts_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/postgres/pgtest"
	"github.com/idbridge/idbridge/policy"
)

// Each test runs on both stores: the sign-in and its session are one
// transaction, and each store must keep every guarantee StartSession has.
func ssoFixtures(t *testing.T, settings accounts.TeamSettings) map[string]ssoFixture {
	return map[string]ssoFixture{
		"sqlite":   newSSOFixtureOn(t, newStore(t), settings),
		"postgres": newSSOFixtureOn(t, pgtest.NewStore(t), settings),
	}
}

func (f ssoFixture) signInWith(ctx context.Context, in accounts.SSOSignInInput) (accounts.SSOSignInResult, error) {
	in.ConnectionID, in.IP = f.conn.ID, "192.0.2.1"
	if in.Decide == nil {
		in.Decide = policy.JIT
	}
	if in.Claims.Subject == "" {
		in.Claims = accounts.SSOClaims{Subject: "00u-alice", Email: "alice@acme.test", GivenName: "Alice"}
	}
	return f.svc.SSOSignIn(ctx, in)
}

func sessionStarts(t *testing.T, f ssoFixture) map[string]bool {
	t.Helper()
	events, err := f.st.ListAudit(t.Context(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, e := range events {
		if e.Action == "session.start" {
			out[e.TargetID] = e.Details["method"] == "sso:"+f.conn.ID
		}
	}
	return out
}

func TestSSOSignInWritesTheProvisionAndSessionAuditEventsAndRotatesThePreviousSession(t *testing.T) {
	for name, f := range ssoFixtures(t, accounts.TeamSettings{JITEnabled: true}) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			first, err := f.signInWith(ctx, accounts.SSOSignInInput{UserAgent: "Firefox/140"})
			if err != nil || first.Action != accounts.SSOProvision {
				t.Fatalf("first sign-in: %+v, %v", first, err)
			}
			events, _ := f.st.ListAudit(ctx, f.team.ID, 10)
			if !hasAction(events, "sso.provision") {
				t.Errorf("no sso.provision event in %+v", events)
			}
			if byID := sessionStarts(t, f); !byID[first.Session.ID] {
				t.Errorf("no session.start event by sso:%s for session %s in %v", f.conn.ID, first.Session.ID, byID)
			}
			second, err := f.signInWith(ctx, accounts.SSOSignInInput{UserAgent: "Firefox/140", PreviousToken: first.Token})
			if err != nil || second.Action != accounts.SSOSignInLinked || second.Token == first.Token {
				t.Fatalf("second sign-in: %+v, %v", second, err)
			}
			old, err := f.st.GetSessionByTokenHash(ctx, accounts.HashToken(first.Token))
			if err != nil || old.RevokedAt == nil {
				t.Errorf("the browser's previous session %+v (%v) was not revoked", old, err)
			}
			live, _ := f.st.ListSessions(ctx, first.User.ID, first.Session.CreatedAt)
			if len(live) != 1 || live[0].ID != second.Session.ID {
				t.Errorf("live sessions %+v, want only %s", live, second.Session.ID)
			}
		})
	}
}

func TestSSOSignInRefusesADeactivatedAccountEvenWhenTheDeciderLetsItIn(t *testing.T) {
	letIn := func(f accounts.SSOFacts) accounts.SSOVerdict {
		if f.LinkedUser != nil {
			return accounts.SSOVerdict{Action: accounts.SSOSignInLinked, UserID: f.LinkedUser.ID}
		}
		return accounts.SSOVerdict{Action: accounts.SSOProvision, Role: accounts.RoleMember}
	}
	for name, f := range ssoFixtures(t, accounts.TeamSettings{JITEnabled: true}) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			first, err := f.signInWith(ctx, accounts.SSOSignInInput{Decide: letIn})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.st.UpdateUser(ctx, first.User.ID, func(u *accounts.User) error { u.Status = accounts.StatusDeactivated; return nil }); err != nil {
				t.Fatal(err)
			}
			_, err = f.signInWith(ctx, accounts.SSOSignInInput{Decide: letIn, AssertionID: "a-2", AssertionExpires: time.Now().Add(time.Hour)})
			if accounts.ErrorCode(err) != accounts.CodeAccountDeactivated {
				t.Fatalf("err = %v, want account_deactivated", err)
			}
			live, _ := f.st.ListSessions(ctx, first.User.ID, first.Session.CreatedAt)
			if len(live) != 1 || live[0].ID != first.Session.ID {
				t.Errorf("sessions %+v: a deactivated account got a new one", live)
			}
			// Nothing of the refused sign-in was kept.
			if err := f.st.RecordAssertion(ctx, f.conn.ID, "a-2", time.Now().Add(time.Hour)); err != nil {
				t.Errorf("the refused sign-in's assertion was recorded: %v", err)
			}
		})
	}
}

func TestSSOSignInFromANewDeviceNotifiesTheUserButAFirstSignInDoesNot(t *testing.T) {
	for name, f := range ssoFixtures(t, accounts.TeamSettings{JITEnabled: true}) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			first, err := f.signInWith(ctx, accounts.SSOSignInInput{UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"})
			if err != nil {
				t.Fatal(err)
			}
			notices := func() int {
				ns, err := f.st.ListNotifications(ctx, first.User.ID, 10)
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, x := range ns {
					if x.Title == "New sign-in to your account" {
						n++
					}
				}
				return n
			}
			if n := notices(); n != 0 {
				t.Errorf("a first sign-in gave %d new-device notices", n)
			}
			if _, err := f.signInWith(ctx, accounts.SSOSignInInput{UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"}); err != nil {
				t.Fatal(err)
			}
			if n := notices(); n != 0 {
				t.Errorf("a sign-in from the same device gave %d new-device notices", n)
			}
			if _, err := f.signInWith(ctx, accounts.SSOSignInInput{UserAgent: "curl/8.5.0"}); err != nil {
				t.Fatal(err)
			}
			if n := notices(); n != 1 {
				t.Errorf("a sign-in from a new device gave %d new-device notices, want 1", n)
			}
		})
	}
}

func TestSSOSignInConsumesTheSignInInFlightOnceForItsBrowserAndConnection(t *testing.T) {
	for name, f := range ssoFixtures(t, accounts.TeamSettings{JITEnabled: true}) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			if err := f.svc.StartSSOFlow(ctx, accounts.StartSSOFlowInput{ID: "id-1", ConnectionID: f.conn.ID, Binding: "browser-1", ReturnTo: "/settings"}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.signInWith(ctx, accounts.SSOSignInInput{FlowID: "id-1", FlowBinding: "browser-2"}); !errors.Is(err, accounts.ErrUnknownSSOFlow) {
				t.Fatalf("another browser's flow: err = %v, want ErrUnknownSSOFlow", err)
			}
			if _, err := f.st.GetUserByEmail(ctx, "alice@acme.test"); !errors.Is(err, accounts.ErrNotFound) {
				t.Errorf("a sign-in for an unknown flow provisioned an account: %v", err)
			}
			res, err := f.signInWith(ctx, accounts.SSOSignInInput{FlowID: "id-1", FlowBinding: "browser-1"})
			if err != nil || res.Flow.ReturnTo != "/settings" || res.Token == "" {
				t.Fatalf("sign-in for its flow: %+v, %v", res, err)
			}
			if _, err := f.signInWith(ctx, accounts.SSOSignInInput{FlowID: "id-1", FlowBinding: "browser-1"}); !errors.Is(err, accounts.ErrUnknownSSOFlow) {
				t.Fatalf("a used flow: err = %v, want ErrUnknownSSOFlow", err)
			}
		})
	}
}

func TestSSOSignInGivesAProvisionedPersonTheTeamsShorterSessionLifetimes(t *testing.T) {
	settings := accounts.TeamSettings{JITEnabled: true, SessionIdleTimeout: time.Hour, SessionAbsoluteTimeout: 2 * time.Hour}
	for name, f := range ssoFixtures(t, settings) {
		t.Run(name, func(t *testing.T) {
			res, err := f.signInWith(t.Context(), accounts.SSOSignInInput{})
			if err != nil {
				t.Fatal(err)
			}
			s := res.Session
			if s.IdleExpiresAt.Sub(s.CreatedAt) != time.Hour || s.AbsExpiresAt.Sub(s.CreatedAt) != 2*time.Hour {
				t.Errorf("session lifetimes %v idle, %v absolute; want the team's 1h and 2h",
					s.IdleExpiresAt.Sub(s.CreatedAt), s.AbsExpiresAt.Sub(s.CreatedAt))
			}
			stored, err := f.st.GetSessionByTokenHash(t.Context(), accounts.HashToken(res.Token))
			if err != nil || !stored.IdleExpiresAt.Equal(s.IdleExpiresAt) {
				t.Errorf("stored session %+v, %v", stored, err)
			}
		})
	}
}

func TestSSOSignInCheckedAgainstAConnectionThatChangedSinceWritesNothing(t *testing.T) {
	for name, f := range ssoFixtures(t, accounts.TeamSettings{JITEnabled: true}) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			stale := f.conn.UpdatedAt
			if _, err := f.svc.SetSSOConnectionEnabled(ctx, accounts.OperatorActor(), f.conn.ID, true); err != nil {
				t.Fatal(err)
			}
			current, _ := f.svc.SSOConnection(ctx, f.conn.ID)
			// The fixture's clock stands still: make the new version differ.
			if _, err := f.st.UpdateSSOConnection(ctx, f.conn.ID, func(c *accounts.SSOConnection) error {
				c.UpdatedAt = current.UpdatedAt.Add(time.Second)
				current = *c
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			_, err := f.signInWith(ctx, accounts.SSOSignInInput{ConnectionVersion: stale, AssertionID: "a-1", AssertionExpires: time.Now().Add(time.Hour)})
			if !errors.Is(err, accounts.ErrSSOConnectionChanged) {
				t.Fatalf("err = %v, want ErrSSOConnectionChanged", err)
			}
			if _, err := f.st.GetUserByEmail(ctx, "alice@acme.test"); !errors.Is(err, accounts.ErrNotFound) {
				t.Errorf("a sign-in checked against a stale connection provisioned an account: %v", err)
			}
			res, err := f.signInWith(ctx, accounts.SSOSignInInput{ConnectionVersion: current.UpdatedAt, AssertionID: "a-1", AssertionExpires: time.Now().Add(time.Hour)})
			if err != nil || res.Action != accounts.SSOProvision {
				t.Fatalf("sign-in checked against the current connection: %+v, %v", res, err)
			}
		})
	}
}
