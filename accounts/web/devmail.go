package web

import (
	"html/template"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/idbridge/idbridge/accounts"
)

// DevMailbox serves GET /dev/mail on a loopback development server without
// SMTP: the emails in the outbox, newest first, with their links
// clickable. It is never mounted otherwise.
type DevMailbox struct {
	svc *accounts.Service
	log *slog.Logger
}

// NewDevMailbox builds the page handler.
func NewDevMailbox(svc *accounts.Service, log *slog.Logger) *DevMailbox {
	return &DevMailbox{svc: svc, log: log}
}

// devMailPage is the data of the page.
type devMailPage struct {
	Messages []devMail
}

type devMail struct {
	To        string
	Subject   string
	CreatedAt time.Time
	Body      []devMailPart
}

// devMailPart is a run of text, or a link when Link is set.
type devMailPart struct {
	Text string
	Link bool
}

var devMailURL = regexp.MustCompile(`https?://[^\s<>"]+`)

var devMailTemplate = template.Must(template.New("devmail").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Development mailbox · idbridge</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}
article{border:1px solid #ccc;border-radius:6px;padding:1rem;margin:1rem 0}pre{white-space:pre-wrap;font:inherit}</style>
</head><body><h1>Development mailbox</h1>
<p>Email this server would send, newest first. It is shown here because no SMTP server is configured.</p>
{{range .Messages}}<article><h2>{{.Subject}}</h2>
<p>To <strong>{{.To}}</strong> · <time>{{.CreatedAt.Format "2006-01-02 15:04:05 UTC"}}</time></p>
<pre>{{range .Body}}{{if .Link}}<a href="{{.Text}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}{{end}}</pre></article>
{{else}}<p>No email yet.</p>{{end}}
</body></html>`))

// Page handles GET /dev/mail.
func (d *DevMailbox) Page(c *gin.Context) {
	ms, err := d.svc.SentMail(c.Request.Context(), 100)
	if err != nil {
		d.log.ErrorContext(c.Request.Context(), "dev mailbox", "err", err)
		c.String(http.StatusInternalServerError, "internal error\n")
		return
	}
	page := devMailPage{}
	for _, m := range ms {
		page.Messages = append(page.Messages, devMail{To: m.Recipient, Subject: m.Subject, CreatedAt: m.CreatedAt, Body: splitLinks(m.Body)})
	}
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	if err := devMailTemplate.Execute(c.Writer, page); err != nil {
		d.log.ErrorContext(c.Request.Context(), "render dev mailbox", "err", err)
	}
}

func splitLinks(body string) []devMailPart {
	var parts []devMailPart
	last := 0
	for _, loc := range devMailURL.FindAllStringIndex(body, -1) {
		parts = append(parts, devMailPart{Text: body[last:loc[0]]}, devMailPart{Text: body[loc[0]:loc[1]], Link: true})
		last = loc[1]
	}
	return append(parts, devMailPart{Text: body[last:]})
}
