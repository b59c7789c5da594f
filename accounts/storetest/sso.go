package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/idbridge/idbridge/accounts"
)

func newSAMLConnection(teamID string) accounts.SSOConnection {
	return accounts.SSOConnection{
		ID: uuid.NewString(), TeamID: teamID, Protocol: accounts.ProtocolSAML, Name: "Okta", Enabled: true,
		SAML: accounts.SAMLConfig{
			IdPMetadata: `<EntityDescriptor entityID="https://idp.example.com/"/>`,
			MetadataURL: "https://idp.example.com/metadata", AllowIdPInitiated: true,
			SPCertificate: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
			SPKeySealed:   "k1.c2VhbGVk",
		},
		Mapping:   accounts.AttributeMapping{Email: "mail", Groups: "memberOf"},
		CreatedAt: base(), UpdatedAt: base(),
	}
}

func newOIDCConnection(teamID string) accounts.SSOConnection {
	return accounts.SSOConnection{
		ID: uuid.NewString(), TeamID: teamID, Protocol: accounts.ProtocolOIDC, Name: "Google", Enabled: true,
		OIDC: accounts.OIDCConfig{
			Issuer: "https://accounts.google.com", ClientID: "client-1",
			ClientSecretSealed: "k1.c2VjcmV0", ResponseMode: "form_post",
		},
		CreatedAt: base(), UpdatedAt: base(),
	}
}

func createConnection(t *testing.T, tx accounts.Tx, c accounts.SSOConnection) accounts.SSOConnection {
	t.Helper()
	if err := tx.CreateSSOConnection(t.Context(), &c); err != nil {
		t.Fatalf("CreateSSOConnection: %v", err)
	}
	return c
}

func newFlow(connectionID string, created time.Time) accounts.SSOFlow {
	return accounts.SSOFlow{
		ID: "id-" + uuid.NewString(), ConnectionID: connectionID, BindingHash: newHash(),
		ReturnTo: "/settings?tab=security", Nonce: "n-" + uuid.NewString(), PKCEVerifier: "v-" + uuid.NewString(),
		CreatedAt: created, ExpiresAt: created.Add(accounts.SSOFlowLifetime),
	}
}

func testSSO(t *testing.T, newStore newStoreFunc) {
	t.Run("SAML and OIDC connections round trip with every field", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		for _, want := range []accounts.SSOConnection{newSAMLConnection(team.ID), newOIDCConnection(team.ID), newOIDCConnection("")} {
			want = createConnection(t, s, want)
			got, err := s.GetSSOConnection(ctx, want.ID)
			noErr(t, err)
			same(t, "GetSSOConnection", got, want)
		}
	})

	t.Run("a connection for an unknown team is ErrNotFound", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		c := newSAMLConnection(uuid.NewString())
		wantErr(t, s.CreateSSOConnection(ctx, &c), accounts.ErrNotFound)
	})

	t.Run("connections are listed per team, oldest first, and teamless ones apart", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		acme, other := createTeam(t, s, "acme"), createTeam(t, s, "other")
		second := newOIDCConnection(acme.ID)
		second.CreatedAt = at(time.Minute)
		second = createConnection(t, s, second)
		first := createConnection(t, s, newSAMLConnection(acme.ID))
		createConnection(t, s, newSAMLConnection(other.ID))
		google := createConnection(t, s, newOIDCConnection(""))
		got, err := s.ListSSOConnections(ctx, acme.ID)
		noErr(t, err)
		same(t, "ListSSOConnections(acme)", got, []accounts.SSOConnection{first, second})
		got, err = s.ListSSOConnections(ctx, "")
		noErr(t, err)
		same(t, "ListSSOConnections(\"\")", got, []accounts.SSOConnection{google})
	})

	t.Run("UpdateSSOConnection writes what fn changed, keeps ID, team and protocol, and an error writes nothing", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		c := createConnection(t, s, newSAMLConnection(team.ID))
		want := c
		want.Name, want.Enabled, want.SAML.IdPMetadata, want.UpdatedAt = "Entra", false, "<new/>", at(time.Hour)
		got, err := s.UpdateSSOConnection(ctx, c.ID, func(x *accounts.SSOConnection) error {
			x.Name, x.Enabled, x.SAML.IdPMetadata, x.UpdatedAt = "Entra", false, "<new/>", at(time.Hour)
			x.TeamID, x.Protocol = "", accounts.ProtocolOIDC
			return nil
		})
		noErr(t, err)
		same(t, "UpdateSSOConnection", got, want)
		boom := errors.New("boom")
		_, err = s.UpdateSSOConnection(ctx, c.ID, func(x *accounts.SSOConnection) error { x.Name = "lost"; return boom })
		wantErr(t, err, boom)
		stored, err := s.GetSSOConnection(ctx, c.ID)
		noErr(t, err)
		same(t, "GetSSOConnection", stored, want)
		_, err = s.UpdateSSOConnection(ctx, uuid.NewString(), func(*accounts.SSOConnection) error { return nil })
		wantErr(t, err, accounts.ErrNotFound)
	})

	t.Run("an external identity links one subject of a connection to one account, subjects compared exactly", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		c := createConnection(t, s, newSAMLConnection(team.ID))
		alice, bob := createUser(t, s, "alice"), createUser(t, s, "bob")
		want := accounts.ExternalIdentity{ConnectionID: c.ID, Subject: "00u1Alice", UserID: alice.ID, CreatedAt: base()}
		noErr(t, s.CreateExternalIdentity(ctx, want))
		got, err := s.GetExternalIdentity(ctx, c.ID, "00u1Alice")
		noErr(t, err)
		same(t, "GetExternalIdentity", got, want)
		_, err = s.GetExternalIdentity(ctx, c.ID, "00u1alice")
		wantErr(t, err, accounts.ErrNotFound)
		wantErr(t, s.CreateExternalIdentity(ctx, accounts.ExternalIdentity{ConnectionID: c.ID, Subject: "00u1Alice", UserID: bob.ID, CreatedAt: base()}), accounts.ErrIdentityLinked)
		wantErr(t, s.CreateExternalIdentity(ctx, accounts.ExternalIdentity{ConnectionID: c.ID, Subject: "x", UserID: uuid.NewString(), CreatedAt: base()}), accounts.ErrNotFound)
	})

	t.Run("a clash on an external identity leaves the transaction usable", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		c := createConnection(t, s, newSAMLConnection(team.ID))
		alice := createUser(t, s, "alice")
		e := accounts.ExternalIdentity{ConnectionID: c.ID, Subject: "sub", UserID: alice.ID, CreatedAt: base()}
		noErr(t, s.CreateExternalIdentity(ctx, e))
		noErr(t, s.InTx(ctx, func(tx accounts.Tx) error {
			wantErr(t, tx.CreateExternalIdentity(ctx, e), accounts.ErrIdentityLinked)
			_, err := tx.GetExternalIdentity(ctx, c.ID, "sub")
			return err
		}))
	})

	t.Run("a flow is consumed once, only with its binding and before it expires", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		c := createConnection(t, s, newOIDCConnection(team.ID))
		want := newFlow(c.ID, base())
		noErr(t, s.CreateSSOFlow(ctx, &want))
		_, err := s.ConsumeSSOFlow(ctx, want.ID, newHash(), at(time.Minute))
		wantErr(t, err, accounts.ErrNotFound)
		now := at(time.Minute)
		got, err := s.ConsumeSSOFlow(ctx, want.ID, want.BindingHash, now)
		noErr(t, err)
		want.UsedAt = &now
		same(t, "ConsumeSSOFlow", got, want)
		_, err = s.ConsumeSSOFlow(ctx, want.ID, want.BindingHash, at(2*time.Minute))
		wantErr(t, err, accounts.ErrNotFound)

		late := newFlow(c.ID, base())
		noErr(t, s.CreateSSOFlow(ctx, &late))
		_, err = s.ConsumeSSOFlow(ctx, late.ID, late.BindingHash, late.ExpiresAt)
		wantErr(t, err, accounts.ErrNotFound)
		_, err = s.ConsumeSSOFlow(ctx, "never-issued", late.BindingHash, at(time.Minute))
		wantErr(t, err, accounts.ErrNotFound)
	})

	t.Run("exactly one of concurrent consumes of a flow succeeds", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		c := createConnection(t, s, newSAMLConnection(team.ID))
		f := newFlow(c.ID, base())
		noErr(t, s.CreateSSOFlow(ctx, &f))
		errs := race(8, func(int) error {
			_, err := s.ConsumeSSOFlow(ctx, f.ID, f.BindingHash, at(time.Minute))
			return err
		})
		exactlyOne(t, errs, accounts.ErrNotFound)
	})

	t.Run("an assertion ID is recorded once per connection, also under concurrent calls", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		c1 := createConnection(t, s, newSAMLConnection(team.ID))
		c2 := createConnection(t, s, newSAMLConnection(team.ID))
		errs := race(8, func(int) error { return s.RecordAssertion(ctx, c1.ID, "_a1", at(5*time.Minute)) })
		exactlyOne(t, errs, accounts.ErrReplayed)
		wantErr(t, s.RecordAssertion(ctx, c1.ID, "_a1", at(10*time.Minute)), accounts.ErrReplayed)
		noErr(t, s.RecordAssertion(ctx, c2.ID, "_a1", at(5*time.Minute)))
		noErr(t, s.InTx(ctx, func(tx accounts.Tx) error {
			wantErr(t, tx.RecordAssertion(ctx, c2.ID, "_a1", at(5*time.Minute)), accounts.ErrReplayed)
			return tx.RecordAssertion(ctx, c2.ID, "_a2", at(5*time.Minute))
		}))
	})

	t.Run("purge forgets assertion IDs past their expiry and spent flows, and keeps the rest", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		c := createConnection(t, s, newSAMLConnection(team.ID))
		noErr(t, s.RecordAssertion(ctx, c.ID, "_old", at(time.Minute)))
		noErr(t, s.RecordAssertion(ctx, c.ID, "_live", at(time.Hour)))
		old := newFlow(c.ID, base())
		noErr(t, s.CreateSSOFlow(ctx, &old))
		live := newFlow(c.ID, at(time.Hour))
		noErr(t, s.CreateSSOFlow(ctx, &live))
		n, err := s.PurgeExpired(ctx, at(30*time.Minute))
		noErr(t, err)
		if n != 2 {
			t.Errorf("PurgeExpired = %d, want 2", n)
		}
		noErr(t, s.RecordAssertion(ctx, c.ID, "_old", at(2*time.Hour)))
		wantErr(t, s.RecordAssertion(ctx, c.ID, "_live", at(2*time.Hour)), accounts.ErrReplayed)
		_, err = s.ConsumeSSOFlow(ctx, live.ID, live.BindingHash, at(time.Hour+time.Minute))
		noErr(t, err)
	})
}
