package policy

import (
	"errors"
	"testing"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

func TestPasswordSignIn(t *testing.T) {
	active := accounts.User{Status: accounts.StatusActive}
	deactivated := accounts.User{Status: accounts.StatusDeactivated}
	ssoTeam := accounts.Team{Slug: "acme", Settings: accounts.TeamSettings{SSORequired: true}}
	openTeam := accounts.Team{Slug: "free"}
	tests := []struct {
		name  string
		facts SignInFacts
		want  Reason // "" = allowed
	}{
		{"an active user without a team may sign in", SignInFacts{User: active}, ""},
		{"an active member of a team without SSO enforcement may sign in", SignInFacts{User: active, Teams: []accounts.Team{openTeam}}, ""},
		{"a deactivated user is refused", SignInFacts{User: deactivated}, AccountDeactivated},
		{"a member of a team that requires SSO is sent to SSO", SignInFacts{User: active, Teams: []accounts.Team{openTeam, ssoTeam}}, SSORequired},
		{"deactivation is reported before SSO enforcement", SignInFacts{User: deactivated, Teams: []accounts.Team{ssoTeam}}, AccountDeactivated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkDecision(t, PasswordSignIn(tt.facts), tt.want)
		})
	}
}

func TestUseSession(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	live := accounts.Session{IdleExpiresAt: now.Add(time.Hour), AbsExpiresAt: now.Add(2 * time.Hour)}
	idle := accounts.Session{IdleExpiresAt: now, AbsExpiresAt: now.Add(time.Hour)}
	absolute := accounts.Session{IdleExpiresAt: now.Add(time.Hour), AbsExpiresAt: now.Add(-time.Second)}
	revokedAt := now.Add(-time.Minute)
	revoked := live
	revoked.RevokedAt = &revokedAt
	active := accounts.User{Status: accounts.StatusActive}
	deactivated := accounts.User{Status: accounts.StatusDeactivated}
	tests := []struct {
		name  string
		facts SessionFacts
		want  Reason
	}{
		{"a live session of an active user is accepted", SessionFacts{live, active, now}, ""},
		{"a session past its idle timeout has expired", SessionFacts{idle, active, now}, SessionExpired},
		{"a session past its absolute timeout has expired", SessionFacts{absolute, active, now}, SessionExpired},
		{"a revoked session has expired", SessionFacts{revoked, active, now}, SessionExpired},
		{"a live session of a deactivated user is refused", SessionFacts{live, deactivated, now}, AccountDeactivated},
		{"a session revoked by deactivation says deactivated", SessionFacts{revoked, deactivated, now}, AccountDeactivated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkDecision(t, UseSession(tt.facts), tt.want)
		})
	}
}

func checkDecision(t *testing.T, d Decision, want Reason) {
	t.Helper()
	if want == "" {
		if !d.Allow || d.Err() != nil {
			t.Fatalf("got refusal %q, want allowed", d.Reason)
		}
		return
	}
	if d.Allow || d.Reason != want {
		t.Fatalf("got allow=%v reason=%q, want refusal %q", d.Allow, d.Reason, want)
	}
	if d.Message == "" {
		t.Fatalf("refusal %q has no message", want)
	}
	var e *accounts.Error
	if !errors.As(d.Err(), &e) || string(e.Code) != string(want) || e.Message != d.Message {
		t.Fatalf("Err() = %v, want *accounts.Error with code %q", d.Err(), want)
	}
}

func TestEveryReasonHasAMessage(t *testing.T) {
	for _, r := range []Reason{ManagedByIdP, EnterprisePassword, AccountDeactivated, SSORequired, SessionExpired} {
		if Message(r) == "" {
			t.Errorf("reason %q has no message", r)
		}
	}
}
