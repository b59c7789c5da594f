// Package web is the browser and JSON edge of accounts: the /api/v1 handlers
// (sign-up, sign-in with a second factor, sessions, security settings,
// recovery by email, notifications), the "I'm not a robot" check (Captcha)
// that JSON and form posts share, the development mailbox page, and the
// server-rendered pages (Pages: embedded html/template files, one render
// method and data struct per page, a nonce-based Content-Security-Policy).
// Handlers translate HTTP to accounts.Service calls and policy decisions,
// and domain errors to RFC 9457 problem+json or an HTML page with the
// reason and a reference.
//
// It holds no business rules and never imports a store, scim or sso.
package web
