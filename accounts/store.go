package accounts

import (
	"context"
	"strings"
	"time"
)

// Store is the persistence contract. Every backend (PostgreSQL, SQLite)
// implements it and passes the conformance suite in accounts/storetest.
//
// Methods called on the Store itself each run as their own statement or
// transaction; InTx gives a Tx whose methods all run in one transaction.
type Store interface {
	Tx

	// InTx runs fn in one transaction and commits when fn returns nil. When
	// fn returns an error or panics, nothing fn wrote is kept and the error
	// is returned unchanged. fn may be re-run when the database reports a
	// serialization failure, so it must not have side effects outside tx.
	// After a Tx method returns an error other than a sentinel it documents,
	// fn must return: PostgreSQL aborts the transaction on any failed
	// statement.
	InTx(ctx context.Context, fn func(tx Tx) error) error

	// ProvisionSCIMUser writes a SCIM-provisioned account at once, in one
	// statement where the backend can: the account u (managed by
	// su.TeamID), its membership of the team with the team's default role
	// (member when unset) and source scim, the SCIM identity su and the
	// audit event e. On any uniqueness clash or a missing team it writes
	// nothing and returns ErrConflict, so the caller can take a slower path
	// that tells which. It is not part of Tx: it is its own transaction.
	ProvisionSCIMUser(ctx context.Context, u User, su SCIMUser, e AuditEvent) error

	// ApplySCIMUserUpdate writes an update computed from u.Cur, if the
	// team's SCIM user is still at u.Cur.Version, in as few round trips as
	// the backend can: the SCIM user's ExternalID, UserName, Active and
	// Document from u.Fields, UpdatedAt u.At, Version u.Cur.Version+1; the
	// account's Username (Fields.UserName), Name and Email, EmailVerifiedAt
	// u.At when the email changed beyond letter case or was unverified, and
	// Status (active exactly when Fields.Active); when that deactivates the
	// account, the revocation of every session (reason
	// "deactivated_by_idp") and the rows of u.Deactivation; and u.Event,
	// whose Details it completes with "deactivated", "sessions_revoked" and
	// "reactivated" as they apply. It may decline, writing nothing and
	// returning ErrConflict (the version moved, a uniqueness clash, an
	// unknown user, a deactivation with a nil u.Deactivation, or a backend
	// that gains nothing from it): the caller then takes InTx.
	// Fields.Password is not its business.
	ApplySCIMUserUpdate(ctx context.Context, u SCIMUserUpdate) (SCIMUser, error)

	// Ping reports whether the database is reachable.
	Ping(ctx context.Context) error
	// SchemaVersion returns the applied and the latest known migration
	// versions; they are equal when the schema is current.
	SchemaVersion(ctx context.Context) (applied, latest int, err error)
	// Close releases the store's connections.
	Close() error
}

// Tx holds every data operation. Unless a method says otherwise:
//   - lookups of one record return ErrNotFound when there is none;
//   - creates require the caller to set ID and timestamps, and return
//     ErrNotFound when a team or user they refer to does not exist;
//   - times round-trip in UTC, truncated to microseconds;
//   - lookups by username, email, slug or domain name are case-insensitive
//     (stores compare Fold keys; the Service lower-cases slugs and domain
//     names before storing them);
//   - list methods return an empty (possibly nil) slice when nothing matches.
type Tx interface {
	// CreateTeam inserts t. Returns ErrSlugTaken when another team has the
	// same slug in any letter case.
	CreateTeam(ctx context.Context, t *Team) error
	GetTeam(ctx context.Context, id string) (Team, error)
	GetTeamBySlug(ctx context.Context, slug string) (Team, error)
	// ListTeams returns every team ordered by slug.
	ListTeams(ctx context.Context) ([]Team, error)
	// UpdateTeam reads the team, locks it until the surrounding transaction
	// ends, applies fn and writes the result (Name, Plan, Settings,
	// UpdatedAt). When fn returns an error nothing is written and the error
	// is returned. ID, Slug and CreatedAt changes are ignored.
	UpdateTeam(ctx context.Context, id string, fn func(t *Team) error) (Team, error)

	// CreateDomain inserts d. Returns ErrDomainTaken when the team already
	// claims the name, or when d is verified and another team has verified it.
	CreateDomain(ctx context.Context, d *Domain) error
	// ListDomains returns a team's domains ordered by name.
	ListDomains(ctx context.Context, teamID string) ([]Domain, error)
	// VerifyDomain marks a team's claim verified. Returns ErrNotFound when
	// the team has no such domain and ErrDomainTaken when another team has
	// verified it already.
	VerifyDomain(ctx context.Context, teamID, name string, at time.Time) (Domain, error)
	// FindVerifiedDomain returns the one verified claim on name.
	FindVerifiedDomain(ctx context.Context, name string) (Domain, error)

	// CreateUser inserts u. Returns ErrUsernameTaken or ErrEmailTaken when
	// another user has the same username or email in any letter case;
	// under concurrent creates of one username exactly one succeeds.
	CreateUser(ctx context.Context, u *User) error
	GetUser(ctx context.Context, id string) (User, error)
	GetUserByUsername(ctx context.Context, username string) (User, error)
	GetUserByEmail(ctx context.Context, email string) (User, error)
	// LockUser reads the user and, inside InTx, locks the row until the
	// transaction ends, so operations that must not interleave for one user
	// (password change vs. session start, deactivation vs. sign-in)
	// serialise. Outside InTx it is a plain read.
	LockUser(ctx context.Context, id string) (User, error)
	// UpdateUser reads the user, locks the row until the surrounding
	// transaction ends, applies fn and writes Username, Name, Email,
	// EmailVerifiedAt, Status, ManagedByTeamID and UpdatedAt. When fn returns
	// an error nothing is written and that error is returned unchanged.
	// Returns ErrNotFound for an unknown id (fn is not called), and
	// ErrUsernameTaken or ErrEmailTaken on a uniqueness clash.
	UpdateUser(ctx context.Context, id string, fn func(u *User) error) (User, error)

	// AddMembership inserts m. Returns ErrAlreadyMember when the user is in
	// the team already and ErrNotFound when the team or user does not exist.
	AddMembership(ctx context.Context, m Membership) error
	GetMembership(ctx context.Context, teamID, userID string) (Membership, error)
	// ListUserMemberships returns a user's memberships ordered by team ID.
	ListUserMemberships(ctx context.Context, userID string) ([]Membership, error)
	// ListTeamMembers returns a team's memberships ordered by creation time.
	ListTeamMembers(ctx context.Context, teamID string) ([]Membership, error)
	// CountTeamMembers returns how many memberships the team has.
	CountTeamMembers(ctx context.Context, teamID string) (int, error)
	// RemoveMembership deletes one membership; ErrNotFound when absent.
	RemoveMembership(ctx context.Context, teamID, userID string) error
	// SetMembershipRole changes one membership's role; ErrNotFound when
	// absent.
	SetMembershipRole(ctx context.Context, teamID, userID string, role Role) error

	// SetPasswordHash stores (inserts or replaces) a user's password hash, a
	// PHC string.
	SetPasswordHash(ctx context.Context, userID, hash string, at time.Time) error
	// DeletePasswordHash removes the user's password, if any (no error
	// when there is none): the account then signs in only through SSO
	// until a password is set again.
	DeletePasswordHash(ctx context.Context, userID string) error
	// GetPasswordHash returns ErrNotFound when the user has no password
	// (e.g. signs in only through SSO).
	GetPasswordHash(ctx context.Context, userID string) (string, error)

	// CreateSession inserts s (TokenHash is unique).
	CreateSession(ctx context.Context, s *Session) error
	// GetSessionByTokenHash returns the session with that token hash,
	// whether live, expired or revoked.
	GetSessionByTokenHash(ctx context.Context, hash []byte) (Session, error)
	// TouchSession moves a live session's LastSeenAt and IdleExpiresAt. A
	// revoked or expired session is left alone (no error); an unknown id is
	// ErrNotFound.
	TouchSession(ctx context.Context, id string, lastSeen, idleExpires time.Time) error
	// ListSessions returns a user's sessions that are not revoked and not
	// expired at now, newest first.
	ListSessions(ctx context.Context, userID string, now time.Time) ([]Session, error)
	// RevokeSession revokes one of the user's sessions. ErrNotFound when the
	// user has no such unrevoked session (another user's ID included).
	RevokeSession(ctx context.Context, userID, sessionID, reason string, at time.Time) error
	// RevokeSessions revokes every unrevoked session of the user except
	// exceptID (may be empty) and returns how many it revoked.
	RevokeSessions(ctx context.Context, userID, exceptID, reason string, at time.Time) (int, error)

	// CreateToken inserts t and, atomically with it, marks every other unused
	// token of the same user and purpose used at t.CreatedAt: the newest
	// token wins. (Two creates racing for one user and purpose may both
	// stay usable; callers issue such tokens one request at a time.)
	CreateToken(ctx context.Context, t *OneTimeToken) error
	// ConsumeToken marks the unused, unexpired token with that purpose and
	// hash used at now and returns it. Under concurrent calls exactly one
	// succeeds; the others, and any call for an unknown, used or expired
	// token, get ErrNotFound.
	ConsumeToken(ctx context.Context, purpose TokenPurpose, hash []byte, now time.Time) (OneTimeToken, error)

	// CreateSCIMToken inserts t (TokenHash is unique).
	CreateSCIMToken(ctx context.Context, t *SCIMToken) error
	// GetSCIMTokenByHash returns the token with that hash, usable or not.
	GetSCIMTokenByHash(ctx context.Context, hash []byte) (SCIMToken, error)
	// ListSCIMTokens returns a team's tokens, revoked and expired included,
	// newest first.
	ListSCIMTokens(ctx context.Context, teamID string) ([]SCIMToken, error)
	// RevokeSCIMToken revokes one of the team's tokens; ErrNotFound when the
	// team has no such unrevoked token.
	RevokeSCIMToken(ctx context.Context, teamID, tokenID string, at time.Time) error
	// TouchSCIMToken records a use of the token; ErrNotFound for an unknown
	// id.
	TouchSCIMToken(ctx context.Context, id string, at time.Time) error

	// AppendAudit inserts each of es (several in one statement).
	AppendAudit(ctx context.Context, es ...AuditEvent) error
	// ListAudit returns up to limit (> 0) of a team's events, newest first;
	// with an empty teamID, events outside any team.
	ListAudit(ctx context.Context, teamID string, limit int) ([]AuditEvent, error)

	// CreateSCIMUser inserts u with Version as given. Returns
	// ErrUsernameTaken when the team has a SCIM user with the same UserName
	// in any letter case, ErrManagedElsewhere when the user already has a
	// SCIM identity (in any team), and ErrNotFound when the team or user
	// does not exist.
	CreateSCIMUser(ctx context.Context, u *SCIMUser) error
	// GetSCIMUser returns the team's SCIM user with that user ID; another
	// team's user is ErrNotFound.
	GetSCIMUser(ctx context.Context, teamID, userID string) (SCIMUser, error)
	// UpdateSCIMUser reads the team's SCIM user, locks it until the
	// surrounding transaction ends, applies fn and writes ExternalID,
	// UserName, Active, Document and UpdatedAt, with Version set to the
	// stored version + 1 (whatever fn did to it). When fn returns an error
	// nothing is written and that error is returned unchanged. ErrNotFound
	// for an unknown user (fn not called); ErrUsernameTaken on a UserName
	// clash within the team.
	UpdateSCIMUser(ctx context.Context, teamID, userID string, fn func(u *SCIMUser) error) (SCIMUser, error)
	// DeleteSCIMUser deletes the team's SCIM identity of the user and the
	// user's memberships in the team's SCIM groups (the account itself and
	// its team membership are the Service's business). ErrNotFound when
	// absent.
	DeleteSCIMUser(ctx context.Context, teamID, userID string) error
	// ListSCIMUsers returns the page q selects of the team's SCIM users and
	// the number of all matches, in one consistent read. Filters are
	// translated to SQL, never evaluated in memory; userName, externalId,
	// id, active, meta.created and meta.lastModified use columns (userName
	// eq and externalId eq are index lookups), other paths the Document.
	// Resources lacking the SortBy attribute come last in either direction;
	// ties break by id. With q.WithGroups it also returns the page's
	// users' groups (as ListSCIMUsersGroups would). Returns a
	// CodeInvalidFilter error for a filter it cannot translate.
	ListSCIMUsers(ctx context.Context, q SCIMQuery) (SCIMPage[SCIMUser], error)

	// CreateSCIMGroup inserts g. Returns ErrGroupNameTaken on a DisplayName
	// clash within the team (any letter case), ErrNotFound for an unknown
	// team.
	CreateSCIMGroup(ctx context.Context, g *SCIMGroup) error
	// GetSCIMGroup returns the team's group; another team's is ErrNotFound.
	GetSCIMGroup(ctx context.Context, teamID, groupID string) (SCIMGroup, error)
	// UpdateSCIMGroup is UpdateSCIMUser for groups: it writes ExternalID,
	// DisplayName, Document, UpdatedAt and Version = stored + 1. Returns
	// ErrGroupNameTaken on a clash.
	UpdateSCIMGroup(ctx context.Context, teamID, groupID string, fn func(g *SCIMGroup) error) (SCIMGroup, error)
	// DeleteSCIMGroup deletes the group and its member rows; ErrNotFound
	// when absent.
	DeleteSCIMGroup(ctx context.Context, teamID, groupID string) error
	// ListSCIMGroups is ListSCIMUsers for groups: displayName, externalId,
	// id and meta.* use columns; a FilterAny on ["members"] whose Where
	// compares ["value"] matches groups with that member (one EXISTS over
	// the member table).
	ListSCIMGroups(ctx context.Context, q SCIMQuery) (SCIMPage[SCIMGroup], error)
	// AddSCIMGroupMembers adds the users to the group in one statement,
	// skipping those already in it, and returns how many it added. Every
	// user must be a SCIM user of the same team: otherwise it adds nothing
	// and returns an ErrNotFound whose Message names the first unknown id.
	// ErrNotFound also for an unknown group.
	AddSCIMGroupMembers(ctx context.Context, teamID, groupID string, userIDs []string) (int, error)
	// RemoveSCIMGroupMembers removes those of the users that are members, in
	// one statement, and returns how many it removed. ErrNotFound for an
	// unknown group.
	RemoveSCIMGroupMembers(ctx context.Context, teamID, groupID string, userIDs []string) (int, error)
	// ReplaceSCIMGroupMembers makes userIDs the whole member list, with the
	// same checks as AddSCIMGroupMembers. (In all three member methods an id
	// listed twice counts once; member changes leave the group's Version
	// alone: the edge bumps it through UpdateSCIMGroup when it answers with
	// an ETag.)
	ReplaceSCIMGroupMembers(ctx context.Context, teamID, groupID string, userIDs []string) error
	// ListSCIMGroupMembers returns the group's member user IDs in ascending
	// order. ErrNotFound for an unknown group.
	ListSCIMGroupMembers(ctx context.Context, teamID, groupID string) ([]string, error)
	// ListSCIMGroupMemberRefs is ListSCIMGroupMembers with each member's
	// display name, in one read.
	ListSCIMGroupMemberRefs(ctx context.Context, teamID, groupID string) ([]SCIMMember, error)
	// ListSCIMUsersGroups returns, in one statement, the memberships of
	// the users in the team's groups, ordered by user ID, then by group
	// DisplayName byte-wise, then group id. Unknown ids are skipped.
	ListSCIMUsersGroups(ctx context.Context, teamID string, userIDs []string) ([]SCIMUserGroup, error)
	// ListUserSCIMGroups returns the team's groups the user is a member of,
	// ordered by DisplayName byte-wise, then id.
	ListUserSCIMGroups(ctx context.Context, teamID, userID string) ([]SCIMGroup, error)

	// ReauthenticateSession records that the session's holder proved who
	// they are again at at. ErrNotFound for an unknown or revoked session.
	ReauthenticateSession(ctx context.Context, sessionID string, at time.Time) error
	// CountSessions returns how many sessions (any state) the user has had,
	// and how many of them came from userAgent.
	CountSessions(ctx context.Context, userID, userAgent string) (all, withAgent int, err error)

	// GetToken returns the unused, unexpired token with that purpose and
	// hash without using it up; ErrNotFound otherwise.
	GetToken(ctx context.Context, purpose TokenPurpose, hash []byte, now time.Time) (OneTimeToken, error)
	// RetireTokens marks every unused token of the user with one of the
	// purposes used at at and returns how many it retired.
	RetireTokens(ctx context.Context, userID string, purposes []TokenPurpose, at time.Time) (int, error)

	// PutTOTP inserts or replaces the user's TOTP credential.
	PutTOTP(ctx context.Context, c TOTPCredential) error
	// GetTOTP returns the user's TOTP credential, enabled or pending.
	GetTOTP(ctx context.Context, userID string) (TOTPCredential, error)
	// DeleteTOTP removes the user's TOTP credential; ErrNotFound when none.
	DeleteTOTP(ctx context.Context, userID string) error
	// UseTOTPStep records that a code for step was accepted: it sets
	// LastStep to step when the credential is enabled and LastStep < step,
	// in one statement, so under concurrent calls for one step exactly one
	// succeeds. Otherwise (replay, no enabled credential) ErrNotFound.
	UseTOTPStep(ctx context.Context, userID string, step int64) error
	// ReplaceRecoveryCodes deletes the user's recovery codes and stores
	// hashes (SHA-256 of each code) as the new, unused set.
	ReplaceRecoveryCodes(ctx context.Context, userID string, hashes [][]byte, at time.Time) error
	// UseRecoveryCode marks the user's unused code with that hash used at
	// at. Under concurrent calls exactly one succeeds; the others, and an
	// unknown or used code, get ErrNotFound.
	UseRecoveryCode(ctx context.Context, userID string, hash []byte, at time.Time) error
	// CountRecoveryCodes returns how many unused recovery codes the user has.
	CountRecoveryCodes(ctx context.Context, userID string) (int, error)

	// GetNotificationPrefs returns the preferences the user has saved (the
	// Service fills in defaults for the rest), ordered by category, channel.
	GetNotificationPrefs(ctx context.Context, userID string) ([]NotificationPref, error)
	// SetNotificationPrefs inserts or replaces each of prefs.
	SetNotificationPrefs(ctx context.Context, userID string, prefs []NotificationPref, at time.Time) error
	// CreateNotification inserts n into the user's inbox.
	CreateNotification(ctx context.Context, n *Notification) error
	// ListNotifications returns up to limit of the user's notifications,
	// newest first.
	ListNotifications(ctx context.Context, userID string, limit int) ([]Notification, error)
	// CountUnreadNotifications returns how many of the user's notifications
	// are unread.
	CountUnreadNotifications(ctx context.Context, userID string) (int, error)
	// MarkNotificationsRead marks every unread notification of the user read
	// at at and returns how many it marked.
	MarkNotificationsRead(ctx context.Context, userID string, at time.Time) (int, error)

	// EnqueueOutbox inserts m, due at m.NextAttemptAt.
	EnqueueOutbox(ctx context.Context, m *OutboxMessage) error
	// ClaimOutbox leases up to limit due messages (not sent, not failed,
	// NextAttemptAt <= now, no live lease) to claimID until now+lease,
	// counting an attempt on each, and returns them oldest due first.
	// Concurrent claimers never get the same message while its lease lasts.
	ClaimOutbox(ctx context.Context, claimID string, now time.Time, lease time.Duration, limit int) ([]OutboxMessage, error)
	// CompleteOutbox marks a message the caller still holds the claim on
	// sent and, with redact, empties its body (emailed links are secrets).
	// ErrNotFound when the claim was lost.
	CompleteOutbox(ctx context.Context, id, claimID string, at time.Time, redact bool) error
	// RetryOutbox releases a claimed message for another attempt at next,
	// or, with failed set, gives up on it at next and empties its body (a
	// message never sent must not keep a working link at rest). ErrNotFound
	// when the claim was lost.
	RetryOutbox(ctx context.Context, id, claimID string, next time.Time, lastError string, failed bool) error
	// ListOutbox returns up to limit messages of a channel, newest first.
	ListOutbox(ctx context.Context, channel NotificationChannel, limit int) ([]OutboxMessage, error)
	// PutSlackWebhook inserts or replaces a team's webhook.
	PutSlackWebhook(ctx context.Context, w SlackWebhook) error
	// GetSlackWebhook returns a team's webhook; ErrNotFound when none.
	GetSlackWebhook(ctx context.Context, teamID string) (SlackWebhook, error)

	// UseCaptchaSolution records a spent proof-of-work solution (key is its
	// digest) until expires. ErrConflict when it was spent already.
	UseCaptchaSolution(ctx context.Context, key []byte, expires time.Time) error

	// HitRateLimit adds one to the counter named key for the fixed window
	// starting at windowStart and returns the count after the increment.
	// Atomic across replicas: concurrent hits are all counted.
	HitRateLimit(ctx context.Context, key string, windowStart time.Time) (int, error)

	// CreateSSOConnection inserts c. ErrNotFound when TeamID names no team.
	CreateSSOConnection(ctx context.Context, c *SSOConnection) error
	GetSSOConnection(ctx context.Context, id string) (SSOConnection, error)
	// ListSSOConnections returns a team's connections (with teamID "", those
	// bound to no team), oldest first.
	ListSSOConnections(ctx context.Context, teamID string) ([]SSOConnection, error)
	// UpdateSSOConnection reads the connection, locks it until the
	// surrounding transaction ends, applies fn and writes Name, Enabled,
	// SAML, OIDC, Mapping and UpdatedAt. When fn returns an error nothing is
	// written and the error is returned unchanged.
	UpdateSSOConnection(ctx context.Context, id string, fn func(c *SSOConnection) error) (SSOConnection, error)

	// CreateExternalIdentity inserts e. ErrIdentityLinked when the
	// connection already links that subject; ErrNotFound for an unknown
	// connection or user.
	CreateExternalIdentity(ctx context.Context, e ExternalIdentity) error
	// GetExternalIdentity returns the link of a subject at a connection
	// (the subject compared byte for byte).
	GetExternalIdentity(ctx context.Context, connectionID, subject string) (ExternalIdentity, error)

	// CreateSSOFlow inserts f (ID is unique).
	CreateSSOFlow(ctx context.Context, f *SSOFlow) error
	// ConsumeSSOFlow marks the unused, unexpired flow with that ID and
	// binding hash used at now and returns it. Under concurrent calls
	// exactly one succeeds; the others, and any call for an unknown, used,
	// expired or differently bound flow, get ErrNotFound.
	ConsumeSSOFlow(ctx context.Context, id string, bindingHash []byte, now time.Time) (SSOFlow, error)

	// RecordAssertion remembers a SAML assertion ID of a connection until
	// expiresAt. ErrReplayed when it was recorded already; under concurrent
	// calls exactly one succeeds.
	RecordAssertion(ctx context.Context, connectionID, assertionID string, expiresAt time.Time) error

	// PurgeExpired deletes what can never be used again: sessions revoked or
	// expired before cutoff, one-time tokens and SSO flows used or expired
	// before cutoff, SAML assertion IDs, captcha solutions and rate-limit
	// windows that expired or started before cutoff, and outbox messages
	// sent or failed before cutoff. Returns how many
	// rows it deleted in all.
	PurgeExpired(ctx context.Context, cutoff time.Time) (int, error)
}

// Fold returns the case-insensitive key of a username, email, slug or domain
// name. Stores keep it beside the original to enforce uniqueness and look
// records up, so every backend agrees on what "the same name" means.
func Fold(s string) string { return strings.ToLower(s) }
