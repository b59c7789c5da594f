package accounts

import (
	"context"
	"strings"
)

// SPKeyAssociated is the associated data a connection's SP private key is
// sealed with, so a sealed key copied to another connection does not open.
func SPKeyAssociated(connectionID string) string { return "sso-sp-key:" + connectionID }

// ClientSecretAssociated is the associated data of an OIDC client secret.
func ClientSecretAssociated(connectionID string) string { return "sso-client-secret:" + connectionID }

// CreateSSOConnectionInput describes a new connection. The protocol
// adapter has checked the IdP metadata or issuer already.
type CreateSSOConnectionInput struct {
	TeamID   string // "" for a connection bound to no team
	Protocol SSOProtocol
	Name     string
	SAML     SAMLConfig // SPKeySealed is ignored: give SPKeyPEM
	OIDC     OIDCConfig // ClientSecretSealed is ignored: give ClientSecret
	Mapping  AttributeMapping
	// SPKeyPEM is the SAML connection's new SP private key (PKCS#8 PEM).
	SPKeyPEM []byte
	// ClientSecret is the OIDC client secret.
	ClientSecret string
	// Sealer encrypts SPKeyPEM and ClientSecret before they are stored.
	Sealer Sealer
	Actor  Actor
}

// CreateSSOConnection stores a new, enabled connection with its secrets
// sealed.
func (s *Service) CreateSSOConnection(ctx context.Context, in CreateSSOConnectionInput) (SSOConnection, error) {
	name := strings.TrimSpace(in.Name)
	if name == "" || len(name) > 200 {
		return SSOConnection{}, InvalidField("name", "a connection name has 1 to 200 characters")
	}
	if in.Sealer == nil {
		return SSOConnection{}, Errorf(CodeInvalid, "no encryption key ring to seal the connection's secrets")
	}
	id, err := newID()
	if err != nil {
		return SSOConnection{}, err
	}
	now := s.Now()
	c := SSOConnection{ID: id, TeamID: in.TeamID, Protocol: in.Protocol, Name: name, Enabled: true,
		Mapping: in.Mapping, CreatedAt: now, UpdatedAt: now}
	switch in.Protocol {
	case ProtocolSAML:
		if strings.TrimSpace(in.SAML.IdPMetadata) == "" || len(in.SPKeyPEM) == 0 || in.SAML.SPCertificate == "" {
			return SSOConnection{}, InvalidField("metadata", "a SAML connection needs the IdP metadata and an SP key pair")
		}
		c.SAML = in.SAML
		if c.SAML.SPKeySealed, err = in.Sealer.Seal(in.SPKeyPEM, SPKeyAssociated(id)); err != nil {
			return SSOConnection{}, err
		}
	case ProtocolOIDC:
		if in.OIDC.Issuer == "" || in.OIDC.ClientID == "" || in.ClientSecret == "" {
			return SSOConnection{}, InvalidField("issuer", "an OIDC connection needs an issuer, a client ID and a client secret")
		}
		if m := in.OIDC.ResponseMode; m != "" && m != "query" && m != "form_post" {
			return SSOConnection{}, InvalidField("response_mode", "response mode is query or form_post")
		}
		c.OIDC = in.OIDC
		if c.OIDC.ClientSecretSealed, err = in.Sealer.Seal([]byte(in.ClientSecret), ClientSecretAssociated(id)); err != nil {
			return SSOConnection{}, err
		}
	default:
		return SSOConnection{}, InvalidField("protocol", "protocol is saml or oidc")
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.CreateSSOConnection(ctx, &c); err != nil {
			return err
		}
		return s.audit(ctx, tx, in.Actor, in.TeamID, "sso.connection.create", c.ID,
			map[string]string{"protocol": string(c.Protocol), "name": c.Name})
	})
	if err != nil {
		return SSOConnection{}, err
	}
	return c, nil
}

// SSOConnection returns one connection.
func (s *Service) SSOConnection(ctx context.Context, id string) (SSOConnection, error) {
	c, err := s.store.GetSSOConnection(ctx, id)
	if ErrorCode(err) == CodeNotFound {
		return SSOConnection{}, Errorf(CodeNotFound, "no SSO connection %q", id)
	}
	return c, err
}

// SSOConnections lists a team's connections ("" for teamless ones).
func (s *Service) SSOConnections(ctx context.Context, teamID string) ([]SSOConnection, error) {
	return s.store.ListSSOConnections(ctx, teamID)
}

// SetSSOConnectionEnabled turns a connection on or off.
func (s *Service) SetSSOConnectionEnabled(ctx context.Context, actor Actor, id string, enabled bool) (SSOConnection, error) {
	var c SSOConnection
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		c, err = tx.UpdateSSOConnection(ctx, id, func(c *SSOConnection) error {
			c.Enabled, c.UpdatedAt = enabled, s.Now()
			return nil
		})
		if ErrorCode(err) == CodeNotFound {
			return Errorf(CodeNotFound, "no SSO connection %q", id)
		}
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, c.TeamID, "sso.connection.update", c.ID, map[string]string{"enabled": boolString(enabled)})
	})
	return c, err
}

// UpdateSAMLMetadata stores a freshly fetched copy of a connection's IdP
// metadata (the caller parsed it: a bad copy never replaces a good one).
func (s *Service) UpdateSAMLMetadata(ctx context.Context, id, metadata string) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		_, err := tx.UpdateSSOConnection(ctx, id, func(c *SSOConnection) error {
			c.SAML.IdPMetadata, c.UpdatedAt = metadata, s.Now()
			return nil
		})
		return err
	})
}

// TeamSettingsChange says which team settings to change; nil fields stay.
type TeamSettingsChange struct {
	JITEnabled  *bool
	SSORequired *bool
	SeatLimit   *int
	SCIMOnly    *bool
	AdminGroup  *string
}

// UpdateTeamSettings applies a change to a team's settings.
func (s *Service) UpdateTeamSettings(ctx context.Context, actor Actor, teamID string, ch TeamSettingsChange) (Team, error) {
	if ch.SeatLimit != nil && *ch.SeatLimit < 0 {
		return Team{}, InvalidField("seat_limit", "the seat limit is 0 (unlimited) or more")
	}
	var t Team
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		details := map[string]string{}
		t, err = tx.UpdateTeam(ctx, teamID, func(t *Team) error {
			set := func(name string, dst *bool, v *bool) {
				if v != nil {
					*dst = *v
					details[name] = boolString(*v)
				}
			}
			set("jit_enabled", &t.Settings.JITEnabled, ch.JITEnabled)
			set("sso_required", &t.Settings.SSORequired, ch.SSORequired)
			set("scim_only", &t.Settings.SCIMOnly, ch.SCIMOnly)
			if ch.SeatLimit != nil {
				t.Settings.SeatLimit = *ch.SeatLimit
				details["seat_limit"] = itoa(*ch.SeatLimit)
			}
			if ch.AdminGroup != nil {
				t.Settings.AdminGroup = strings.TrimSpace(*ch.AdminGroup)
				details["admin_group"] = t.Settings.AdminGroup
			}
			t.UpdatedAt = s.Now()
			return nil
		})
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, t.ID, "team.settings", t.ID, details)
	})
	return t, err
}

// UpdateOIDCClient replaces an OIDC connection's client ID and secret.
func (s *Service) UpdateOIDCClient(ctx context.Context, actor Actor, id, clientID, secret string, sealer Sealer) error {
	sealed, err := sealer.Seal([]byte(secret), ClientSecretAssociated(id))
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		c, err := tx.UpdateSSOConnection(ctx, id, func(c *SSOConnection) error {
			c.OIDC.ClientID, c.OIDC.ClientSecretSealed, c.UpdatedAt = clientID, sealed, s.Now()
			return nil
		})
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, c.TeamID, "sso.connection.update", c.ID, map[string]string{"client_id": clientID})
	})
}
