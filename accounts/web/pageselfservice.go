package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/policy"
)

// locks says, for each of password and email, why the person cannot
// change it here ("" when they can), as the policy decides.
func (p *Pages) locks(c *gin.Context, u accounts.User) (password, email string, err error) {
	mts, err := p.svc.UserTeams(c.Request.Context(), u.ID)
	if err != nil {
		return "", "", err
	}
	teams := make([]accounts.Team, len(mts))
	for i, mt := range mts {
		teams[i] = mt.Team
	}
	decide := func(f policy.Field) string {
		return policy.SelfServiceEdit(policy.EditFacts{User: u, Teams: teams, Field: f}).Message
	}
	return decide(policy.FieldPassword), decide(policy.FieldEmail), nil
}

// ChangePassword handles POST /settings/password.
func (p *Pages) ChangePassword(c *gin.Context) {
	err := p.svc.ChangePassword(c.Request.Context(), caller(c), c.PostForm("current_password"), c.PostForm("new_password"),
		EditCheck(policy.FieldPassword))
	if err != nil {
		p.accountError(c, err, func(s *SecuritySection, msg string) { s.PasswordError = msg })
		return
	}
	seeOther(c, "/settings/account?done=password_changed")
}

// ChangeEmail handles POST /settings/email: the password proves it is the
// person, then a confirmation link goes to the new address.
func (p *Pages) ChangeEmail(c *gin.Context) {
	ctx, email := c.Request.Context(), strings.TrimSpace(c.PostForm("email"))
	setErr := func(s *SecuritySection, msg string) { s.EmailError, s.NewEmail = msg, email }
	if err := p.svc.Reauthenticate(ctx, caller(c), c.PostForm("password")); err != nil {
		p.accountError(c, err, setErr)
		return
	}
	// The session was just re-authenticated; read it again so the service
	// sees that.
	sess, _, err := p.svc.LookupSession(ctx, p.cookieToken(c))
	if err != nil {
		p.fail(c, err)
		return
	}
	cl := caller(c)
	cl.Session = sess
	if err := p.svc.RequestEmailChange(ctx, cl, email, EditCheck(policy.FieldEmail)); err != nil {
		p.accountError(c, err, setErr)
		return
	}
	seeOther(c, "/settings/account?done=email_change_sent")
}

func (p *Pages) cookieToken(c *gin.Context) string {
	t, _ := c.Cookie(p.cookie.Name())
	return t
}

// EmailRequestPage asks for an email address to send something to: a reset
// link, the username, or a new verification link.
type EmailRequestPage struct {
	Frame
	Heading string
	Intro   string
	Action  string
	Button  string
	Email   string
	Error   string
	Captcha CaptchaField
	// Sent replaces the form with the answer, the same whether or not an
	// account has the address.
	Sent string
}

// RenderPasswordResetRequest shows the "forgot password" form.
func (p *Pages) RenderPasswordResetRequest(c *gin.Context, status int, d EmailRequestPage) {
	d.Title, d.Heading, d.Action, d.Button = "Reset your password", "Reset your password", "/password-reset", "Email me a reset link"
	d.Intro = "Enter the email address of your account. We send a link to set a new password; it works once, for one hour."
	p.render(c, status, "email_request", &d)
}

// RenderUsernameRecovery shows the "forgot username" form.
func (p *Pages) RenderUsernameRecovery(c *gin.Context, status int, d EmailRequestPage) {
	d.Title, d.Heading, d.Action, d.Button = "Forgot your username", "Forgot your username", "/username-recovery", "Email me my username"
	d.Intro = "Enter the email address of your account and we email you your username."
	p.render(c, status, "email_request", &d)
}

// RenderResendVerification shows the "resend verification email" form.
func (p *Pages) RenderResendVerification(c *gin.Context, status int, d EmailRequestPage) {
	d.Title, d.Heading, d.Action, d.Button = "Confirm your email address", "Send a new confirmation link", "/verify-email/resend", "Send a new link"
	d.Intro = "Enter the address you signed up with and we send a new link to confirm it."
	p.render(c, status, "email_request", &d)
}

// emailRequest runs the shared part of the three email forms.
func (p *Pages) emailRequest(c *gin.Context, render func(*gin.Context, int, EmailRequestPage), send func(accounts.EmailRequest) error, sent string) {
	d := EmailRequestPage{Email: strings.TrimSpace(c.PostForm("email"))}
	if c.Request.Method == http.MethodGet {
		if _, ok := c.Get(ctxUser); ok {
			d.Email = CurrentUser(c).Email // the signed-in person's own address
		}
		d.Captcha = p.challenge(c)
		render(c, http.StatusOK, d)
		return
	}
	if err := p.checkCaptcha(c); err != nil {
		d.Captcha = p.challenge(c)
		d.Captcha.Error = "The robot check did not pass. Wait for it to finish, then send the form again."
		render(c, pageStatus(accounts.ErrorCode(err)), d)
		return
	}
	err := send(accounts.EmailRequest{Email: d.Email, IP: c.ClientIP()})
	switch accounts.ErrorCode(err) {
	case "":
		d.Sent = sent
		render(c, http.StatusOK, d)
	case accounts.CodeInvalid:
		d.Error = "Enter an email address, like name@example.com."
		d.Captcha = p.challenge(c)
		render(c, http.StatusBadRequest, d)
	default:
		p.fail(c, err)
	}
}

// PasswordReset handles GET and POST /password-reset.
func (p *Pages) PasswordReset(c *gin.Context) {
	p.emailRequest(c, p.RenderPasswordResetRequest, func(in accounts.EmailRequest) error {
		in.Allow = EditCheck(policy.FieldPassword)
		return p.svc.RequestPasswordReset(c.Request.Context(), in)
	}, "If an account has that address, a link to set a new password is on its way. It works once, for one hour.")
}

// UsernameRecovery handles GET and POST /username-recovery.
func (p *Pages) UsernameRecovery(c *gin.Context) {
	p.emailRequest(c, p.RenderUsernameRecovery, func(in accounts.EmailRequest) error {
		return p.svc.RecoverUsername(c.Request.Context(), in)
	}, "If an account has that address, we sent its username there.")
}

// ResendVerification handles GET and POST /verify-email/resend.
func (p *Pages) ResendVerification(c *gin.Context) {
	p.emailRequest(c, p.RenderResendVerification, func(in accounts.EmailRequest) error {
		return p.svc.ResendVerification(c.Request.Context(), in)
	}, "If that address belongs to an account that is not confirmed yet, a new link is on its way.")
}

// NewPasswordPage sets a new password from an emailed reset link.
type NewPasswordPage struct {
	Frame
	Token string
	Error string
}

// RenderNewPassword shows the set-new-password form.
func (p *Pages) RenderNewPassword(c *gin.Context, status int, d NewPasswordPage) {
	d.Title = "Set a new password"
	p.render(c, status, "new_password", &d)
}

// NewPasswordForm handles GET /reset-password?token=…; the token is only
// used when the form is posted.
func (p *Pages) NewPasswordForm(c *gin.Context) {
	p.RenderNewPassword(c, http.StatusOK, NewPasswordPage{Token: c.Query("token")})
}

// ResetPassword handles POST /reset-password.
func (p *Pages) ResetPassword(c *gin.Context) {
	d := NewPasswordPage{Token: c.PostForm("token")}
	err := p.svc.ResetPassword(c.Request.Context(), accounts.ResetPasswordInput{
		Token: d.Token, Password: c.PostForm("password"), IP: c.ClientIP(), Allow: EditCheck(policy.FieldPassword),
	})
	switch accounts.ErrorCode(err) {
	case "":
		p.cookie.clear(c.Writer) // every session ended
		seeOther(c, "/signin?done=password_reset")
	case accounts.CodeWeakPassword, accounts.CodeInvalid:
		var e *accounts.Error
		errors.As(err, &e)
		d.Error = capitalise(e.Message)
		p.RenderNewPassword(c, http.StatusBadRequest, d)
	default:
		p.fail(c, err)
	}
}

// ConfirmLinkPage is the landing page of an emailed link: the link alone
// changes nothing (mail scanners open links); the button does.
type ConfirmLinkPage struct {
	Frame
	Heading string
	Intro   string
	Action  string
	Button  string
	Token   string
}

// RenderVerifyEmail shows the confirm-your-address page.
func (p *Pages) RenderVerifyEmail(c *gin.Context, status int, d ConfirmLinkPage) {
	d.Title, d.Heading, d.Action, d.Button = "Confirm your email address", "Confirm your email address", "/verify-email", "Confirm my email address"
	d.Intro = "Press the button to confirm that this address is yours."
	p.render(c, status, "confirm_link", &d)
}

// RenderConfirmEmailChange shows the confirm-the-new-address page.
func (p *Pages) RenderConfirmEmailChange(c *gin.Context, status int, d ConfirmLinkPage) {
	d.Title, d.Heading, d.Action, d.Button = "Confirm your new email address", "Confirm your new email address", "/confirm-email", "Use this email address"
	d.Intro = "Press the button to make this address the one your account uses. Your old address gets a notice."
	p.render(c, status, "confirm_link", &d)
}

// VerifyEmailForm handles GET /verify-email?token=….
func (p *Pages) VerifyEmailForm(c *gin.Context) {
	p.RenderVerifyEmail(c, http.StatusOK, ConfirmLinkPage{Token: c.Query("token")})
}

// VerifyEmail handles POST /verify-email.
func (p *Pages) VerifyEmail(c *gin.Context) {
	if _, err := p.svc.VerifyEmail(c.Request.Context(), c.PostForm("token")); err != nil {
		p.fail(c, err)
		return
	}
	p.afterLink(c, "email_verified")
}

// ConfirmEmailChangeForm handles GET /confirm-email?token=….
func (p *Pages) ConfirmEmailChangeForm(c *gin.Context) {
	p.RenderConfirmEmailChange(c, http.StatusOK, ConfirmLinkPage{Token: c.Query("token")})
}

// ConfirmEmailChange handles POST /confirm-email.
func (p *Pages) ConfirmEmailChange(c *gin.Context) {
	if _, err := p.svc.ConfirmEmailChange(c.Request.Context(), c.PostForm("token"), EditCheck(policy.FieldEmail)); err != nil {
		p.fail(c, err)
		return
	}
	p.afterLink(c, "email_changed")
}

// afterLink goes to the account page when signed in, else to sign-in, with
// the confirmation done.
func (p *Pages) afterLink(c *gin.Context, done string) {
	if _, ok := c.Get(ctxUser); ok {
		seeOther(c, "/settings/account?done="+done)
		return
	}
	seeOther(c, "/signin?done="+done)
}
