package accounts

import (
	"context"
	"net/url"
	"time"
)

// Paths of the pages emailed links open, under the base URL. The token is
// the query parameter "token".
const (
	LinkVerifyEmail   = "/verify-email"
	LinkResetPassword = "/reset-password"
	LinkConfirmEmail  = "/confirm-email"
)

// Lifetimes of emailed links.
const (
	ResetTokenLifetime       = time.Hour
	VerifyTokenLifetime      = 24 * time.Hour
	ChangeEmailTokenLifetime = 24 * time.Hour
)

// EditCheck is the edge's policy decision on a self-service edit, asked
// inside the transaction with the user and their teams; a non-nil error
// refuses the edit (e.g. policy.SelfServiceEdit(...).Err()).
type EditCheck func(u User, teams []Team) error

// errInvalidLink answers an unknown, used or expired emailed link.
var errInvalidLink = &Error{Code: CodeInvalidToken, Field: "token",
	Message: "this link is invalid, was used already or has expired; ask for a new one"}

// retiredOnPasswordChange are the pending tokens a new password voids.
var retiredOnPasswordChange = []TokenPurpose{PurposeResetPassword, PurposeChangeEmail, PurposeMFA}

func teamsOf(mts []MemberTeam) []Team {
	out := make([]Team, len(mts))
	for i, mt := range mts {
		out[i] = mt.Team
	}
	return out
}

// check runs an EditCheck inside tx.
func check(ctx context.Context, tx Tx, u User, fn EditCheck) error {
	if fn == nil {
		return nil
	}
	mts, err := userTeams(ctx, tx, u.ID)
	if err != nil {
		return err
	}
	return fn(u, teamsOf(mts))
}

// ChangePassword replaces the caller's password after checking the current
// one. In one transaction it revokes every other session, retires pending
// reset, email-change and sign-in tokens, and sends a security notice.
// Returns CodeInvalidCredentials (current password wrong), CodeWeakPassword,
// CodeRateLimited or what allow returns.
func (s *Service) ChangePassword(ctx context.Context, c Caller, current, next string, allow EditCheck) error {
	u, err := s.checkPassword(ctx, c, current)
	if err != nil {
		return err
	}
	if err := s.passwords.Check(next, true, u.Username, u.Email); err != nil {
		return err
	}
	hash, err := s.hashPassword(ctx, next)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		u, err := tx.LockUser(ctx, u.ID)
		if err != nil {
			return err
		}
		if err := check(ctx, tx, u, allow); err != nil {
			return err
		}
		return s.replacePassword(ctx, tx, c.actor(), u, hash, c.Session.ID, "user.password_change")
	})
}

// replacePassword stores hash and does what every password change does.
func (s *Service) replacePassword(ctx context.Context, tx Tx, actor Actor, u User, hash, keepSession, action string) error {
	now := s.Now()
	if err := tx.SetPasswordHash(ctx, u.ID, hash, now); err != nil {
		return err
	}
	n, err := tx.RevokeSessions(ctx, u.ID, keepSession, "password_changed", now)
	if err != nil {
		return err
	}
	if _, err := tx.RetireTokens(ctx, u.ID, retiredOnPasswordChange, now); err != nil {
		return err
	}
	if err := s.audit(ctx, tx, actor, u.ManagedByTeamID, action, u.ID, map[string]string{"sessions_revoked": itoa(n)}); err != nil {
		return err
	}
	return s.notify(ctx, tx, u, securityNotice("Your password was changed",
		"The password of your account was changed and your other sessions were signed out. If this was not you, reset your password now."))
}

// EmailRequest is an unauthenticated request that sends an email to an
// address, if an account has it: password reset, username recovery,
// verification resend.
type EmailRequest struct {
	Email string
	IP    string
	// Allow, for password resets, is asked whether the account may reset
	// its password; when it refuses, the email explains why instead of
	// carrying a link.
	Allow EditCheck
}

// requestEmail does the shared part of an EmailRequest: limits, lookup and
// the same work for known and unknown addresses. fn runs in a transaction
// with the user, or with a zero User when there is none.
func (s *Service) requestEmail(ctx context.Context, kind string, in EmailRequest, fn func(tx Tx, u User) error) error {
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		return err
	}
	if err := s.hit(ctx, kind+":ip:"+clientKey(in.IP), s.limits.EmailPerIP); err != nil {
		return err
	}
	if err := s.hit(ctx, kind+":email:"+hexDigest(Fold(email)), s.limits.EmailPerAccount); err != nil {
		return err
	}
	// Known or not, one transaction with an audit row, answered no sooner
	// than the floor: the answer and its timing say nothing about whether
	// the address has an account.
	defer waitOut(ctx, time.Now().Add(s.emailFloor))
	u, err := s.store.GetUserByEmail(ctx, email)
	if err != nil && ErrorCode(err) != CodeNotFound {
		return err
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		if u.ID == "" || !u.Active() {
			return s.audit(ctx, tx, Actor{Kind: ActorSystem, IP: in.IP}, "", kind+".unknown", "", nil)
		}
		if err := fn(tx, u); err != nil {
			return err
		}
		return s.audit(ctx, tx, Actor{Kind: ActorSystem, IP: in.IP}, "", kind, u.ID, nil)
	})
}

// waitOut returns at deadline (wall-clock time, not the service clock:
// timing is what an observer measures) or when ctx ends.
func waitOut(ctx context.Context, deadline time.Time) {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// issueLink creates a token of purpose for u inside tx (the newest wins)
// and returns the absolute link to page carrying it.
func (s *Service) issueLink(ctx context.Context, tx Tx, u User, purpose TokenPurpose, data, page string, life time.Duration) (string, error) {
	token, hash, err := newSecret(s.random, "")
	if err != nil {
		return "", err
	}
	id, err := newID()
	if err != nil {
		return "", err
	}
	now := s.Now()
	t := OneTimeToken{ID: id, UserID: u.ID, Purpose: purpose, TokenHash: hash, Data: data, CreatedAt: now, ExpiresAt: now.Add(life)}
	if err := tx.CreateToken(ctx, &t); err != nil {
		return "", err
	}
	return s.link(page + "?token=" + url.QueryEscape(token)), nil
}

// RequestPasswordReset emails a reset link (valid ResetTokenLifetime,
// single use, the newest wins) when an active account has the address.
// The answer is the same either way; only CodeInvalid (not an address) and
// CodeRateLimited come back.
func (s *Service) RequestPasswordReset(ctx context.Context, in EmailRequest) error {
	return s.requestEmail(ctx, "password_reset", in, func(tx Tx, u User) error {
		if err := check(ctx, tx, u, in.Allow); err != nil {
			msg := err.Error()
			if e, ok := err.(*Error); ok {
				msg = e.Message
			}
			return s.enqueue(ctx, tx, ChannelEmail, u.Email, "Password reset",
				"Hello "+u.Username+",\n\nSomeone asked to reset the password of your account, but it cannot be reset here: "+msg+"\n")
		}
		link, err := s.issueLink(ctx, tx, u, PurposeResetPassword, "", LinkResetPassword, ResetTokenLifetime)
		if err != nil {
			return err
		}
		return s.enqueue(ctx, tx, ChannelEmail, u.Email, "Reset your password",
			"Hello "+u.Username+",\n\nOpen this link within an hour to choose a new password:\n\n"+link+
				"\n\nIf you did not ask for this, ignore this email; your password stays as it is.\n")
	})
}

// ResetPasswordInput completes a reset: the token from the emailed link and
// the new password.
type ResetPasswordInput struct {
	Token    string
	Password string
	IP       string
	Allow    EditCheck
}

// ResetPassword sets a new password with an emailed token. In one
// transaction it uses the token up, revokes every session, retires pending
// reset, email-change and sign-in tokens, marks the address verified (the
// person read mail sent to it) and sends a security notice. Returns
// CodeInvalidToken, CodeWeakPassword, CodeRateLimited or what Allow
// returns.
func (s *Service) ResetPassword(ctx context.Context, in ResetPasswordInput) error {
	if err := s.hit(ctx, "reset_confirm:ip:"+clientKey(in.IP), s.limits.SignInPerIP); err != nil {
		return err
	}
	tok, err := s.store.GetToken(ctx, PurposeResetPassword, HashToken(in.Token), s.Now())
	if ErrorCode(err) == CodeNotFound {
		return errInvalidLink
	}
	if err != nil {
		return err
	}
	u, err := s.store.GetUser(ctx, tok.UserID)
	if err != nil {
		return err
	}
	if err := s.passwords.Check(in.Password, true, u.Username, u.Email); err != nil {
		return err
	}
	hash, err := s.hashPassword(ctx, in.Password)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		if _, err := tx.ConsumeToken(ctx, PurposeResetPassword, tok.TokenHash, s.Now()); err != nil {
			if ErrorCode(err) == CodeNotFound {
				return errInvalidLink
			}
			return err
		}
		u, err := tx.LockUser(ctx, tok.UserID)
		if err != nil {
			return err
		}
		if !u.Active() {
			return &Error{Code: CodeAccountDeactivated, Message: "the account is deactivated"}
		}
		if err := check(ctx, tx, u, in.Allow); err != nil {
			return err
		}
		if u.EmailVerifiedAt == nil {
			now := s.Now()
			if u, err = tx.UpdateUser(ctx, u.ID, func(v *User) error { v.EmailVerifiedAt, v.UpdatedAt = &now, now; return nil }); err != nil {
				return err
			}
		}
		return s.replacePassword(ctx, tx, Actor{Kind: ActorUser, ID: u.ID, IP: in.IP}, u, hash, "", "user.password_reset")
	})
}

// sendVerification issues a verification link for u's current address
// inside tx and emails it.
func (s *Service) sendVerification(ctx context.Context, tx Tx, u User) error {
	link, err := s.issueLink(ctx, tx, u, PurposeVerifyEmail, u.Email, LinkVerifyEmail, VerifyTokenLifetime)
	if err != nil {
		return err
	}
	return s.enqueue(ctx, tx, ChannelEmail, u.Email, "Confirm your email address",
		"Hello "+u.Username+",\n\nConfirm that this is your email address by opening this link:\n\n"+link+"\n")
}

// ResendVerification emails a new verification link when an active account
// with an unverified address has it; the answer is the same either way.
func (s *Service) ResendVerification(ctx context.Context, in EmailRequest) error {
	return s.requestEmail(ctx, "verify_email_resend", in, func(tx Tx, u User) error {
		if u.EmailVerifiedAt != nil {
			return nil
		}
		return s.sendVerification(ctx, tx, u)
	})
}

// VerifyEmail uses up a verification token and marks the address verified,
// provided it is still the account's address. Returns CodeInvalidToken.
func (s *Service) VerifyEmail(ctx context.Context, token string) (User, error) {
	var out User
	err := s.store.InTx(ctx, func(tx Tx) error {
		now := s.Now()
		tok, err := tx.ConsumeToken(ctx, PurposeVerifyEmail, HashToken(token), now)
		if ErrorCode(err) == CodeNotFound {
			return errInvalidLink
		}
		if err != nil {
			return err
		}
		out, err = tx.UpdateUser(ctx, tok.UserID, func(u *User) error {
			if Fold(u.Email) != Fold(tok.Data) {
				return errInvalidLink // the address changed since the link was sent
			}
			if u.EmailVerifiedAt == nil {
				u.EmailVerifiedAt, u.UpdatedAt = &now, now
			}
			return nil
		})
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, Actor{Kind: ActorUser, ID: tok.UserID}, "", "user.email_verify", tok.UserID, nil)
	})
	return out, err
}

// RequestEmailChange emails a confirmation link to the new address; the
// account's address changes only when it is followed. Needs a recent
// authentication. Returns CodeInvalid, ErrEmailTaken, CodeReauthRequired,
// CodeRateLimited or what allow returns.
func (s *Service) RequestEmailChange(ctx context.Context, c Caller, newEmail string, allow EditCheck) error {
	if err := s.RequireRecentAuth(c.Session); err != nil {
		return err
	}
	email, err := NormalizeEmail(newEmail)
	if err != nil {
		return err
	}
	if err := s.hit(ctx, "email_change:user:"+c.Session.UserID, s.limits.EmailPerAccount); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		u, err := tx.LockUser(ctx, c.Session.UserID)
		if err != nil {
			return err
		}
		if err := check(ctx, tx, u, allow); err != nil {
			return err
		}
		if Fold(email) == Fold(u.Email) {
			return InvalidField("email", "that is your current address already")
		}
		if other, err := tx.GetUserByEmail(ctx, email); err == nil && other.ID != u.ID {
			return ErrEmailTaken
		} else if err != nil && ErrorCode(err) != CodeNotFound {
			return err
		}
		link, err := s.issueLink(ctx, tx, u, PurposeChangeEmail, email, LinkConfirmEmail, ChangeEmailTokenLifetime)
		if err != nil {
			return err
		}
		if err := s.enqueue(ctx, tx, ChannelEmail, email, "Confirm your new email address",
			"Hello "+u.Username+",\n\nOpen this link to make this your account's email address:\n\n"+link+
				"\n\nUntil you do, your account keeps its current address.\n"); err != nil {
			return err
		}
		return s.audit(ctx, tx, c.actor(), "", "user.email_change_request", u.ID, nil)
	})
}

// ConfirmEmailChange uses up an email-change token and switches the
// account's address to the confirmed one (verified). The old address gets
// a notice. Returns CodeInvalidToken or ErrEmailTaken.
func (s *Service) ConfirmEmailChange(ctx context.Context, token string, allow EditCheck) (User, error) {
	var out User
	err := s.store.InTx(ctx, func(tx Tx) error {
		now := s.Now()
		tok, err := tx.ConsumeToken(ctx, PurposeChangeEmail, HashToken(token), now)
		if ErrorCode(err) == CodeNotFound {
			return errInvalidLink
		}
		if err != nil {
			return err
		}
		old, err := tx.LockUser(ctx, tok.UserID)
		if err != nil {
			return err
		}
		if err := check(ctx, tx, old, allow); err != nil {
			return err
		}
		out, err = tx.UpdateUser(ctx, tok.UserID, func(u *User) error {
			u.Email, u.EmailVerifiedAt, u.UpdatedAt = tok.Data, &now, now
			return nil
		})
		if err != nil {
			return err
		}
		// Links mailed to the old address must die with it: a reset link
		// in a mailbox the person is leaving would take the account back.
		if _, err := tx.RetireTokens(ctx, out.ID, []TokenPurpose{PurposeVerifyEmail, PurposeResetPassword, PurposeChangeEmail}, now); err != nil {
			return err
		}
		if err := s.enqueue(ctx, tx, ChannelEmail, old.Email, "Your email address was changed",
			"Hello "+old.Username+",\n\nThe email address of your account was changed from "+old.Email+" to "+out.Email+
				". If this was not you, contact support right away.\n"); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, Actor{Kind: ActorUser, ID: out.ID}, "", "user.email_change", out.ID, nil); err != nil {
			return err
		}
		return s.notify(ctx, tx, out, securityNotice("Your email address was changed",
			"Your account's email address is now "+out.Email+"."))
	})
	return out, err
}

// RecoverUsername emails the username to the address when an active
// account has it; the answer is the same either way.
func (s *Service) RecoverUsername(ctx context.Context, in EmailRequest) error {
	return s.requestEmail(ctx, "username_recovery", in, func(tx Tx, u User) error {
		return s.enqueue(ctx, tx, ChannelEmail, u.Email, "Your username",
			"Hello,\n\nThe username of the account with this email address is: "+u.Username+
				"\n\nSign in at "+s.link("/signin")+"\n")
	})
}
