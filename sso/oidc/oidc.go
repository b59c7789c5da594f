// Package oidc is idbridge's OpenID Connect relying party: discovery,
// the authorization code flow with PKCE (S256), and the checks go-oidc
// leaves to its caller: nonce, azp when the token has several audiences,
// the RFC 9207 iss parameter on the callback (mix-up defence), a missing
// sub, and email_verified carried to the JIT policy. State is checked by
// the caller, which consumes the flow row it names.
//
// It never logs; failures are *ValidationError values whose Check says
// which check failed.
package oidc

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/idbridge/idbridge/accounts"
)

// Check names the step a callback failed.
type Check string

const (
	CheckProviderError Check = "provider_error" // the provider answered error=…
	CheckState         Check = "state"          // unknown, used, expired, other browser's or other connection's state
	CheckIssParam      Check = "iss"            // RFC 9207 iss parameter missing or not this provider
	CheckInput         Check = "input"          // no code
	CheckExchange      Check = "exchange"       // the token endpoint refused the code (replayed, PKCE mismatch, …)
	CheckIDToken       Check = "id_token"       // no id_token, bad signature or algorithm
	CheckIssuer        Check = "issuer"         // id_token iss is not the provider
	CheckAudience      Check = "audience"       // id_token aud lacks our client ID
	CheckExpired       Check = "expired"        // id_token expired
	CheckNonce         Check = "nonce"          // nonce is not the one we sent
	CheckAZP           Check = "azp"            // several audiences and azp is not us, or azp names another client
	CheckSubject       Check = "subject"        // no sub, or userinfo sub differs
	CheckUserInfo      Check = "userinfo"       // userinfo failed
)

// ValidationError is a refused callback; Error() is safe to show.
type ValidationError struct {
	Check      Check
	PrivateErr error
}

func (e *ValidationError) Error() string { return fmt.Sprintf("oidc: callback refused (%s)", e.Check) }
func (e *ValidationError) Unwrap() error { return e.PrivateErr }

func refuse(c Check, format string, args ...any) *ValidationError {
	return &ValidationError{Check: c, PrivateErr: fmt.Errorf(format, args...)}
}

// RedirectURL is a connection's callback.
func RedirectURL(baseURL, connectionID string) string {
	return strings.TrimRight(baseURL, "/") + "/sso/oidc/" + url.PathEscape(connectionID) + "/callback"
}

// signingAlgs are the algorithms accepted on ID tokens: asymmetric only,
// so neither "none" nor an HMAC keyed with the public key gets through.
var signingAlgs = []string{gooidc.RS256, gooidc.RS384, gooidc.RS512, gooidc.ES256, gooidc.ES384, gooidc.ES512, gooidc.PS256, gooidc.PS384, gooidc.PS512, gooidc.EdDSA}

// Params configure an RP.
type Params struct {
	Connection accounts.SSOConnection
	BaseURL    string
	Sealer     accounts.Sealer
	HTTPClient *http.Client
}

// RP is one connection's relying party.
type RP struct {
	conn      accounts.SSOConnection
	provider  *gooidc.Provider
	oauth     oauth2.Config
	verifier  *gooidc.IDTokenVerifier
	client    *http.Client
	issParam  bool // the provider promises the RFC 9207 iss parameter
	formPost  bool
	userinfoU string
}

// New discovers the provider and builds the RP.
func New(ctx context.Context, p Params) (*RP, error) {
	c := p.Connection
	if c.Protocol != accounts.ProtocolOIDC {
		return nil, fmt.Errorf("oidc: connection %s is not OIDC", c.ID)
	}
	secret, err := p.Sealer.Open(c.OIDC.ClientSecretSealed, accounts.ClientSecretAssociated(c.ID))
	if err != nil {
		return nil, fmt.Errorf("oidc: connection %s: open client secret: %w", c.ID, err)
	}
	client := p.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	provider, err := gooidc.NewProvider(gooidc.ClientContext(ctx, client), c.OIDC.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc: discovery for %s: %w", c.OIDC.Issuer, err)
	}
	var extra struct {
		IssParam bool   `json:"authorization_response_iss_parameter_supported"`
		UserInfo string `json:"userinfo_endpoint"`
	}
	if err := provider.Claims(&extra); err != nil {
		return nil, fmt.Errorf("oidc: discovery for %s: %w", c.OIDC.Issuer, err)
	}
	return &RP{
		conn: c, provider: provider, client: client, issParam: extra.IssParam, userinfoU: extra.UserInfo,
		formPost: c.OIDC.ResponseMode == "form_post",
		oauth: oauth2.Config{
			ClientID: c.OIDC.ClientID, ClientSecret: string(secret), Endpoint: provider.Endpoint(),
			RedirectURL: RedirectURL(p.BaseURL, c.ID), Scopes: []string{gooidc.ScopeOpenID, "email", "profile"},
		},
		verifier: provider.Verifier(&gooidc.Config{ClientID: c.OIDC.ClientID, SupportedSigningAlgs: signingAlgs}),
	}, nil
}

// Connection is the connection the RP was built from.
func (rp *RP) Connection() accounts.SSOConnection { return rp.conn }

// AuthURL is where the browser goes to sign in: code flow, PKCE S256,
// nonce, and form_post when the connection asks for it.
func (rp *RP) AuthURL(state, nonce, verifier string) string {
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), gooidc.Nonce(nonce)}
	if rp.formPost {
		opts = append(opts, oauth2.SetAuthURLParam("response_mode", "form_post"))
	}
	return rp.oauth.AuthCodeURL(state, opts...)
}

// Exchange finishes a callback whose state the caller has consumed into
// flow: it checks the iss parameter, redeems the code with the PKCE
// verifier, verifies the ID token and its nonce, azp and sub, and maps the
// claims (from the ID token, completed from userinfo when it lacks them).
func (rp *RP) Exchange(ctx context.Context, params url.Values, flow accounts.SSOFlow) (accounts.SSOClaims, error) {
	ctx = gooidc.ClientContext(ctx, rp.client)
	if e := params.Get("error"); e != "" {
		return accounts.SSOClaims{}, refuse(CheckProviderError, "provider error %q: %s", e, params.Get("error_description"))
	}
	switch iss := params.Get("iss"); {
	case iss != "" && iss != rp.conn.OIDC.Issuer:
		return accounts.SSOClaims{}, refuse(CheckIssParam, "callback iss %q is not %q (mix-up)", iss, rp.conn.OIDC.Issuer)
	case iss == "" && rp.issParam:
		return accounts.SSOClaims{}, refuse(CheckIssParam, "the provider promises an iss parameter and the callback has none")
	}
	code := params.Get("code")
	if code == "" {
		return accounts.SSOClaims{}, refuse(CheckInput, "callback without code")
	}
	tok, err := rp.oauth.Exchange(ctx, code, oauth2.VerifierOption(flow.PKCEVerifier))
	if err != nil {
		return accounts.SSOClaims{}, refuse(CheckExchange, "token endpoint: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return accounts.SSOClaims{}, refuse(CheckIDToken, "token response without id_token")
	}
	idt, err := rp.verifier.Verify(ctx, raw)
	if err != nil {
		return accounts.SSOClaims{}, classify(err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(flow.Nonce)) != 1 || flow.Nonce == "" {
		return accounts.SSOClaims{}, refuse(CheckNonce, "id_token nonce does not match the one sent")
	}
	var c claimSet
	if err := idt.Claims(&c); err != nil {
		return accounts.SSOClaims{}, refuse(CheckIDToken, "id_token claims: %v", err)
	}
	if (len(idt.Audience) > 1 || c.AZP != "") && c.AZP != rp.conn.OIDC.ClientID {
		return accounts.SSOClaims{}, refuse(CheckAZP, "azp %q is not our client ID (audiences %v)", c.AZP, idt.Audience)
	}
	if strings.TrimSpace(idt.Subject) == "" {
		return accounts.SSOClaims{}, refuse(CheckSubject, "id_token without sub")
	}
	if c.Email == "" && rp.userinfoU != "" {
		ui, err := rp.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return accounts.SSOClaims{}, refuse(CheckUserInfo, "userinfo: %v", err)
		}
		if ui.Subject != idt.Subject {
			return accounts.SSOClaims{}, refuse(CheckSubject, "userinfo sub %q differs from the id_token's", ui.Subject)
		}
		var more claimSet
		if err := ui.Claims(&more); err != nil {
			return accounts.SSOClaims{}, refuse(CheckUserInfo, "userinfo claims: %v", err)
		}
		c.merge(more)
	}
	return c.toClaims(idt.Subject, rp.conn.Mapping), nil
}

// classify names the check a go-oidc verification error failed.
func classify(err error) *ValidationError {
	var expired *gooidc.TokenExpiredError
	if errors.As(err, &expired) {
		return &ValidationError{Check: CheckExpired, PrivateErr: err}
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "issuer"), strings.Contains(msg, "different provider"):
		return &ValidationError{Check: CheckIssuer, PrivateErr: err}
	case strings.Contains(msg, "audience"):
		return &ValidationError{Check: CheckAudience, PrivateErr: err}
	}
	return &ValidationError{Check: CheckIDToken, PrivateErr: err}
}
