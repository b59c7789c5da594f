package policy

import (
	"time"

	"github.com/idbridge/idbridge/accounts"
)

// Reason is a stable refusal code; the strings are part of the public API
// (problem+json "code", SCIM and HTML error pages).
type Reason string

const (
	ManagedByIdP       Reason = "managed_by_idp"
	EnterprisePassword Reason = "enterprise_password"
	AccountDeactivated Reason = "account_deactivated"
	SSORequired        Reason = "sso_required"
	SessionExpired     Reason = "session_expired"
)

// Message returns the person-facing explanation of r.
func Message(r Reason) string {
	switch r {
	case ManagedByIdP:
		return "Your team's identity provider manages this. Contact your Team Admin to change it."
	case EnterprisePassword:
		return "Your team signs in with single sign-on, so your password is managed there. Contact your Team Admin."
	case AccountDeactivated:
		return "Your account was deactivated by your team. Contact your Team Admin to restore access."
	case SSORequired:
		return "Your team requires single sign-on. Sign in with SSO instead of a password."
	case SessionExpired:
		return "Your session has ended. Sign in again."
	}
	return jitMessage(r)
}

// Decision is the outcome of a rule: allowed, or refused with a reason.
type Decision struct {
	Allow   bool
	Reason  Reason
	Message string
}

// Allowed is the decision that lets something happen.
func Allowed() Decision { return Decision{Allow: true} }

// Refuse returns the refusal for r with its standard message.
func Refuse(r Reason) Decision { return Decision{Reason: r, Message: Message(r)} }

// Err returns nil for an allowed decision, else an *accounts.Error whose
// code is the reason, so edges render refusals like any domain error.
func (d Decision) Err() error {
	if d.Allow {
		return nil
	}
	return &accounts.Error{Code: accounts.Code(d.Reason), Message: d.Message}
}

// SignInFacts is what a password sign-in decision needs.
type SignInFacts struct {
	User accounts.User
	// Teams are the teams the user belongs to.
	Teams []accounts.Team
}

// PasswordSignIn decides whether a user whose password was just verified
// may get a session.
func PasswordSignIn(f SignInFacts) Decision {
	if !f.User.Active() {
		return Refuse(AccountDeactivated)
	}
	for _, t := range f.Teams {
		if t.Settings.SSORequired {
			return Refuse(SSORequired)
		}
	}
	return Allowed()
}

// SessionFacts is what a session-use decision needs.
type SessionFacts struct {
	Session accounts.Session
	User    accounts.User
	Now     time.Time
}

// UseSession decides whether a request bearing a session may proceed as its
// user. Deactivation is reported before expiry: the cookie proves its holder
// was this person, and "your team deactivated you" is the answer they can act
// on, whereas "sign in again" would only lead to the same wall.
func UseSession(f SessionFacts) Decision {
	if !f.User.Active() {
		return Refuse(AccountDeactivated)
	}
	if !f.Session.Live(f.Now) {
		return Refuse(SessionExpired)
	}
	return Allowed()
}

// Field is a part of an account its owner might edit.
type Field string

const (
	FieldEmail    Field = "email"
	FieldName     Field = "name"
	FieldPassword Field = "password"
)

// EditFacts is what a self-service edit decision needs.
type EditFacts struct {
	User  accounts.User
	Teams []accounts.Team // the teams the user belongs to
	Field Field
}

// SelfServiceEdit decides whether a person may change a field of their own
// account. A team's identity provider owns the email, name and password of
// the accounts it provisioned; a member of an Enterprise team that requires
// SSO has no password of ours to change.
func SelfServiceEdit(f EditFacts) Decision {
	if f.User.ManagedByTeamID != "" {
		switch f.Field {
		case FieldEmail, FieldName, FieldPassword:
			return Refuse(ManagedByIdP)
		}
	}
	if f.Field == FieldPassword {
		for _, t := range f.Teams {
			if t.Plan == accounts.PlanEnterprise && t.Settings.SSORequired {
				return Refuse(EnterprisePassword)
			}
		}
	}
	return Allowed()
}
