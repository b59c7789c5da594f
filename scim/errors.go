package scim

import (
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"

	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/idbridge/idbridge/accounts"
)

// errPreconditionFailed answers an If-Match naming a version that is not
// the current one.
var errPreconditionFailed = scimerrors.ScimError{
	Status: http.StatusPreconditionFailed,
	Detail: "the resource has changed since the version in If-Match; read it again and retry",
}

// toSCIM maps an error from accounts (or this package) to the SCIM error the
// library renders. Internal errors are logged and shown as "internal error".
func toSCIM(r *http.Request, log *slog.Logger, err error) error {
	var se scimerrors.ScimError
	if errors.As(err, &se) {
		return se
	}
	status, scimType, detail := classify(err)
	if status == http.StatusInternalServerError {
		log.ErrorContext(r.Context(), "scim request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	return scimerrors.ScimError{Status: status, ScimType: scimType, Detail: detail}
}

// classify is the one mapping of accounts error codes to SCIM.
func classify(err error) (status int, scimType scimerrors.ScimType, detail string) {
	var e *accounts.Error
	if !errors.As(err, &e) {
		return http.StatusInternalServerError, "", "internal error"
	}
	detail = e.Message
	if e.Field != "" {
		detail += " (" + e.Field + ")"
	}
	switch e.Code {
	case accounts.CodeInvalid, accounts.CodeWeakPassword:
		return http.StatusBadRequest, scimerrors.ScimTypeInvalidValue, detail
	case accounts.CodeUsernameTaken, accounts.CodeEmailTaken, accounts.CodeGroupNameTaken, accounts.CodeManagedElsewhere:
		return http.StatusConflict, scimerrors.ScimTypeUniqueness, detail
	case accounts.CodeNotFound:
		return http.StatusNotFound, "", "resource not found"
	case accounts.CodeInvalidFilter:
		return http.StatusBadRequest, scimerrors.ScimTypeInvalidFilter, detail
	case accounts.CodeConflict:
		return http.StatusConflict, "", detail
	case accounts.CodeRateLimited:
		return http.StatusTooManyRequests, "", detail
	case accounts.CodeUnauthenticated:
		return http.StatusUnauthorized, "", detail
	}
	return http.StatusInternalServerError, "", "internal error"
}

// writeDomainError renders err itself, for answers outside the library
// (which refuses statuses such as 429).
func writeDomainError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	status, scimType, detail := classify(err)
	if status == http.StatusInternalServerError {
		log.ErrorContext(r.Context(), "scim request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	var e *accounts.Error
	if status == http.StatusTooManyRequests && errors.As(err, &e) && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
	}
	writeError(w, status, scimType, detail)
}

// writeError writes SCIM error JSON (RFC 7644 §3.12).
func writeError(w http.ResponseWriter, status int, scimType scimerrors.ScimType, detail string) {
	body, _ := json.Marshal(scimerrors.ScimError{Status: status, ScimType: scimType, Detail: withRequestID(w, detail)})
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// withRequestID names the request's id (the server sets X-Request-Id on
// every answer) in an error's detail, so an IdP's error log leads to ours.
func withRequestID(w http.ResponseWriter, detail string) string {
	id := w.Header().Get("X-Request-Id")
	if id == "" || strings.Contains(detail, id) {
		return detail
	}
	if detail == "" {
		return "request id " + id
	}
	return detail + " (request id " + id + ")"
}
