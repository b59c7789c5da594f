package postgres_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/postgres/pgtest"
)

// IDs come from URLs and SCIM payloads; PostgreSQL rejects invalid UTF-8
// and NUL in text, which must read as "no such record", not as a 500.
func TestMalformedIDsAreNotFound(t *testing.T) {
	t.Parallel()
	s, ctx := pgtest.NewStore(t), t.Context()
	for _, id := range []string{"not-a-uuid", "\xff\xfe", "nul\x00byte", ""} {
		err := s.InTx(ctx, func(tx accounts.Tx) error {
			for name, err := range map[string]error{
				"GetTeam":             second(tx.GetTeam(ctx, id)),
				"GetUser":             second(tx.GetUser(ctx, id)),
				"GetUserByUsername":   second(tx.GetUserByUsername(ctx, id)),
				"GetUserByEmail":      second(tx.GetUserByEmail(ctx, id)),
				"GetMembership":       second(tx.GetMembership(ctx, id, id)),
				"RemoveMembership":    tx.RemoveMembership(ctx, id, id),
				"AddMembership":       tx.AddMembership(ctx, accounts.Membership{TeamID: id, UserID: id}),
				"GetPasswordHash":     second(tx.GetPasswordHash(ctx, id)),
				"TouchSession":        tx.TouchSession(ctx, id, time.Now(), time.Now()),
				"RevokeSession":       tx.RevokeSession(ctx, id, id, "", time.Now()),
				"RevokeSCIMToken":     tx.RevokeSCIMToken(ctx, id, id, time.Now()),
				"TouchSCIMToken":      tx.TouchSCIMToken(ctx, id, time.Now()),
				"FindVerifiedDomain":  second(tx.FindVerifiedDomain(ctx, id)),
				"VerifyDomain":        second(tx.VerifyDomain(ctx, id, id, time.Now())),
				"GetSSOConnection":    second(tx.GetSSOConnection(ctx, id)),
				"GetExternalIdentity": second(tx.GetExternalIdentity(ctx, id, id)),
				"ConsumeSSOFlow":      second(tx.ConsumeSSOFlow(ctx, id, []byte{1}, time.Now())),
				"UpdateSSOConnection": second(tx.UpdateSSOConnection(ctx, id, func(*accounts.SSOConnection) error { return nil })),
			} {
				if !errors.Is(err, accounts.ErrNotFound) {
					t.Errorf("%s(%q) = %v, want ErrNotFound", name, id, err)
				}
			}
			// The transaction is still usable after all those misses.
			_, err := tx.ListTeams(ctx)
			return err
		})
		if err != nil {
			t.Errorf("InTx after lookups of %q: %v", id, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// A create that clashes must not abort the surrounding transaction: the
// caller may handle the clash (say, link the existing account) and go on.
func TestClashesKeepTheTransactionUsable(t *testing.T) {
	t.Parallel()
	s, ctx := pgtest.NewStore(t), t.Context()
	now := time.Now()
	team := accounts.Team{ID: uuid.NewString(), Slug: "acme", Name: "Acme", Plan: accounts.PlanFree, CreatedAt: now, UpdatedAt: now}
	alice := accounts.User{ID: uuid.NewString(), Username: "alice", Email: "alice@example.com", Status: accounts.StatusActive, CreatedAt: now, UpdatedAt: now}
	if err := s.CreateTeam(ctx, &team); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUser(ctx, &alice); err != nil {
		t.Fatal(err)
	}
	err := s.InTx(ctx, func(tx accounts.Tx) error {
		dupUser := alice
		dupUser.ID = uuid.NewString()
		dupTeam := team
		dupTeam.ID = uuid.NewString()
		d := accounts.Domain{ID: uuid.NewString(), TeamID: team.ID, Name: "example.com", CreatedAt: now}
		dupDomain := d
		dupDomain.ID = uuid.NewString()
		m := accounts.Membership{TeamID: team.ID, UserID: alice.ID, Role: accounts.RoleMember, Source: accounts.SourceSCIM, CreatedAt: now}
		for _, c := range []struct {
			name      string
			err, want error
		}{
			{"CreateUser", tx.CreateUser(ctx, &dupUser), accounts.ErrUsernameTaken},
			{"CreateTeam", tx.CreateTeam(ctx, &dupTeam), accounts.ErrSlugTaken},
			{"CreateDomain", tx.CreateDomain(ctx, &d), nil},
			{"CreateDomain again", tx.CreateDomain(ctx, &dupDomain), accounts.ErrDomainTaken},
			{"AddMembership", tx.AddMembership(ctx, m), nil},
			{"AddMembership again", tx.AddMembership(ctx, m), accounts.ErrAlreadyMember},
			{"AddMembership unknown user", tx.AddMembership(ctx, accounts.Membership{TeamID: team.ID, UserID: uuid.NewString()}), accounts.ErrNotFound},
			{"SetPasswordHash unknown user", tx.SetPasswordHash(ctx, uuid.NewString(), "x", now), accounts.ErrNotFound},
		} {
			if c.want == nil && c.err != nil || c.want != nil && !errors.Is(c.err, c.want) {
				t.Errorf("%s = %v, want %v", c.name, c.err, c.want)
			}
		}
		_, err := tx.UpdateUser(ctx, alice.ID, func(u *accounts.User) error { u.Name = "Alice"; return nil })
		return err
	})
	if err != nil {
		t.Fatalf("InTx: %v", err)
	}
	if n, err := s.CountTeamMembers(ctx, team.ID); err != nil || n != 1 {
		t.Errorf("CountTeamMembers = %d, %v; want the membership added after the clashes committed", n, err)
	}
}
