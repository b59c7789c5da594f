package web

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/policy"
)

// SignInMFAPage is the second sign-in step: a code from the authenticator
// app, or a recovery code.
type SignInMFAPage struct {
	Frame
	MFAToken      string
	ReturnTo      string
	Error         string
	RecoveryError string
}

// RenderSignInMFA shows the second sign-in step.
func (p *Pages) RenderSignInMFA(c *gin.Context, status int, d SignInMFAPage) {
	d.Title = "Two-factor authentication"
	p.render(c, status, "signin_mfa", &d)
}

// SignInMFA handles POST /signin/2fa: complete the sign-in with a code or
// a recovery code.
func (p *Pages) SignInMFA(c *gin.Context) {
	d := SignInMFAPage{MFAToken: c.PostForm("mfa_token"), ReturnTo: c.PostForm("return_to")}
	if !policy.LocalPath(d.ReturnTo) {
		d.ReturnTo = ""
	}
	code := strings.ReplaceAll(strings.TrimSpace(c.PostForm("code")), " ", "")
	recovery := strings.TrimSpace(c.PostForm("recovery_code"))
	if code == "" && recovery == "" {
		d.Error = "Enter the 6-digit code from your authenticator app."
		p.RenderSignInMFA(c, http.StatusBadRequest, d)
		return
	}
	if recovery != "" {
		code = "" // the recovery form wins: it is the one the person filled in
	}
	previous, _ := c.Cookie(p.cookie.Name())
	token, sess, _, err := p.svc.CompleteMFA(c.Request.Context(), accounts.CompleteMFAInput{
		MFAToken: d.MFAToken, Code: code, RecoveryCode: recovery,
		UserAgent: c.Request.UserAgent(), IP: c.ClientIP(), PreviousToken: previous,
	})
	switch accounts.ErrorCode(err) {
	case "":
		p.cookie.write(c.Writer, token, sess)
		seeOther(c, returnTarget(d.ReturnTo))
	case accounts.CodeInvalidCode, accounts.CodeInvalid:
		msg := "That code is not right. Enter the current code from your authenticator app."
		if recovery != "" {
			d.RecoveryError = "That recovery code is not valid or was used already."
			msg = ""
		}
		d.Error = msg
		p.RenderSignInMFA(c, http.StatusUnauthorized, d)
	case accounts.CodeMFAAttemptEnded:
		p.RenderSignIn(c, http.StatusUnauthorized, SignInPage{ReturnTo: d.ReturnTo,
			Error: "This sign-in attempt has ended (too many wrong codes, or it took too long). Sign in again."})
	default:
		p.fail(c, err)
	}
}

// TOTPSetupPage shows the QR code and secret of a pending authenticator and
// asks for the first code.
type TOTPSetupPage struct {
	Frame
	QR     template.URL // the PNG as a data: URL
	Secret string
	URI    string
	Error  string
}

// RenderTOTPSetup shows the authenticator setup.
func (p *Pages) RenderTOTPSetup(c *gin.Context, status int, d TOTPSetupPage) {
	d.Title = "Set up two-factor authentication"
	p.render(c, status, "totp_setup", &d)
}

// RecoveryCodesPage shows a new set of recovery codes, once.
type RecoveryCodesPage struct {
	Frame
	Codes    []string
	Download template.URL // the codes as a text/plain data: URL
	First    bool
}

// RenderRecoveryCodes shows recovery codes.
func (p *Pages) RenderRecoveryCodes(c *gin.Context, status int, d RecoveryCodesPage) {
	d.Title = "Recovery codes"
	p.render(c, status, "recovery_codes", &d)
}

// SetupTOTP handles POST /settings/2fa/setup: check the password, make a
// secret and show it as a QR code.
func (p *Pages) SetupTOTP(c *gin.Context) {
	setup, err := p.svc.SetupTOTP(c.Request.Context(), caller(c), c.PostForm("password"))
	if err != nil {
		p.accountError(c, err, func(s *SecuritySection, msg string) { s.SetupError = msg })
		return
	}
	p.showTOTPSetup(c, http.StatusOK, setup.Secret, setup.URI, "")
}

func (p *Pages) showTOTPSetup(c *gin.Context, status int, secret, uri, msg string) {
	d := TOTPSetupPage{Secret: secret, Error: msg}
	// A posted-back URI that is not an otpauth URI is dropped; the person
	// still has the key to type in.
	if strings.HasPrefix(uri, "otpauth://totp/") {
		qr, err := qrDataURL(uri)
		if err != nil {
			p.fail(c, err)
			return
		}
		d.QR, d.URI = qr, uri
	}
	p.RenderTOTPSetup(c, status, d)
}

// EnableTOTP handles POST /settings/2fa/enable: the first valid code turns
// two-factor authentication on; the session is rotated (every other one
// ends) and the recovery codes are shown once.
func (p *Pages) EnableTOTP(c *gin.Context) {
	res, err := p.svc.EnableTOTP(c.Request.Context(), caller(c), strings.ReplaceAll(c.PostForm("code"), " ", ""))
	switch accounts.ErrorCode(err) {
	case "":
	case accounts.CodeInvalidCode, accounts.CodeInvalid:
		// The secret is the person's own, posted back only to draw it
		// again; the service checks the code against the stored one.
		p.showTOTPSetup(c, http.StatusUnauthorized, c.PostForm("secret"), c.PostForm("uri"),
			"That code is not right. Enter the current 6-digit code from your authenticator app.")
		return
	default:
		p.fail(c, err)
		return
	}
	p.cookie.write(c.Writer, res.Token, res.Session)
	p.showCodes(c, res.RecoveryCodes, true)
}

func (p *Pages) showCodes(c *gin.Context, codes []string, first bool) {
	p.RenderRecoveryCodes(c, http.StatusOK, RecoveryCodesPage{
		Codes: codes, First: first,
		Download: textDataURL("idbridge recovery codes for " + CurrentUser(c).Username + "\n" +
			"Each code works once. Keep them somewhere safe.\n\n" + strings.Join(codes, "\n") + "\n"),
	})
}

// RegenerateCodes handles POST /settings/2fa/recovery-codes.
func (p *Pages) RegenerateCodes(c *gin.Context) {
	codes, err := p.svc.RegenerateRecoveryCodes(c.Request.Context(), caller(c), c.PostForm("password"))
	if err != nil {
		p.accountError(c, err, func(s *SecuritySection, msg string) { s.RegenerateError = msg })
		return
	}
	p.showCodes(c, codes, false)
}

// DisableTOTP handles POST /settings/2fa/disable (password and a code).
func (p *Pages) DisableTOTP(c *gin.Context) {
	err := p.svc.DisableTOTP(c.Request.Context(), caller(c), c.PostForm("password"), strings.ReplaceAll(c.PostForm("code"), " ", ""))
	if err != nil {
		p.accountError(c, err, func(s *SecuritySection, msg string) { s.DisableError = msg })
		return
	}
	seeOther(c, "/settings/account?done=mfa_disabled")
}
