package accounts

import "time"

// SSOProtocol is how a connection's identity provider speaks.
type SSOProtocol string

const (
	ProtocolSAML SSOProtocol = "saml"
	ProtocolOIDC SSOProtocol = "oidc"
)

// SSOConnection ties a team to one identity provider. A team may have
// several; a connection without a team (TeamID "") serves self-service
// accounts, e.g. "Sign in with Google".
type SSOConnection struct {
	ID       string
	TeamID   string
	Protocol SSOProtocol
	Name     string
	Enabled  bool
	SAML     SAMLConfig       // set when Protocol is saml
	OIDC     OIDCConfig       // set when Protocol is oidc
	Mapping  AttributeMapping // empty fields take the protocol's defaults
	// CreatedAt and UpdatedAt are the service clock's.
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SAMLConfig is a SAML connection's identity provider and service provider
// material.
type SAMLConfig struct {
	// IdPMetadata is the IdP's EntityDescriptor XML: the last good copy when
	// MetadataURL is set.
	IdPMetadata string `json:"idp_metadata"`
	MetadataURL string `json:"metadata_url,omitempty"`
	// AllowIdPInitiated accepts responses no AuthnRequest of ours asked
	// for. Off by default: unsolicited responses are easier to inject.
	AllowIdPInitiated bool `json:"allow_idp_initiated,omitempty"`
	// SPCertificate (PEM) and SPKeySealed (a sealed PKCS#8 PEM) are this
	// connection's own key pair, for signed AuthnRequests and encrypted
	// assertions.
	SPCertificate string `json:"sp_certificate"`
	SPKeySealed   string `json:"sp_key_sealed"`
}

// OIDCConfig is an OpenID Connect relying party's settings.
type OIDCConfig struct {
	Issuer             string `json:"issuer"`
	ClientID           string `json:"client_id"`
	ClientSecretSealed string `json:"client_secret_sealed"`
	// ResponseMode is "query" (default) or "form_post".
	ResponseMode string `json:"response_mode,omitempty"`
}

// AttributeMapping names the assertion attributes (SAML) or claims (OIDC)
// that carry a person's details. Empty fields use the defaults of the
// protocol, which cover Okta, Entra ID, Google and OneLogin.
type AttributeMapping struct {
	Email      string `json:"email,omitempty"`
	GivenName  string `json:"given_name,omitempty"`
	FamilyName string `json:"family_name,omitempty"`
	Name       string `json:"name,omitempty"`
	Groups     string `json:"groups,omitempty"`
}

// ExternalIdentity links a subject at a connection's identity provider to
// an account. (ConnectionID, Subject) is unique.
type ExternalIdentity struct {
	ConnectionID string
	Subject      string
	UserID       string
	CreatedAt    time.Time
}

// SSOFlow is one sign-in in progress: the SAML AuthnRequest ID or the OIDC
// state, bound to the browser that started it by the hash of a cookie.
type SSOFlow struct {
	ID           string // AuthnRequest ID or OIDC state
	ConnectionID string
	BindingHash  []byte // SHA-256 of the browser's flow cookie
	ReturnTo     string // a local path, checked before it was stored
	Nonce        string // OIDC
	PKCEVerifier string // OIDC
	CreatedAt    time.Time
	ExpiresAt    time.Time
	UsedAt       *time.Time
}

// SSOFlowLifetime is how long a sign-in may take at the identity provider.
const SSOFlowLifetime = 10 * time.Minute
