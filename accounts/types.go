package accounts

import "time"

// Plan is a team's subscription tier. SSO and SCIM are Enterprise features.
type Plan string

const (
	PlanFree         Plan = "free"
	PlanBasic        Plan = "basic"
	PlanProfessional Plan = "professional"
	PlanEnterprise   Plan = "enterprise"
)

// Valid reports whether p is a known plan.
func (p Plan) Valid() bool {
	switch p {
	case PlanFree, PlanBasic, PlanProfessional, PlanEnterprise:
		return true
	}
	return false
}

// Team is a customer organisation. Slug is unique case-insensitively; the
// Service lower-cases it before it is stored.
type Team struct {
	ID        string
	Slug      string
	Name      string
	Plan      Plan
	Settings  TeamSettings
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TeamSettings are the knobs a Team Admin turns. Zero durations mean "use the
// server default".
type TeamSettings struct {
	JITEnabled  bool `json:"jit_enabled"`
	SSORequired bool `json:"sso_required"`
	DefaultRole Role `json:"default_role,omitempty"`
	SeatLimit   int  `json:"seat_limit,omitempty"` // 0 = unlimited
	// RoleGroups maps SCIM group displayNames (matched in any letter case)
	// to the team role their members get; the most privileged wins, and a
	// member of no mapped group has DefaultRole.
	RoleGroups map[string]Role `json:"role_groups,omitempty"`
	// SCIMOnly: accounts come from the team's SCIM provisioning only; SSO
	// signs in people the IdP pushed and provisions nobody just in time.
	SCIMOnly bool `json:"scim_only,omitempty"`
	// AdminGroup is the IdP group (SAML groups attribute, OIDC groups claim)
	// whose members are provisioned as admins; others get DefaultRole.
	AdminGroup string `json:"admin_group,omitempty"`
	// Session lifetimes override the server's profiles for this team's members.
	SessionIdleTimeout        time.Duration `json:"session_idle_timeout,omitempty"`
	SessionAbsoluteTimeout    time.Duration `json:"session_absolute_timeout,omitempty"`
	PersistentIdleTimeout     time.Duration `json:"persistent_idle_timeout,omitempty"`
	PersistentAbsoluteTimeout time.Duration `json:"persistent_absolute_timeout,omitempty"`
}

// Domain is an email domain a team claims. Once VerifiedAt is set (DNS TXT
// record found, or an operator override), email addresses at Name belong to
// the team for home-realm discovery and JIT. A name may be claimed by many
// teams but verified by at most one.
type Domain struct {
	ID                string
	TeamID            string
	Name              string // lower-case, no trailing dot
	VerificationToken string // published as a DNS TXT record
	VerifiedAt        *time.Time
	CreatedAt         time.Time
}

// Status is a user's lifecycle state.
type Status string

const (
	StatusActive      Status = "active"
	StatusDeactivated Status = "deactivated"
)

// User is a person's account. Username and Email are unique
// case-insensitively across the whole server; they keep the letter case the
// person chose.
type User struct {
	ID              string
	Username        string
	Name            string
	Email           string
	EmailVerifiedAt *time.Time
	Status          Status
	// ManagedByTeamID is set when a team's identity provider provisioned the
	// account (SCIM or JIT); that provider then owns email, name, password and
	// active state.
	ManagedByTeamID string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Active reports whether the user may use the product at all.
func (u User) Active() bool { return u.Status == StatusActive }

// Role is a member's permission level within a team.
type Role string

const (
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleMember }

// Source says how a membership came to be; it decides who may end it.
type Source string

const (
	SourceInvite Source = "invite"
	SourceJIT    Source = "jit"
	SourceSCIM   Source = "scim"
)

// Membership puts a user in a team with a role.
type Membership struct {
	TeamID    string
	UserID    string
	Role      Role
	Source    Source
	CreatedAt time.Time
}

// Session is a signed-in browser or client. The cookie holds a random token;
// the store keeps only its SHA-256 (TokenHash).
type Session struct {
	ID            string
	UserID        string
	TokenHash     []byte
	CreatedAt     time.Time
	LastSeenAt    time.Time
	IdleExpiresAt time.Time // LastSeenAt + idle timeout, moved forward on use
	AbsExpiresAt  time.Time // never moves
	Persistent    bool      // "Keep me signed in"
	UserAgent     string
	IP            string
	AuthMethod    string // "password", "password+totp", "sso:<connection>", …
	// ReauthenticatedAt is when the holder last proved who they are again
	// (password or code) after sign-in; nil when never.
	ReauthenticatedAt *time.Time
	RevokedAt         *time.Time
	RevokedReason     string
}

// Live reports whether the session may still be used at now.
func (s Session) Live(now time.Time) bool {
	return s.RevokedAt == nil && now.Before(s.IdleExpiresAt) && now.Before(s.AbsExpiresAt)
}

// TokenPurpose says what a one-time token is for; a token is only ever
// accepted for its own purpose.
type TokenPurpose string

const (
	PurposeVerifyEmail     TokenPurpose = "verify_email"
	PurposeResetPassword   TokenPurpose = "reset_password"
	PurposeChangeEmail     TokenPurpose = "change_email"
	PurposeRecoverUsername TokenPurpose = "recover_username"
	PurposeMFA             TokenPurpose = "mfa"
)

// OneTimeToken is a single-use secret sent to a person (by email) or handed to
// a client between two steps. Only its SHA-256 is stored. Data carries what
// the step needs (e.g. the new email address).
type OneTimeToken struct {
	ID        string
	UserID    string
	Purpose   TokenPurpose
	TokenHash []byte
	Data      string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// SCIMToken is a bearer token an identity provider presents to /scim/v2. Only
// its SHA-256 is stored; Prefix is shown to admins to tell tokens apart.
type SCIMToken struct {
	ID         string
	TeamID     string
	Name       string
	Prefix     string
	TokenHash  []byte
	CreatedAt  time.Time
	LastUsedAt *time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
}

// Usable reports whether the token may authenticate at now.
func (t SCIMToken) Usable(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt))
}

// ActorKind says who did something recorded in the audit log.
type ActorKind string

const (
	ActorUser      ActorKind = "user"
	ActorSCIMToken ActorKind = "scim_token"
	ActorSystem    ActorKind = "system"
	ActorOperator  ActorKind = "operator"
)

// AuditEvent records one security-relevant action. Details never hold
// secrets.
type AuditEvent struct {
	ID        string
	TeamID    string // empty for events outside any team (self-service sign-up)
	ActorKind ActorKind
	ActorID   string
	Action    string // e.g. "user.signup", "session.revoke"
	TargetID  string
	IP        string
	Details   map[string]string
	CreatedAt time.Time
}
