package web

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/idbridge/idbridge/accounts"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Pages serves the server-rendered HTML pages. Each page has one render
// method with its own data struct; handlers only translate forms into
// accounts.Service calls and policy decisions.
type Pages struct {
	svc     *accounts.Service
	log     *slog.Logger
	cookie  SessionCookie
	captcha *Captcha
	google  bool                          // offer Sign in with Google
	pages   map[string]*template.Template // page name → layout + page, parsed once
}

// PagesParams are the pages' dependencies.
type PagesParams struct {
	Service *accounts.Service
	Logger  *slog.Logger
	Cookie  SessionCookie
	Captcha *Captcha // the proof-of-work check the JSON API uses too
	// GoogleSignIn offers "Sign in with Google" (/sso/google) on the
	// sign-in and sign-up pages; set when the server has a Google client.
	GoogleSignIn bool
}

// NewPages parses every embedded template; a template error stops start-up
// instead of surfacing on the first request.
func NewPages(p PagesParams) (*Pages, error) {
	pg := &Pages{svc: p.Service, log: p.Logger, cookie: p.Cookie, captcha: p.Captcha, google: p.GoogleSignIn, pages: map[string]*template.Template{}}
	if pg.captcha == nil {
		pg.captcha = NewCaptcha(CaptchaParams{Service: p.Service})
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{"when": when, "join": strings.Join}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if strings.HasPrefix(name, "_") {
			continue // shared partials
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/_*.html", n)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", n, err)
		}
		pg.pages[name] = t
	}
	return pg, nil
}

// when formats a time for people, in UTC so every replica agrees.
func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2 Jan 2006 15:04 UTC")
}

// Assets serves the embedded stylesheet and script under /assets/.
func (p *Pages) Assets() http.Handler {
	sub, _ := fs.Sub(assetFS, "assets")
	files := http.StripPrefix("/assets/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}

// Frame is what the shared layout shows around every page.
type Frame struct {
	Title     string
	Nonce     string // the CSP nonce of this response's scripts
	RequestID string
	Username  string // set when someone is signed in
	Notice    string // a one-line confirmation shown at the top
	Section   string // the settings page this is ("account", "sessions", "notifications"), for the menu
	Unread    int    // unread in-app notifications, shown in the menu
}

func (f *Frame) frame() *Frame { return f }

// framed is any page data: a struct embedding Frame.
type framed interface{ frame() *Frame }

const ctxNonce = "idbridge.nonce"

// Secure sets the headers every page carries: a Content-Security-Policy that
// runs only scripts bearing this response's nonce, no framing, no referrer
// (links with tokens must not leak them), and no caching of personal pages.
func (p *Pages) Secure(c *gin.Context) {
	nonce := newNonce()
	c.Set(ctxNonce, nonce)
	setPageHeaders(c.Writer.Header(), nonce)
	c.Next()
}

func setPageHeaders(h http.Header, nonce string) {
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+nonce+"'; style-src 'self'; "+
		"img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

func newNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b) // no "+" or "/" to escape in HTML
}

// render executes one page into a buffer first, so a template failure
// becomes a logged error page instead of half a page.
func (p *Pages) render(c *gin.Context, status int, name string, data framed) {
	f := data.frame()
	if n, ok := c.Get(ctxNonce); ok {
		f.Nonce, _ = n.(string)
	} else {
		// Outside the page group (unknown URLs): same headers, own nonce.
		f.Nonce = newNonce()
		setPageHeaders(c.Writer.Header(), f.Nonce)
	}
	f.RequestID = RequestID(c)
	if u, ok := c.Get(ctxUser); ok && f.Username == "" {
		if user, ok := u.(accounts.User); ok {
			f.Username = user.Username
		}
	}
	if n, ok := c.Get(ctxUnread); ok {
		f.Unread, _ = n.(int)
	}
	if err := p.write(c.Writer, status, name, data); err != nil {
		p.log.ErrorContext(c.Request.Context(), "render page", "page", name, "err", err, "request_id", f.RequestID)
		c.String(http.StatusInternalServerError, "internal error; reference %s\n", f.RequestID)
	}
	c.Abort()
}

func (p *Pages) write(w http.ResponseWriter, status int, name string, data framed) error {
	t, ok := p.pages[name]
	if !ok {
		return fmt.Errorf("no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// seeOther redirects after a successful form post (Post/Redirect/Get).
func seeOther(c *gin.Context, to string) {
	c.Redirect(http.StatusSeeOther, to)
	c.Abort()
}
