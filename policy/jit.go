package policy

import (
	"slices"
	"strings"

	"github.com/idbridge/idbridge/accounts"
)

// JIT refusal reasons.
const (
	JITDisabled         Reason = "jit_disabled"
	JITDomainUnverified Reason = "jit_domain_unverified"
	JITMissingEmail     Reason = "jit_missing_email"
	JITEmailUnverified  Reason = "jit_email_unverified"
	JITSeatLimit        Reason = "jit_seat_limit"
	JITOtherTeam        Reason = "jit_other_team"
	JITSCIMOnly         Reason = "jit_scim_only"
	JITEmailTaken       Reason = "jit_email_taken"
)

// Claims is what an identity provider asserted about a person.
type Claims = accounts.SSOClaims

// JITFacts is what an SSO sign-in decision needs: the claims, the
// connection and its team, and what the store knows.
type JITFacts = accounts.SSOFacts

// JITAction is what an SSO sign-in does with the account.
type JITAction string

const (
	JITSignIn    JITAction = "sign_in"   // the subject is linked already
	JITLink      JITAction = "link"      // link the subject to EmailUser
	JITProvision JITAction = "provision" // create the account
	JITRefuse    JITAction = "refuse"
)

// JITDecision is DecideJIT's answer. When Action is JITRefuse, Decision
// holds the reason and the person's message, and AdminFix what a Team Admin
// can change to let them in (empty when nothing can).
type JITDecision struct {
	Decision
	Action JITAction
	UserID string        // JITSignIn, JITLink
	Role   accounts.Role // JITProvision: the new membership's role
	// AdminFix tells a Team Admin what to change; shown on the refusal page.
	AdminFix string
}

func refuseJIT(r Reason) JITDecision {
	return JITDecision{Decision: Refuse(r), Action: JITRefuse, AdminFix: AdminFix(r)}
}

// DecideJIT decides what an SSO sign-in does: sign in the linked account,
// link an account the team already manages, provision a new one, or refuse
// with a reason the person and their Team Admin can act on.
//
// An unmanaged account that owns the email is never taken over: its owner
// must sign in with their password and link the identity themselves.
func DecideJIT(f JITFacts) JITDecision {
	if u := f.LinkedUser; u != nil {
		if !u.Active() {
			return refuseJIT(AccountDeactivated)
		}
		return JITDecision{Decision: Allowed(), Action: JITSignIn, UserID: u.ID}
	}
	email := strings.TrimSpace(f.Claims.Email)
	if email == "" || !strings.Contains(email, "@") {
		return refuseJIT(JITMissingEmail)
	}
	teamID := f.Connection.TeamID
	verified := f.Claims.EmailVerified
	// A provider bound to no team (Google) vouches for nobody's domain:
	// only an address it states is verified may find or make an account.
	if (verified != nil && !*verified) || (teamID == "" && verified == nil) {
		return refuseJIT(JITEmailUnverified)
	}
	if teamID != "" && !domainVerified(email, f.VerifiedDomains) {
		return refuseJIT(JITDomainUnverified)
	}
	if u := f.EmailUser; u != nil {
		switch {
		case !u.Active():
			return refuseJIT(AccountDeactivated)
		case teamID != "" && u.ManagedByTeamID == teamID:
			return JITDecision{Decision: Allowed(), Action: JITLink, UserID: u.ID}
		case u.ManagedByTeamID != "":
			return refuseJIT(JITOtherTeam)
		default:
			return refuseJIT(JITEmailTaken)
		}
	}
	if teamID == "" {
		// A teamless provider provisions a self-service account.
		return JITDecision{Decision: Allowed(), Action: JITProvision}
	}
	s := f.Team.Settings
	switch {
	case s.SCIMOnly:
		return refuseJIT(JITSCIMOnly)
	case !s.JITEnabled:
		return refuseJIT(JITDisabled)
	case s.SeatLimit > 0 && f.MemberCount >= s.SeatLimit:
		return refuseJIT(JITSeatLimit)
	}
	return JITDecision{Decision: Allowed(), Action: JITProvision, Role: RoleForGroups(s, f.Claims.Groups)}
}

// JIT is DecideJIT in the shape accounts.Service.SSOSignIn takes.
func JIT(f accounts.SSOFacts) accounts.SSOVerdict {
	d := DecideJIT(f)
	v := accounts.SSOVerdict{UserID: d.UserID, Role: d.Role, AdminFix: d.AdminFix}
	switch d.Action {
	case JITSignIn:
		v.Action = accounts.SSOSignInLinked
	case JITLink:
		v.Action = accounts.SSOLink
	case JITProvision:
		v.Action = accounts.SSOProvision
	default:
		v.Action = accounts.SSORefuse
		v.Refusal = &accounts.Error{Code: accounts.Code(d.Reason), Message: d.Message}
	}
	return v
}

// RoleForGroups maps the groups an IdP asserted to a team role: AdminGroup
// members (compared case-insensitively) are admins, everyone else gets the
// team's default role.
func RoleForGroups(s accounts.TeamSettings, groups []string) accounts.Role {
	if s.AdminGroup != "" && slices.ContainsFunc(groups, func(g string) bool { return strings.EqualFold(g, s.AdminGroup) }) {
		return accounts.RoleAdmin
	}
	if s.DefaultRole.Valid() {
		return s.DefaultRole
	}
	return accounts.RoleMember
}

// domainVerified reports whether email's domain is one of domains
// (exactly; subdomains are separate claims).
func domainVerified(email string, domains []string) bool {
	at := strings.LastIndexByte(email, '@')
	domain := accounts.Fold(strings.TrimSuffix(email[at+1:], "."))
	return slices.ContainsFunc(domains, func(d string) bool { return accounts.Fold(d) == domain })
}

// AdminFix says what a Team Admin can change so that a refusal for r does
// not happen again; "" when it is not theirs to fix.
func AdminFix(r Reason) string {
	switch r {
	case JITDisabled:
		return "Turn on just-in-time provisioning for the team (idbridge team set --jit on), or invite this person."
	case JITDomainUnverified:
		return "Add and verify this email domain for the team, or change the email address the identity provider sends."
	case JITMissingEmail:
		return "Make the identity provider send the person's email address (check the connection's attribute mapping)."
	case JITEmailUnverified:
		return "Have the identity provider verify the person's email address before it is sent."
	case JITSeatLimit:
		return "Raise the team's seat limit (idbridge team set --seat-limit N) or remove members who no longer need access."
	case JITOtherTeam:
		return "The account belongs to another team's identity provider; that team must release it first."
	case JITSCIMOnly:
		return "Assign the person to the idbridge application in the identity provider so SCIM provisions them."
	case JITEmailTaken:
		return "Ask the person to sign in with their password once and link their account to single sign-on."
	case AccountDeactivated:
		return "Reactivate the person in the identity provider (or the team's member list)."
	}
	return ""
}

// jitMessage is the person-facing explanation of a JIT reason.
func jitMessage(r Reason) string {
	switch r {
	case JITDisabled:
		return "You need to be invited to join the team as JIT provisioning is not enabled. Ask your Team Admin for an invitation."
	case JITDomainUnverified:
		return "Your email address's domain is not verified for this team, so an account cannot be created for you. Contact your Team Admin."
	case JITMissingEmail:
		return "Your identity provider did not send an email address, so we cannot create or find your account. Contact your Team Admin."
	case JITEmailUnverified:
		return "Your identity provider says your email address is not verified. Verify it there, then sign in again."
	case JITSeatLimit:
		return "Your team has used all of its seats, so no new account can be created. Contact your Team Admin."
	case JITOtherTeam:
		return "Your account is managed by another team's identity provider. Sign in through that team, or contact your Team Admin."
	case JITSCIMOnly:
		return "Your team creates accounts through its identity provider's provisioning, and it has not created yours yet. Contact your Team Admin."
	case JITEmailTaken:
		return "An account with your email address already exists. Sign in with your password once to link it to single sign-on."
	}
	return ""
}
