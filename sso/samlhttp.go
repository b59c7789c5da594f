package sso

import (
	"errors"
	"net/http"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/policy"
	"github.com/idbridge/idbridge/sso/saml"
)

// SAMLMetadata serves GET /sso/saml/<connection>/metadata, the SP metadata
// an admin pastes into Okta or Entra.
func (h *Handler) SAMLMetadata(w http.ResponseWriter, r *http.Request, connectionID string) {
	sp, err := h.samlProvider(r.Context(), connectionID)
	if err != nil {
		h.fail(w, r, connectionID, err)
		return
	}
	b, err := sp.Metadata()
	if err != nil {
		h.fail(w, r, connectionID, err)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	_, _ = w.Write(b)
}

// SAMLLogin serves GET /sso/saml/<connection>/login: SP-initiated sign-in.
func (h *Handler) SAMLLogin(w http.ResponseWriter, r *http.Request, connectionID string) {
	h.startSAML(w, r, connectionID, policy.LocalReturnTo(r.URL.Query().Get("return_to")))
}

func (h *Handler) startSAML(w http.ResponseWriter, r *http.Request, connectionID, returnTo string) {
	sp, err := h.samlProvider(r.Context(), connectionID)
	if err != nil {
		h.fail(w, r, connectionID, err)
		return
	}
	binding, err := h.flowBinding(w, r)
	if err != nil {
		h.fail(w, r, connectionID, err)
		return
	}
	redirect, requestID, err := sp.AuthnRequest()
	if err != nil {
		h.fail(w, r, connectionID, err)
		return
	}
	if err := h.svc.StartSSOFlow(r.Context(), accounts.StartSSOFlowInput{
		ID: requestID, ConnectionID: connectionID, Binding: binding, ReturnTo: returnTo,
	}); err != nil {
		h.fail(w, r, connectionID, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, redirect, http.StatusFound)
}

// SAMLACS serves POST /sso/saml/<connection>/acs, where the IdP's
// response arrives (the one route besides the OIDC form_post callback
// exempt from cross-origin protection: the IdP's page posts it).
func (h *Handler) SAMLACS(w http.ResponseWriter, r *http.Request, connectionID string) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		h.refuseSAML(w, r, connectionID, &saml.ValidationError{Check: saml.CheckInput, PrivateErr: err})
		return
	}
	// The cached provider first; when the sign-in finds the connection
	// changed since, the response is checked again against the current one.
	provider := h.cachedSAMLProvider
	for attempt := 0; ; attempt++ {
		sp, err := provider(ctx, connectionID)
		if err != nil {
			h.fail(w, r, connectionID, err)
			return
		}
		res, err := sp.Validate(r.PostForm.Get("SAMLResponse"))
		if err != nil {
			h.refuseSAML(w, r, connectionID, err)
			return
		}
		// The request (when the response answers one) is consumed and the
		// assertion ID recorded in the sign-in's own transaction.
		in := accounts.SSOSignInInput{ConnectionID: connectionID, Claims: res.Claims,
			AssertionID: res.AssertionID, AssertionExpires: res.NotOnOrAfter, ConnectionVersion: sp.Connection().UpdatedAt}
		if res.InResponseTo != "" {
			// Ours, unused, unexpired, and started by this very browser.
			in.FlowID, in.FlowBinding = res.InResponseTo, h.readBinding(r)
		}
		if !h.signIn(w, r, in, r.PostForm.Get("RelayState"), attempt == 0) {
			return
		}
		provider = h.samlProvider
	}
}

// refuseSAML logs which check failed and why, and shows a safe page.
func (h *Handler) refuseSAML(w http.ResponseWriter, r *http.Request, connectionID string, err error) {
	var ve *saml.ValidationError
	if !errors.As(err, &ve) {
		h.fail(w, r, connectionID, err)
		return
	}
	ref := reference()
	h.log.WarnContext(r.Context(), "saml response refused", "connection", connectionID, "check", ve.Check,
		"err", ve.PrivateErr, "reference", ref, "ip", clientIP(r))
	msg := "We could not verify the sign-in response from your identity provider, so you are not signed in. Start again; if it keeps failing, give your Team Admin the reference below."
	if ve.Check == saml.CheckInResponseTo || ve.Check == saml.CheckReplay || ve.Check == saml.CheckUnsolicited {
		msg = "This sign-in response is not one this browser asked for, or it was used already. Start single sign-on again from this site."
	}
	h.pages.refusal(w, http.StatusBadRequest, refusalPage{Title: "Single sign-on did not work", Reason: "saml_" + string(ve.Check),
		Message: msg, Reference: ref})
}
