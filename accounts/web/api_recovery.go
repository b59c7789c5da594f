package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/policy"
)

type emailRequest struct {
	Email  string `json:"email"`
	Altcha string `json:"altcha"`
}

// emailSent is the one answer to requests by address, whether or not an
// account has it.
var emailSent = pendingResponse{Status: "sent", Detail: "if an account uses that address, we sent it an email"}

// byEmail runs one of the requests that email an address: captcha first,
// then the Service call; 202 with the same body either way.
func (a *API) byEmail(c *gin.Context, fn func(accounts.EmailRequest) error) {
	var req emailRequest
	if err := decodeJSON(c, &req); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	if err := a.captcha.Verify(c.Request.Context(), req.Altcha); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	if err := fn(accounts.EmailRequest{Email: req.Email, IP: c.ClientIP(), Allow: EditCheck(policy.FieldPassword)}); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	c.JSON(http.StatusAccepted, emailSent)
}

// PasswordReset handles POST /api/v1/password-reset {"email", "altcha"}:
// 202 whether or not the address has an account.
func (a *API) PasswordReset(c *gin.Context) {
	a.byEmail(c, func(r accounts.EmailRequest) error { return a.svc.RequestPasswordReset(c.Request.Context(), r) })
}

// UsernameRecovery handles POST /api/v1/username-recovery {"email",
// "altcha"}: 202 whether or not the address has an account.
func (a *API) UsernameRecovery(c *gin.Context) {
	a.byEmail(c, func(r accounts.EmailRequest) error {
		r.Allow = nil
		return a.svc.RecoverUsername(c.Request.Context(), r)
	})
}

// VerifyEmailResend handles POST /api/v1/verify-email/resend {"email",
// "altcha"}: 202 whether or not an unverified account has the address.
func (a *API) VerifyEmailResend(c *gin.Context) {
	a.byEmail(c, func(r accounts.EmailRequest) error {
		r.Allow = nil
		return a.svc.ResendVerification(c.Request.Context(), r)
	})
}

type resetConfirmRequest struct {
	Token       string `json:"token"`
	NewPassword string `json:"new_password"`
}

// PasswordResetConfirm handles POST /api/v1/password-reset/confirm
// {"token", "new_password"}: 204; every session of the account is signed
// out.
func (a *API) PasswordResetConfirm(c *gin.Context) {
	var req resetConfirmRequest
	if err := decodeJSON(c, &req); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	err := a.svc.ResetPassword(c.Request.Context(), accounts.ResetPasswordInput{
		Token: req.Token, Password: req.NewPassword, IP: c.ClientIP(), Allow: EditCheck(policy.FieldPassword),
	})
	if err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// VerifyEmailConfirm handles POST /api/v1/verify-email/confirm {"token"}:
// 200 with the account, its address verified.
func (a *API) VerifyEmailConfirm(c *gin.Context) {
	var req tokenRequest
	if err := decodeJSON(c, &req); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	u, err := a.svc.VerifyEmail(c.Request.Context(), req.Token)
	if err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	c.JSON(http.StatusOK, userJSON(u, nil))
}

// CaptchaChallenge handles GET /api/v1/captcha: a proof-of-work challenge
// for the "I'm not a robot" check, or 204 when the check is off.
func (a *API) CaptchaChallenge(c *gin.Context) {
	if !a.captcha.Enabled() {
		c.Status(http.StatusNoContent)
		return
	}
	ch, err := a.captcha.NewChallenge()
	if err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, ch)
}
