package sso

import (
	"net/http"

	"github.com/idbridge/idbridge/accounts"
)

func (h *Handler) startOIDC(w http.ResponseWriter, r *http.Request, connectionID, returnTo string) {
	h.fail(w, r, connectionID, accounts.Errorf(accounts.CodeNotFound, "OpenID Connect sign-in is not available yet"))
}

// OIDCCallback serves /sso/oidc/<connection>/callback.
func (h *Handler) OIDCCallback(w http.ResponseWriter, r *http.Request, connectionID string) {
	h.fail(w, r, connectionID, accounts.Errorf(accounts.CodeNotFound, "OpenID Connect sign-in is not available yet"))
}
