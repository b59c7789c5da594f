package policy

import (
	"testing"

	"github.com/idbridge/idbridge/accounts"
)

func TestDecideJIT(t *testing.T) {
	yes, no := true, false
	team := accounts.Team{ID: "t1", Slug: "acme", Settings: accounts.TeamSettings{JITEnabled: true, DefaultRole: accounts.RoleMember, AdminGroup: "Admins"}}
	conn := accounts.SSOConnection{ID: "c1", TeamID: "t1", Protocol: accounts.ProtocolSAML}
	google := accounts.SSOConnection{ID: "g", Protocol: accounts.ProtocolOIDC}
	claims := Claims{Subject: "s1", Email: "alice@acme.test"}
	active := &accounts.User{ID: "u1", Status: accounts.StatusActive}
	deactivated := &accounts.User{ID: "u1", Status: accounts.StatusDeactivated}
	managed := &accounts.User{ID: "u1", Status: accounts.StatusActive, ManagedByTeamID: "t1"}
	otherTeam := &accounts.User{ID: "u1", Status: accounts.StatusActive, ManagedByTeamID: "t2"}
	with := func(f func(*JITFacts)) JITFacts {
		facts := JITFacts{Claims: claims, Connection: conn, Team: team, VerifiedDomains: []string{"acme.test"}, MemberCount: 3}
		f(&facts)
		return facts
	}
	tests := []struct {
		name   string
		facts  JITFacts
		action JITAction
		reason Reason
		role   accounts.Role
	}{
		{"a new person with a verified domain is provisioned with the default role", with(func(*JITFacts) {}), JITProvision, "", accounts.RoleMember},
		{"a member of the admin group is provisioned as an admin", with(func(f *JITFacts) { f.Claims.Groups = []string{"Everyone", "admins"} }), JITProvision, "", accounts.RoleAdmin},
		{"a linked subject signs in whatever the team settings", with(func(f *JITFacts) { f.LinkedUser = active; f.Team.Settings.JITEnabled = false }), JITSignIn, "", ""},
		{"a linked but deactivated account is refused", with(func(f *JITFacts) { f.LinkedUser = deactivated }), JITRefuse, AccountDeactivated, ""},
		{"no email is refused", with(func(f *JITFacts) { f.Claims.Email = "" }), JITRefuse, JITMissingEmail, ""},
		{"an email the provider says is unverified is refused before anything else", with(func(f *JITFacts) { f.Claims.EmailVerified = &no; f.EmailUser = managed }), JITRefuse, JITEmailUnverified, ""},
		{"an email the provider says is verified is provisioned", with(func(f *JITFacts) { f.Claims.EmailVerified = &yes }), JITProvision, "", accounts.RoleMember},
		{"an email at a domain the team has not verified is refused", with(func(f *JITFacts) { f.Claims.Email = "alice@evil.test" }), JITRefuse, JITDomainUnverified, ""},
		{"a subdomain of a verified domain is not verified", with(func(f *JITFacts) { f.Claims.Email = "alice@eu.acme.test" }), JITRefuse, JITDomainUnverified, ""},
		{"the domain check ignores letter case", with(func(f *JITFacts) { f.Claims.Email = "Alice@ACME.test" }), JITProvision, "", accounts.RoleMember},
		{"an account the team manages (SCIM pushed it) is linked", with(func(f *JITFacts) { f.EmailUser = managed; f.Team.Settings.SCIMOnly = true }), JITLink, "", ""},
		{"an account another team manages is refused", with(func(f *JITFacts) { f.EmailUser = otherTeam }), JITRefuse, JITOtherTeam, ""},
		{"an unmanaged account that owns the email is never taken over", with(func(f *JITFacts) { f.EmailUser = active }), JITRefuse, JITEmailTaken, ""},
		{"a deactivated account that owns the email is refused", with(func(f *JITFacts) { f.EmailUser = deactivated }), JITRefuse, AccountDeactivated, ""},
		{"a SCIM-only team provisions nobody the IdP has not pushed", with(func(f *JITFacts) { f.Team.Settings.SCIMOnly = true }), JITRefuse, JITSCIMOnly, ""},
		{"a team with JIT off refuses new people", with(func(f *JITFacts) { f.Team.Settings.JITEnabled = false }), JITRefuse, JITDisabled, ""},
		{"a full team refuses new people", with(func(f *JITFacts) { f.Team.Settings.SeatLimit = 3 }), JITRefuse, JITSeatLimit, ""},
		{"a team with a free seat provisions", with(func(f *JITFacts) { f.Team.Settings.SeatLimit = 4 }), JITProvision, "", accounts.RoleMember},
		{"Sign in with Google provisions a self-service account without domain checks", with(func(f *JITFacts) {
			f.Connection, f.Team, f.VerifiedDomains, f.Claims.Email, f.Claims.EmailVerified = google, accounts.Team{}, nil, "bob@gmail.com", &yes
		}), JITProvision, "", ""},
		{"Sign in with Google refuses an address the provider does not say is verified", with(func(f *JITFacts) {
			f.Connection, f.Team, f.Claims.Email = google, accounts.Team{}, "bob@gmail.com"
		}), JITRefuse, JITEmailUnverified, ""},
		{"Sign in with Google never takes over an existing account", with(func(f *JITFacts) {
			f.Connection, f.Team, f.EmailUser, f.Claims.EmailVerified = google, accounts.Team{}, active, &yes
		}), JITRefuse, JITEmailTaken, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DecideJIT(tt.facts)
			if got.Action != tt.action || got.Reason != tt.reason || got.Role != tt.role {
				t.Fatalf("DecideJIT = %+v, want action %q reason %q role %q", got, tt.action, tt.reason, tt.role)
			}
			if tt.action == JITRefuse {
				if got.Message == "" || got.AdminFix == "" || got.Allow {
					t.Errorf("refusal %q lacks a message or an admin fix: %+v", tt.reason, got)
				}
				if got.Err() == nil || accounts.ErrorCode(got.Err()) != accounts.Code(tt.reason) {
					t.Errorf("Err() = %v, want code %q", got.Err(), tt.reason)
				}
			} else if !got.Allow {
				t.Errorf("%s is not allowed: %+v", tt.action, got)
			}
		})
	}
}

func TestJITDisabledMessageTellsThePersonToGetAnInvitation(t *testing.T) {
	const want = "You need to be invited to join the team as JIT provisioning is not enabled"
	if got := Message(JITDisabled); len(got) < len(want) || got[:len(want)] != want {
		t.Errorf("Message(jit_disabled) = %q, want it to start %q", got, want)
	}
}

func TestLocalReturnTo(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"a local path is kept", "/settings/security?tab=2#top", "/settings/security?tab=2#top"},
		{"empty goes home", "", "/"},
		{"an absolute URL to another site is refused", "https://evil.test/", "/"},
		{"a scheme-relative URL is refused", "//evil.test/x", "/"},
		{"a backslash that browsers read as a slash is refused", "/\\evil.test", "/"},
		{"a javascript URL is refused", "javascript:alert(1)", "/"},
		{"a relative path is refused", "settings", "/"},
		{"a tab inside the host part is refused", "/\t/evil.test", "/"},
		{"an encoded double slash is refused like the plain one", "/%2F%2Fevil.test", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LocalReturnTo(tt.raw); got != tt.want {
				t.Errorf("LocalReturnTo(%q) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}
