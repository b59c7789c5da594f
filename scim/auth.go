package scim

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/idbridge/idbridge/accounts"
)

// caller is who a request acts as: a team's SCIM token.
type caller struct {
	teamID string
	actor  accounts.Actor
}

type callerKey struct{}
type clientIPKey struct{}

// WithClientIP records the caller's address (as the server's proxy
// settings determine it) for the audit log.
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

// callerFrom returns the authenticated caller of a request that passed the
// auth middleware.
func callerFrom(ctx context.Context) caller {
	c, _ := ctx.Value(callerKey{}).(caller)
	return c
}

// auth authenticates bearer tokens.
type auth struct {
	svc *accounts.Service
	log *slog.Logger
}

// middleware lets a request through only with a usable bearer token, and
// puts the token's team and actor in its context.
func (a *auth) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
		token = strings.TrimSpace(token)
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			unauthorized(w, "a bearer token is required: Authorization: Bearer <SCIM token>")
			return
		}
		t, err := a.svc.AuthenticateSCIMToken(r.Context(), token)
		switch accounts.ErrorCode(err) {
		case "":
			if err != nil {
				a.log.ErrorContext(r.Context(), "scim: authenticate token", "err", err)
				writeError(w, http.StatusInternalServerError, "", "internal error")
				return
			}
		case accounts.CodeUnauthenticated, accounts.CodeNotFound:
			unauthorized(w, accounts.ErrBadSCIMToken.Message)
			return
		default:
			writeDomainError(w, r, a.log, err)
			return
		}
		ip, _ := r.Context().Value(clientIPKey{}).(string)
		if ip == "" {
			ip, _, _ = net.SplitHostPort(r.RemoteAddr)
		}
		c := caller{teamID: t.TeamID, actor: accounts.Actor{Kind: accounts.ActorSCIMToken, ID: t.ID, IP: ip}}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, c)))
	})
}

func unauthorized(w http.ResponseWriter, detail string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="idbridge SCIM"`)
	writeError(w, http.StatusUnauthorized, "", detail)
}
