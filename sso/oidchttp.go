package sso

import (
	"context"
	"errors"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/policy"
	"github.com/idbridge/idbridge/sso/oidc"
)

type cachedOIDC struct {
	updated time.Time
	rp      *oidc.RP
}

// oidcRP returns the connection's relying party; discovery runs once per
// connection version (a failed discovery is not cached).
func (h *Handler) oidcRP(ctx context.Context, id string) (*oidc.RP, error) {
	c, err := h.connection(ctx, id, accounts.ProtocolOIDC)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	cached, ok := h.oidcRPs[id]
	h.mu.Unlock()
	if ok && cached.updated.Equal(c.UpdatedAt) {
		return cached.rp, nil
	}
	rp, err := oidc.New(ctx, oidc.Params{Connection: c, BaseURL: h.base, Sealer: h.sealer, HTTPClient: h.client})
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	h.oidcRPs[id] = cachedOIDC{updated: c.UpdatedAt, rp: rp}
	h.mu.Unlock()
	return rp, nil
}

// cachedOIDCRP is oidcRP without reading the connection when a copy is
// cached: for the callback, whose sign-in transaction reads the connection
// anyway and refuses (ErrSSOConnectionChanged) an answer checked against
// a copy that is no longer current.
func (h *Handler) cachedOIDCRP(ctx context.Context, id string) (*oidc.RP, error) {
	h.mu.Lock()
	cached, ok := h.oidcRPs[id]
	h.mu.Unlock()
	if ok {
		return cached.rp, nil
	}
	return h.oidcRP(ctx, id)
}

func (h *Handler) startOIDC(w http.ResponseWriter, r *http.Request, connectionID, returnTo string) {
	rp, err := h.oidcRP(r.Context(), connectionID)
	if err != nil {
		h.fail(w, r, connectionID, err)
		return
	}
	binding, err := h.flowBinding(w, r)
	if err != nil {
		h.fail(w, r, connectionID, err)
		return
	}
	state, err := accounts.NewRandomID("st-")
	if err != nil {
		h.fail(w, r, connectionID, err)
		return
	}
	nonce, err := accounts.NewRandomID("n-")
	if err != nil {
		h.fail(w, r, connectionID, err)
		return
	}
	verifier := oauth2.GenerateVerifier()
	if err := h.svc.StartSSOFlow(r.Context(), accounts.StartSSOFlowInput{
		ID: state, ConnectionID: connectionID, Binding: binding, ReturnTo: returnTo, Nonce: nonce, PKCEVerifier: verifier,
	}); err != nil {
		h.fail(w, r, connectionID, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, rp.AuthURL(state, nonce, verifier), http.StatusFound)
}

// OIDCLogin serves GET /sso/oidc/<connection>/login.
func (h *Handler) OIDCLogin(w http.ResponseWriter, r *http.Request, connectionID string) {
	h.startOIDC(w, r, connectionID, policy.LocalReturnTo(r.URL.Query().Get("return_to")))
}

// OIDCCallback serves /sso/oidc/<connection>/callback: GET for the query
// response mode, POST for form_post (exempt from cross-origin protection:
// the provider's page posts it; state bound to this browser is the proof).
func (h *Handler) OIDCCallback(w http.ResponseWriter, r *http.Request, connectionID string) {
	ctx := r.Context()
	params := r.URL.Query()
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			h.refuseOIDC(w, r, connectionID, &oidc.ValidationError{Check: oidc.CheckInput, PrivateErr: err})
			return
		}
		params = r.PostForm
	}
	rp, err := h.cachedOIDCRP(ctx, connectionID)
	if err != nil {
		h.fail(w, r, connectionID, err)
		return
	}
	// The state must be one this browser started for this connection: a
	// code from another provider delivered here (mix-up) finds no flow.
	flow, err := h.svc.ConsumeSSOFlow(ctx, params.Get("state"), h.readBinding(r))
	if err == nil && flow.ConnectionID != connectionID {
		err = accounts.ErrNotFound
	}
	if accounts.ErrorCode(err) == accounts.CodeNotFound {
		h.refuseOIDC(w, r, connectionID, &oidc.ValidationError{Check: oidc.CheckState,
			PrivateErr: errors.New("state names no sign-in this browser started here, or one already finished")})
		return
	}
	if err != nil {
		h.fail(w, r, connectionID, err)
		return
	}
	claims, err := rp.Exchange(ctx, params, flow)
	if err != nil {
		h.refuseOIDC(w, r, connectionID, err)
		return
	}
	// The code is spent: a connection changed since the copy was cached
	// means starting again.
	h.signIn(w, r, accounts.SSOSignInInput{ConnectionID: connectionID, Claims: claims, ConnectionVersion: rp.Connection().UpdatedAt},
		flow.ReturnTo, false)
}

func (h *Handler) refuseOIDC(w http.ResponseWriter, r *http.Request, connectionID string, err error) {
	var ve *oidc.ValidationError
	if !errors.As(err, &ve) {
		h.fail(w, r, connectionID, err)
		return
	}
	ref := reference()
	h.log.WarnContext(r.Context(), "oidc callback refused", "connection", connectionID, "check", ve.Check,
		"err", ve.PrivateErr, "reference", ref, "ip", clientIP(r))
	msg := "We could not verify the answer from your identity provider, so you are not signed in. Start again; if it keeps failing, give your Team Admin the reference below."
	if ve.Check == oidc.CheckState {
		msg = "This sign-in answer is not one this browser asked for, or it was used already. Start single sign-on again from this site."
	}
	h.pages.refusal(w, http.StatusBadRequest, refusalPage{Title: "Single sign-on did not work", Reason: "oidc_" + string(ve.Check),
		Message: msg, Reference: ref})
}
