package sso

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/policy"
	"github.com/idbridge/idbridge/sso/saml"
)

// Params are a Handler's dependencies.
type Params struct {
	Service *accounts.Service
	Sealer  accounts.Sealer // opens SP keys and client secrets
	BaseURL string          // public URL of this server
	Logger  *slog.Logger
	// SessionCookie is the name of the session cookie to set; Secure says
	// whether cookies get the Secure flag (https base URL).
	SessionCookie string
	Secure        bool
	// HTTPClient reaches OIDC providers and metadata URLs (default: 10s
	// timeout).
	HTTPClient *http.Client
	// Skew is the clock skew allowed on SAML assertions (default
	// saml.DefaultSkew).
	Skew time.Duration
	// Decide decides provisioning (default policy.JIT).
	Decide accounts.SSODecider
}

// Handler serves /sso/*.
type Handler struct {
	svc     *accounts.Service
	sealer  accounts.Sealer
	base    string
	log     *slog.Logger
	cookie  string
	secure  bool
	client  *http.Client
	skew    time.Duration
	decide  accounts.SSODecider
	pages   *pages
	mu      sync.Mutex            // guards samlSPs
	samlSPs map[string]cachedSAML // by connection ID
	oidcRPs map[string]cachedOIDC // by connection ID
}

type cachedSAML struct {
	updated time.Time
	sp      *saml.Provider
}

// New builds the handler.
func New(p Params) (*Handler, error) {
	if p.Service == nil || p.Sealer == nil || p.Logger == nil {
		return nil, errors.New("sso: Service, Sealer and Logger are required")
	}
	pg, err := newPages()
	if err != nil {
		return nil, err
	}
	h := &Handler{
		svc: p.Service, sealer: p.Sealer, base: strings.TrimRight(p.BaseURL, "/"), log: p.Logger,
		cookie: p.SessionCookie, secure: p.Secure, client: p.HTTPClient, skew: p.Skew, decide: p.Decide,
		pages: pg, samlSPs: map[string]cachedSAML{}, oidcRPs: map[string]cachedOIDC{},
	}
	if h.client == nil {
		h.client = &http.Client{Timeout: 10 * time.Second}
	}
	if h.decide == nil {
		h.decide = policy.JIT
	}
	if h.cookie == "" {
		h.cookie = "idbridge_session"
	}
	return h, nil
}

type ctxKey struct{}

// WithClientIP records the client address the server resolved (through
// trusted proxies) for the audit log and sessions.
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, ctxKey{}, ip)
}

func clientIP(r *http.Request) string {
	if ip, ok := r.Context().Value(ctxKey{}).(string); ok {
		return ip
	}
	return r.RemoteAddr
}

// connection loads an enabled connection of the given protocol.
func (h *Handler) connection(ctx context.Context, id string, protocol accounts.SSOProtocol) (accounts.SSOConnection, error) {
	c, err := h.svc.SSOConnection(ctx, id)
	if err != nil {
		return accounts.SSOConnection{}, err
	}
	if c.Protocol != protocol || !c.Enabled {
		return accounts.SSOConnection{}, accounts.Errorf(accounts.CodeNotFound, "no such single sign-on connection, or it is turned off")
	}
	return c, nil
}

// samlProvider returns the connection's service provider, rebuilt when
// the connection changed.
func (h *Handler) samlProvider(ctx context.Context, id string) (*saml.Provider, error) {
	c, err := h.connection(ctx, id, accounts.ProtocolSAML)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	cached, ok := h.samlSPs[id]
	h.mu.Unlock()
	if ok && cached.updated.Equal(c.UpdatedAt) {
		return cached.sp, nil
	}
	sp, err := saml.New(saml.Params{Connection: c, BaseURL: h.base, Sealer: h.sealer, Skew: h.skew, Now: h.svc.Now})
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	h.samlSPs[id] = cachedSAML{updated: c.UpdatedAt, sp: sp}
	h.mu.Unlock()
	return sp, nil
}

// cachedSAMLProvider is samlProvider without reading the connection when
// a copy is cached: for the ACS, whose sign-in transaction reads the
// connection anyway and refuses (ErrSSOConnectionChanged) a response
// checked against a copy that is no longer current.
func (h *Handler) cachedSAMLProvider(ctx context.Context, id string) (*saml.Provider, error) {
	h.mu.Lock()
	cached, ok := h.samlSPs[id]
	h.mu.Unlock()
	if ok {
		return cached.sp, nil
	}
	return h.samlProvider(ctx, id)
}

// flowCookieName holds the browser's binding for sign-ins in flight.
func (h *Handler) flowCookieName() string {
	if h.secure {
		return "__Host-idbridge_sso"
	}
	return "idbridge_sso"
}

// flowBinding returns the browser's flow cookie, setting a new one when it
// has none. The IdP answers with a cross-site POST (SAML, form_post), on
// which SameSite=Lax cookies are not sent; over https the cookie is
// SameSite=None. Over loopback http (development), Lax: the development
// IdP is on the same site.
func (h *Handler) flowBinding(w http.ResponseWriter, r *http.Request) (string, error) {
	if c, err := r.Cookie(h.flowCookieName()); err == nil && len(c.Value) == 43 {
		return c.Value, nil
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	v := base64.RawURLEncoding.EncodeToString(b)
	ck := &http.Cookie{Name: h.flowCookieName(), Value: v, Path: "/", HttpOnly: true,
		MaxAge: int(accounts.SSOFlowLifetime / time.Second), Secure: h.secure, SameSite: http.SameSiteLaxMode}
	if h.secure {
		ck.SameSite = http.SameSiteNoneMode
	}
	http.SetCookie(w, ck)
	return v, nil
}

func (h *Handler) readBinding(r *http.Request) string {
	if c, err := r.Cookie(h.flowCookieName()); err == nil {
		return c.Value
	}
	return ""
}

// signIn finishes a verified sign-in: provision, link or refuse, then the
// session cookie and the redirect to returnTo, or to the return_to of the
// sign-in in flight it consumed. When the connection changed after the
// answer was checked against the cached copy, it forgets that copy and,
// with again, writes nothing and returns true: check the answer again.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request, in accounts.SSOSignInInput, returnTo string, again bool) bool {
	connectionID := in.ConnectionID
	if c, err := r.Cookie(h.cookie); err == nil {
		in.PreviousToken = c.Value
	}
	in.Decide, in.UserAgent, in.IP = h.decide, r.UserAgent(), clientIP(r)
	res, err := h.svc.SSOSignIn(r.Context(), in)
	if errors.Is(err, accounts.ErrSSOConnectionChanged) {
		h.forget(connectionID)
		if again {
			return true
		}
		h.fail(w, r, connectionID, accounts.Errorf(accounts.CodeConflict,
			"Your team's single sign-on settings changed while you were signing in. Start again."))
		return false
	}
	if errors.Is(err, accounts.ErrUnknownSSOFlow) {
		h.refuseSAML(w, r, connectionID, &saml.ValidationError{Check: saml.CheckInResponseTo,
			PrivateErr: errors.New("InResponseTo names no sign-in this browser started, or one already finished")})
		return false
	}
	if errors.Is(err, accounts.ErrReplayed) {
		h.refuseSAML(w, r, connectionID, &saml.ValidationError{Check: saml.CheckReplay,
			PrivateErr: errors.New("assertion " + in.AssertionID + " was used before")})
		return false
	}
	var refusal *accounts.SSORefusal
	if errors.As(err, &refusal) {
		h.log.InfoContext(r.Context(), "sso sign-in refused", "connection", connectionID,
			"reason", refusal.Err.Code, "reference", refusal.Reference)
		h.pages.refusal(w, http.StatusForbidden, refusalPage{
			Title: "You cannot sign in yet", Reason: string(refusal.Err.Code), Message: refusal.Err.Message,
			AdminFix: refusal.AdminFix, Reference: refusal.Reference,
		})
		return false
	}
	if err != nil {
		h.fail(w, r, connectionID, err)
		return false
	}
	h.log.InfoContext(r.Context(), "sso sign-in", "connection", connectionID, "user", res.User.ID, "action", res.Action)
	ck := &http.Cookie{Name: h.cookie, Value: res.Token, Path: "/", HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode}
	http.SetCookie(w, ck)
	w.Header().Set("Cache-Control", "no-store")
	if in.FlowID != "" {
		returnTo = res.Flow.ReturnTo
	}
	http.Redirect(w, r, policy.LocalReturnTo(returnTo), http.StatusSeeOther)
	return false
}

// forget drops the cached copies of a connection's provider.
func (h *Handler) forget(connectionID string) {
	h.mu.Lock()
	delete(h.samlSPs, connectionID)
	delete(h.oidcRPs, connectionID)
	h.mu.Unlock()
}

// fail renders a domain error or, for anything else, an internal error
// page with a reference that is in the log.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, connectionID string, err error) {
	ref := reference()
	var e *accounts.Error
	if errors.As(err, &e) && e.Code != "" {
		status := http.StatusBadRequest
		switch e.Code {
		case accounts.CodeNotFound:
			status = http.StatusNotFound
		case accounts.CodeAccountDeactivated:
			status = http.StatusForbidden
		case accounts.CodeRateLimited:
			status = http.StatusTooManyRequests
		}
		h.log.InfoContext(r.Context(), "sso request refused", "connection", connectionID, "code", e.Code, "reference", ref)
		h.pages.refusal(w, status, refusalPage{Title: "Single sign-on did not work", Reason: string(e.Code),
			Message: e.Message, Reference: ref})
		return
	}
	h.log.ErrorContext(r.Context(), "sso internal error", "connection", connectionID, "err", err, "reference", ref)
	h.pages.refusal(w, http.StatusInternalServerError, refusalPage{Title: "Something went wrong on our side",
		Reason: "internal_error", Message: "Sign-in failed because of a problem on our side. Try again; if it keeps happening, contact support with the reference below.",
		Reference: ref})
}

// reference is a short random id a person quotes to support.
func reference() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return strings.ToUpper(fmt.Sprintf("%x", b))
}
