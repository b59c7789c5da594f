package web

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/policy"
)

// SessionCookie says how the session cookie is written.
type SessionCookie struct {
	// Secure is true whenever the base URL is https; the cookie then gets
	// the Secure flag and the __Host- prefix (no Domain, Path=/).
	Secure bool
}

// Name is the cookie's name.
func (sc SessionCookie) Name() string {
	if sc.Secure {
		return "__Host-idbridge_session"
	}
	return "idbridge_session"
}

// API serves /api/v1.
type API struct {
	svc          *accounts.Service
	log          *slog.Logger
	cookie       SessionCookie
	captcha      *Captcha
	checkWebhook func(string) error
}

// APIParams are an API's dependencies.
type APIParams struct {
	Service *accounts.Service
	Logger  *slog.Logger
	Cookie  SessionCookie
	// Captcha guards sign-up and the requests that send email; nil means
	// no check.
	Captcha *Captcha
	// CheckWebhookURL vets a Slack webhook URL before it is stored (https,
	// public host); nil accepts none.
	CheckWebhookURL func(string) error
}

// NewAPI builds the JSON API handlers.
func NewAPI(p APIParams) *API {
	a := &API{svc: p.Service, log: p.Logger, cookie: p.Cookie, captcha: p.Captcha, checkWebhook: p.CheckWebhookURL}
	if a.captcha == nil {
		a.captcha = NewCaptcha(CaptchaParams{Service: p.Service})
	}
	if a.checkWebhook == nil {
		a.checkWebhook = func(string) error { return errors.New("webhooks are not configured") }
	}
	return a
}

// UserJSON is how the API shows an account.
type UserJSON struct {
	ID            string     `json:"id"`
	Username      string     `json:"username"`
	Name          string     `json:"name"`
	Email         string     `json:"email"`
	EmailVerified bool       `json:"email_verified"`
	Status        string     `json:"status"`
	ManagedByTeam string     `json:"managed_by_team,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	Teams         []TeamJSON `json:"teams"`
}

// TeamJSON is a team as seen by one of its members.
type TeamJSON struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
	Role string `json:"role"`
}

func userJSON(u accounts.User, teams []TeamJSON) UserJSON {
	if teams == nil {
		teams = []TeamJSON{}
	}
	return UserJSON{
		ID: u.ID, Username: u.Username, Name: u.Name, Email: u.Email,
		EmailVerified: u.EmailVerifiedAt != nil, Status: string(u.Status),
		ManagedByTeam: u.ManagedByTeamID, CreatedAt: u.CreatedAt, Teams: teams,
	}
}

type signUpRequest struct {
	Username string `json:"username"`
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
	Altcha   string `json:"altcha"`
}

// SignUp handles POST /api/v1/signup: 201 with the new account.
func (a *API) SignUp(c *gin.Context) {
	var req signUpRequest
	if err := decodeJSON(c, &req); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	if err := a.captcha.Verify(c.Request.Context(), req.Altcha); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	u, err := a.svc.SignUp(c.Request.Context(), accounts.SignUpInput{
		Username: req.Username, Email: req.Email, Password: req.Password, Name: req.Name, IP: c.ClientIP(),
	})
	if err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	c.Header("Location", "/api/v1/me")
	c.JSON(http.StatusCreated, userJSON(u, nil))
}

type signInRequest struct {
	Login        string `json:"login"`
	Password     string `json:"password"`
	KeepSignedIn bool   `json:"keep_signed_in"`
}

// SessionJSON describes a session to its owner.
type SessionJSON struct {
	ID         string    `json:"id"`
	Persistent bool      `json:"persistent"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

type signInResponse struct {
	User    UserJSON    `json:"user"`
	Session SessionJSON `json:"session"`
}

// SignIn handles POST /api/v1/signin: 200 with the account and a fresh
// session cookie (any previous session of this browser is revoked). When
// the account has two-factor authentication on, 200 with
// {"mfa_required": true, "mfa_token": "…"} and no session: the client
// finishes at POST /api/v1/signin/mfa.
func (a *API) SignIn(c *gin.Context) {
	var req signInRequest
	if err := decodeJSON(c, &req); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	if req.Login == "" || req.Password == "" {
		WriteProblem(c, a.log, accounts.InvalidField("login", "send login (email or username) and password"))
		return
	}
	ctx := c.Request.Context()
	auth, err := a.svc.Authenticate(ctx, req.Login, req.Password, c.ClientIP())
	if err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	u := auth.User
	memberTeams, err := a.svc.UserTeams(ctx, u.ID)
	if err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	teams := make([]accounts.Team, len(memberTeams))
	for i, mt := range memberTeams {
		teams[i] = mt.Team
	}
	if err := policy.PasswordSignIn(policy.SignInFacts{User: u, Teams: teams}).Err(); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	start := accounts.StartSessionInput{
		UserID: u.ID, Persistent: req.KeepSignedIn, UserAgent: c.Request.UserAgent(), IP: c.ClientIP(),
		AuthMethod: "password", PasswordHash: auth.PasswordHash,
	}
	mfa, err := a.svc.MFAEnabled(ctx, u.ID)
	if err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	if mfa {
		token, err := a.svc.StartMFA(ctx, start)
		if err != nil {
			WriteProblem(c, a.log, err)
			return
		}
		c.JSON(http.StatusOK, mfaRequired{MFARequired: true, MFAToken: token})
		return
	}
	start.PreviousToken, _ = c.Cookie(a.cookie.Name())
	token, sess, err := a.svc.StartSession(ctx, start)
	if err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	a.signedIn(c, token, sess, u, memberTeams)
}

type mfaRequired struct {
	MFARequired bool   `json:"mfa_required"`
	MFAToken    string `json:"mfa_token"`
}

// signedIn sets the session cookie and answers with the account.
func (a *API) signedIn(c *gin.Context, token string, sess accounts.Session, u accounts.User, memberTeams []accounts.MemberTeam) {
	a.setSessionCookie(c, token, sess)
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, signInResponse{
		User:    userJSON(u, teamsJSON(memberTeams)),
		Session: SessionJSON{ID: sess.ID, Persistent: sess.Persistent, CreatedAt: sess.CreatedAt, ExpiresAt: earliest(sess.IdleExpiresAt, sess.AbsExpiresAt)},
	})
}

// SignOut handles POST /api/v1/signout: the session is revoked and the
// cookie cleared; 204 whether or not there was a session.
func (a *API) SignOut(c *gin.Context) {
	if token, err := c.Cookie(a.cookie.Name()); err == nil && token != "" {
		if err := a.svc.SignOut(c.Request.Context(), token); err != nil {
			WriteProblem(c, a.log, err)
			return
		}
	}
	a.clearSessionCookie(c)
	c.Status(http.StatusNoContent)
}

// Me handles GET /api/v1/me.
func (a *API) Me(c *gin.Context) {
	u := CurrentUser(c)
	memberTeams, err := a.svc.UserTeams(c.Request.Context(), u.ID)
	if err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, userJSON(u, teamsJSON(memberTeams)))
}

func teamsJSON(mts []accounts.MemberTeam) []TeamJSON {
	out := make([]TeamJSON, len(mts))
	for i, mt := range mts {
		out[i] = TeamJSON{ID: mt.Team.ID, Slug: mt.Team.Slug, Name: mt.Team.Name, Role: string(mt.Membership.Role)}
	}
	return out
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
