package saml

import (
	"crypto/x509"
	"encoding/xml"
	"fmt"
	"net/url"
	"strings"
	"time"

	crewjam "github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/idbridge/idbridge/accounts"
)

// DefaultSkew is the clock skew allowed between the IdP and us.
const DefaultSkew = 90 * time.Second

// Params configure a Provider.
type Params struct {
	Connection accounts.SSOConnection
	// BaseURL is the server's public URL without a trailing slash.
	BaseURL string
	// Sealer opens the connection's SP private key.
	Sealer accounts.Sealer
	// Skew is the clock skew allowed on NotBefore and NotOnOrAfter
	// (default DefaultSkew; crewjam/saml never allows more than 180s).
	Skew time.Duration
	Now  func() time.Time // default time.Now
}

// Provider is one connection's service provider.
type Provider struct {
	conn accounts.SSOConnection
	sp   crewjam.ServiceProvider // read-only after New; copied per validation
	// idpCerts are the metadata's signing certificates, parsed once.
	idpCerts []*x509.Certificate
	skew     time.Duration
	now      func() time.Time
}

// EntityID is a connection's SP entity ID: its metadata URL, as Okta and
// Entra expect.
func EntityID(baseURL, connectionID string) string {
	return baseURL + "/sso/saml/" + url.PathEscape(connectionID) + "/metadata"
}

// ACSURL is where a connection's IdP posts its responses.
func ACSURL(baseURL, connectionID string) string {
	return baseURL + "/sso/saml/" + url.PathEscape(connectionID) + "/acs"
}

// New builds the service provider of a SAML connection.
func New(p Params) (*Provider, error) {
	c := p.Connection
	if c.Protocol != accounts.ProtocolSAML {
		return nil, fmt.Errorf("saml: connection %s is not SAML", c.ID)
	}
	idp, err := ParseIdPMetadata([]byte(c.SAML.IdPMetadata))
	if err != nil {
		return nil, fmt.Errorf("saml: connection %s: %w", c.ID, err)
	}
	keyPEM, err := p.Sealer.Open(c.SAML.SPKeySealed, accounts.SPKeyAssociated(c.ID))
	if err != nil {
		return nil, fmt.Errorf("saml: connection %s: open SP key: %w", c.ID, err)
	}
	cert, key, err := parseKeyPair([]byte(c.SAML.SPCertificate), keyPEM)
	if err != nil {
		return nil, err
	}
	base := strings.TrimRight(p.BaseURL, "/")
	metadataURL, err := url.Parse(EntityID(base, c.ID))
	if err != nil {
		return nil, err
	}
	acsURL, err := url.Parse(ACSURL(base, c.ID))
	if err != nil {
		return nil, err
	}
	pr := &Provider{conn: c, skew: p.Skew, now: p.Now, idpCerts: idpCerts(idp)}
	if pr.skew <= 0 {
		pr.skew = DefaultSkew
	}
	if pr.now == nil {
		pr.now = time.Now
	}
	pr.sp = crewjam.ServiceProvider{
		EntityID:          metadataURL.String(),
		Key:               key,
		Certificate:       cert,
		MetadataURL:       *metadataURL,
		AcsURL:            *acsURL,
		IDPMetadata:       idp,
		AuthnNameIDFormat: crewjam.UnspecifiedNameIDFormat,
		// samlsp's default is RSA-SHA1; nothing new should sign with SHA-1.
		SignatureMethod: dsig.RSASHA256SignatureMethod,
	}
	return pr, nil
}

// Connection is the connection the provider was built from.
func (p *Provider) Connection() accounts.SSOConnection { return p.conn }

// Metadata is the SP metadata an admin gives the IdP (Okta, Entra, …).
func (p *Provider) Metadata() ([]byte, error) {
	sp := p.sp
	b, err := xml.MarshalIndent(sp.Metadata(), "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), b...), nil
}

// AuthnRequest makes a signed (RSA-SHA256) HTTP-Redirect AuthnRequest and
// returns the URL to send the browser to and the request's ID, which the
// caller records.
func (p *Provider) AuthnRequest() (redirect string, requestID string, err error) {
	sp := p.sp
	req, err := sp.MakeAuthenticationRequest(ssoLocation(sp.IDPMetadata), crewjam.HTTPRedirectBinding, crewjam.HTTPPostBinding)
	if err != nil {
		return "", "", fmt.Errorf("saml: make AuthnRequest: %w", err)
	}
	u, err := req.Redirect("", &sp)
	if err != nil {
		return "", "", fmt.Errorf("saml: sign AuthnRequest: %w", err)
	}
	return u.String(), req.ID, nil
}
