package main

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/web"
	"github.com/idbridge/idbridge/scim"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routeDeps are the handlers routes mounts.
type routeDeps struct {
	api     *web.API
	store   accounts.Store
	metrics *metrics
	scim    http.Handler    // the SCIM 2.0 API, mounted at /scim/v2
	devMail *web.DevMailbox // nil unless a loopback server has no SMTP relay
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

	r.NoRoute(d.api.NotFound)
	r.NoMethod(d.api.MethodNotAllowed)
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
