package web

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/policy"
)

// Problem is an RFC 9457 problem details body with our stable code.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Code      string `json:"code"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// Codes that exist only at the HTTP edge.
const (
	codeMalformed      accounts.Code = "malformed_request"
	codeTooLarge       accounts.Code = "request_too_large"
	codeMediaType      accounts.Code = "unsupported_media_type"
	codeInternal       accounts.Code = "internal_error"
	codeRouteNotFound  accounts.Code = "route_not_found"
	codeMethodNotAllow accounts.Code = "method_not_allowed"
)

// statusOf maps a code to its HTTP status.
func statusOf(code accounts.Code) int {
	switch code {
	case accounts.CodeInvalid, accounts.CodeWeakPassword, codeMalformed, accounts.CodeInvalidToken, accounts.CodeCaptchaFailed:
		return http.StatusBadRequest
	case accounts.CodeInvalidCredentials, accounts.CodeUnauthenticated, accounts.CodeSessionExpired,
		accounts.CodeInvalidCode, accounts.CodeMFAAttemptEnded:
		return http.StatusUnauthorized
	case accounts.CodeAccountDeactivated, accounts.Code(policy.SSORequired), accounts.Code(policy.ManagedByIdP),
		accounts.Code(policy.EnterprisePassword), accounts.CodeReauthRequired, accounts.CodeForbidden:
		return http.StatusForbidden
	case accounts.CodeNotFound, codeRouteNotFound:
		return http.StatusNotFound
	case codeMethodNotAllow:
		return http.StatusMethodNotAllowed
	case accounts.CodeUsernameTaken, accounts.CodeEmailTaken, accounts.CodeSlugTaken, accounts.CodeDomainTaken,
		accounts.CodeAlreadyMember, accounts.CodeConflict:
		return http.StatusConflict
	case codeTooLarge:
		return http.StatusRequestEntityTooLarge
	case codeMediaType:
		return http.StatusUnsupportedMediaType
	case accounts.CodeRateLimited:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// RequestID returns the id the server's middleware put on the response, so
// an error shown to a person can be found in the logs.
func RequestID(c *gin.Context) string { return c.Writer.Header().Get("X-Request-Id") }

// WriteProblem renders err as problem+json and aborts the chain. Domain
// errors show their safe message; anything else is logged with detail and
// shown as "internal error" with the request id.
func WriteProblem(c *gin.Context, log *slog.Logger, err error) {
	var e *accounts.Error
	if !errors.As(err, &e) || statusOf(e.Code) == http.StatusInternalServerError {
		log.ErrorContext(c.Request.Context(), "internal error", "err", err, "request_id", RequestID(c), "route", c.FullPath())
		e = &accounts.Error{Code: codeInternal, Message: "something went wrong on our side; quote the request id if you contact support"}
	}
	status := statusOf(e.Code)
	if status == http.StatusTooManyRequests && e.RetryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(int(e.RetryAfter.Seconds())))
	}
	c.Header("Content-Type", "application/problem+json")
	c.Header("Cache-Control", "no-store")
	c.AbortWithStatusJSON(status, Problem{
		Type:      "/problems/" + string(e.Code),
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    e.Message,
		Code:      string(e.Code),
		Field:     e.Field,
		RequestID: RequestID(c),
	})
}

// NotFound answers unknown API routes in the API's own format.
func (a *API) NotFound(c *gin.Context) {
	WriteProblem(c, a.log, accounts.Errorf(codeRouteNotFound, "no such endpoint: %s %s", c.Request.Method, c.Request.URL.Path))
}

// MethodNotAllowed answers a known path with the wrong method.
func (a *API) MethodNotAllowed(c *gin.Context) {
	WriteProblem(c, a.log, accounts.Errorf(codeMethodNotAllow, "%s is not allowed on %s", c.Request.Method, c.Request.URL.Path))
}
