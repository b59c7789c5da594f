package web

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/idbridge/idbridge/accounts"
)

// DeviceSessionJSON is one session in the active-sessions list.
type DeviceSessionJSON struct {
	ID           string    `json:"id"`
	Current      bool      `json:"current"`
	Device       string    `json:"device"`
	Browser      string    `json:"browser"`
	OS           string    `json:"os"`
	IP           string    `json:"ip"`
	CreatedAt    time.Time `json:"created_at"`
	LastActiveAt time.Time `json:"last_active_at"`
	Persistent   bool      `json:"persistent"`
	AuthMethod   string    `json:"auth_method"`
}

type sessionsResponse struct {
	Sessions []DeviceSessionJSON `json:"sessions"`
}

// ListSessions handles GET /api/v1/me/sessions: every live session, newest
// first, the current one marked.
func (a *API) ListSessions(c *gin.Context) {
	cur := CurrentSession(c)
	ss, err := a.svc.Sessions(c.Request.Context(), cur.UserID)
	if err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	out := make([]DeviceSessionJSON, len(ss))
	for i, s := range ss {
		d := accounts.ParseUserAgent(s.UserAgent)
		out[i] = DeviceSessionJSON{ID: s.ID, Current: s.ID == cur.ID, Device: d.String(), Browser: d.Browser, OS: d.OS,
			IP: s.IP, CreatedAt: s.CreatedAt, LastActiveAt: s.LastSeenAt, Persistent: s.Persistent, AuthMethod: s.AuthMethod}
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, sessionsResponse{Sessions: out})
}

// RevokeSession handles DELETE /api/v1/me/sessions/{id}: 204; 404 for a
// session that is not the caller's or not live. Revoking the current one
// signs out.
func (a *API) RevokeSession(c *gin.Context) {
	cur := caller(c)
	id := c.Param("id")
	if err := a.svc.RevokeSession(c.Request.Context(), accounts.Actor{Kind: accounts.ActorUser, ID: cur.Session.UserID, IP: cur.IP}, cur.Session.UserID, id); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	if id == cur.Session.ID {
		a.clearSessionCookie(c)
	}
	c.Status(http.StatusNoContent)
}

type revokedResponse struct {
	Revoked int `json:"revoked"`
}

// RevokeOtherSessions handles DELETE /api/v1/me/sessions: every session but
// the current one; 200 with how many.
func (a *API) RevokeOtherSessions(c *gin.Context) {
	cur := caller(c)
	n, err := a.svc.RevokeOtherSessions(c.Request.Context(), accounts.Actor{Kind: accounts.ActorUser, ID: cur.Session.UserID, IP: cur.IP}, cur.Session.UserID, cur.Session.ID)
	if err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	c.JSON(http.StatusOK, revokedResponse{Revoked: n})
}
