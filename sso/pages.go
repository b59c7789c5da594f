package sso

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
)

//go:embed templates/*.html
var templateFiles embed.FS

// pages renders the few HTML pages of SSO, each with its own data type.
type pages struct {
	refusalT, startT, chooserT *template.Template
}

func newPages() (*pages, error) {
	parse := func(name string) (*template.Template, error) {
		return template.New(name).Funcs(template.FuncMap{"stylesheet": func() string { return Stylesheet }}).
			ParseFS(templateFiles, "templates/layout.html", "templates/"+name)
	}
	var p pages
	var err error
	if p.refusalT, err = parse("refusal.html"); err != nil {
		return nil, err
	}
	if p.startT, err = parse("start.html"); err != nil {
		return nil, err
	}
	if p.chooserT, err = parse("chooser.html"); err != nil {
		return nil, err
	}
	return &p, nil
}

// refusalPage says what happened, what to do, and the support reference.
type refusalPage struct {
	Title     string
	Reason    string // stable code, also in data-reason for scripts and tests
	Message   string
	AdminFix  string
	Reference string
}

type startPage struct {
	Email, Team, ReturnTo, Notice string
	AskTeam                       bool
}

type chooserPage struct {
	TeamName    string
	Connections []chooserEntry
}

type chooserEntry struct {
	Name string
	URL  string
}

// Stylesheet is the account pages' stylesheet, served by this server, that
// the SSO pages share so that they look like the rest of the product.
const Stylesheet = "/assets/style.css"

// pagePolicy allows the shared stylesheet and nothing else to load: the
// pages run no script and send forms only to this server.
const pagePolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

func render(w http.ResponseWriter, status int, t *template.Template, name string, data any) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "page rendering failed", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", pagePolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (p *pages) refusal(w http.ResponseWriter, status int, d refusalPage) {
	render(w, status, p.refusalT, "refusal.html", d)
}

func (p *pages) start(w http.ResponseWriter, status int, d startPage) {
	render(w, status, p.startT, "start.html", d)
}

func (p *pages) chooser(w http.ResponseWriter, d chooserPage) {
	render(w, http.StatusOK, p.chooserT, "chooser.html", d)
}
