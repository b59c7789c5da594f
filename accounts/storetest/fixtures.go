package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/idbridge/idbridge/accounts"
)

// base is the suite's clock. Its nanoseconds and its zone (not UTC) make
// every round trip check the contract's "UTC at microsecond precision".
func base() time.Time {
	return time.Date(2026, 11, 1, 12, 0, 0, 123456789, time.FixedZone("UTC+1", 3600))
}

// at returns base plus d.
func at(d time.Duration) time.Time { return base().Add(d) }

// newHash returns the hash of a fresh random token.
func newHash() []byte { return accounts.HashToken(uuid.NewString()) }

func newTeam(slug string) accounts.Team {
	return accounts.Team{
		ID: uuid.NewString(), Slug: slug, Name: "Team " + slug, Plan: accounts.PlanFree,
		Settings:  accounts.TeamSettings{DefaultRole: accounts.RoleMember},
		CreatedAt: base(), UpdatedAt: base(),
	}
}

// fullSettings sets every field of TeamSettings to a value other than zero.
func fullSettings() accounts.TeamSettings {
	return accounts.TeamSettings{
		JITEnabled: true, SSORequired: true, DefaultRole: accounts.RoleAdmin, SeatLimit: 250,
		SCIMOnly: true, AdminGroup: "idbridge-admins",
		SessionIdleTimeout:        30 * time.Minute,
		SessionAbsoluteTimeout:    12 * time.Hour,
		PersistentIdleTimeout:     7 * 24 * time.Hour,
		PersistentAbsoluteTimeout: 90*24*time.Hour + 1500*time.Millisecond,
	}
}

func newDomain(teamID, name string) accounts.Domain {
	return accounts.Domain{
		ID: uuid.NewString(), TeamID: teamID, Name: name,
		VerificationToken: "verify-" + uuid.NewString(), CreatedAt: base(),
	}
}

func newUser(username string) accounts.User {
	return accounts.User{
		ID: uuid.NewString(), Username: username, Name: "Name of " + username,
		Email: username + "@example.com", Status: accounts.StatusActive,
		CreatedAt: base(), UpdatedAt: base(),
	}
}

func newMembership(teamID, userID string, created time.Time) accounts.Membership {
	return accounts.Membership{
		TeamID: teamID, UserID: userID, Role: accounts.RoleMember,
		Source: accounts.SourceInvite, CreatedAt: created,
	}
}

// newSession is live from created for an hour idle, thirty days at most.
func newSession(userID string, created time.Time) accounts.Session {
	return accounts.Session{
		ID: uuid.NewString(), UserID: userID, TokenHash: newHash(),
		CreatedAt: created, LastSeenAt: created,
		IdleExpiresAt: created.Add(time.Hour), AbsExpiresAt: created.Add(30 * 24 * time.Hour),
		UserAgent: "Mozilla/5.0 (X11; Linux x86_64)", IP: "192.0.2.10", AuthMethod: "password",
	}
}

// newToken expires an hour after created.
func newToken(userID string, purpose accounts.TokenPurpose, created time.Time) accounts.OneTimeToken {
	return accounts.OneTimeToken{
		ID: uuid.NewString(), UserID: userID, Purpose: purpose, TokenHash: newHash(),
		CreatedAt: created, ExpiresAt: created.Add(time.Hour),
	}
}

func newSCIMToken(teamID string, created time.Time) accounts.SCIMToken {
	return accounts.SCIMToken{
		ID: uuid.NewString(), TeamID: teamID, Name: "Okta provisioning",
		Prefix: "scim_" + uuid.NewString()[:6], TokenHash: newHash(), CreatedAt: created,
	}
}

func newAuditEvent(teamID string, created time.Time) accounts.AuditEvent {
	return accounts.AuditEvent{
		ID: uuid.NewString(), TeamID: teamID, ActorKind: accounts.ActorUser, ActorID: uuid.NewString(),
		Action: "user.update", TargetID: uuid.NewString(), IP: "198.51.100.7",
		Details: map[string]string{"field": "name"}, CreatedAt: created,
	}
}

// createTeam stores newTeam(slug).
func createTeam(t *testing.T, tx accounts.Tx, slug string) accounts.Team {
	t.Helper()
	tm := newTeam(slug)
	if err := tx.CreateTeam(t.Context(), &tm); err != nil {
		t.Fatalf("CreateTeam(%q): %v", slug, err)
	}
	return tm
}

// createUser stores newUser(username).
func createUser(t *testing.T, tx accounts.Tx, username string) accounts.User {
	t.Helper()
	u := newUser(username)
	if err := tx.CreateUser(t.Context(), &u); err != nil {
		t.Fatalf("CreateUser(%q): %v", username, err)
	}
	return u
}

// addMember stores newMembership(teamID, userID, created).
func addMember(t *testing.T, tx accounts.Tx, teamID, userID string, created time.Time) accounts.Membership {
	t.Helper()
	m := newMembership(teamID, userID, created)
	if err := tx.AddMembership(t.Context(), m); err != nil {
		t.Fatalf("AddMembership: %v", err)
	}
	return m
}

func createSession(t *testing.T, tx accounts.Tx, s accounts.Session) accounts.Session {
	t.Helper()
	if err := tx.CreateSession(t.Context(), &s); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	return s
}

func createToken(t *testing.T, tx accounts.Tx, tok accounts.OneTimeToken) accounts.OneTimeToken {
	t.Helper()
	if err := tx.CreateToken(t.Context(), &tok); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	return tok
}

func createSCIMToken(t *testing.T, tx accounts.Tx, tok accounts.SCIMToken) accounts.SCIMToken {
	t.Helper()
	if err := tx.CreateSCIMToken(t.Context(), &tok); err != nil {
		t.Fatalf("CreateSCIMToken: %v", err)
	}
	return tok
}
