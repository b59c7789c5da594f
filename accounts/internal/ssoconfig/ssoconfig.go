// Package ssoconfig is the stored form of an SSO connection's settings:
// the JSON both stores keep in sso_connections.config, written and read in
// one place so the two backends never disagree on it.
package ssoconfig

import (
	"encoding/json"
	"fmt"

	"github.com/idbridge/idbridge/accounts"
)

// stored is the JSON in sso_connections.config: the settings of the
// connection's own protocol and its attribute mapping.
type stored struct {
	SAML    *accounts.SAMLConfig      `json:"saml,omitempty"`
	OIDC    *accounts.OIDCConfig      `json:"oidc,omitempty"`
	Mapping accounts.AttributeMapping `json:"mapping"`
}

// Encode returns the config column of c.
func Encode(c *accounts.SSOConnection) (string, error) {
	cfg := stored{Mapping: c.Mapping}
	switch c.Protocol {
	case accounts.ProtocolSAML:
		cfg.SAML = &c.SAML
	case accounts.ProtocolOIDC:
		cfg.OIDC = &c.OIDC
	}
	b, err := json.Marshal(cfg)
	return string(b), err
}

// Decode fills c's protocol settings and mapping from its config column.
func Decode(c *accounts.SSOConnection, config []byte) error {
	var cfg stored
	if err := json.Unmarshal(config, &cfg); err != nil {
		return fmt.Errorf("sso connection %s config: %w", c.ID, err)
	}
	if cfg.SAML != nil {
		c.SAML = *cfg.SAML
	}
	if cfg.OIDC != nil {
		c.OIDC = *cfg.OIDC
	}
	c.Mapping = cfg.Mapping
	return nil
}
