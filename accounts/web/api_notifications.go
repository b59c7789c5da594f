package web

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/idbridge/idbridge/accounts"
)

// NotificationPrefsJSON is the preference grid: category → channel → on.
type NotificationPrefsJSON map[accounts.NotificationCategory]map[accounts.NotificationChannel]bool

type notificationsBody struct {
	Preferences NotificationPrefsJSON `json:"preferences"`
}

func prefsJSON(ps []accounts.NotificationPref) notificationsBody {
	out := NotificationPrefsJSON{}
	for _, p := range ps {
		if out[p.Category] == nil {
			out[p.Category] = map[accounts.NotificationChannel]bool{}
		}
		out[p.Category][p.Channel] = p.Enabled
	}
	return notificationsBody{Preferences: out}
}

// GetNotifications handles GET /api/v1/me/notifications: the whole grid
// of security, usage, monitors, comments × email, in_app, slack.
func (a *API) GetNotifications(c *gin.Context) {
	ps, err := a.svc.NotificationPrefs(c.Request.Context(), CurrentUser(c).ID)
	if err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	c.JSON(http.StatusOK, prefsJSON(ps))
}

// PutNotifications handles PUT /api/v1/me/notifications with the same
// shape as GET (cells left out keep their value): 200 with the whole grid.
func (a *API) PutNotifications(c *gin.Context) {
	var req notificationsBody
	if err := decodeJSON(c, &req); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	var ps []accounts.NotificationPref
	for cat, chans := range req.Preferences {
		for ch, on := range chans {
			ps = append(ps, accounts.NotificationPref{Category: cat, Channel: ch, Enabled: on})
		}
	}
	out, err := a.svc.SetNotificationPrefs(c.Request.Context(), caller(c), ps)
	if err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	c.JSON(http.StatusOK, prefsJSON(out))
}

// NotificationJSON is one inbox entry.
type NotificationJSON struct {
	ID        string     `json:"id"`
	Category  string     `json:"category"`
	Title     string     `json:"title"`
	Body      string     `json:"body"`
	Link      string     `json:"link,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at"`
}

type inboxResponse struct {
	Unread        int                `json:"unread"`
	Notifications []NotificationJSON `json:"notifications"`
}

// Inbox handles GET /api/v1/me/inbox: the newest 50 notifications and the
// unread count.
func (a *API) Inbox(c *gin.Context) {
	in, err := a.svc.Inbox(c.Request.Context(), CurrentUser(c).ID, 50)
	if err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	out := inboxResponse{Unread: in.Unread, Notifications: make([]NotificationJSON, len(in.Notifications))}
	for i, n := range in.Notifications {
		out.Notifications[i] = NotificationJSON{ID: n.ID, Category: string(n.Category), Title: n.Title, Body: n.Body,
			Link: n.Link, CreatedAt: n.CreatedAt, ReadAt: n.ReadAt}
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, out)
}

// InboxRead handles POST /api/v1/me/inbox/read: every notification read;
// 204.
func (a *API) InboxRead(c *gin.Context) {
	if err := a.svc.MarkInboxRead(c.Request.Context(), CurrentUser(c).ID); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}

var errNotTeamAdmin = &accounts.Error{Code: accounts.CodeForbidden, Message: "only an admin of this team may set its Slack webhook"}

type webhookRequest struct {
	URL string `json:"url"`
}

// PutSlackWebhook handles PUT /api/v1/notifications/slack-webhooks/{team}
// {"url"}: 204. Only an admin of the team (403 forbidden); https to a
// public host only (400).
func (a *API) PutSlackWebhook(c *gin.Context) {
	var req webhookRequest
	if err := decodeJSON(c, &req); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	ctx := c.Request.Context()
	team, err := a.svc.Team(ctx, c.Param("team"))
	if accounts.ErrorCode(err) == accounts.CodeNotFound {
		// The same answer as for a team one is not an admin of, so the
		// route does not tell which teams exist.
		WriteProblem(c, a.log, errNotTeamAdmin)
		return
	}
	if err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	if err := a.checkWebhook(req.URL); err != nil {
		WriteProblem(c, a.log, accounts.InvalidField("url", "%s", err.Error()))
		return
	}
	if err := a.svc.SetSlackWebhook(ctx, caller(c), team.ID, req.URL); err != nil {
		WriteProblem(c, a.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}
