package web

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/idbridge/idbridge/accounts"
)

// SecuritySection is the part of Settings → Account about signing in:
// two-factor authentication, password and email changes. The *Error fields
// hold the message of the form that was just refused.
type SecuritySection struct {
	MFAEnabled        bool
	RecoveryCodesLeft int
	// PasswordLocked and EmailLocked explain, when set, why the person
	// cannot change that themselves (policy reasons).
	PasswordLocked string
	EmailLocked    string

	SetupError      string
	RegenerateError string
	DisableError    string
	PasswordError   string
	EmailError      string
	NewEmail        string
}

func (p *Pages) securitySection(c *gin.Context) (SecuritySection, error) {
	u := CurrentUser(c)
	var s SecuritySection
	st, err := p.svc.MFAStatus(c.Request.Context(), u.ID)
	if err != nil {
		return s, err
	}
	s.MFAEnabled, s.RecoveryCodesLeft = st.Enabled, st.RecoveryCodesLeft
	s.PasswordLocked, s.EmailLocked, err = p.locks(c, u)
	return s, err
}

// accountError shows a refused settings form: the account page again with
// the message next to the form (set), the re-auth form when the session is
// too old, or an error page for anything else.
func (p *Pages) accountError(c *gin.Context, err error, set func(s *SecuritySection, msg string)) {
	var e *accounts.Error
	if !errors.As(err, &e) {
		p.fail(c, err)
		return
	}
	status := pageStatus(e.Code)
	switch e.Code {
	case accounts.CodeReauthRequired:
		p.RenderReauth(c, http.StatusUnauthorized, ReauthPage{ReturnTo: "/settings/account"})
		return
	case accounts.CodeInvalidCredentials, accounts.CodeInvalidCode, accounts.CodeInvalid, accounts.CodeWeakPassword,
		accounts.CodeEmailTaken, accounts.CodeConflict:
	default:
		p.fail(c, err)
		return
	}
	msg := capitalise(e.Message)
	if e.Code == accounts.CodeInvalidCredentials {
		msg = "That password is not right."
	}
	p.renderAccount(c, status, func(d *AccountPage) { set(&d.Security, msg) })
}
