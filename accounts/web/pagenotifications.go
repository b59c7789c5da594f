package web

import (
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/idbridge/idbridge/accounts"
)

// PrefCell is one checkbox of the category × channel grid.
type PrefCell struct {
	Value   string // "category.channel", the checkbox value
	Label   string // e.g. "Security by email", for screen readers
	Checked bool
}

// PrefRow is one category of notifications and its channels.
type PrefRow struct {
	Label string
	Hint  string
	Cells []PrefCell
}

// InboxItem is one in-app notification.
type InboxItem struct {
	Title   string
	Body    string
	Link    string
	Created time.Time
	Unread  bool
}

// NotificationsPage is Settings → Notifications: preferences and the
// in-app inbox.
type NotificationsPage struct {
	Frame
	Channels []string
	Rows     []PrefRow
	Unread   int
	Inbox    []InboxItem
}

// RenderNotifications shows the notification settings and inbox.
func (p *Pages) RenderNotifications(c *gin.Context, status int, d NotificationsPage) {
	d.Title, d.Section = "Notifications", "notifications"
	p.render(c, status, "notifications", &d)
}

// categoryLabel names a category and says what it covers.
func categoryLabel(c accounts.NotificationCategory) (label, hint string) {
	switch c {
	case accounts.CategorySecurity:
		return "Security", "Sign-ins from new devices, two-factor and password changes"
	case accounts.CategoryUsage:
		return "Usage", "Limits and usage of your plan"
	case accounts.CategoryMonitors:
		return "Monitors", "Monitor runs and failures"
	case accounts.CategoryComments:
		return "Comments", "Comments and mentions"
	}
	return string(c), ""
}

func channelLabel(c accounts.NotificationChannel) string {
	switch c {
	case accounts.ChannelEmail:
		return "Email"
	case accounts.ChannelInApp:
		return "In-app"
	case accounts.ChannelSlack:
		return "Slack"
	}
	return string(c)
}

// Notifications handles GET /settings/notifications.
func (p *Pages) Notifications(c *gin.Context) {
	ctx, u := c.Request.Context(), CurrentUser(c)
	prefs, err := p.svc.NotificationPrefs(ctx, u.ID)
	if err != nil {
		p.fail(c, err)
		return
	}
	inbox, err := p.svc.Inbox(ctx, u.ID, 50)
	if err != nil {
		p.fail(c, err)
		return
	}
	d := NotificationsPage{Frame: Frame{Notice: notice(c)}, Unread: inbox.Unread}
	for _, ch := range accounts.NotificationChannels {
		d.Channels = append(d.Channels, channelLabel(ch))
	}
	for _, cat := range accounts.NotificationCategories {
		label, hint := categoryLabel(cat)
		row := PrefRow{Label: label, Hint: hint}
		for _, ch := range accounts.NotificationChannels {
			on := slices.ContainsFunc(prefs, func(p accounts.NotificationPref) bool {
				return p.Category == cat && p.Channel == ch && p.Enabled
			})
			row.Cells = append(row.Cells, PrefCell{Value: string(cat) + "." + string(ch),
				Label: label + " by " + channelLabel(ch), Checked: on})
		}
		d.Rows = append(d.Rows, row)
	}
	for _, n := range inbox.Notifications {
		d.Inbox = append(d.Inbox, InboxItem{Title: n.Title, Body: n.Body, Link: n.Link, Created: n.CreatedAt, Unread: n.ReadAt == nil})
	}
	p.RenderNotifications(c, http.StatusOK, d)
}

// UpdateNotifications handles POST /settings/notifications: every cell of
// the grid is saved, checked or not (an unchecked box sends nothing).
func (p *Pages) UpdateNotifications(c *gin.Context) {
	checked := c.PostFormArray("pref")
	var prefs []accounts.NotificationPref
	for _, cat := range accounts.NotificationCategories {
		for _, ch := range accounts.NotificationChannels {
			prefs = append(prefs, accounts.NotificationPref{Category: cat, Channel: ch,
				Enabled: slices.Contains(checked, string(cat)+"."+string(ch))})
		}
	}
	if _, err := p.svc.SetNotificationPrefs(c.Request.Context(), caller(c), prefs); err != nil {
		p.fail(c, err)
		return
	}
	seeOther(c, "/settings/notifications?done=preferences")
}

// MarkInboxRead handles POST /settings/notifications/read.
func (p *Pages) MarkInboxRead(c *gin.Context) {
	if err := p.svc.MarkInboxRead(c.Request.Context(), CurrentUser(c).ID); err != nil {
		p.fail(c, err)
		return
	}
	seeOther(c, "/settings/notifications")
}
