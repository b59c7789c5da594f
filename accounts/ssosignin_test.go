package accounts_test

import (
	"context"
	"crypto/rand"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/keyring"
	"github.com/idbridge/idbridge/accounts/postgres/pgtest"
	"github.com/idbridge/idbridge/policy"
)

type ssoFixture struct {
	svc  *accounts.Service
	st   accounts.Store
	team accounts.Team
	conn accounts.SSOConnection
}

func newSSOFixture(t *testing.T, settings accounts.TeamSettings) ssoFixture {
	t.Helper()
	return newSSOFixtureOn(t, newStore(t), settings)
}

func newSSOFixtureOn(t *testing.T, st accounts.Store, settings accounts.TeamSettings) ssoFixture {
	t.Helper()
	ctx := t.Context()
	svc := newService(t, st, &clock{time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}, accounts.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	team, err := svc.CreateTeam(ctx, accounts.CreateTeamInput{Slug: "acme", Name: "Acme", Plan: accounts.PlanEnterprise, Settings: settings})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddDomain(ctx, accounts.AddDomainInput{TeamID: team.ID, Name: "acme.test", Verified: true}); err != nil {
		t.Fatal(err)
	}
	spec, _ := keyring.Generate(rand.Reader, "k1")
	ring, _ := keyring.Parse(spec)
	conn, err := svc.CreateSSOConnection(ctx, accounts.CreateSSOConnectionInput{
		TeamID: team.ID, Protocol: accounts.ProtocolSAML, Name: "Okta",
		SAML:     accounts.SAMLConfig{IdPMetadata: "<EntityDescriptor/>", SPCertificate: "cert"},
		SPKeyPEM: []byte("key"), Sealer: ring,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ring.Open(conn.SAML.SPKeySealed, accounts.SPKeyAssociated(conn.ID)); err != nil || string(got) != "key" {
		t.Fatalf("SP key does not open with its connection's associated data: %q %v", got, err)
	}
	return ssoFixture{svc, st, team, conn}
}

func (f ssoFixture) signIn(ctx context.Context, subject, email string) (accounts.SSOSignInResult, error) {
	return f.svc.SSOSignIn(ctx, accounts.SSOSignInInput{
		ConnectionID: f.conn.ID, Decide: policy.JIT, IP: "192.0.2.1",
		Claims: accounts.SSOClaims{Subject: subject, Email: email, GivenName: "Alice", FamilyName: "Liddell", Groups: []string{"admins"}},
	})
}

func TestSSOSignInProvisionsThenSignsInTheLinkedAccount(t *testing.T) {
	ctx := context.Background()
	f := newSSOFixture(t, accounts.TeamSettings{JITEnabled: true, AdminGroup: "Admins"})
	first, err := f.signIn(ctx, "00u-alice", "alice@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	u := first.User
	if first.Action != accounts.SSOProvision || u.ManagedByTeamID != f.team.ID || u.EmailVerifiedAt == nil || u.Name != "Alice Liddell" {
		t.Fatalf("provisioned %+v (action %s)", u, first.Action)
	}
	m, err := f.st.GetMembership(ctx, f.team.ID, u.ID)
	if err != nil || m.Source != accounts.SourceJIT || m.Role != accounts.RoleAdmin {
		t.Fatalf("membership %+v, %v; want jit admin", m, err)
	}
	if first.Session.AuthMethod != "sso:"+f.conn.ID || first.Token == "" {
		t.Fatalf("session %+v", first.Session)
	}
	second, err := f.signIn(ctx, "00u-alice", "renamed@acme.test")
	if err != nil || second.Action != accounts.SSOSignInLinked || second.User.ID != u.ID {
		t.Fatalf("second sign-in: %+v, %v", second, err)
	}
	events, _ := f.st.ListAudit(ctx, f.team.ID, 10)
	if !hasAction(events, "sso.provision") {
		t.Errorf("no sso.provision audit event in %+v", events)
	}
}

func TestSSOSignInRefusalIsAuditedWithItsReference(t *testing.T) {
	ctx := context.Background()
	f := newSSOFixture(t, accounts.TeamSettings{})
	_, err := f.signIn(ctx, "00u-bob", "bob@acme.test")
	var refusal *accounts.SSORefusal
	if !errors.As(err, &refusal) || accounts.ErrorCode(err) != accounts.Code(policy.JITDisabled) || refusal.Reference == "" || refusal.AdminFix == "" {
		t.Fatalf("err = %v, want a jit_disabled refusal with a reference", err)
	}
	events, _ := f.st.ListAudit(ctx, f.team.ID, 10)
	found := false
	for _, e := range events {
		if e.Action == "sso.refuse" && e.Details["reference"] == refusal.Reference && e.Details["reason"] == "jit_disabled" {
			found = true
		}
	}
	if !found {
		t.Errorf("no sso.refuse event with reference %s in %+v", refusal.Reference, events)
	}
	if _, err := f.st.GetUserByEmail(ctx, "bob@acme.test"); !errors.Is(err, accounts.ErrNotFound) {
		t.Errorf("refused sign-in created an account: %v", err)
	}
}

func TestSSOSignInHoldsTheSeatLimitUnderConcurrentSignIns(t *testing.T) {
	ctx := context.Background()
	f := newSSOFixture(t, accounts.TeamSettings{JITEnabled: true, SeatLimit: 3})
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = f.signIn(ctx, "sub-"+string(rune('a'+i)), string(rune('a'+i))+"x@acme.test")
		})
	}
	wg.Wait()
	ok, full := 0, 0
	for _, err := range errs {
		switch accounts.ErrorCode(err) {
		case "":
			ok++
		case accounts.Code(policy.JITSeatLimit):
			full++
		default:
			t.Errorf("unexpected error %v", err)
		}
	}
	if n, _ := f.st.CountTeamMembers(ctx, f.team.ID); ok != 3 || full != 3 || n != 3 {
		t.Errorf("%d provisioned, %d refused, %d members; want 3, 3, 3", ok, full, n)
	}
}

// On PostgreSQL (READ COMMITTED) racing first sign-ins of one person all
// find no link; the losers run their transaction again and sign in.
func TestConcurrentFirstSignInsOfOnePersonAllSucceedWithOneAccount(t *testing.T) {
	for _, seats := range []int{0, 10} {
		f := newSSOFixtureOn(t, pgtest.NewStore(t), accounts.TeamSettings{JITEnabled: true, SeatLimit: seats})
		var wg sync.WaitGroup
		errs := make([]error, 6)
		ids := make([]string, len(errs))
		for i := range errs {
			wg.Go(func() {
				res, err := f.signIn(t.Context(), "00u-alice", "alice@acme.test")
				errs[i], ids[i] = err, res.User.ID
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil || ids[i] != ids[0] {
				t.Errorf("seat limit %d: sign-in %d: user %q, %v", seats, i, ids[i], err)
			}
		}
		if n, _ := f.st.CountTeamMembers(t.Context(), f.team.ID); n != 1 {
			t.Errorf("seat limit %d: %d members, want 1", seats, n)
		}
	}
}

func TestSSOSignInNeverTakesOverAnUnmanagedAccount(t *testing.T) {
	ctx := context.Background()
	f := newSSOFixture(t, accounts.TeamSettings{JITEnabled: true})
	if _, err := f.svc.SignUp(ctx, accounts.SignUpInput{Username: "alice", Email: "alice@acme.test", Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	_, err := f.signIn(ctx, "00u-alice", "alice@acme.test")
	if accounts.ErrorCode(err) != accounts.Code(policy.JITEmailTaken) {
		t.Fatalf("err = %v, want jit_email_taken", err)
	}
	if _, err := f.st.GetExternalIdentity(ctx, f.conn.ID, "00u-alice"); !errors.Is(err, accounts.ErrNotFound) {
		t.Errorf("refused sign-in linked the identity: %v", err)
	}
}

func TestSSOSignInThroughADisabledConnectionIsRefused(t *testing.T) {
	ctx := context.Background()
	f := newSSOFixture(t, accounts.TeamSettings{JITEnabled: true})
	if _, err := f.svc.SetSSOConnectionEnabled(ctx, accounts.OperatorActor(), f.conn.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.signIn(ctx, "00u-alice", "alice@acme.test"); accounts.ErrorCode(err) != accounts.CodeNotFound {
		t.Fatalf("err = %v, want not_found", err)
	}
}

func hasAction(events []accounts.AuditEvent, action string) bool {
	for _, e := range events {
		if e.Action == action {
			return true
		}
	}
	return false
}
