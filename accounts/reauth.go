package accounts

import (
	"context"
	"time"
)

// DefaultReauthWindow is how long a sign-in or password check counts as
// recent for sensitive actions.
const DefaultReauthWindow = 15 * time.Minute

// ErrReauthRequired answers a sensitive action on a session whose last
// authentication is older than the re-auth window.
var ErrReauthRequired = &Error{Code: CodeReauthRequired, Field: "password",
	Message: "for your security, enter your password again to continue"}

// RecentlyAuthenticated reports whether the session was created or
// re-authenticated within the re-auth window.
func (s *Service) RecentlyAuthenticated(sess Session) bool {
	last := sess.CreatedAt
	if sess.ReauthenticatedAt != nil && sess.ReauthenticatedAt.After(last) {
		last = *sess.ReauthenticatedAt
	}
	return s.Now().Sub(last) < s.reauthWindow
}

// RequireRecentAuth returns ErrReauthRequired unless the session
// authenticated recently.
func (s *Service) RequireRecentAuth(sess Session) error {
	if s.RecentlyAuthenticated(sess) {
		return nil
	}
	return ErrReauthRequired
}

// Reauthenticate checks the caller's password again and, when it is right,
// marks the session recently authenticated. Returns CodeInvalidCredentials
// or CodeRateLimited.
func (s *Service) Reauthenticate(ctx context.Context, c Caller, password string) error {
	_, err := s.checkPassword(ctx, c, password)
	return err
}

// checkPassword verifies the caller's password again (rate-limited) and,
// when it is right, records the re-authentication on the session.
func (s *Service) checkPassword(ctx context.Context, c Caller, password string) (User, error) {
	userID := c.Session.UserID
	if len(password) > maxPasswordBytes {
		return User{}, errWrongPasswd
	}
	if err := s.hit(ctx, "password:ip:"+clientKey(c.IP), s.limits.SignInPerIP); err != nil {
		return User{}, err
	}
	if err := s.hit(ctx, "password:user:"+userID, s.limits.SignInPerAccount); err != nil {
		return User{}, err
	}
	u, err := s.store.GetUser(ctx, userID)
	if err != nil {
		return User{}, err
	}
	hash, err := s.store.GetPasswordHash(ctx, userID)
	if ErrorCode(err) == CodeNotFound {
		hash = s.dummyHash
	} else if err != nil {
		return User{}, err
	}
	ok, _, err := s.verify(ctx, hash, password)
	if err != nil {
		return User{}, err
	}
	if !ok || hash == s.dummyHash {
		return User{}, errWrongPasswd
	}
	if c.Session.ID != "" {
		if err := s.store.ReauthenticateSession(ctx, c.Session.ID, s.Now()); err != nil && ErrorCode(err) != CodeNotFound {
			return User{}, err
		}
	}
	return u, nil
}
