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
