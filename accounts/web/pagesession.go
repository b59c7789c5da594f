package web

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"
	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/policy"
)

const ctxUnread = "idbridge.unread"

// sessionState is what a page request's cookie amounts to.
type sessionState int

const (
	noSession sessionState = iota
	liveSession
	endedSession // unknown, revoked or timed out
	deactivatedUser
)

// resolve reads the session cookie and asks the policy whether it may be
// used. A live session is touched and put on the context.
func (p *Pages) resolve(c *gin.Context) (sessionState, error) {
	token, err := c.Cookie(p.cookie.Name())
	if err != nil || token == "" {
		return noSession, nil
	}
	ctx := c.Request.Context()
	sess, u, err := p.svc.LookupSession(ctx, token)
	if accounts.ErrorCode(err) == accounts.CodeNotFound {
		return endedSession, nil
	}
	if err != nil {
		return noSession, err
	}
	switch d := policy.UseSession(policy.SessionFacts{Session: sess, User: u, Now: p.svc.Now()}); {
	case d.Reason == policy.AccountDeactivated:
		return deactivatedUser, nil
	case !d.Allow:
		return endedSession, nil
	}
	if err := p.svc.TouchSession(ctx, sess); err != nil {
		p.log.WarnContext(ctx, "touch session", "err", err, "request_id", RequestID(c))
	}
	c.Set(ctxUser, u)
	c.Set(ctxSession, sess)
	return liveSession, nil
}

// OptionalSession puts a live session on the context when there is one and
// lets every request through (sign-in, sign-up, the start page).
func (p *Pages) OptionalSession(c *gin.Context) {
	switch st, err := p.resolve(c); {
	case err != nil:
		p.fail(c, err)
		return
	case st == endedSession || st == deactivatedUser:
		p.cookie.clear(c.Writer)
	}
	c.Next()
}

// RequireSession lets a page request through only with a session the policy
// accepts. Without a cookie it redirects to /signin?return_to=<this page>;
// an ended session gets the session-expired page, a deactivated account its
// page, and the stale cookie is cleared.
func (p *Pages) RequireSession(c *gin.Context) {
	st, err := p.resolve(c)
	if err != nil {
		p.fail(c, err)
		return
	}
	returnTo := ""
	if c.Request.Method == http.MethodGet && policy.LocalPath(c.Request.URL.RequestURI()) {
		returnTo = c.Request.URL.RequestURI()
	}
	switch st {
	case liveSession:
		// The menu shows the unread count; a failure to count only hides it.
		if inbox, err := p.svc.Inbox(c.Request.Context(), CurrentUser(c).ID, 1); err == nil {
			c.Set(ctxUnread, inbox.Unread)
		}
		c.Next()
	case noSession:
		seeOther(c, signInURL(returnTo))
	case endedSession:
		p.cookie.clear(c.Writer)
		p.RenderSessionExpired(c, http.StatusUnauthorized, SessionExpiredPage{ReturnTo: returnTo})
	case deactivatedUser:
		p.cookie.clear(c.Writer)
		p.fail(c, policy.Refuse(policy.AccountDeactivated).Err())
	}
}

func signInURL(returnTo string) string {
	if returnTo == "" || returnTo == "/" {
		return "/signin"
	}
	return "/signin?return_to=" + url.QueryEscape(returnTo)
}

// returnTarget is where to go after signing in: return_to when it is a
// path on this server, else the account settings.
func returnTarget(raw string) string {
	if policy.LocalPath(raw) {
		return raw
	}
	return "/settings/account"
}

// write sets the session cookie for a new session.
func (sc SessionCookie) write(w http.ResponseWriter, token string, s accounts.Session) {
	ck := &http.Cookie{
		Name: sc.Name(), Value: token, Path: "/", HttpOnly: true,
		Secure: sc.Secure, SameSite: http.SameSiteLaxMode,
	}
	if s.Persistent {
		ck.Expires = s.AbsExpiresAt
		ck.MaxAge = int(s.AbsExpiresAt.Sub(s.CreatedAt).Seconds())
	}
	http.SetCookie(w, ck)
}

// clear removes the session cookie.
func (sc SessionCookie) clear(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: sc.Name(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: sc.Secure, SameSite: http.SameSiteLaxMode,
	})
}
