package sso

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/policy"
)

// Start serves /sso/start: with connection=ID it starts that connection;
// with email=… it finds the team through its verified domains (home-realm
// discovery); with team=… through the team's slug. A team with several
// enabled connections gets a chooser. Without any, it shows the form.
func (h *Handler) Start(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err == nil {
			q = r.Form
		}
	}
	returnTo := policy.LocalReturnTo(q.Get("return_to"))
	ctx := r.Context()
	if id := q.Get("connection"); id != "" {
		c, err := h.svc.SSOConnection(ctx, id)
		if err != nil || !c.Enabled {
			h.fail(w, r, id, accounts.Errorf(accounts.CodeNotFound, "no such single sign-on connection, or it is turned off"))
			return
		}
		h.startConnection(w, r, c, returnTo)
		return
	}
	email, slug := strings.TrimSpace(q.Get("email")), strings.TrimSpace(q.Get("team"))
	if email == "" && slug == "" {
		h.pages.start(w, http.StatusOK, startPage{ReturnTo: returnTo, AskTeam: q.Get("ask") == "team"})
		return
	}
	var team accounts.Team
	var err error
	if email != "" {
		team, err = h.teamForEmail(r, email)
	} else {
		team, err = h.svc.Team(ctx, slug)
	}
	if err != nil {
		if accounts.ErrorCode(err) == accounts.CodeNotFound || accounts.ErrorCode(err) == accounts.CodeInvalid {
			h.pages.start(w, http.StatusNotFound, startPage{Email: email, Team: slug, ReturnTo: returnTo, AskTeam: slug != "",
				Notice: "We found no single sign-on for that address or team. Check it, or sign in with a password."})
			return
		}
		h.fail(w, r, "", err)
		return
	}
	conns, err := h.svc.SSOConnections(ctx, team.ID)
	if err != nil {
		h.fail(w, r, "", err)
		return
	}
	var enabled []accounts.SSOConnection
	for _, c := range conns {
		if c.Enabled {
			enabled = append(enabled, c)
		}
	}
	switch len(enabled) {
	case 0:
		h.pages.start(w, http.StatusNotFound, startPage{Email: email, Team: slug, ReturnTo: returnTo,
			Notice: "Your team has not set up single sign-on. Sign in with a password, or ask your Team Admin."})
	case 1:
		h.startConnection(w, r, enabled[0], returnTo)
	default:
		page := chooserPage{TeamName: team.Name}
		for _, c := range enabled {
			page.Connections = append(page.Connections, chooserEntry{Name: c.Name,
				URL: "/sso/start?" + url.Values{"connection": {c.ID}, "return_to": {returnTo}}.Encode()})
		}
		h.pages.chooser(w, page)
	}
}

func (h *Handler) teamForEmail(r *http.Request, email string) (accounts.Team, error) {
	email, err := accounts.NormalizeEmail(email)
	if err != nil {
		return accounts.Team{}, err
	}
	d, err := h.svc.Store().FindVerifiedDomain(r.Context(), accounts.EmailDomain(email))
	if err != nil {
		return accounts.Team{}, err
	}
	return h.svc.Team(r.Context(), d.TeamID)
}

func (h *Handler) startConnection(w http.ResponseWriter, r *http.Request, c accounts.SSOConnection, returnTo string) {
	switch c.Protocol {
	case accounts.ProtocolSAML:
		h.startSAML(w, r, c.ID, returnTo)
	case accounts.ProtocolOIDC:
		h.startOIDC(w, r, c.ID, returnTo)
	default:
		h.fail(w, r, c.ID, accounts.Errorf(accounts.CodeNotFound, "unknown connection protocol"))
	}
}

// Google serves /sso/google: Sign in with Google for self-service
// accounts, the enabled OIDC connection bound to no team.
func (h *Handler) Google(w http.ResponseWriter, r *http.Request) {
	conns, err := h.svc.SSOConnections(r.Context(), "")
	if err != nil {
		h.fail(w, r, "", err)
		return
	}
	for _, c := range conns {
		if c.Enabled && c.Protocol == accounts.ProtocolOIDC {
			h.startOIDC(w, r, c.ID, policy.LocalReturnTo(r.URL.Query().Get("return_to")))
			return
		}
	}
	h.fail(w, r, "", accounts.Errorf(accounts.CodeNotFound, "Sign in with Google is not set up on this server"))
}
