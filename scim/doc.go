// Package scim is idbridge's SCIM 2.0 edge (RFC 7643, RFC 7644): an
// http.Handler, mounted at /scim/v2, through which a team's identity
// provider creates, updates, deactivates and deletes users and groups.
//
// It is a protocol adapter built on github.com/elimity-com/scim. It
// authenticates the bearer token, scopes every call to the token's team,
// sheds load with 429, translates SCIM filters to accounts.Filter, applies
// PATCH operations to the stored resource document, derives
// accounts.SCIMUserFields and accounts.SCIMGroupFields from resources,
// checks If-Match against the stored version, and maps accounts error codes
// to SCIM error JSON naming the request id. Where the library falls short
// it answers itself: list and search responses (lists.go), attributes and
// excludedAttributes (project.go), undeclared attributes (strict.go) and
// identity providers' non-standard bodies (normalize.go).
//
// It must never hold business rules (who may be provisioned, what
// deactivation revokes, uniqueness: accounts and policy decide those), never
// touch a store directly (every read and write goes through
// *accounts.Service), never return a password, and never show an internal
// error's detail to the caller.
package scim
