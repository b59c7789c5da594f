package accounts

import (
	"errors"
	"fmt"
	"time"
)

// Code is a stable, machine-readable reason. Edges map codes to their
// protocol (problem+json, SCIM error JSON, HTML page); the strings are part of
// the public API and never change meaning.
type Code string

const (
	CodeInvalid            Code = "invalid_input"
	CodeNotFound           Code = "not_found"
	CodeConflict           Code = "conflict"
	CodeUsernameTaken      Code = "username_taken"
	CodeEmailTaken         Code = "email_taken"
	CodeSlugTaken          Code = "slug_taken"
	CodeDomainTaken        Code = "domain_taken"
	CodeAlreadyMember      Code = "already_member"
	CodeWeakPassword       Code = "weak_password"
	CodeInvalidCredentials Code = "invalid_credentials"
	CodeAccountDeactivated Code = "account_deactivated"
	CodeSessionExpired     Code = "session_expired"
	CodeUnauthenticated    Code = "unauthenticated"
	CodeRateLimited        Code = "rate_limited"
	CodeSchemaTooNew       Code = "schema_too_new"
	CodeGroupNameTaken     Code = "group_name_taken"
	CodeManagedElsewhere   Code = "managed_by_other_team"
	CodeInvalidFilter      Code = "invalid_filter"
	// CodeReauthRequired: a sensitive action needs a recent sign-in or
	// password check.
	CodeReauthRequired Code = "reauth_required"
	// CodeMFAAttemptEnded: the second sign-in step ended (too many wrong
	// codes, expired or used); sign in again.
	CodeMFAAttemptEnded Code = "mfa_attempt_ended"
	// CodeInvalidCode: a wrong, reused or expired TOTP or recovery code.
	CodeInvalidCode Code = "invalid_code"
	// CodeInvalidToken: an emailed link that is unknown, used or expired.
	CodeInvalidToken Code = "invalid_token"
	// CodeCaptchaFailed: the proof-of-work solution is missing, wrong,
	// expired or spent.
	CodeCaptchaFailed Code = "captcha_failed"
	// CodeForbidden: the caller may not do this (e.g. not a team admin).
	CodeForbidden      Code = "forbidden"
	CodeIdentityLinked Code = "identity_linked"
	CodeReplayed       Code = "replayed"
)

// Error is a domain error: a stable Code and a Message that is safe to show
// to the person or client that caused it. Field names the offending input,
// when there is one.
type Error struct {
	Code       Code
	Message    string
	Field      string
	RetryAfter time.Duration // set with CodeRateLimited
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Is makes errors.Is(err, ErrNotFound) true for any *Error with the same Code,
// so stores and services may add detail to a message without breaking callers.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Errorf returns an *Error with the given code and a formatted safe message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// InvalidField returns a CodeInvalid error that names the offending field.
func InvalidField(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the Code of the first *Error in err's chain, or "" when
// err is nil or carries no domain meaning (an internal error).
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Sentinel errors returned by stores. Compare with errors.Is.
var (
	ErrNotFound      = &Error{Code: CodeNotFound, Message: "not found"}
	ErrUsernameTaken = &Error{Code: CodeUsernameTaken, Field: "username", Message: "that username is taken; choose another"}
	ErrEmailTaken    = &Error{Code: CodeEmailTaken, Field: "email", Message: "an account with that email address already exists; sign in or reset your password"}
	ErrSlugTaken     = &Error{Code: CodeSlugTaken, Field: "slug", Message: "a team with that slug already exists"}
	ErrDomainTaken   = &Error{Code: CodeDomainTaken, Field: "domain", Message: "that domain is already claimed by this team or verified by another"}
	ErrAlreadyMember = &Error{Code: CodeAlreadyMember, Message: "the user is already a member of that team"}
	ErrConflict      = &Error{Code: CodeConflict, Message: "the record was changed concurrently; try again"}
	// ErrGroupNameTaken: a team's group display names are unique in any
	// letter case, so a group can map to a team role unambiguously.
	ErrGroupNameTaken = &Error{Code: CodeGroupNameTaken, Field: "displayName", Message: "a group with that displayName already exists in this team"}
	// ErrManagedElsewhere: an account is provisioned by at most one team.
	ErrManagedElsewhere = &Error{Code: CodeManagedElsewhere, Message: "the account is already managed by another team's identity provider"}
	// ErrIdentityLinked: a connection's subject links to one account only.
	ErrIdentityLinked = &Error{Code: CodeIdentityLinked, Message: "that identity provider account is already linked"}
	// ErrReplayed: a SAML assertion is accepted once.
	ErrReplayed = &Error{Code: CodeReplayed, Message: "this sign-in response was used already; start again"}
)
