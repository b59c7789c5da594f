package accounts_test

import (
	"testing"

	"github.com/idbridge/idbridge/accounts"
)

func TestSCIMCreateAfterDeleteBringsTheAccountBack(t *testing.T) {
	f := newSCIMFixture(t)
	first, err := f.svc.CreateSCIMUser(f.ctx, f.actor, f.team.ID, aliceFields())
	if err != nil {
		t.Fatal(err)
	}
	// The first holder had a second factor too.
	if err := f.st.PutTOTP(f.ctx, accounts.TOTPCredential{UserID: first.UserID, Secret: "sealed", EnabledAt: &f.clock.now, CreatedAt: f.clock.now}); err != nil {
		t.Fatal(err)
	}
	if err := f.st.ReplaceRecoveryCodes(f.ctx, first.UserID, [][]byte{accounts.HashToken("old code")}, f.clock.now); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteSCIMUser(f.ctx, f.actor, f.team.ID, first.UserID, nil); err != nil {
		t.Fatal(err)
	}
	// The address may belong to someone else by now: the account comes
	// back, but nothing the first holder signed in with does.
	again := aliceFields()
	again.Password = ""
	su, err := f.svc.CreateSCIMUser(f.ctx, f.actor, f.team.ID, again)
	if err != nil || su.UserID != first.UserID {
		t.Fatalf("re-create = %+v, %v; want the same account %s back", su, err, first.UserID)
	}
	u, err := f.st.GetUser(f.ctx, su.UserID)
	if err != nil || !u.Active() || u.ManagedByTeamID != f.team.ID {
		t.Fatalf("account after re-create %+v, %v", u, err)
	}
	if _, err := f.svc.Authenticate(f.ctx, "alice@acme.test", "idp-sent passphrase", "192.0.2.1"); accounts.ErrorCode(err) != accounts.CodeInvalidCredentials {
		t.Fatalf("the first holder's password after re-create: %v, want invalid_credentials", err)
	}
	if _, err := f.st.GetTOTP(f.ctx, u.ID); accounts.ErrorCode(err) != accounts.CodeNotFound {
		t.Fatalf("the first holder's TOTP after re-create: %v, want none", err)
	}
	if n, err := f.st.CountRecoveryCodes(f.ctx, u.ID); err != nil || n != 0 {
		t.Fatalf("%d recovery codes after re-create (%v), want none", n, err)
	}
	// A password the IdP sends with the re-create is the one that works.
	if err := f.svc.DeleteSCIMUser(f.ctx, f.actor, f.team.ID, su.UserID, nil); err != nil {
		t.Fatal(err)
	}
	withPassword := aliceFields()
	withPassword.Password = "the new holder's passphrase"
	if su, err = f.svc.CreateSCIMUser(f.ctx, f.actor, f.team.ID, withPassword); err != nil || su.UserID != first.UserID {
		t.Fatalf("re-create with a password = %+v, %v", su, err)
	}
	if _, err := f.svc.Authenticate(f.ctx, "alice@acme.test", "the new holder's passphrase", "192.0.2.1"); err != nil {
		t.Fatalf("the IdP-sent password after re-create: %v", err)
	}

	// Another team's IdP cannot take over an account this team deleted.
	other, err := f.svc.CreateTeam(f.ctx, accounts.CreateTeamInput{Slug: "globex", Name: "Globex", Plan: accounts.PlanEnterprise})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteSCIMUser(f.ctx, f.actor, f.team.ID, su.UserID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateSCIMUser(f.ctx, f.actor, other.ID, aliceFields()); !clash(err) {
		t.Fatalf("another team's create = %v, want a uniqueness clash", err)
	}
	// Nor does a SCIM create take over a self-service account.
	if _, err := f.svc.SignUp(f.ctx, accounts.SignUpInput{Username: "bob", Email: "bob@acme.test", Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	bob := aliceFields()
	bob.UserName, bob.Email, bob.Password = "bob", "bob2@acme.test", ""
	if _, err := f.svc.CreateSCIMUser(f.ctx, f.actor, f.team.ID, bob); !clash(err) {
		t.Fatalf("a create over a self-service account = %v, want a uniqueness clash", err)
	}
}

func clash(err error) bool {
	c := accounts.ErrorCode(err)
	return c == accounts.CodeUsernameTaken || c == accounts.CodeEmailTaken
}
