package accounts

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// ErrUnknownSSOFlow is SSOSignIn's answer to a FlowID that names no
// unused, unexpired sign-in this browser started through this connection.
var ErrUnknownSSOFlow = errors.New("accounts: no such sign-in in flight")

// ErrSSOConnectionChanged is SSOSignIn's answer when the connection
// changed (metadata, certificates, issuer) after the caller checked the
// answer against it: check again against the current one.
var ErrSSOConnectionChanged = errors.New("accounts: the sign-in connection changed")

// SSOClaims is what an identity provider asserted about a person, after
// the protocol checks passed and the attribute mapping was applied.
type SSOClaims struct {
	Subject string // SAML NameID or OIDC sub
	Email   string
	// EmailVerified is OIDC's email_verified: nil when the provider did not
	// say (SAML IdPs vouch for the addresses they assert).
	EmailVerified *bool
	GivenName     string
	FamilyName    string
	Name          string
	Groups        []string
}

// SSOFacts is what an SSO sign-in decision needs, read inside the sign-in
// transaction with the team locked.
type SSOFacts struct {
	Claims     SSOClaims
	Connection SSOConnection
	// Team is the connection's team; zero for a teamless connection.
	Team Team
	// LinkedUser is the account the connection's subject is linked to.
	LinkedUser *User
	// EmailUser is the account that owns Claims.Email.
	EmailUser *User
	// MemberCount is the team's current number of members.
	MemberCount int
	// VerifiedDomains are the team's verified email domain names.
	VerifiedDomains []string
}

// SSOAction is what an SSO sign-in does with the account.
type SSOAction string

const (
	SSOSignInLinked SSOAction = "sign_in"
	SSOLink         SSOAction = "link"
	SSOProvision    SSOAction = "provision"
	SSORefuse       SSOAction = "refuse"
)

// SSOVerdict is a decider's answer. Refusal holds the reason when Action is
// SSORefuse; AdminFix says what a Team Admin can change.
type SSOVerdict struct {
	Action   SSOAction
	UserID   string
	Role     Role
	Refusal  *Error
	AdminFix string
}

// SSODecider decides an SSO sign-in from the facts (policy's JIT rules;
// accounts holds none of its own).
type SSODecider func(SSOFacts) SSOVerdict

// SSORefusal is the error of a refused SSO sign-in: the reason, what a
// Team Admin can change, and the support reference that is also in the
// audit log.
type SSORefusal struct {
	Err       *Error
	AdminFix  string
	Reference string
}

func (r *SSORefusal) Error() string { return r.Err.Error() + " (reference " + r.Reference + ")" }
func (r *SSORefusal) Unwrap() error { return r.Err }

// SSOSignInInput is an identity provider's verified answer.
type SSOSignInInput struct {
	ConnectionID string
	Claims       SSOClaims
	Decide       SSODecider
	UserAgent    string
	IP           string
	// PreviousToken is the browser's session cookie, revoked on success.
	PreviousToken string
	// AssertionID, when set, is recorded (until AssertionExpires) in the
	// same transaction; ErrReplayed when it was seen before.
	AssertionID      string
	AssertionExpires time.Time
	// FlowID, when set, is the sign-in in flight the answer is for, consumed
	// in the same transaction with the browser's FlowBinding:
	// ErrUnknownSSOFlow when it is unknown, used, expired, another
	// browser's or another connection's.
	FlowID      string
	FlowBinding string
	// ConnectionVersion, when set, is the UpdatedAt of the connection the
	// caller checked the answer against (its cached copy):
	// ErrSSOConnectionChanged when the connection changed since.
	ConnectionVersion time.Time
}

// SSOSignInResult is a successful SSO sign-in.
type SSOSignInResult struct {
	Token   string
	Session Session
	User    User
	Action  SSOAction
	// Flow is the sign-in in flight consumed (when FlowID was given).
	Flow SSOFlow
}

// SSOSignIn signs a person in through a connection, in one transaction:
// it consumes the sign-in in flight and records the assertion ID (when
// given), reads the facts (the team locked when it has a seat limit, so
// the limit holds under concurrent sign-ins), asks Decide, creates or
// links the account with an audit event, and opens the session recorded
// as "sso:<connection id>" as StartSession does (the browser's previous
// session revoked, a deactivated account refused, a new device notified,
// audited). A refusal is audited too and returned as *SSORefusal.
func (s *Service) SSOSignIn(ctx context.Context, in SSOSignInInput) (SSOSignInResult, error) {
	if in.Decide == nil {
		return SSOSignInResult{}, errors.New("accounts: SSOSignIn needs a decider")
	}
	if strings.TrimSpace(in.Claims.Subject) == "" {
		return SSOSignInResult{}, Errorf(CodeInvalid, "the identity provider sent no subject")
	}
	ref, err := supportReference(s.random)
	if err != nil {
		return SSOSignInResult{}, err
	}
	start := StartSessionInput{UserAgent: in.UserAgent, IP: in.IP, AuthMethod: "sso:" + in.ConnectionID, PreviousToken: in.PreviousToken}
	token, sess, err := s.newSession(start)
	if err != nil {
		return SSOSignInResult{}, err
	}
	res := SSOSignInResult{Token: token}
	var verdict SSOVerdict
	// Two first sign-ins of one person racing (a double submit) both find
	// no link; the loser's insert clashes with the winner's rows. Running
	// the transaction again finds the link and signs in.
	for attempt := 0; ; attempt++ {
		err = s.ssoTx(ctx, ssoTxArgs{in: in, start: start, ref: ref, verdict: &verdict, res: &res, sess: &sess})
		if attempt == 0 && (errors.Is(err, ErrIdentityLinked) || errors.Is(err, ErrEmailTaken)) {
			continue
		}
		break
	}
	if err != nil {
		return SSOSignInResult{}, err
	}
	if verdict.Action == SSORefuse || verdict.Action == "" {
		return SSOSignInResult{}, &SSORefusal{Err: verdict.Refusal, AdminFix: verdict.AdminFix, Reference: ref}
	}
	res.Session, res.Action = sess, verdict.Action
	return res, nil
}

// ssoTxArgs are ssoTx's input and what it sets (reset on every run: InTx
// may run it again).
type ssoTxArgs struct {
	in      SSOSignInInput
	start   StartSessionInput
	ref     string
	verdict *SSOVerdict
	res     *SSOSignInResult
	sess    *Session
}

// ssoTx is SSOSignIn's transaction: consume the flow, record the
// assertion, read the facts, decide, provision, link or audit the
// refusal, and open the session.
func (s *Service) ssoTx(ctx context.Context, a ssoTxArgs) error {
	in := a.in
	return s.store.InTx(ctx, func(tx Tx) error {
		*a.verdict, a.res.User, a.res.Flow = SSOVerdict{}, User{}, SSOFlow{}
		if in.FlowID != "" {
			flow, err := tx.ConsumeSSOFlow(ctx, in.FlowID, HashToken(in.FlowBinding), s.Now())
			if ErrorCode(err) == CodeNotFound || (err == nil && flow.ConnectionID != in.ConnectionID) {
				return ErrUnknownSSOFlow
			}
			if err != nil {
				return err
			}
			a.res.Flow = flow
		}
		if in.AssertionID != "" {
			if err := tx.RecordAssertion(ctx, in.ConnectionID, in.AssertionID, in.AssertionExpires); err != nil {
				return err
			}
		}
		facts, err := s.ssoFacts(ctx, tx, in)
		if err != nil {
			return err
		}
		*a.verdict = in.Decide(facts)
		verdict := a.verdict
		actor := Actor{Kind: ActorSystem, ID: "sso:" + facts.Connection.ID, IP: in.IP}
		teamID := facts.Connection.TeamID
		details := map[string]string{"connection": facts.Connection.ID, "subject": clip(in.Claims.Subject, 256), "reference": a.ref}
		open := sessionOpening{Input: a.start, Session: a.sess}
		switch verdict.Action {
		case SSOSignInLinked:
			// ssoFacts locked the linked account.
			open.User = *facts.LinkedUser
		case SSOLink:
			if err := s.linkIdentity(ctx, tx, facts, facts.EmailUser.ID); err != nil {
				return err
			}
			e, err := s.auditEvent(actor, teamID, "sso.link", facts.EmailUser.ID, details)
			if err != nil {
				return err
			}
			open.Audit = []AuditEvent{e}
			if open.User, err = tx.LockUser(ctx, facts.EmailUser.ID); err != nil {
				return err
			}
		case SSOProvision:
			if open.User, err = s.provision(ctx, tx, facts, verdict.Role); err != nil {
				return err
			}
			details["role"] = string(verdict.Role)
			e, err := s.auditEvent(actor, teamID, "sso.provision", open.User.ID, details)
			if err != nil {
				return err
			}
			open.Audit = []AuditEvent{e}
			// Created here: no sessions yet, and its one team is the
			// connection's.
			open.Created = true
			if teamID != "" {
				open.Teams = []Team{facts.Team}
			}
		default:
			if verdict.Refusal == nil {
				verdict.Refusal = Errorf(CodeInvalid, "sign-in refused")
			}
			details["reason"] = string(verdict.Refusal.Code)
			details["email"] = clip(in.Claims.Email, 254)
			return s.audit(ctx, tx, actor, teamID, "sso.refuse", "", details)
		}
		a.res.User = open.User
		return s.openSession(ctx, tx, open)
	})
}

// ssoFacts reads what the decision needs. The team is locked only when the
// subject is not linked yet: provisioning counts seats.
func (s *Service) ssoFacts(ctx context.Context, tx Tx, in SSOSignInInput) (SSOFacts, error) {
	f := SSOFacts{Claims: in.Claims}
	c, err := tx.GetSSOConnection(ctx, in.ConnectionID)
	if err != nil {
		return f, err
	}
	if !c.Enabled {
		return f, Errorf(CodeNotFound, "this sign-in connection is turned off; contact your Team Admin")
	}
	if !in.ConnectionVersion.IsZero() && !c.UpdatedAt.Equal(in.ConnectionVersion) {
		return f, ErrSSOConnectionChanged
	}
	f.Connection = c
	if link, err := tx.GetExternalIdentity(ctx, c.ID, in.Claims.Subject); err == nil {
		u, err := tx.LockUser(ctx, link.UserID)
		if err != nil {
			return f, err
		}
		f.LinkedUser = &u
		return f, nil
	} else if ErrorCode(err) != CodeNotFound {
		return f, err
	}
	if c.TeamID != "" {
		if f.Team, err = tx.GetTeam(ctx, c.TeamID); err != nil {
			return f, err
		}
		// With a seat limit, concurrent provisioning must count seats one
		// at a time: a no-op update takes the team's row lock until commit.
		// Without one there is nothing to count, and sign-ins stay parallel.
		if f.Team.Settings.SeatLimit > 0 {
			if f.Team, err = tx.UpdateTeam(ctx, c.TeamID, func(*Team) error { return nil }); err != nil {
				return f, err
			}
			if f.MemberCount, err = tx.CountTeamMembers(ctx, c.TeamID); err != nil {
				return f, err
			}
		}
		ds, err := tx.ListDomains(ctx, c.TeamID)
		if err != nil {
			return f, err
		}
		for _, d := range ds {
			if d.VerifiedAt != nil {
				f.VerifiedDomains = append(f.VerifiedDomains, d.Name)
			}
		}
	}
	if email, err := NormalizeEmail(in.Claims.Email); err == nil {
		f.Claims.Email = email
		if u, err := tx.GetUserByEmail(ctx, email); err == nil {
			f.EmailUser = &u
		} else if ErrorCode(err) != CodeNotFound {
			return f, err
		}
	} else {
		f.Claims.Email = ""
	}
	return f, nil
}

func (s *Service) linkIdentity(ctx context.Context, tx Tx, f SSOFacts, userID string) error {
	err := tx.CreateExternalIdentity(ctx, ExternalIdentity{ConnectionID: f.Connection.ID, Subject: f.Claims.Subject, UserID: userID, CreatedAt: s.Now()})
	if err != nil {
		return err
	}
	if f.Connection.TeamID == "" {
		return nil
	}
	_, err = tx.GetMembership(ctx, f.Connection.TeamID, userID)
	if ErrorCode(err) != CodeNotFound {
		return err
	}
	return tx.AddMembership(ctx, Membership{TeamID: f.Connection.TeamID, UserID: userID,
		Role: roleOr(f.Team.Settings.DefaultRole), Source: SourceJIT, CreatedAt: s.Now()})
}

// provision creates the account a verdict allows: email verified (the IdP
// vouched for it), managed by the team, member through JIT.
func (s *Service) provision(ctx context.Context, tx Tx, f SSOFacts, role Role) (User, error) {
	name := strings.TrimSpace(f.Claims.Name)
	if name == "" {
		name = strings.TrimSpace(f.Claims.GivenName + " " + f.Claims.FamilyName)
	}
	u, err := s.newUser(usernameFor(f.Claims.Email), f.Claims.Email, clip(name, 200))
	if err != nil {
		return User{}, err
	}
	u.EmailVerifiedAt = &u.CreatedAt
	u.ManagedByTeamID = f.Connection.TeamID
	for attempt := 0; ; attempt++ {
		err = tx.CreateUser(ctx, &u)
		if ErrorCode(err) != CodeUsernameTaken || attempt == 3 {
			break
		}
		suffix := make([]byte, 3)
		if _, err := io.ReadFull(s.random, suffix); err != nil {
			return User{}, err
		}
		u.Username = clip(usernameFor(f.Claims.Email), 57) + "-" + hex.EncodeToString(suffix)
	}
	if err != nil {
		return User{}, err
	}
	if err := tx.CreateExternalIdentity(ctx, ExternalIdentity{ConnectionID: f.Connection.ID, Subject: f.Claims.Subject, UserID: u.ID, CreatedAt: u.CreatedAt}); err != nil {
		return User{}, err
	}
	if f.Connection.TeamID != "" {
		if err := tx.AddMembership(ctx, Membership{TeamID: f.Connection.TeamID, UserID: u.ID, Role: roleOr(role), Source: SourceJIT, CreatedAt: u.CreatedAt}); err != nil {
			return User{}, err
		}
	}
	return u, nil
}

func roleOr(r Role) Role {
	if r.Valid() {
		return r
	}
	return RoleMember
}

// usernameFor derives a username from an email address: the address
// itself when it fits the username rules, else its allowed characters.
func usernameFor(email string) string {
	var b strings.Builder
	for i, r := range email {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || (i > 0 && strings.ContainsRune("._-@+", r))
		if ok {
			b.WriteRune(r)
		}
	}
	u := clip(b.String(), 64)
	if len(u) < 2 {
		u = "user-" + u
	}
	return u
}

// clip cuts s to at most n bytes at a character boundary.
func clip(s string, n int) string { return cleanText(s, n) }

// supportReference is the id a refused person quotes to support; it is
// also in the audit event.
func supportReference(random io.Reader) (string, error) {
	b := make([]byte, 6)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", fmt.Errorf("read random: %w", err)
	}
	return strings.ToUpper(hex.EncodeToString(b)), nil
}

// StartSSOFlowInput begins a sign-in at an identity provider.
type StartSSOFlowInput struct {
	ID           string // AuthnRequest ID or OIDC state (caller-made, random)
	ConnectionID string
	Binding      string // the browser's flow cookie value
	ReturnTo     string // a local path, checked by the caller
	Nonce        string
	PKCEVerifier string
}

// StartSSOFlow records a sign-in in flight for SSOFlowLifetime.
func (s *Service) StartSSOFlow(ctx context.Context, in StartSSOFlowInput) error {
	now := s.Now()
	return s.store.CreateSSOFlow(ctx, &SSOFlow{
		ID: in.ID, ConnectionID: in.ConnectionID, BindingHash: HashToken(in.Binding), ReturnTo: in.ReturnTo,
		Nonce: in.Nonce, PKCEVerifier: in.PKCEVerifier, CreatedAt: now, ExpiresAt: now.Add(SSOFlowLifetime),
	})
}

// ConsumeSSOFlow uses up a sign-in in flight; ErrNotFound when it is
// unknown, used, expired or was started by another browser.
func (s *Service) ConsumeSSOFlow(ctx context.Context, id, binding string) (SSOFlow, error) {
	return s.store.ConsumeSSOFlow(ctx, id, HashToken(binding), s.Now())
}

// NewRandomID returns 128 random bits as hex with a prefix, for SAML
// request IDs (which must not start with a digit) and OIDC state.
func NewRandomID(prefix string) (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return prefix + hex.EncodeToString(b), nil
}
