package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/policy"
)

// ErrorPage explains a refusal or failure: what happened, the stable reason
// code, and the request id to quote.
type ErrorPage struct {
	Frame
	Heading   string
	Message   string
	Code      string
	Back      string
	BackLabel string
}

// RenderError shows d with status.
func (p *Pages) RenderError(c *gin.Context, status int, d ErrorPage) {
	if d.Back == "" {
		d.Back, d.BackLabel = "/", "Go to the start page"
	}
	d.Title = d.Heading
	p.render(c, status, "error", &d)
}

// SessionExpiredPage is the way out of a session that ended: sign in again,
// or sign out everywhere with the password.
type SessionExpiredPage struct {
	Frame
	Message  string
	ReturnTo string
	Error    string
}

// RenderSessionExpired shows d with status 401.
func (p *Pages) RenderSessionExpired(c *gin.Context, status int, d SessionExpiredPage) {
	d.Title = "Session ended"
	d.Message = policy.Message(policy.SessionExpired)
	p.render(c, status, "session_expired", &d)
}

// pageStatus is the HTTP status of a code on a page: the API's mapping,
// plus codes that only pages meet.
func pageStatus(code accounts.Code) int {
	switch code {
	case accounts.CodeInvalidCode, accounts.CodeMFAAttemptEnded, accounts.CodeReauthRequired:
		return http.StatusUnauthorized
	case accounts.CodeInvalidToken, accounts.CodeCaptchaFailed:
		return http.StatusBadRequest
	case accounts.CodeForbidden:
		return http.StatusForbidden
	}
	return statusOf(code)
}

// headings are the page titles of the refusals people meet most.
func heading(code accounts.Code) string {
	switch code {
	case accounts.CodeAccountDeactivated:
		return "Your account is deactivated"
	case accounts.Code(policy.SSORequired):
		return "Single sign-on required"
	case accounts.Code(policy.ManagedByIdP), accounts.Code(policy.EnterprisePassword):
		return "Managed by your identity provider"
	case accounts.CodeRateLimited:
		return "Too many attempts"
	case accounts.CodeNotFound, codeRouteNotFound:
		return "Page not found"
	case codeMethodNotAllow:
		return "Method not allowed"
	case accounts.CodeInvalid, codeMalformed, accounts.CodeCaptchaFailed:
		return "That request could not be used"
	case accounts.CodeConflict:
		return "That cannot be done now"
	case accounts.CodeInvalidToken:
		return "That link does not work any more"
	}
	return "Something went wrong"
}

// fail renders err as an HTML page: a domain error with its reason and safe
// message, anything else logged and shown as an internal error with the
// request id. Bad input is never a 500.
func (p *Pages) fail(c *gin.Context, err error) {
	var e *accounts.Error
	if !errors.As(err, &e) || pageStatus(e.Code) == http.StatusInternalServerError {
		p.log.ErrorContext(c.Request.Context(), "internal error", "err", err, "request_id", RequestID(c), "route", c.FullPath())
		e = &accounts.Error{Code: codeInternal, Message: "Something went wrong on our side. Quote the reference below if you contact support."}
	}
	if e.Code == accounts.CodeSessionExpired {
		p.RenderSessionExpired(c, http.StatusUnauthorized, SessionExpiredPage{})
		return
	}
	if e.Code == accounts.CodeReauthRequired {
		p.RenderReauth(c, http.StatusUnauthorized, ReauthPage{})
		return
	}
	status := pageStatus(e.Code)
	if e.Code == accounts.CodeRateLimited && e.RetryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(int(e.RetryAfter.Seconds()+0.5)))
	}
	msg := e.Message
	if m := policy.Message(policy.Reason(e.Code)); m != "" {
		msg = m
	}
	p.RenderError(c, status, ErrorPage{Heading: heading(e.Code), Message: msg, Code: string(e.Code)})
}

// NotFound answers unknown page URLs.
func (p *Pages) NotFound(c *gin.Context) {
	p.fail(c, accounts.Errorf(codeRouteNotFound, "There is no page at %s.", c.Request.URL.Path))
}

// MethodNotAllowed answers a known page URL asked with the wrong method.
func (p *Pages) MethodNotAllowed(c *gin.Context) {
	p.fail(c, accounts.Errorf(codeMethodNotAllow, "%s is not allowed on %s.", c.Request.Method, c.Request.URL.Path))
}

// CrossOriginDenied is the HTML answer to a form posted from another site;
// it runs outside the router, so it makes its own nonce and reference.
func (p *Pages) CrossOriginDenied(w http.ResponseWriter, r *http.Request) {
	nonce := newNonce()
	setPageHeaders(w.Header(), nonce)
	id := w.Header().Get("X-Request-Id")
	if id == "" {
		id = newNonce()
		w.Header().Set("X-Request-Id", id)
	}
	d := &ErrorPage{
		Frame:   Frame{Title: "Request refused", Nonce: nonce, RequestID: id},
		Heading: "Request refused",
		Message: "This form was sent from another website, so it was not accepted. Open the page on this site and try again.",
		Code:    "cross_origin_request", Back: "/", BackLabel: "Go to the start page",
	}
	if err := p.write(w, http.StatusForbidden, "error", d); err != nil {
		p.log.Error("render cross-origin page", "err", err)
	}
}
