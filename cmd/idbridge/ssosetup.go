package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/keyring"
	"github.com/idbridge/idbridge/sso"
	"github.com/idbridge/idbridge/sso/devidp"
	"github.com/idbridge/idbridge/sso/saml"
)

// Names of the connections serve manages itself.
const (
	devConnectionName    = "Development IdP"
	googleConnectionName = "Google"
	googleIssuer         = "https://accounts.google.com"
)

func newDevIdP(cfg config, h *sso.Handler, log *slog.Logger) (*devidp.IdP, error) {
	return devidp.New(devidp.Params{
		BaseURL: cfg.BaseURL, Users: devidp.DemoUsers(demoDomain), Logger: log,
		SPMetadata: h.SPMetadataForEntityID,
	})
}

// setUpSSO connects the demo team to the development IdP (when it runs and
// the team exists: `make run` seeds it) and keeps the Sign in with Google
// connection in line with the flags.
func setUpSSO(ctx context.Context, cfg config, svc *accounts.Service, ring *keyring.Ring, dev *devidp.IdP, log *slog.Logger) error {
	op := accounts.OperatorActor()
	if dev != nil {
		if err := connectDevIdP(ctx, cfg, svc, ring, dev, log); err != nil {
			return fmt.Errorf("connect the demo team to the development IdP: %w", err)
		}
	}
	if cfg.GoogleClientID == "" {
		return nil
	}
	b, err := os.ReadFile(cfg.GoogleClientSecretFile)
	if err != nil {
		return fmt.Errorf("read --google-client-secret-file: %w", err)
	}
	secret := strings.TrimSpace(string(b))
	conns, err := svc.SSOConnections(ctx, "")
	if err != nil {
		return err
	}
	for _, c := range conns {
		if c.Name == googleConnectionName && c.Protocol == accounts.ProtocolOIDC {
			return svc.UpdateOIDCClient(ctx, op, c.ID, cfg.GoogleClientID, secret, ring)
		}
	}
	_, err = svc.CreateSSOConnection(ctx, accounts.CreateSSOConnectionInput{
		Protocol: accounts.ProtocolOIDC, Name: googleConnectionName, Sealer: ring, Actor: op,
		OIDC:         accounts.OIDCConfig{Issuer: googleIssuer, ClientID: cfg.GoogleClientID},
		ClientSecret: secret,
	})
	return err
}

func connectDevIdP(ctx context.Context, cfg config, svc *accounts.Service, ring *keyring.Ring, dev *devidp.IdP, log *slog.Logger) error {
	team, err := svc.Team(ctx, demoSlug)
	if accounts.ErrorCode(err) == accounts.CodeNotFound {
		log.Info("development IdP running; no demo team to connect (run 'idbridge demo' first)")
		return nil
	}
	if err != nil {
		return err
	}
	metadata, err := dev.MetadataXML()
	if err != nil {
		return err
	}
	conns, err := svc.SSOConnections(ctx, team.ID)
	if err != nil {
		return err
	}
	for _, c := range conns {
		if c.Name == devConnectionName && c.Protocol == accounts.ProtocolSAML {
			// The development IdP makes a new key at every start.
			return svc.UpdateSAMLMetadata(ctx, c.ID, string(metadata))
		}
	}
	certPEM, keyPEM, err := saml.GenerateKeyPair("idbridge "+team.Slug, time.Now())
	if err != nil {
		return err
	}
	op := accounts.OperatorActor()
	c, err := svc.CreateSSOConnection(ctx, accounts.CreateSSOConnectionInput{
		TeamID: team.ID, Protocol: accounts.ProtocolSAML, Name: devConnectionName, Sealer: ring, Actor: op,
		SAML:     accounts.SAMLConfig{IdPMetadata: string(metadata), AllowIdPInitiated: true, SPCertificate: string(certPEM)},
		SPKeyPEM: keyPEM,
	})
	if err != nil {
		return err
	}
	if team.Settings.AdminGroup == "" {
		group := devidp.AdminGroup
		if _, err := svc.UpdateTeamSettings(ctx, op, team.ID, accounts.TeamSettingsChange{AdminGroup: &group}); err != nil {
			return err
		}
	}
	log.Info("demo team connected to the development IdP", "connection", c.ID,
		"sign_in", strings.TrimRight(cfg.BaseURL, "/")+"/sso/start?email=alice@"+demoDomain)
	return nil
}

// metadataLoop refreshes IdP metadata from metadata URLs now and then
// every interval. Replicas may overlap harmlessly.
func metadataLoop(ctx context.Context, h *sso.Handler, every time.Duration, log *slog.Logger) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if _, err := h.RefreshMetadata(ctx); err != nil && ctx.Err() == nil {
			log.Warn("refresh IdP metadata", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
