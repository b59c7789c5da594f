package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/policy"
)

// Context keys for what RequireSession resolved.
const (
	ctxUser    = "idbridge.user"
	ctxSession = "idbridge.session"
)

// CurrentUser returns the signed-in user RequireSession put on c.
func CurrentUser(c *gin.Context) accounts.User {
	u, _ := c.Get(ctxUser)
	user, _ := u.(accounts.User)
	return user
}

// CurrentSession returns the session RequireSession put on c.
func CurrentSession(c *gin.Context) accounts.Session {
	s, _ := c.Get(ctxSession)
	sess, _ := s.(accounts.Session)
	return sess
}

// RequireSession lets the request through only with a session the policy
// accepts; otherwise it answers 401/403 with the reason and clears the
// cookie.
func (a *API) RequireSession(c *gin.Context) {
	token, err := c.Cookie(a.cookie.Name())
	if err != nil || token == "" {
		WriteProblem(c, a.log, accounts.Errorf(accounts.CodeUnauthenticated, "sign in first"))
		return
	}
	ctx := c.Request.Context()
	sess, u, err := a.svc.LookupSession(ctx, token)
	if accounts.ErrorCode(err) == accounts.CodeNotFound {
		a.clearSessionCookie(c)
		WriteProblem(c, a.log, policy.Refuse(policy.SessionExpired).Err())
		return
	}
	if err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	if err := policy.UseSession(policy.SessionFacts{Session: sess, User: u, Now: a.svc.Now()}).Err(); err != nil {
		a.clearSessionCookie(c)
		WriteProblem(c, a.log, err)
		return
	}
	if err := a.svc.TouchSession(ctx, sess); err != nil {
		// Last-seen is bookkeeping; the request may go on without it.
		a.log.WarnContext(ctx, "touch session", "err", err, "request_id", RequestID(c))
	}
	c.Set(ctxUser, u)
	c.Set(ctxSession, sess)
	c.Next()
}

func (a *API) setSessionCookie(c *gin.Context, token string, s accounts.Session) {
	ck := &http.Cookie{
		Name: a.cookie.Name(), Value: token, Path: "/", HttpOnly: true,
		Secure: a.cookie.Secure, SameSite: http.SameSiteLaxMode,
	}
	if s.Persistent {
		// Persistent sessions survive a browser restart; the server still
		// enforces idle and absolute expiry.
		ck.Expires = s.AbsExpiresAt
		ck.MaxAge = int(s.AbsExpiresAt.Sub(s.CreatedAt).Seconds())
	}
	http.SetCookie(c.Writer, ck)
}

func (a *API) clearSessionCookie(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: a.cookie.Name(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: a.cookie.Secure, SameSite: http.SameSiteLaxMode,
	})
}
