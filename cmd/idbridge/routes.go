package main

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/web"
	"github.com/idbridge/idbridge/scim"
	"github.com/idbridge/idbridge/sso"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routeDeps are the handlers routes mounts.
type routeDeps struct {
	api     *web.API
	pages   *web.Pages
	store   accounts.Store
	metrics *metrics
	scim    http.Handler    // the SCIM 2.0 API, mounted at /scim/v2
	devMail *web.DevMailbox // nil unless a loopback server has no SMTP relay
	sso     *sso.Handler
	devIdP  http.Handler // the development IdP at /dev-idp, or nil
}

// routes holds every URL the server answers.
func routes(r *gin.Engine, d routeDeps) {
	r.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })
	r.GET("/readyz", readyz(d.store))
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(d.metrics.registry, promhttp.HandlerOpts{})))

	v1 := r.Group("/api/v1")
	v1.POST("/signup", d.api.SignUp)
	v1.POST("/signin", d.api.SignIn)
	v1.POST("/signin/mfa", d.api.SignInMFA)
	v1.POST("/signout", d.api.SignOut)
	v1.GET("/captcha", d.api.CaptchaChallenge)
	v1.POST("/password-reset", d.api.PasswordReset)
	v1.POST("/password-reset/confirm", d.api.PasswordResetConfirm)
	v1.POST("/username-recovery", d.api.UsernameRecovery)
	v1.POST("/verify-email/resend", d.api.VerifyEmailResend)
	v1.POST("/verify-email/confirm", d.api.VerifyEmailConfirm)
	v1.POST("/email-change/confirm", d.api.ConfirmEmailChange)
	v1.PUT("/notifications/slack-webhooks/:team", d.api.RequireSession, d.api.PutSlackWebhook)

	me := v1.Group("/me", d.api.RequireSession)
	me.GET("", d.api.Me)
	me.POST("/reauth", d.api.Reauth)
	me.GET("/mfa", d.api.MFAStatus)
	me.POST("/mfa/totp/setup", d.api.TOTPSetup)
	me.POST("/mfa/totp/enable", d.api.TOTPEnable)
	me.POST("/mfa/totp/disable", d.api.TOTPDisable)
	me.POST("/mfa/recovery-codes", d.api.RecoveryCodes)
	me.GET("/sessions", d.api.ListSessions)
	me.DELETE("/sessions", d.api.RevokeOtherSessions)
	me.DELETE("/sessions/:id", d.api.RevokeSession)
	me.PUT("/password", d.api.ChangePassword)
	me.PUT("/email", d.api.ChangeEmail)
	me.GET("/notifications", d.api.GetNotifications)
	me.PUT("/notifications", d.api.PutNotifications)
	me.GET("/inbox", d.api.Inbox)
	me.POST("/inbox/read", d.api.InboxRead)

	if d.devMail != nil {
		r.GET("/dev/mail", d.devMail.Page)
	}

	serveSCIM := func(c *gin.Context) {
		d.scim.ServeHTTP(c.Writer, c.Request.WithContext(scim.WithClientIP(c.Request.Context(), c.ClientIP())))
	}
	r.Any("/scim/v2", serveSCIM)
	r.Any("/scim/v2/*path", serveSCIM)

	withIP := func(c *gin.Context) *http.Request {
		return c.Request.WithContext(sso.WithClientIP(c.Request.Context(), c.ClientIP()))
	}
	start := func(c *gin.Context) { d.sso.Start(c.Writer, withIP(c)) }
	r.GET("/sso/start", start)
	r.POST("/sso/start", start)
	r.GET("/sso/google", func(c *gin.Context) { d.sso.Google(c.Writer, withIP(c)) })
	r.GET("/sso/saml/:connection/metadata", func(c *gin.Context) { d.sso.SAMLMetadata(c.Writer, withIP(c), c.Param("connection")) })
	r.GET("/sso/saml/:connection/login", func(c *gin.Context) { d.sso.SAMLLogin(c.Writer, withIP(c), c.Param("connection")) })
	r.POST("/sso/saml/:connection/acs", func(c *gin.Context) { d.sso.SAMLACS(c.Writer, withIP(c), c.Param("connection")) })
	r.GET("/sso/oidc/:connection/login", func(c *gin.Context) { d.sso.OIDCLogin(c.Writer, withIP(c), c.Param("connection")) })
	oidcCallback := func(c *gin.Context) { d.sso.OIDCCallback(c.Writer, withIP(c), c.Param("connection")) }
	r.GET("/sso/oidc/:connection/callback", oidcCallback)
	r.POST("/sso/oidc/:connection/callback", oidcCallback)
	if d.devIdP != nil {
		r.Any("/dev-idp/*path", gin.WrapH(d.devIdP))
	}

	pagesRoutes(r, d.pages)

	// Unknown URLs answer in the format of the part of the site they are in.
	r.NoRoute(func(c *gin.Context) {
		if isAPIPath(c.Request.URL.Path) {
			d.api.NotFound(c)
			return
		}
		d.pages.NotFound(c)
	})
	r.NoMethod(func(c *gin.Context) {
		if isAPIPath(c.Request.URL.Path) {
			d.api.MethodNotAllowed(c)
			return
		}
		d.pages.MethodNotAllowed(c)
	})
}

// pagesRoutes mounts the server-rendered pages.
func pagesRoutes(r *gin.Engine, p *web.Pages) {
	r.GET("/assets/*file", gin.WrapH(p.Assets()))
	pg := r.Group("", p.Secure)

	open := pg.Group("", p.OptionalSession)
	open.GET("/", p.Home)
	open.GET("/signin", p.SignInForm)
	open.POST("/signin", p.SignIn)
	open.POST("/signin/2fa", p.SignInMFA)
	open.GET("/signup", p.SignUpForm)
	open.POST("/signup", p.SignUp)
	open.POST("/signout", p.SignOut)
	open.POST("/signout/everywhere", p.SignOutEverywhere)
	open.Match([]string{http.MethodGet, http.MethodPost}, "/password-reset", p.PasswordReset)
	open.Match([]string{http.MethodGet, http.MethodPost}, "/username-recovery", p.UsernameRecovery)
	open.Match([]string{http.MethodGet, http.MethodPost}, "/verify-email/resend", p.ResendVerification)
	// Emailed links (paths from accounts.Link*) open a page; only its
	// button changes anything.
	open.GET(accounts.LinkResetPassword, p.NewPasswordForm)
	open.POST(accounts.LinkResetPassword, p.ResetPassword)
	open.GET(accounts.LinkVerifyEmail, p.VerifyEmailForm)
	open.POST(accounts.LinkVerifyEmail, p.VerifyEmail)
	open.GET(accounts.LinkConfirmEmail, p.ConfirmEmailChangeForm)
	open.POST(accounts.LinkConfirmEmail, p.ConfirmEmailChange)

	settings := pg.Group("/settings", p.RequireSession)
	settings.GET("/account", p.Account)
	settings.POST("/reauth", p.Reauth)
	settings.POST("/password", p.ChangePassword)
	settings.POST("/email", p.ChangeEmail)
	settings.POST("/2fa/setup", p.SetupTOTP)
	settings.POST("/2fa/enable", p.EnableTOTP)
	settings.POST("/2fa/disable", p.DisableTOTP)
	settings.POST("/2fa/recovery-codes", p.RegenerateCodes)
	settings.GET("/notifications", p.Notifications)
	settings.POST("/notifications", p.UpdateNotifications)
	settings.POST("/notifications/read", p.MarkInboxRead)
	settings.GET("/sessions", p.SessionsList)
	settings.POST("/sessions/:id/revoke", p.RevokeSession)
	settings.POST("/sessions/revoke-others", p.RevokeOtherSessions)
}

// isAPIPath reports whether path belongs to a machine API (JSON or SCIM)
// rather than the pages people see.
func isAPIPath(path string) bool {
	return path == "/api" || strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/scim/")
}

// readyz answers 200 when the database is reachable and its schema is the
// one this binary expects, so a load balancer sends no traffic before that.
func readyz(st accounts.Store) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		if err := st.Ping(ctx); err != nil {
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "reason": "database unreachable"})
			return
		}
		applied, latest, err := st.SchemaVersion(ctx)
		if err != nil || applied != latest {
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "reason": "schema not current", "applied": applied, "latest": latest})
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ready", "schema_version": applied})
	}
}
