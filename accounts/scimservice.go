package accounts

import (
	"context"
	"encoding/json"
	"strings"
	"time"
)

// SCIMUserFields are what a SCIM User resource decides about an account.
// The scim edge derives them from the resource document it received (and,
// for PATCH, the document it produced by applying the operations).
type SCIMUserFields struct {
	UserName   string // SCIM userName; also the account's username
	ExternalID string
	Email      string // the primary email address
	Name       string // display name of the person
	Active     bool
	// Password, when set, replaces the account's password. It is never
	// stored in Document and never returned.
	Password string
	// Document is the resource without id, meta and password.
	Document json.RawMessage
}

// validate normalises f and returns a CodeInvalid error naming the SCIM
// attribute at fault.
func (f *SCIMUserFields) validate() error {
	var err error
	if f.UserName, err = NormalizeUsername(f.UserName); err != nil {
		return InvalidField("userName", "userName must be 2 to 64 letters, digits, '.', '_', '-', '@' or '+', starting with a letter or digit")
	}
	if f.Email, err = NormalizeEmail(f.Email); err != nil {
		return InvalidField("emails", "a user needs an email address (a primary entry in emails, or a userName that is an email address)")
	}
	f.Name = strings.TrimSpace(f.Name)
	if len(f.Name) > 200 {
		return InvalidField("name", "a name has at most 200 characters")
	}
	if len(f.ExternalID) > 256 {
		return InvalidField("externalId", "externalId has at most 256 characters")
	}
	if len(f.Document) == 0 {
		f.Document = json.RawMessage(`{}`)
	}
	return nil
}

// CreateSCIMUser provisions an account for a team through SCIM: the account
// (managed by the team, email verified because the IdP asserts it), its
// membership (source scim, the team's default role), its password if one
// was sent, the SCIM identity and an audit event, in one transaction.
// Returns ErrUsernameTaken (in this team or as an account username),
// ErrEmailTaken, ErrManagedElsewhere, or a CodeInvalid/CodeWeakPassword
// error naming the attribute.
func (s *Service) CreateSCIMUser(ctx context.Context, actor Actor, teamID string, f SCIMUserFields) (SCIMUser, error) {
	if err := f.validate(); err != nil {
		return SCIMUser{}, err
	}
	u, err := s.newUser(f.UserName, f.Email, f.Name)
	if err != nil {
		return SCIMUser{}, err
	}
	u.EmailVerifiedAt = &u.CreatedAt
	u.ManagedByTeamID = teamID
	if !f.Active {
		u.Status = StatusDeactivated
	}
	hash, err := s.scimPasswordHash(ctx, f.Password, u)
	if err != nil {
		return SCIMUser{}, err
	}
	su := SCIMUser{
		TeamID: teamID, UserID: u.ID, ExternalID: f.ExternalID, UserName: f.UserName, Active: f.Active,
		Document: f.Document, Version: 1, CreatedAt: u.CreatedAt, UpdatedAt: u.CreatedAt,
	}
	if hash == "" {
		// One round trip for the common case; a clash, or a password to
		// store, takes the transaction below, which tells which.
		event, err := s.auditEvent(actor, teamID, "scim.user.create", u.ID, map[string]string{"userName": f.UserName, "active": boolString(f.Active)})
		if err != nil {
			return SCIMUser{}, err
		}
		switch err := s.store.ProvisionSCIMUser(ctx, u, su, event); ErrorCode(err) {
		case "":
			if err == nil {
				return su, nil
			}
			return SCIMUser{}, err
		case CodeConflict:
		default:
			return SCIMUser{}, err
		}
	}
	var reprovisioned bool
	fresh := u
	err = s.store.InTx(ctx, func(tx Tx) error {
		u, su.UserID, reprovisioned = fresh, fresh.ID, false // fn may be re-run
		team, err := tx.GetTeam(ctx, teamID)
		if err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, &u); err != nil {
			prior, ok, perr := s.deprovisionedAccount(ctx, tx, teamID, u, err)
			if perr != nil || !ok {
				return cmpOr(perr, err)
			}
			// The IdP provisions again a person it deleted: the same
			// account comes back with its history. The username or email
			// may have passed to someone else meanwhile, so nothing that
			// proved who held the account comes back with it.
			if u, err = tx.UpdateUser(ctx, prior.ID, func(p *User) error {
				p.Username, p.Email, p.Name, p.Status, p.UpdatedAt = u.Username, u.Email, u.Name, u.Status, u.CreatedAt
				p.EmailVerifiedAt = &u.CreatedAt
				return nil
			}); err != nil {
				return err
			}
			if err := forgetCredentials(ctx, tx, u.ID, u.CreatedAt); err != nil {
				return err
			}
			su.UserID, reprovisioned = u.ID, true
		}
		if hash != "" {
			if err := tx.SetPasswordHash(ctx, u.ID, hash, u.CreatedAt); err != nil {
				return err
			}
		}
		role := team.Settings.DefaultRole
		if !role.Valid() {
			role = RoleMember
		}
		if err := tx.AddMembership(ctx, Membership{TeamID: teamID, UserID: u.ID, Role: role, Source: SourceSCIM, CreatedAt: u.CreatedAt}); err != nil {
			return err
		}
		if err := tx.CreateSCIMUser(ctx, &su); err != nil {
			return err
		}
		details := map[string]string{"userName": f.UserName, "active": boolString(f.Active)}
		if reprovisioned {
			details["reprovisioned"] = "true"
		}
		return s.audit(ctx, tx, actor, teamID, "scim.user.create", u.ID, details)
	})
	if err != nil {
		return SCIMUser{}, err
	}
	return su, nil
}

// forgetCredentials removes every way to sign in to an account but SSO
// and a password the caller sets next: the password, two-factor secret and
// recovery codes, and pending emailed links.
func forgetCredentials(ctx context.Context, tx Tx, userID string, at time.Time) error {
	if err := tx.DeletePasswordHash(ctx, userID); err != nil {
		return err
	}
	if err := tx.DeleteTOTP(ctx, userID); err != nil && ErrorCode(err) != CodeNotFound {
		return err
	}
	if err := tx.ReplaceRecoveryCodes(ctx, userID, nil, at); err != nil {
		return err
	}
	_, err := tx.RetireTokens(ctx, userID, []TokenPurpose{PurposeVerifyEmail, PurposeResetPassword,
		PurposeChangeEmail, PurposeRecoverUsername, PurposeMFA}, at)
	return err
}

// deprovisionedAccount finds, after CreateUser refused u with a uniqueness
// clash (err), the account the team's IdP provisioned before and deleted:
// managed by the team, holding u's username or email, and without a SCIM
// identity. Any other clash stays an error.
func (s *Service) deprovisionedAccount(ctx context.Context, tx Tx, teamID string, u User, err error) (User, bool, error) {
	var prior User
	var lerr error
	switch ErrorCode(err) {
	case CodeUsernameTaken:
		prior, lerr = tx.GetUserByUsername(ctx, u.Username)
	case CodeEmailTaken:
		prior, lerr = tx.GetUserByEmail(ctx, u.Email)
	default:
		return User{}, false, nil
	}
	if lerr != nil || prior.ManagedByTeamID != teamID || prior.Active() {
		return User{}, false, lerr
	}
	if _, gerr := tx.GetSCIMUser(ctx, teamID, prior.ID); ErrorCode(gerr) != CodeNotFound {
		return User{}, false, nil // still provisioned: a real clash
	}
	// The other unique field must not belong to someone else.
	other, oerr := tx.GetUserByUsername(ctx, u.Username)
	if oerr == nil && other.ID != prior.ID {
		return User{}, false, nil
	}
	if other, oerr = tx.GetUserByEmail(ctx, u.Email); oerr == nil && other.ID != prior.ID {
		return User{}, false, nil
	}
	return prior, true, nil
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// scimPasswordHash checks and hashes a password an IdP sent, or returns ""
// when it sent none.
func (s *Service) scimPasswordHash(ctx context.Context, password string, u User) (string, error) {
	if password == "" {
		return "", nil
	}
	if err := s.passwords.Check(password, true, u.Username, u.Email); err != nil {
		return "", err
	}
	return s.hashPassword(ctx, password)
}

// UpdateSCIMUser applies a PUT or PATCH: fn gets the current SCIM user
// (under a row lock, so If-Match checks in fn are race-free) and returns
// the new fields. The account follows in the same transaction: username,
// email, name and status; deactivation revokes every session at once and
// reactivation restores sign-in. An error from fn is returned unchanged and
// nothing is written.
func (s *Service) UpdateSCIMUser(ctx context.Context, actor Actor, teamID, userID string, fn func(cur SCIMUser) (SCIMUserFields, error)) (SCIMUser, error) {
	if out, ok, err := s.updateSCIMUserFast(ctx, actor, teamID, userID, fn); ok || err != nil {
		return out, err
	}
	var out SCIMUser
	err := s.store.InTx(ctx, func(tx Tx) error {
		if err := lockTeamSCIMUser(ctx, tx, teamID, userID); err != nil {
			return err
		}
		var f SCIMUserFields
		su, err := tx.UpdateSCIMUser(ctx, teamID, userID, func(cur *SCIMUser) error {
			var err error
			if f, err = fn(*cur); err != nil {
				return err
			}
			if err := f.validate(); err != nil {
				return err
			}
			cur.UserName, cur.ExternalID, cur.Active, cur.Document = f.UserName, f.ExternalID, f.Active, f.Document
			cur.UpdatedAt = s.Now()
			return nil
		})
		if err != nil {
			return err
		}
		var was Status
		u, err := tx.UpdateUser(ctx, userID, func(u *User) error {
			was = u.Status
			u.Username, u.Name, u.UpdatedAt = f.UserName, f.Name, su.UpdatedAt
			if !strings.EqualFold(u.Email, f.Email) || u.EmailVerifiedAt == nil {
				u.EmailVerifiedAt = &su.UpdatedAt // asserted by the IdP
			}
			u.Email = f.Email
			u.Status = StatusActive
			if !f.Active {
				u.Status = StatusDeactivated
			}
			return nil
		})
		if err != nil {
			return err
		}
		if f.Password != "" {
			hash, err := s.scimPasswordHash(ctx, f.Password, u)
			if err != nil {
				return err
			}
			if err := tx.SetPasswordHash(ctx, userID, hash, su.UpdatedAt); err != nil {
				return err
			}
		}
		details := map[string]string{"version": itoa(int(su.Version))}
		if u.Status == StatusDeactivated && was != StatusDeactivated {
			n, err := tx.RevokeSessions(ctx, userID, "", "deactivated_by_idp", su.UpdatedAt)
			if err != nil {
				return err
			}
			details["deactivated"], details["sessions_revoked"] = "true", itoa(n)
			if err := s.notify(ctx, tx, u, signedOutByTeamNotice()); err != nil {
				return err
			}
		}
		if u.Status == StatusActive && was == StatusDeactivated {
			details["reactivated"] = "true"
		}
		out = su
		return s.audit(ctx, tx, actor, teamID, "scim.user.update", userID, details)
	})
	return out, err
}

// updateSCIMUserFast is UpdateSCIMUser in as few round trips as the store
// can: fn sees the current SCIM user read without a lock, and the store
// applies the result only if the version is still the one fn saw. ok is
// false when the store declined (or a password is to be set) and nothing
// was written: the caller then runs the transaction.
func (s *Service) updateSCIMUserFast(ctx context.Context, actor Actor, teamID, userID string, fn func(cur SCIMUser) (SCIMUserFields, error)) (SCIMUser, bool, error) {
	cur, err := s.store.GetSCIMUser(ctx, teamID, userID)
	if err != nil {
		return SCIMUser{}, false, err
	}
	f, err := fn(cur)
	if err != nil {
		return SCIMUser{}, false, err
	}
	if err := f.validate(); err != nil {
		return SCIMUser{}, false, err
	}
	// A password needs hashing in the transaction: the slow path.
	if f.Password != "" {
		return SCIMUser{}, false, nil
	}
	now := s.Now()
	e, err := s.auditEvent(actor, teamID, "scim.user.update", userID, map[string]string{"version": itoa(int(cur.Version + 1))})
	if err != nil {
		return SCIMUser{}, false, err
	}
	up := SCIMUserUpdate{Cur: cur, Fields: f, At: now, Event: e}
	if cur.Active && !f.Active {
		// A deactivation tells the person they were signed out, in the same
		// write. Slack needs their teams' webhooks read in the
		// transaction: the slow path.
		prefs, err := notificationPrefs(ctx, s.store, userID)
		if err != nil {
			return SCIMUser{}, false, err
		}
		rows, slack, err := s.noticeRows(prefs, User{ID: userID, Username: f.UserName, Email: f.Email}, signedOutByTeamNotice())
		if err != nil || slack {
			return SCIMUser{}, false, err
		}
		up.Deactivation = &rows
	}
	out, err := s.store.ApplySCIMUserUpdate(ctx, up)
	switch {
	case err == nil:
		return out, true, nil
	case ErrorCode(err) == CodeConflict:
		return SCIMUser{}, false, nil
	}
	return SCIMUser{}, false, err
}

// lockTeamSCIMUser locks the account of one of the team's SCIM users. The
// team check comes first, so another team's token cannot hold locks on
// accounts it does not manage.
func lockTeamSCIMUser(ctx context.Context, tx Tx, teamID, userID string) error {
	if _, err := tx.GetSCIMUser(ctx, teamID, userID); err != nil {
		return err
	}
	_, err := tx.LockUser(ctx, userID)
	return err
}

// DeleteSCIMUser ends a team's provisioning of an account: the SCIM
// identity and the team membership go, the account is deactivated and its
// sessions revoked; nothing else of the person's is destroyed. Later reads
// of the SCIM user are ErrNotFound. check, when not nil, sees the current
// SCIM user under the lock (an If-Match test) and can veto the delete.
func (s *Service) DeleteSCIMUser(ctx context.Context, actor Actor, teamID, userID string, check func(cur SCIMUser) error) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		if err := lockTeamSCIMUser(ctx, tx, teamID, userID); err != nil {
			return err
		}
		if check != nil {
			cur, err := tx.GetSCIMUser(ctx, teamID, userID)
			if err != nil {
				return err
			}
			if err := check(cur); err != nil {
				return err
			}
		}
		if err := tx.DeleteSCIMUser(ctx, teamID, userID); err != nil {
			return err
		}
		if err := tx.RemoveMembership(ctx, teamID, userID); err != nil && ErrorCode(err) != CodeNotFound {
			return err
		}
		now := s.Now()
		var was Status
		u, err := tx.UpdateUser(ctx, userID, func(u *User) error {
			was = u.Status
			u.Status, u.UpdatedAt = StatusDeactivated, now
			return nil
		})
		if err != nil {
			return err
		}
		n, err := tx.RevokeSessions(ctx, userID, "", "deprovisioned_by_idp", now)
		if err != nil {
			return err
		}
		if was == StatusActive { // a person deactivated earlier was told then
			if err := s.notify(ctx, tx, u, signedOutByTeamNotice()); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, actor, teamID, "scim.user.delete", userID, map[string]string{"sessions_revoked": itoa(n)})
	})
}

// SCIMGroupFields are what a SCIM Group resource decides, members aside.
type SCIMGroupFields struct {
	DisplayName string
	ExternalID  string
	Document    json.RawMessage // without id, meta and members
}

func (f *SCIMGroupFields) validate() error {
	f.DisplayName = strings.TrimSpace(f.DisplayName)
	if f.DisplayName == "" || len(f.DisplayName) > 256 {
		return InvalidField("displayName", "a group needs a displayName of 1 to 256 characters")
	}
	if len(f.Document) == 0 {
		f.Document = json.RawMessage(`{}`)
	}
	return nil
}

// MemberChange says how a write changes a group's members.
type MemberChange struct {
	Replace bool     // members become exactly Set
	Set     []string // with Replace
	Add     []string
	Remove  []string
}

func (m MemberChange) empty() bool { return !m.Replace && len(m.Add) == 0 && len(m.Remove) == 0 }

// applyMembers runs a member change in tx, each part one statement.
func applyMembers(ctx context.Context, tx Tx, teamID, groupID string, m MemberChange) error {
	if m.Replace {
		if err := tx.ReplaceSCIMGroupMembers(ctx, teamID, groupID, m.Set); err != nil {
			return err
		}
	}
	if len(m.Remove) > 0 {
		if _, err := tx.RemoveSCIMGroupMembers(ctx, teamID, groupID, m.Remove); err != nil {
			return err
		}
	}
	if len(m.Add) > 0 {
		if _, err := tx.AddSCIMGroupMembers(ctx, teamID, groupID, m.Add); err != nil {
			return err
		}
	}
	return nil
}

// CreateSCIMGroup creates a group and its initial members in one
// transaction. Returns ErrGroupNameTaken, or ErrNotFound naming a member
// that is not a SCIM user of the team.
func (s *Service) CreateSCIMGroup(ctx context.Context, actor Actor, teamID string, f SCIMGroupFields, members []string) (SCIMGroup, error) {
	if err := f.validate(); err != nil {
		return SCIMGroup{}, err
	}
	id, err := newID()
	if err != nil {
		return SCIMGroup{}, err
	}
	now := s.Now()
	g := SCIMGroup{TeamID: teamID, ID: id, ExternalID: f.ExternalID, DisplayName: f.DisplayName, Document: f.Document, Version: 1, CreatedAt: now, UpdatedAt: now}
	err = s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.CreateSCIMGroup(ctx, &g); err != nil {
			return err
		}
		if len(members) > 0 {
			if _, err := tx.AddSCIMGroupMembers(ctx, teamID, id, members); err != nil {
				return err
			}
		}
		if err := s.audit(ctx, tx, actor, teamID, "scim.group.create", id, map[string]string{"displayName": f.DisplayName, "members": itoa(len(members))}); err != nil {
			return err
		}
		gr, err := newGroupRoles(ctx, tx, teamID, id)
		if err != nil || len(members) == 0 {
			return err
		}
		return s.syncGroupRoles(ctx, tx, actor, gr, g.DisplayName)
	})
	return g, err
}

// UpdateSCIMGroup applies a PUT or PATCH: fn gets the locked current group
// and returns its new fields (or the current ones to leave them), and
// members changes the member list, all in one transaction. The version
// moves on with every write, member-only changes included.
func (s *Service) UpdateSCIMGroup(ctx context.Context, actor Actor, teamID, groupID string, fn func(cur SCIMGroup) (SCIMGroupFields, error), members MemberChange) (SCIMGroup, error) {
	var out SCIMGroup
	err := s.store.InTx(ctx, func(tx Tx) error {
		gr, err := newGroupRoles(ctx, tx, teamID, groupID)
		if err != nil {
			return err
		}
		var before string
		g, err := tx.UpdateSCIMGroup(ctx, teamID, groupID, func(cur *SCIMGroup) error {
			before = cur.DisplayName
			f, err := fn(*cur)
			if err != nil {
				return err
			}
			if err := f.validate(); err != nil {
				return err
			}
			cur.DisplayName, cur.ExternalID, cur.Document, cur.UpdatedAt = f.DisplayName, f.ExternalID, f.Document, s.Now()
			return nil
		})
		if err != nil {
			return err
		}
		if err := gr.snapshot(ctx, tx, before); err != nil {
			return err
		}
		if !members.empty() {
			if err := applyMembers(ctx, tx, teamID, groupID, members); err != nil {
				return err
			}
		}
		out = g
		if err := s.audit(ctx, tx, actor, teamID, "scim.group.update", groupID, map[string]string{
			"version": itoa(int(g.Version)), "members_added": itoa(len(members.Add)), "members_removed": itoa(len(members.Remove)),
			"members_replaced": boolString(members.Replace)}); err != nil {
			return err
		}
		return s.syncGroupRoles(ctx, tx, actor, gr, g.DisplayName)
	})
	return out, err
}

// DeleteSCIMGroup deletes a group and its member list. check, when not
// nil, sees the current group under its row lock (an If-Match test) and can
// veto the delete.
func (s *Service) DeleteSCIMGroup(ctx context.Context, actor Actor, teamID, groupID string, check func(cur SCIMGroup) error) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		gr, err := newGroupRoles(ctx, tx, teamID, groupID)
		if err != nil {
			return err
		}
		if check != nil || gr.active() {
			// UpdateSCIMGroup is the store's way to lock a group; the write
			// it makes is deleted a statement later.
			var name string
			if _, err := tx.UpdateSCIMGroup(ctx, teamID, groupID, func(g *SCIMGroup) error {
				name = g.DisplayName
				if check != nil {
					return check(*g)
				}
				return nil
			}); err != nil {
				return err
			}
			if err := gr.snapshot(ctx, tx, name); err != nil {
				return err
			}
		}
		if err := tx.DeleteSCIMGroup(ctx, teamID, groupID); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, actor, teamID, "scim.group.delete", groupID, nil); err != nil {
			return err
		}
		return s.syncGroupRoles(ctx, tx, actor, gr, "")
	})
}

// SCIMUser returns a team's SCIM user; another team's is ErrNotFound.
func (s *Service) SCIMUser(ctx context.Context, teamID, userID string) (SCIMUser, error) {
	return s.store.GetSCIMUser(ctx, teamID, userID)
}

// ListSCIMUsers returns a page of a team's SCIM users.
func (s *Service) ListSCIMUsers(ctx context.Context, q SCIMQuery) (SCIMPage[SCIMUser], error) {
	return s.store.ListSCIMUsers(ctx, q)
}

// SCIMGroup returns a team's group; another team's is ErrNotFound.
func (s *Service) SCIMGroup(ctx context.Context, teamID, groupID string) (SCIMGroup, error) {
	return s.store.GetSCIMGroup(ctx, teamID, groupID)
}

// ListSCIMGroups returns a page of a team's groups.
func (s *Service) ListSCIMGroups(ctx context.Context, q SCIMQuery) (SCIMPage[SCIMGroup], error) {
	return s.store.ListSCIMGroups(ctx, q)
}

// SCIMGroupMembers returns a group's member user IDs in ascending order.
func (s *Service) SCIMGroupMembers(ctx context.Context, teamID, groupID string) ([]string, error) {
	return s.store.ListSCIMGroupMembers(ctx, teamID, groupID)
}

// SCIMGroupMemberRefs returns a group's members with their display names,
// in ascending order of user ID.
func (s *Service) SCIMGroupMemberRefs(ctx context.Context, teamID, groupID string) ([]SCIMMember, error) {
	return s.store.ListSCIMGroupMemberRefs(ctx, teamID, groupID)
}

// SCIMUsersGroups returns the team's groups of several users at once.
func (s *Service) SCIMUsersGroups(ctx context.Context, teamID string, userIDs []string) ([]SCIMUserGroup, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	return s.store.ListSCIMUsersGroups(ctx, teamID, userIDs)
}

// UserSCIMGroups returns the team's groups a user is in.
func (s *Service) UserSCIMGroups(ctx context.Context, teamID, userID string) ([]SCIMGroup, error) {
	return s.store.ListUserSCIMGroups(ctx, teamID, userID)
}
