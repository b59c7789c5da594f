package web

import "github.com/gin-gonic/gin"

// SecuritySection is the part of Settings → Account about signing in:
// two-factor authentication, password and email changes.
type SecuritySection struct {
	// PasswordLocked and EmailLocked explain, when set, why the person
	// cannot change that themselves (policy reasons).
	PasswordLocked string
	EmailLocked    string
}

func (p *Pages) securitySection(c *gin.Context) (SecuritySection, error) {
	var s SecuritySection
	if CurrentUser(c).ManagedByTeamID != "" {
		s.PasswordLocked = "Your team's identity provider manages your password. Contact your Team Admin to change it."
		s.EmailLocked = "Your team's identity provider manages your email address. Contact your Team Admin to change it."
	}
	return s, nil
}
