package web

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/idbridge/idbridge/accounts"
)

// SessionRow is one signed-in browser or client in the sessions list.
type SessionRow struct {
	ID         string
	Device     string // "Firefox on Windows"
	IP         string
	Created    time.Time
	LastActive time.Time
	Persistent bool
	Current    bool // "this device"
}

// SessionsPage lists the person's live sessions.
type SessionsPage struct {
	Frame
	Sessions []SessionRow
	Others   int // sessions other than this one
}

// RenderSessions shows the sessions list.
func (p *Pages) RenderSessions(c *gin.Context, status int, d SessionsPage) {
	d.Title, d.Section = "Active sessions", "sessions"
	p.render(c, status, "sessions", &d)
}

// SessionsList handles GET /settings/sessions.
func (p *Pages) SessionsList(c *gin.Context) {
	u, current := CurrentUser(c), CurrentSession(c)
	list, err := p.svc.Sessions(c.Request.Context(), u.ID)
	if err != nil {
		p.fail(c, err)
		return
	}
	d := SessionsPage{Frame: Frame{Notice: notice(c)}}
	for _, s := range list {
		dev := accounts.ParseUserAgent(s.UserAgent)
		row := SessionRow{ID: s.ID, Device: dev.String(), IP: s.IP, Created: s.CreatedAt, LastActive: s.LastSeenAt,
			Persistent: s.Persistent, Current: s.ID == current.ID}
		if !row.Current {
			d.Others++
		}
		d.Sessions = append(d.Sessions, row)
	}
	p.RenderSessions(c, http.StatusOK, d)
}

// RevokeSession handles POST /settings/sessions/:id/revoke.
func (p *Pages) RevokeSession(c *gin.Context) {
	u, current := CurrentUser(c), CurrentSession(c)
	id := c.Param("id")
	if id == current.ID {
		// This device signs out with the sign-out button, which also clears
		// the cookie.
		p.fail(c, accounts.InvalidField("id", "To end this device's session, use Sign out."))
		return
	}
	err := p.svc.RevokeSession(c.Request.Context(), p.actor(c), u.ID, id)
	if err != nil {
		p.fail(c, err)
		return
	}
	seeOther(c, "/settings/sessions?done=revoked")
}

// RevokeOtherSessions handles POST /settings/sessions/revoke-others.
func (p *Pages) RevokeOtherSessions(c *gin.Context) {
	u, current := CurrentUser(c), CurrentSession(c)
	if _, err := p.svc.RevokeOtherSessions(c.Request.Context(), p.actor(c), u.ID, current.ID); err != nil {
		p.fail(c, err)
		return
	}
	seeOther(c, "/settings/sessions?done=revoked_others")
}

// actor is the signed-in person, for the audit log.
func (p *Pages) actor(c *gin.Context) accounts.Actor {
	return accounts.Actor{Kind: accounts.ActorUser, ID: CurrentUser(c).ID, IP: c.ClientIP()}
}
