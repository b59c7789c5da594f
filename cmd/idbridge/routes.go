package main

import (
	"context"
	"net/http"
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
	store   accounts.Store
	metrics *metrics
	scim    http.Handler // the SCIM 2.0 API, mounted at /scim/v2
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
	v1.POST("/signout", d.api.SignOut)
	me := v1.Group("/me", d.api.RequireSession)
	me.GET("", d.api.Me)

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
