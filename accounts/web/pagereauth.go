package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/policy"
)

// ReauthPage asks for the password again before a sensitive change when
// the session's last sign-in is not recent.
type ReauthPage struct {
	Frame
	ReturnTo string
	Error    string
}

// RenderReauth shows the re-authentication form.
func (p *Pages) RenderReauth(c *gin.Context, status int, d ReauthPage) {
	d.Title = "Confirm it's you"
	if !policy.LocalPath(d.ReturnTo) {
		d.ReturnTo = "/settings/account"
	}
	p.render(c, status, "reauth", &d)
}

// Reauth handles POST /settings/reauth.
func (p *Pages) Reauth(c *gin.Context) {
	d := ReauthPage{ReturnTo: c.PostForm("return_to")}
	err := p.svc.Reauthenticate(c.Request.Context(), caller(c), c.PostForm("password"))
	switch accounts.ErrorCode(err) {
	case "":
		seeOther(c, returnTarget(d.ReturnTo))
	case accounts.CodeInvalidCredentials:
		d.Error = "That password is not right."
		p.RenderReauth(c, http.StatusUnauthorized, d)
	default:
		p.fail(c, err)
	}
}
