package accounts

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// SessionProfile is a pair of lifetimes: a session ends after Idle without
// use or Absolute after sign-in, whichever comes first.
type SessionProfile struct {
	Idle     time.Duration
	Absolute time.Duration
}

// SessionConfig holds the server-wide session profiles.
type SessionConfig struct {
	Default    SessionProfile
	Persistent SessionProfile // "Keep me signed in"
	// TouchInterval throttles last-seen writes: a session is written back
	// at most this often, so reading pages does not turn into writes.
	TouchInterval time.Duration
}

// DefaultSessionConfig: 8 h idle / 24 h absolute by default; 30 d idle /
// 90 d absolute with "Keep me signed in"; last seen written once a minute.
func DefaultSessionConfig() SessionConfig {
	return SessionConfig{
		Default:       SessionProfile{Idle: 8 * time.Hour, Absolute: 24 * time.Hour},
		Persistent:    SessionProfile{Idle: 30 * 24 * time.Hour, Absolute: 90 * 24 * time.Hour},
		TouchInterval: time.Minute,
	}
}

// StartSessionInput opens a session for an authenticated user.
type StartSessionInput struct {
	UserID     string
	Persistent bool
	UserAgent  string
	IP         string
	AuthMethod string
	// PreviousToken is the session cookie the browser sent, if any. It is
	// revoked so that a sign-in always rotates the token (no fixation).
	PreviousToken string
	// PasswordHash, when set, is Authentication.PasswordHash: the session is
	// refused if the password changed since it was verified.
	PasswordHash string
}

// StartSession creates a session and returns its token, which only the
// caller ever sees. Lifetimes come from the profile, shortened by any team
// of the user that sets stricter ones.
func (s *Service) StartSession(ctx context.Context, in StartSessionInput) (string, Session, error) {
	token, sess, err := s.newSession(in)
	if err != nil {
		return "", Session{}, err
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		// Locked so that a concurrent deactivation or password change either
		// sees this session (and revokes it) or happens-before this check.
		u, err := tx.LockUser(ctx, in.UserID)
		if err != nil {
			return err
		}
		return s.openSession(ctx, tx, sessionOpening{User: u, Input: in, Session: &sess})
	})
	if err != nil {
		return "", Session{}, err
	}
	return token, sess, nil
}

// sessionOpening is what openSession needs.
type sessionOpening struct {
	// User is the session's user, locked (or created) by the caller in the
	// same transaction.
	User    User
	Input   StartSessionInput
	Session *Session // from newSession; stamped and stored
	// Created says the caller created User in this transaction: it then has
	// no sessions yet and its teams are Teams, so neither is read back.
	Created bool
	Teams   []Team
	// Audit are the caller's events, written with session.start in one
	// statement.
	Audit []AuditEvent
}

// openSession is the inside of every sign-in's transaction: it refuses a
// deactivated account (or a password that changed since it was checked),
// revokes the browser's previous session (rotation), stores the new one
// with the user's lifetimes, audits it, and tells the user about a sign-in
// from a device they have not used before.
func (s *Service) openSession(ctx context.Context, tx Tx, o sessionOpening) error {
	now := s.Now()
	u, in, sess := o.User, o.Input, o.Session
	sess.UserID = u.ID
	if !u.Active() {
		return &Error{Code: CodeAccountDeactivated, Message: "the account is deactivated"}
	}
	if in.PasswordHash != "" {
		current, err := tx.GetPasswordHash(ctx, u.ID)
		if err != nil && ErrorCode(err) != CodeNotFound {
			return err
		}
		if current != in.PasswordHash {
			return ErrInvalidCredentials
		}
	}
	if in.PreviousToken != "" {
		if old, err := tx.GetSessionByTokenHash(ctx, HashToken(in.PreviousToken)); err == nil && old.RevokedAt == nil {
			if err := tx.RevokeSession(ctx, old.UserID, old.ID, "rotated", now); err != nil && ErrorCode(err) != CodeNotFound {
				return err
			}
		}
	}
	var all, same int
	var p SessionProfile
	if o.Created {
		p = s.profileOf(o.Teams, sess.Persistent)
	} else {
		var err error
		if all, same, err = tx.CountSessions(ctx, u.ID, sess.UserAgent); err != nil {
			return err
		}
		if p, err = s.profile(ctx, tx, u.ID, sess.Persistent); err != nil {
			return err
		}
	}
	if err := insertSession(ctx, tx, sess, p, now); err != nil {
		return err
	}
	e, err := s.auditEvent(Actor{Kind: ActorUser, ID: u.ID, IP: sess.IP}, "", "session.start", sess.ID,
		map[string]string{"method": in.AuthMethod, "persistent": boolString(in.Persistent)})
	if err != nil {
		return err
	}
	if err := tx.AppendAudit(ctx, append(o.Audit, e)...); err != nil {
		return err
	}
	if all > 0 && same == 0 {
		return s.notify(ctx, tx, u, securityNotice("New sign-in to your account",
			"Your account was signed in to from a new device: "+DescribeDevice(sess.UserAgent)+" at "+sess.IP+
				". If this was not you, change your password and sign out every session."))
	}
	return nil
}

// newSession builds a session for in with a fresh token; createSession
// stores it.
func (s *Service) newSession(in StartSessionInput) (string, Session, error) {
	token, hash, err := newSecret(s.random, "")
	if err != nil {
		return "", Session{}, err
	}
	id, err := newID()
	if err != nil {
		return "", Session{}, err
	}
	return token, Session{
		ID: id, UserID: in.UserID, TokenHash: hash, Persistent: in.Persistent,
		UserAgent: cleanText(in.UserAgent, 512), IP: cleanText(in.IP, 64), AuthMethod: in.AuthMethod,
	}, nil
}

// createSession stamps sess with now and the user's lifetimes and inserts
// it inside tx.
func (s *Service) createSession(ctx context.Context, tx Tx, sess *Session, now time.Time) error {
	p, err := s.profile(ctx, tx, sess.UserID, sess.Persistent)
	if err != nil {
		return err
	}
	return insertSession(ctx, tx, sess, p, now)
}

// insertSession stamps sess as starting at now with the lifetimes of p and
// inserts it inside tx.
func insertSession(ctx context.Context, tx Tx, sess *Session, p SessionProfile, now time.Time) error {
	sess.CreatedAt, sess.LastSeenAt = now, now
	sess.IdleExpiresAt, sess.AbsExpiresAt = now.Add(p.Idle), now.Add(p.Absolute)
	return tx.CreateSession(ctx, sess)
}

// profile returns the session lifetimes for a user: the server profile,
// shortened by the strictest override among the user's teams.
func (s *Service) profile(ctx context.Context, tx Tx, userID string, persistent bool) (SessionProfile, error) {
	mts, err := userTeams(ctx, tx, userID)
	if err != nil {
		return SessionProfile{}, err
	}
	teams := make([]Team, len(mts))
	for i, mt := range mts {
		teams[i] = mt.Team
	}
	return s.profileOf(teams, persistent), nil
}

// profileOf is the server profile shortened by the strictest override
// among teams.
func (s *Service) profileOf(teams []Team, persistent bool) SessionProfile {
	p := s.sessions.Default
	if persistent {
		p = s.sessions.Persistent
	}
	for _, t := range teams {
		idle, abs := t.Settings.SessionIdleTimeout, t.Settings.SessionAbsoluteTimeout
		if persistent {
			idle, abs = t.Settings.PersistentIdleTimeout, t.Settings.PersistentAbsoluteTimeout
		}
		if idle > 0 && idle < p.Idle {
			p.Idle = idle
		}
		if abs > 0 && abs < p.Absolute {
			p.Absolute = abs
		}
	}
	return p
}

// LookupSession returns the session a token names and its user, whatever
// the session's state: whether it may still be used is the policy's call.
// Returns ErrNotFound for a token that names no session.
func (s *Service) LookupSession(ctx context.Context, token string) (Session, User, error) {
	if token == "" {
		return Session{}, User{}, ErrNotFound
	}
	sess, err := s.store.GetSessionByTokenHash(ctx, HashToken(token))
	if err != nil {
		return Session{}, User{}, err
	}
	u, err := s.store.GetUser(ctx, sess.UserID)
	if err != nil {
		return Session{}, User{}, err
	}
	return sess, u, nil
}

// TouchSession records a use of a live session, at most once per
// TouchInterval, moving its idle expiry forward.
func (s *Service) TouchSession(ctx context.Context, sess Session) error {
	now := s.Now()
	if now.Sub(sess.LastSeenAt) < s.sessions.TouchInterval {
		return nil
	}
	p := s.sessions.Default
	if sess.Persistent {
		p = s.sessions.Persistent
	}
	// Keep any team override: the idle window is the one the session got.
	idle := sess.IdleExpiresAt.Sub(sess.LastSeenAt)
	if idle <= 0 || idle > p.Idle {
		idle = p.Idle
	}
	return s.store.TouchSession(ctx, sess.ID, now, now.Add(idle))
}

// SignOut revokes the session a token names; an unknown or already revoked
// token is not an error (signing out twice is fine).
func (s *Service) SignOut(ctx context.Context, token string) error {
	sess, err := s.store.GetSessionByTokenHash(ctx, HashToken(token))
	if ErrorCode(err) == CodeNotFound || (err == nil && sess.RevokedAt != nil) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.RevokeSession(ctx, sess.UserID, sess.ID, "signed_out", s.Now()); err != nil {
			if ErrorCode(err) == CodeNotFound {
				return nil // a concurrent sign-out won
			}
			return err
		}
		return s.audit(ctx, tx, Actor{Kind: ActorUser, ID: sess.UserID}, "", "session.end", sess.ID, nil)
	})
}

// Sessions lists a user's live sessions, newest first.
func (s *Service) Sessions(ctx context.Context, userID string) ([]Session, error) {
	return s.store.ListSessions(ctx, userID, s.Now())
}

// RevokeSession revokes one of the user's sessions. ErrNotFound when the
// user has no such live session.
func (s *Service) RevokeSession(ctx context.Context, actor Actor, userID, sessionID string) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.RevokeSession(ctx, userID, sessionID, "revoked_by_user", s.Now()); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, actor, "", "session.revoke", sessionID, nil); err != nil {
			return err
		}
		return s.notifyRevoked(ctx, tx, userID, 1)
	})
}

// RevokeOtherSessions revokes every session of the user but exceptID and
// returns how many it revoked.
func (s *Service) RevokeOtherSessions(ctx context.Context, actor Actor, userID, exceptID string) (int, error) {
	var n int
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		if n, err = tx.RevokeSessions(ctx, userID, exceptID, "revoked_by_user", s.Now()); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, actor, "", "session.revoke_all", userID, map[string]string{"count": itoa(n)}); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		return s.notifyRevoked(ctx, tx, userID, n)
	})
	return n, err
}

// notifyRevoked tells the user that n of their sessions were signed out.
func (s *Service) notifyRevoked(ctx context.Context, tx Tx, userID string, n int) error {
	u, err := tx.GetUser(ctx, userID)
	if err != nil {
		return err
	}
	what := "A session of your account was signed out."
	if n > 1 {
		what = itoa(n) + " sessions of your account were signed out."
	}
	return s.notify(ctx, tx, u, securityNotice("Sessions signed out", what+" If this was not you, change your password."))
}

// cleanText makes client-supplied header text storable: valid UTF-8, no
// NUL, at most n bytes cut at a character boundary.
func cleanText(s string, n int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, ""), "\x00", "")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
