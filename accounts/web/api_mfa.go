package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/policy"
)

// caller is the signed-in person behind a request RequireSession let in.
func caller(c *gin.Context) accounts.Caller {
	return accounts.Caller{Session: CurrentSession(c), IP: c.ClientIP(), UserAgent: c.Request.UserAgent()}
}

type signInMFARequest struct {
	MFAToken     string `json:"mfa_token"`
	Code         string `json:"code"`
	RecoveryCode string `json:"recovery_code"`
}

// SignInMFA handles POST /api/v1/signin/mfa: the second step, with the
// mfa_token from /signin and a TOTP code or a recovery code. 200 with the
// session cookie as /signin; 401 invalid_code for a wrong code; 401
// mfa_attempt_ended after five wrong codes or when the token is no good.
func (a *API) SignInMFA(c *gin.Context) {
	var req signInMFARequest
	if err := decodeJSON(c, &req); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	if req.MFAToken == "" {
		WriteProblem(c, a.log, accounts.InvalidField("mfa_token", "send the mfa_token from /api/v1/signin"))
		return
	}
	ctx := c.Request.Context()
	previous, _ := c.Cookie(a.cookie.Name())
	token, sess, u, err := a.svc.CompleteMFA(ctx, accounts.CompleteMFAInput{
		MFAToken: req.MFAToken, Code: req.Code, RecoveryCode: req.RecoveryCode,
		UserAgent: c.Request.UserAgent(), IP: c.ClientIP(), PreviousToken: previous,
	})
	if err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	memberTeams, err := a.svc.UserTeams(ctx, u.ID)
	if err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	a.signedIn(c, token, sess, u, memberTeams)
}

type passwordRequest struct {
	Password string `json:"password"`
}

type totpSetupResponse struct {
	Secret     string `json:"secret"`
	OTPAuthURI string `json:"otpauth_uri"`
}

// TOTPSetup handles POST /api/v1/me/mfa/totp/setup {"password"}: a new
// secret and its otpauth:// URI; 2FA stays off until enable.
func (a *API) TOTPSetup(c *gin.Context) {
	var req passwordRequest
	if err := decodeJSON(c, &req); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	setup, err := a.svc.SetupTOTP(c.Request.Context(), caller(c), req.Password)
	if err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, totpSetupResponse{Secret: setup.Secret, OTPAuthURI: setup.URI})
}

type codeRequest struct {
	Code string `json:"code"`
}

type recoveryCodesResponse struct {
	RecoveryCodes []string `json:"recovery_codes"`
}

// TOTPEnable handles POST /api/v1/me/mfa/totp/enable {"code"}: 2FA on,
// every other session revoked, this one rotated (new cookie), and the 10
// recovery codes, shown this once.
func (a *API) TOTPEnable(c *gin.Context) {
	var req codeRequest
	if err := decodeJSON(c, &req); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	res, err := a.svc.EnableTOTP(c.Request.Context(), caller(c), req.Code)
	if err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	a.setSessionCookie(c, res.Token, res.Session)
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, recoveryCodesResponse{RecoveryCodes: res.RecoveryCodes})
}

type disableRequest struct {
	Password string `json:"password"`
	Code     string `json:"code"`
}

// TOTPDisable handles POST /api/v1/me/mfa/totp/disable {"password",
// "code"}: 204.
func (a *API) TOTPDisable(c *gin.Context) {
	var req disableRequest
	if err := decodeJSON(c, &req); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	if err := a.svc.DisableTOTP(c.Request.Context(), caller(c), req.Password, req.Code); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// RecoveryCodes handles POST /api/v1/me/mfa/recovery-codes {"password"}: a
// new set; the old one stops working.
func (a *API) RecoveryCodes(c *gin.Context) {
	var req passwordRequest
	if err := decodeJSON(c, &req); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	codes, err := a.svc.RegenerateRecoveryCodes(c.Request.Context(), caller(c), req.Password)
	if err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, recoveryCodesResponse{RecoveryCodes: codes})
}

type mfaStatusResponse struct {
	Enabled           bool `json:"enabled"`
	RecoveryCodesLeft int  `json:"recovery_codes_left"`
}

// MFAStatus handles GET /api/v1/me/mfa.
func (a *API) MFAStatus(c *gin.Context) {
	st, err := a.svc.MFAStatus(c.Request.Context(), CurrentUser(c).ID)
	if err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	c.JSON(http.StatusOK, mfaStatusResponse{Enabled: st.Enabled, RecoveryCodesLeft: st.RecoveryCodesLeft})
}

// Reauth handles POST /api/v1/me/reauth {"password"}: 204, and the session
// counts as recently authenticated for the re-auth window.
func (a *API) Reauth(c *gin.Context) {
	var req passwordRequest
	if err := decodeJSON(c, &req); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	if err := a.svc.Reauthenticate(c.Request.Context(), caller(c), req.Password); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// EditCheck returns the policy decision on a self-service edit of field,
// in the form the Service asks it.
func EditCheck(field policy.Field) accounts.EditCheck {
	return func(u accounts.User, teams []accounts.Team) error {
		return policy.SelfServiceEdit(policy.EditFacts{User: u, Teams: teams, Field: field}).Err()
	}
}
