package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/policy"
)

// SignInPage is the first sign-in step: login and password.
type SignInPage struct {
	Frame
	Login    string
	Keep     bool
	ReturnTo string
	Error    string
	Google   bool // offer Sign in with Google
}

// RenderSignIn shows the sign-in form.
func (p *Pages) RenderSignIn(c *gin.Context, status int, d SignInPage) {
	d.Title, d.Google = "Sign in", p.google
	p.render(c, status, "signin", &d)
}

// notices are the fixed confirmations a redirect may ask for with ?done=;
// the query never carries text of its own onto the page.
func notice(c *gin.Context) string {
	switch c.Query("done") {
	case "signed_out":
		return "You are signed out."
	case "signed_out_everywhere":
		return "Every session of your account is signed out. Sign in again here."
	case "signed_up":
		return "Your account is ready. We sent a link to your email address to confirm it."
	case "revoked":
		return "The session is signed out."
	case "revoked_others":
		return "Every other session is signed out."
	case "password_changed":
		return "Your password is changed. Your other sessions are signed out."
	case "password_reset":
		return "Your password is set. Sign in with it now."
	case "email_change_sent":
		return "We sent a confirmation link to the new address. The change happens when you follow it."
	case "email_changed":
		return "Your email address is changed."
	case "email_verified":
		return "Your email address is confirmed."
	case "mfa_disabled":
		return "Two-factor authentication is off."
	case "preferences":
		return "Your notification preferences are updated."
	case "verification_sent":
		return "If that address belongs to an unconfirmed account, a new link is on its way."
	}
	return ""
}

// SignInForm handles GET /signin. Someone already signed in goes on.
func (p *Pages) SignInForm(c *gin.Context) {
	returnTo := c.Query("return_to")
	if !policy.LocalPath(returnTo) {
		returnTo = ""
	}
	if _, ok := c.Get(ctxUser); ok {
		seeOther(c, returnTarget(returnTo))
		return
	}
	p.RenderSignIn(c, http.StatusOK, SignInPage{Frame: Frame{Notice: notice(c)}, ReturnTo: returnTo})
}

// SignIn handles POST /signin: check the password, ask the policy, start a
// session and go to return_to.
func (p *Pages) SignIn(c *gin.Context) {
	d := SignInPage{Login: c.PostForm("login"), Keep: c.PostForm("keep") != "", ReturnTo: c.PostForm("return_to")}
	if !policy.LocalPath(d.ReturnTo) {
		d.ReturnTo = ""
	}
	password := c.PostForm("password")
	if d.Login == "" || password == "" {
		d.Error = "Enter your email or username and your password."
		p.RenderSignIn(c, http.StatusBadRequest, d)
		return
	}
	ctx := c.Request.Context()
	auth, err := p.svc.Authenticate(ctx, d.Login, password, c.ClientIP())
	switch accounts.ErrorCode(err) {
	case "":
	case accounts.CodeInvalidCredentials:
		d.Error = "That email, username or password is not right."
		p.RenderSignIn(c, http.StatusUnauthorized, d)
		return
	default:
		p.fail(c, err)
		return
	}
	if err := p.signInDecision(c, auth.User); err != nil {
		p.fail(c, err)
		return
	}
	in := accounts.StartSessionInput{UserID: auth.User.ID, Persistent: d.Keep, AuthMethod: "password", PasswordHash: auth.PasswordHash}
	mfa, err := p.svc.MFAEnabled(ctx, auth.User.ID)
	if err != nil {
		p.fail(c, err)
		return
	}
	if !mfa {
		p.startSession(c, auth.User, in, d.ReturnTo)
		return
	}
	// No session yet: the second step carries a single-use token.
	token, err := p.svc.StartMFA(ctx, in)
	if err != nil {
		p.fail(c, err)
		return
	}
	p.RenderSignInMFA(c, http.StatusOK, SignInMFAPage{MFAToken: token, ReturnTo: d.ReturnTo})
}

// signInDecision asks the policy whether u may sign in with a password.
func (p *Pages) signInDecision(c *gin.Context, u accounts.User) error {
	mts, err := p.svc.UserTeams(c.Request.Context(), u.ID)
	if err != nil {
		return err
	}
	teams := make([]accounts.Team, len(mts))
	for i, mt := range mts {
		teams[i] = mt.Team
	}
	return policy.PasswordSignIn(policy.SignInFacts{User: u, Teams: teams}).Err()
}

// startSession opens a session for u (rotating any the browser had), sets
// the cookie and redirects to returnTo.
func (p *Pages) startSession(c *gin.Context, u accounts.User, in accounts.StartSessionInput, returnTo string) {
	in.UserID, in.UserAgent, in.IP = u.ID, c.Request.UserAgent(), c.ClientIP()
	in.PreviousToken, _ = c.Cookie(p.cookie.Name())
	token, sess, err := p.svc.StartSession(c.Request.Context(), in)
	if err != nil {
		p.fail(c, err)
		return
	}
	p.cookie.write(c.Writer, token, sess)
	seeOther(c, returnTarget(returnTo))
}

// SignOut handles POST /signout.
func (p *Pages) SignOut(c *gin.Context) {
	if token, err := c.Cookie(p.cookie.Name()); err == nil && token != "" {
		if err := p.svc.SignOut(c.Request.Context(), token); err != nil {
			p.fail(c, err)
			return
		}
	}
	p.cookie.clear(c.Writer)
	seeOther(c, "/signin?done=signed_out")
}

// SignOutEverywhere handles POST /signout/everywhere from the
// session-expired page: with the password, every session of the account
// ends, the way out of a loop of sessions that keep ending.
func (p *Pages) SignOutEverywhere(c *gin.Context) {
	login, password := c.PostForm("login"), c.PostForm("password")
	ctx := c.Request.Context()
	auth, err := p.svc.Authenticate(ctx, login, password, c.ClientIP())
	switch accounts.ErrorCode(err) {
	case "":
	case accounts.CodeInvalidCredentials:
		p.RenderSessionExpired(c, http.StatusUnauthorized, SessionExpiredPage{Error: "That email, username or password is not right."})
		return
	default:
		p.fail(c, err)
		return
	}
	actor := accounts.Actor{Kind: accounts.ActorUser, ID: auth.User.ID, IP: c.ClientIP()}
	if _, err := p.svc.RevokeOtherSessions(ctx, actor, auth.User.ID, ""); err != nil {
		p.fail(c, err)
		return
	}
	p.cookie.clear(c.Writer)
	seeOther(c, "/signin?done=signed_out_everywhere")
}

// Home handles GET /: the account settings when signed in, else sign-in.
func (p *Pages) Home(c *gin.Context) {
	if _, ok := c.Get(ctxUser); ok {
		seeOther(c, "/settings/account")
		return
	}
	seeOther(c, "/signin")
}
