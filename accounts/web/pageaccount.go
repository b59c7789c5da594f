package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/idbridge/idbridge/policy"
)

// AccountPage is Settings → Account: profile, two-factor authentication,
// password and email.
type AccountPage struct {
	Frame
	Username      string
	Name          string
	Email         string
	EmailVerified bool
	// Managed is set for an account a team's identity provider owns; the
	// fields it owns are shown read-only with ManagedMessage.
	Managed        bool
	ManagedMessage string
	Security       SecuritySection
}

// RenderAccount shows the account settings.
func (p *Pages) RenderAccount(c *gin.Context, status int, d AccountPage) {
	d.Title, d.Section = "Account settings", "account"
	p.render(c, status, "account", &d)
}

// Account handles GET /settings/account.
func (p *Pages) Account(c *gin.Context) {
	p.renderAccount(c, http.StatusOK, func(d *AccountPage) { d.Notice = notice(c) })
}

// renderAccount builds the account page for the signed-in person, lets
// edit add a form's message, and shows it with status.
func (p *Pages) renderAccount(c *gin.Context, status int, edit func(d *AccountPage)) {
	u := CurrentUser(c)
	d := AccountPage{
		Username: u.Username, Name: u.Name, Email: u.Email, EmailVerified: u.EmailVerifiedAt != nil,
		Managed: u.ManagedByTeamID != "",
	}
	if d.Managed {
		d.ManagedMessage = policy.Message(policy.ManagedByIdP)
	}
	sec, err := p.securitySection(c)
	if err != nil {
		p.fail(c, err)
		return
	}
	d.Security = sec
	edit(&d)
	p.RenderAccount(c, status, d)
}
