package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/policy"
)

type changePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// ChangePassword handles PUT /api/v1/me/password {"current_password",
// "new_password"}: 204; every other session is signed out. 403
// managed_by_idp or enterprise_password where the identity provider owns
// the password.
func (a *API) ChangePassword(c *gin.Context) {
	var req changePasswordRequest
	if err := decodeJSON(c, &req); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	u := CurrentUser(c)
	if err := a.refuse(c, u, policy.FieldPassword); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	if err := a.svc.ChangePassword(c.Request.Context(), caller(c), req.CurrentPassword, req.NewPassword, EditCheck(policy.FieldPassword)); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// refuse asks the policy before any work, so a refused person is told why
// without a password check.
func (a *API) refuse(c *gin.Context, u accounts.User, field policy.Field) error {
	mts, err := a.svc.UserTeams(c.Request.Context(), u.ID)
	if err != nil {
		return err
	}
	teams := make([]accounts.Team, len(mts))
	for i, mt := range mts {
		teams[i] = mt.Team
	}
	return policy.SelfServiceEdit(policy.EditFacts{User: u, Teams: teams, Field: field}).Err()
}

type changeEmailRequest struct {
	Email string `json:"email"`
}

type pendingResponse struct {
	Status string `json:"status"`
	Detail string `json:"detail"`
}

// ChangeEmail handles PUT /api/v1/me/email {"email"}: 202; a confirmation
// link goes to the new address and the account keeps the old one until it
// is followed. Needs a recent authentication (403 reauth_required: POST
// /api/v1/me/reauth first); 403 managed_by_idp for SCIM-managed accounts.
func (a *API) ChangeEmail(c *gin.Context) {
	var req changeEmailRequest
	if err := decodeJSON(c, &req); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	if err := a.refuse(c, CurrentUser(c), policy.FieldEmail); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	if err := a.svc.RequestEmailChange(c.Request.Context(), caller(c), req.Email, EditCheck(policy.FieldEmail)); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	c.JSON(http.StatusAccepted, pendingResponse{Status: "confirmation_sent",
		Detail: "we sent a link to the new address; your email changes when you open it"})
}

type tokenRequest struct {
	Token string `json:"token"`
}

// ConfirmEmailChange handles POST /api/v1/email-change/confirm {"token"}:
// 200 with the account, now at the new address.
func (a *API) ConfirmEmailChange(c *gin.Context) {
	var req tokenRequest
	if err := decodeJSON(c, &req); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	u, err := a.svc.ConfirmEmailChange(c.Request.Context(), req.Token, EditCheck(policy.FieldEmail))
	if err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	c.JSON(http.StatusOK, userJSON(u, nil))
}
